//! What a finished result leaves for the next one: the metadata maps of its RUN reply and of
//! its final reply, its query text's buffer, its record buffer and its iterator's. A session's
//! queries mostly look alike, and a server's replies of one kind keep their keys in the same
//! order, so the next replies are decoded into the last ones in place
//! ([`crate::packstream::Decoder::read_map_into`]) and the next result's buffers are the last
//! one's: a short query then allocates (and frees) almost nothing for its bookkeeping.
//!
//! At most one of each is kept, and only when small, so what a session holds on to stays
//! bounded whatever it ran (a profile's plan or a huge batch is freed as before).

use super::{Pending, Phase, Record, Stream};
use crate::error::Result;
use crate::packstream::map_size;
use crate::value::Map;
use std::collections::VecDeque;

/// The most a kept metadata map may take (as decoding charges it).
const MAX_META: usize = 4 << 10;
/// The most bytes of query text whose buffer is kept.
const MAX_QUERY: usize = 4 << 10;
/// The most records a kept record buffer may have room for.
const MAX_BUFFER: usize = 256;

/// See the module documentation.
#[derive(Default)]
pub(super) struct Spares {
    /// A RUN reply's metadata, for the next RUN reply.
    run_meta: Option<Map>,
    /// A PULL or DISCARD reply's metadata, for the next one.
    end_meta: Option<Map>,
    query: String,
    buffer: VecDeque<Result<Record>>,
    /// The vector an iterator over a result took its records ahead in
    /// ([`crate::RecordStream`]), for the next iterator.
    records: Vec<Record>,
}

impl Spares {
    /// The map to decode the SUCCESS answering `front` into, if one is kept for its kind
    /// (taken by the decoder only when the reply is a SUCCESS).
    pub(super) fn meta_for(&mut self, front: Option<Pending>) -> Option<&mut Option<Map>> {
        match front? {
            Pending::Run(_) => Some(&mut self.run_meta),
            Pending::Pull(_) | Pending::Discard(_) => Some(&mut self.end_meta),
            _ => None,
        }
    }

    /// A PULL or DISCARD reply's metadata that nothing keeps (a batch's `has_more`), for the
    /// next one.
    pub(super) fn keep_end_meta(&mut self, meta: Map) {
        keep_meta(&mut self.end_meta, meta);
    }

    /// The query text, in the kept buffer when there is one.
    pub(super) fn query(&mut self, query: &str) -> String {
        let mut q = std::mem::take(&mut self.query);
        q.clear();
        q.push_str(query);
        q
    }

    /// An empty record buffer, the kept one when there is one.
    pub(super) fn buffer(&mut self) -> VecDeque<Result<Record>> {
        std::mem::take(&mut self.buffer)
    }

    /// An empty vector for an iterator's records, the kept one when there is one.
    pub(super) fn records(&mut self) -> Vec<Record> {
        std::mem::take(&mut self.records)
    }

    /// Keeps the (emptied) vector of an iterator that is done, when small.
    pub(super) fn keep_records(&mut self, mut records: Vec<Record>) {
        if records.capacity() <= MAX_BUFFER && self.records.capacity() == 0 {
            records.clear();
            self.records = records;
        }
    }

    /// Keeps what `s`, a result that is over and forgotten, leaves.
    pub(super) fn salvage(&mut self, s: Stream) {
        let Stream {
            mut buffer,
            phase,
            run_meta,
            query,
            ..
        } = s;
        if buffer.capacity() <= MAX_BUFFER && self.buffer.capacity() == 0 {
            buffer.clear();
            self.buffer = buffer;
        }
        keep_meta(&mut self.run_meta, run_meta);
        if let Phase::Done(summary) | Phase::Consumed(summary) = phase {
            if let Some((query, run_meta, end_meta)) = summary.into_unbuilt() {
                keep_meta(&mut self.run_meta, run_meta);
                keep_meta(&mut self.end_meta, end_meta);
                self.keep_query(query);
            }
        }
        self.keep_query(query);
    }

    fn keep_query(&mut self, query: String) {
        if query.capacity() <= MAX_QUERY && query.capacity() > self.query.capacity() {
            self.query = query;
        }
    }
}

/// Keeps `meta` in `slot` when the slot is empty and `meta` holds something small.
fn keep_meta(slot: &mut Option<Map>, meta: Map) {
    if slot.is_none() && !meta.is_empty() && map_size(&meta) <= MAX_META {
        *slot = Some(meta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iterators_vector_is_kept_for_the_next_only_when_small_and_once() {
        let mut spares = Spares::default();
        assert_eq!(spares.records().capacity(), 0);
        let mut v = Vec::with_capacity(128);
        v.push(Record::new(["n"], vec![]));
        let ptr = v.as_ptr();
        spares.keep_records(v);
        // A second one while one is kept is dropped, not kept beside it.
        spares.keep_records(Vec::with_capacity(16));
        let kept = spares.records();
        assert_eq!((kept.as_ptr(), kept.len()), (ptr, 0));
        assert!(kept.capacity() >= 128);
        assert_eq!(spares.records().capacity(), 0);
        // Too large to keep.
        spares.keep_records(Vec::with_capacity(MAX_BUFFER + 1));
        assert_eq!(spares.records().capacity(), 0);
    }
}
