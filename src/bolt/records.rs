//! RECORD messages on the streaming fast path: the only code besides message decoding
//! (`message.rs`) that knows how a RECORD looks on the wire. The session takes the records a
//! connection has buffered whole straight into its records or rows
//! ([`Connection::take_buffered`](super::Connection::take_buffered) with [`at_fields`]), and asks
//! whether the SUCCESS ending them says the server has more, to pull ahead
//! ([`Connection::buffered_batch_has_more`](super::Connection::buffered_batch_has_more)).
//! No I/O: both work on bytes already read.

use super::chunk::ChunkReader;
use super::message::tag;
use crate::packstream::{DecodeOptions, Decoder};
use crate::value::Value;

/// How every RECORD message starts: a one-field structure (0xB1) with the RECORD tag.
const RECORD_START: [u8; 2] = [0xB1, tag::RECORD];

/// Reads the start of a message: `true` when it is a RECORD, `d` then being at its field
/// list; `false` (with `d` anywhere) for any other message.
#[inline]
pub fn at_fields(d: &mut Decoder<'_>) -> bool {
    d.skip_prefix(&RECORD_START)
}

/// Whether the reply after the RECORDs `reader` has buffered is a SUCCESS saying the server
/// has more (`has_more`), without consuming anything: `None` until that reply is buffered
/// whole, when it is another reply, or when its `has_more` is missing or not a boolean.
///
/// Only a short SUCCESS is decoded: one that says `has_more` has that entry and at most one
/// other (the specification and the servers send `{has_more: true}`), while the one ending a
/// result carries its bookmark, type, database and (Neo4j) timings, and `None` is said of it without building its map
/// (which the reply's own read does next anyway: W2 decoded every final summary twice).
#[inline]
pub fn batch_has_more(reader: &mut ChunkReader, opts: DecodeOptions) -> Option<bool> {
    // A one-field structure (0xB1) with the message's tag.
    const SUCCESS: [u8; 2] = [0xB1, tag::SUCCESS];
    /// The most entries a SUCCESS saying `has_more` is looked into with.
    const MAX_ENTRIES: u8 = 2;
    let summary = reader.peek_after(|m| m.starts_with(&RECORD_START))?;
    if !summary.starts_with(&SUCCESS) {
        return None;
    }
    // A tiny map (0xA0 + its size) of more entries, or any longer map, ends the result.
    match summary.get(2) {
        Some(&m) if m & 0xF0 == 0xA0 && m & 0x0F <= MAX_ENTRIES => {}
        _ => return None,
    }
    let mut d = Decoder::new(&summary[2..], opts);
    let meta = d.read_map().ok()?;
    meta.get("has_more").and_then(Value::as_bool)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bolt::chunk;
    use crate::bolt::test_messages::{message, record, success};
    use crate::value::Map;

    /// A reader that has read the first message of `script` and buffered the rest (the last
    /// one cut to `last_len` bytes of its chunked form when given).
    fn reader_after_first(script: &[Vec<u8>], last_len: Option<usize>) -> ChunkReader {
        let mut wire = Vec::new();
        for m in script {
            chunk::write_message(&mut wire, m, chunk::MAX_CHUNK_SIZE);
        }
        if let Some(cut) = last_len {
            let mut last = Vec::new();
            chunk::write_message(&mut last, script.last().unwrap(), chunk::MAX_CHUNK_SIZE);
            wire.truncate(wire.len() - last.len() + cut);
        }
        let mut r = ChunkReader::new(64 * 1024, 1 << 20);
        let mut src = &wire[..];
        assert_eq!(r.read_message(&mut src).unwrap(), &script[0][..]);
        r
    }

    fn fields(msg: &[u8], opts: DecodeOptions) -> Option<Decoder<'_>> {
        let mut d = Decoder::new(msg, opts);
        at_fields(&mut d).then_some(d)
    }

    #[test]
    fn fields_of_a_record_start_at_its_list() {
        let msg = record(7);
        let mut d = fields(&msg, DecodeOptions::default()).unwrap();
        assert_eq!(d.read_list_header(), Ok(1));
        assert_eq!(d.read_value().unwrap(), Value::Int(7));
        assert!(d.is_at_end());
    }

    #[test]
    fn other_replies_have_no_fields() {
        let opts = DecodeOptions::default();
        assert!(fields(&success(&[]), opts).is_none());
        assert!(fields(&message(tag::IGNORED, None), opts).is_none());
        // The RECORD tag with no field list is no RECORD either.
        assert!(fields(&message(tag::RECORD, None), opts).is_none());
        assert!(fields(&[], opts).is_none());
    }

    #[test]
    fn has_more_is_read_from_the_success_after_the_records() {
        let opts = DecodeOptions::default();
        let more = success(&[("has_more", Value::Bool(true))]);
        let mut r = reader_after_first(&[record(1), record(2), record(3), more.clone()], None);
        assert_eq!(batch_has_more(&mut r, opts), Some(true));
        // Looking ahead consumed nothing: the records are still there.
        let mut none: &[u8] = &[];
        assert_eq!(r.read_message(&mut none).unwrap(), &record(2)[..]);

        // has_more with one other entry (a qid, say) is still read.
        let with_qid = success(&[("qid", Value::Int(3)), ("has_more", Value::Bool(true))]);
        let mut r = reader_after_first(&[record(1), with_qid], None);
        assert_eq!(batch_has_more(&mut r, opts), Some(true));

        let done = success(&[("has_more", Value::Bool(false))]);
        let mut r = reader_after_first(&[record(1), done], None);
        assert_eq!(batch_has_more(&mut r, opts), Some(false));
    }

    #[test]
    fn has_more_is_unknown_until_a_success_with_a_boolean_arrives() {
        let opts = DecodeOptions::default();
        let more = success(&[("has_more", Value::Bool(true))]);
        // The summary is not buffered whole yet.
        let mut r = reader_after_first(&[record(1), record(2), more], Some(5));
        assert_eq!(batch_has_more(&mut r, opts), None);
        // A SUCCESS without has_more, or with another type, a FAILURE, an IGNORED.
        let long = [
            ("bookmark", Value::from("bm")),
            ("type", Value::from("r")),
            ("has_more", Value::Bool(true)),
        ];
        for end in [
            success(&[("bookmark", Value::from("bm"))]),
            // Not looked into: a SUCCESS of more than two entries ends a result.
            success(&long),
            success(&[("has_more", Value::Int(1))]),
            message(tag::FAILURE, Some(Value::Map(Map::new()))),
            message(tag::IGNORED, None),
        ] {
            let mut r = reader_after_first(&[record(1), end], None);
            assert_eq!(batch_has_more(&mut r, opts), None);
        }
    }
}
