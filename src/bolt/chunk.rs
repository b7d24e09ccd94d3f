//! Chunked framing: messages split into chunks of at most 65,535 bytes, each message ended by
//! an empty chunk (`00 00`). Empty chunks between messages are NOOPs (keep-alives, Bolt 4.1+).
//!
//! File length: over 600 lines only with its unit tests (byte tables and split reads for every
//! size boundary).

use std::cell::RefCell;
use std::io::{self, Read};

/// The largest chunk the framing can express.
pub const MAX_CHUNK_SIZE: usize = 0xFFFF;

/// Appends `body` to `out` as one chunked message, using chunks of at most `max_chunk` bytes.
pub fn write_message(out: &mut Vec<u8>, body: &[u8], max_chunk: usize) {
    let max_chunk = max_chunk.clamp(1, MAX_CHUNK_SIZE);
    out.reserve(body.len() + 2 * (body.len() / max_chunk + 2));
    for chunk in body.chunks(max_chunk) {
        // `chunks` yields at most `max_chunk` <= 0xFFFF bytes, so the cast is lossless.
        #[allow(clippy::cast_possible_truncation)]
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out.extend_from_slice(&[0, 0]);
}

/// The read buffer's size before any growth: a handshake, HELLO/LOGON and a few short
/// replies fit without it.
const INITIAL_BUFFER: usize = 4096;

/// The most read buffers ([`INITIAL_BUFFER`] bytes, never grown) a thread keeps from the
/// readers dropped on it, for the next readers made there.
const MAX_SPARE_BUFFERS: usize = 4;

thread_local! {
    /// Read buffers of dropped readers (see [`MAX_SPARE_BUFFERS`]). A connection opened after
    /// another closed on the same thread (a short-lived driver, a pool replacing a connection)
    /// takes one instead of allocating and zeroing a new one. The stale bytes in it are never
    /// read: a reader reads only what it received since (`start..end`).
    static SPARE_BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// A read buffer of [`INITIAL_BUFFER`] bytes: a spare one of this thread's if there is one.
fn initial_buffer() -> Vec<u8> {
    SPARE_BUFFERS
        .try_with(|spares| spares.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| vec![0; INITIAL_BUFFER])
}

/// Why a message could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The transport failed (including timeouts and EOF).
    Io(io::Error),
    /// The message is larger than the configured limit.
    TooLarge {
        /// The configured limit in bytes.
        limit: usize,
    },
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Reads chunked messages from a stream through an internal buffer.
///
/// A message that arrives in a single chunk already in the buffer is returned without copying.
pub struct ChunkReader {
    /// Grows on demand (doubling) up to `capacity`: a connection that only ever reads small
    /// replies never pays for zeroing the full buffer.
    buf: Vec<u8>,
    capacity: usize,
    start: usize,
    end: usize,
    message: Vec<u8>,
    max_message: usize,
    /// Where [`ChunkReader::peek_after`] stopped walking (an index into `buf`; below `start`
    /// means nothing buffered has been walked yet).
    scanned: usize,
}

impl Drop for ChunkReader {
    /// Keeps a buffer that never grew for the thread's next reader (at most
    /// [`MAX_SPARE_BUFFERS`]); a grown one is freed.
    fn drop(&mut self) {
        if self.buf.len() != INITIAL_BUFFER {
            return;
        }
        let buf = std::mem::take(&mut self.buf);
        let _ = SPARE_BUFFERS.try_with(|spares| {
            if let Ok(mut spares) = spares.try_borrow_mut() {
                if spares.len() < MAX_SPARE_BUFFERS {
                    spares.push(buf);
                }
            }
        });
    }
}

/// Where the last message read lives.
enum Loc {
    Buf(usize, usize),
    Assembled,
}

impl ChunkReader {
    /// A reader with a buffer of up to `capacity` bytes (allocated as data arrives) that
    /// rejects messages above `max_message` bytes.
    pub fn new(capacity: usize, max_message: usize) -> Self {
        let capacity = capacity.max(64);
        let buf = if capacity >= INITIAL_BUFFER {
            initial_buffer()
        } else {
            vec![0; capacity]
        };
        ChunkReader {
            buf,
            capacity,
            start: 0,
            end: 0,
            message: Vec::new(),
            max_message,
            scanned: 0,
        }
    }

    /// Number of bytes buffered but not yet consumed.
    pub fn buffered(&self) -> usize {
        self.end - self.start
    }

    /// Reads exactly `n` raw (unchunked) bytes, e.g. a handshake reply.
    ///
    /// # Errors
    /// When the stream fails or ends first.
    pub fn read_raw<R: Read>(&mut self, src: &mut R, n: usize) -> io::Result<Vec<u8>> {
        self.fill_to(src, n)?;
        let out = self.buf[self.start..self.start + n].to_vec();
        self.start += n;
        Ok(out)
    }

    /// Makes at least `n` bytes available at `self.start` (n <= capacity).
    fn fill_to<R: Read>(&mut self, src: &mut R, n: usize) -> io::Result<()> {
        if self.end - self.start >= n {
            return Ok(());
        }
        if self.start + n > self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.scanned = self.scanned.max(self.start) - self.start;
            self.end -= self.start;
            self.start = 0;
        }
        if n > self.buf.len() || self.end * 2 > self.buf.len() {
            self.grow(n);
        }
        while self.end - self.start < n {
            let read = src.read(&mut self.buf[self.end..])?;
            if read == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed by the server",
                ));
            }
            self.end += read;
            if self.end == self.buf.len() {
                // The read filled the buffer: the peer is sending faster than it is read.
                self.grow(n);
            }
        }
        Ok(())
    }

    /// Doubles the buffer (at least to `n` bytes), up to its capacity: growing while the data
    /// outruns the buffer lets a stream of records soon read in the largest blocks.
    fn grow(&mut self, n: usize) {
        let len = self.buf.len();
        if len < self.capacity {
            self.buf.resize((len * 2).max(n).min(self.capacity), 0);
        }
    }

    fn read_chunk_header<R: Read>(&mut self, src: &mut R) -> io::Result<usize> {
        self.fill_to(src, 2)?;
        let size = u16::from_be_bytes([self.buf[self.start], self.buf[self.start + 1]]);
        self.start += 2;
        Ok(usize::from(size))
    }

    /// Reads the next message, skipping NOOP chunks before it, and returns its bytes.
    ///
    /// # Errors
    /// On transport failure, EOF, or a message over the size limit.
    pub fn read_message<R: Read>(&mut self, src: &mut R) -> Result<&[u8], ReadError> {
        let loc = self.read_message_loc(src)?;
        Ok(match loc {
            Loc::Buf(s, e) => &self.buf[s..e],
            Loc::Assembled => &self.message,
        })
    }

    fn read_message_loc<R: Read>(&mut self, src: &mut R) -> Result<Loc, ReadError> {
        let mut size = self.read_chunk_header(src)?;
        while size == 0 {
            size = self.read_chunk_header(src)?;
        }
        self.check_size(size)?;
        // Fast path: the whole chunk and the end marker are buffered already.
        if self.end - self.start >= size + 2 {
            let s = self.start;
            let e = s + size;
            if self.buf[e] == 0 && self.buf[e + 1] == 0 {
                self.start = e + 2;
                return Ok(Loc::Buf(s, e));
            }
        }
        self.message.clear();
        loop {
            self.copy_chunk(src, size)?;
            size = self.read_chunk_header(src)?;
            if size == 0 {
                return Ok(Loc::Assembled);
            }
            self.check_size(self.message.len() + size)?;
        }
    }

    /// Offers the messages already buffered whole, each in a single chunk, to `take` one after
    /// another, without any I/O, up to `max` of them; a message is consumed only when `take`
    /// returns `true`, and the first one declined ends the run. NOOP chunks before a message
    /// are skipped either way. Returns how many were taken.
    ///
    /// This lets a caller decode a run of buffered messages in one tight loop and leave the
    /// first one it does not want (or a multi-chunk one) to [`ChunkReader::read_message`].
    pub fn take_buffered(&mut self, max: usize, mut take: impl FnMut(&[u8]) -> bool) -> usize {
        // The walk keeps its position in a local and reads only the filled part of the buffer.
        let buf = &self.buf[..self.end];
        let mut pos = self.start;
        let mut taken = 0;
        while taken < max {
            let Some(&[hi, lo]) = buf.get(pos..pos + 2) else {
                break;
            };
            let size = usize::from(u16::from_be_bytes([hi, lo]));
            if size == 0 {
                pos += 2;
                continue;
            }
            let body_end = pos + 2 + size;
            if size > self.max_message || buf.get(body_end..body_end + 2) != Some(&[0, 0]) {
                break;
            }
            if !take(&buf[pos + 2..body_end]) {
                break;
            }
            pos = body_end + 2;
            taken += 1;
        }
        self.start = pos;
        taken
    }

    /// Looks ahead, without consuming or reading anything, past the buffered messages that
    /// `skip` accepts, and returns the first one it does not, if that one is buffered whole in
    /// a single chunk. Walking resumes where the previous call stopped, so calling this after
    /// every read costs only the newly buffered bytes.
    ///
    /// This lets a caller see the summary that ends a batch of records as soon as it arrives,
    /// before the records ahead of it are decoded.
    pub fn peek_after(&mut self, skip: impl Fn(&[u8]) -> bool) -> Option<&[u8]> {
        // A slice narrowed message by message, one length check a message: indexing by
        // position paid a range check (a subtraction and two compares) on every read. (The
        // same walk in `take_buffered` made LLVM spill more of the decoding inlined there:
        // W1 through `next_rows` took 9 more instructions a record.)
        let from = self.scanned.max(self.start);
        let mut rest = self.buf.get(from..self.end).unwrap_or_default();
        while let Some(size) = chunk_size(rest) {
            if size == 0 {
                rest = &rest[2..];
                continue;
            }
            let Some((body, next)) = single_chunk_message(rest, size) else {
                break;
            };
            if !skip(body) {
                self.scanned = self.end - rest.len();
                return Some(body);
            }
            rest = next;
        }
        self.scanned = self.end - rest.len();
        None
    }

    fn check_size(&self, size: usize) -> Result<(), ReadError> {
        if size > self.max_message {
            Err(ReadError::TooLarge {
                limit: self.max_message,
            })
        } else {
            Ok(())
        }
    }

    fn copy_chunk<R: Read>(&mut self, src: &mut R, mut size: usize) -> io::Result<()> {
        while size > 0 {
            if self.start == self.end {
                self.fill_to(src, 1)?;
            }
            let take = size.min(self.end - self.start);
            self.message
                .extend_from_slice(&self.buf[self.start..self.start + take]);
            self.start += take;
            size -= take;
        }
        Ok(())
    }
}

/// The size in the chunk header at the start of `rest`; `None` when fewer than two bytes are
/// there.
#[inline(always)]
fn chunk_size(rest: &[u8]) -> Option<usize> {
    let &header = rest.first_chunk::<2>()?;
    Some(usize::from(u16::from_be_bytes(header)))
}

/// The message at the start of `rest` (a chunk header of `size`, then its bytes) when it is
/// there whole in that one chunk, the end marker (`00 00`) right after it: its bytes, and what
/// follows the end marker. `None` otherwise (not all buffered yet, or the message goes on in
/// another chunk).
#[inline(always)]
fn single_chunk_message(rest: &[u8], size: usize) -> Option<(&[u8], &[u8])> {
    // One length check for the header, the bytes and the end marker (`size` <= 0xFFFF).
    let (framed, next) = rest.split_at_checked(size + 4)?;
    let (framed, &end) = framed.split_last_chunk::<2>()?;
    // Both bytes in one compare.
    (u16::from_ne_bytes(end) == 0).then(|| (&framed[2..], next))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read, to test split reads.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn seed_one_chunk() {
        let body = hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
        let mut out = Vec::new();
        write_message(&mut out, &body, 16);
        assert_eq!(
            out,
            hex("00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 00 00")
        );
    }

    #[test]
    fn seed_two_chunks() {
        let body = hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 01 02 03 04");
        let mut out = Vec::new();
        write_message(&mut out, &body, 16);
        let expected =
            hex("00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 00 04 01 02 03 04 00 00");
        assert_eq!(out, expected);
        let mut r = ChunkReader::new(64, 1 << 20);
        let mut src = &expected[..];
        assert_eq!(r.read_message(&mut src).unwrap(), &body[..]);
    }

    #[test]
    fn seed_two_messages() {
        let m1 = hex("00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F");
        let m2 = hex("0F 0E 0D 0C 0B 0A 09 08");
        let mut out = Vec::new();
        write_message(&mut out, &m1, 16);
        write_message(&mut out, &m2, 16);
        let mut expected = hex("00 10 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 00 00");
        expected.extend(hex("00 08 0F 0E 0D 0C 0B 0A 09 08 00 00"));
        assert_eq!(out, expected);
        let mut r = ChunkReader::new(64, 1 << 20);
        let mut src = &expected[..];
        assert_eq!(r.read_message(&mut src).unwrap(), &m1[..]);
        assert_eq!(r.read_message(&mut src).unwrap(), &m2[..]);
    }

    #[test]
    fn sizes_0_1_65535_65536_round_trip_across_split_reads() {
        for size in [0usize, 1, 65535, 65536, 200_000] {
            let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let mut wire = Vec::new();
            write_message(&mut wire, &body, MAX_CHUNK_SIZE);
            // a message of 0 bytes is just the end marker, which reads as a NOOP; append
            // a 1-byte message after it so the reader has something to return.
            write_message(&mut wire, &[7], MAX_CHUNK_SIZE);
            for step in [1usize, 3, 4096, usize::MAX] {
                let mut r = ChunkReader::new(8192, 1 << 20);
                let mut src = Trickle { data: &wire, step };
                if size > 0 {
                    assert_eq!(r.read_message(&mut src).unwrap(), &body[..], "size {size}");
                }
                assert_eq!(r.read_message(&mut src).unwrap(), &[7], "size {size}");
            }
        }
        let mut wire = Vec::new();
        write_message(&mut wire, &vec![1; 65536], MAX_CHUNK_SIZE);
        assert_eq!(&wire[..2], &[0xFF, 0xFF]);
        assert_eq!(&wire[65537..65541], &[0x00, 0x01, 1, 0]);
    }

    /// A reader dropped with its first buffer leaves it to the next reader made on the same
    /// thread, which never reads the bytes left in it; a grown buffer is freed.
    #[test]
    fn a_dropped_reader_s_buffer_serves_the_next_and_its_old_bytes_are_never_read() {
        // Each test runs on a thread of its own: the list starts empty.
        let mut wire = Vec::new();
        write_message(&mut wire, b"first reader's reply", MAX_CHUNK_SIZE);
        write_message(&mut wire, b"left unread", MAX_CHUNK_SIZE);
        let mut r = ChunkReader::new(64 * 1024, 1 << 20);
        let mut src = &wire[..];
        assert_eq!(r.read_message(&mut src).unwrap(), b"first reader's reply");
        assert!(r.buffered() > 0, "the second message is buffered");
        let first = r.buf.as_ptr();
        drop(r);
        let mut r = ChunkReader::new(64 * 1024, 1 << 20);
        assert_eq!(r.buf.as_ptr(), first, "the spare buffer");
        assert_eq!(r.buffered(), 0);
        // Nothing received: end of file, not the stale message.
        let e = r.read_message(&mut &[][..]).unwrap_err();
        assert!(matches!(e, ReadError::Io(ref e) if e.kind() == io::ErrorKind::UnexpectedEof));
        let mut two = Vec::new();
        write_message(&mut two, b"x", MAX_CHUNK_SIZE);
        assert_eq!(r.read_message(&mut &two[..]).unwrap(), b"x");
        // Grown: freed, so the next reader allocates.
        let big = vec![9u8; 20_000];
        let mut wire = Vec::new();
        write_message(&mut wire, &big, MAX_CHUNK_SIZE);
        assert_eq!(r.read_message(&mut &wire[..]).unwrap(), &big[..]);
        assert!(r.buf.len() > INITIAL_BUFFER);
        drop(r);
        assert!(SPARE_BUFFERS.with(|s| s.borrow().is_empty()));
        // At most MAX_SPARE_BUFFERS are kept.
        let readers: Vec<_> = (0..MAX_SPARE_BUFFERS + 2)
            .map(|_| ChunkReader::new(64 * 1024, 1 << 20))
            .collect();
        drop(readers);
        assert_eq!(SPARE_BUFFERS.with(|s| s.borrow().len()), MAX_SPARE_BUFFERS);
    }

    #[test]
    fn the_buffer_starts_small_and_grows_to_its_capacity_only_while_data_outruns_it() {
        let mut wire = Vec::new();
        for i in 0..2000u32 {
            write_message(&mut wire, &i.to_be_bytes(), MAX_CHUNK_SIZE);
        }
        let mut r = ChunkReader::new(64 * 1024, 1 << 20);
        assert_eq!(r.buf.len(), INITIAL_BUFFER);
        // Short replies read one at a time never grow it.
        let mut src = Trickle {
            data: &wire[..80],
            step: 8,
        };
        for i in 0..10u32 {
            assert_eq!(r.read_message(&mut src).unwrap(), &i.to_be_bytes());
        }
        assert_eq!(r.buf.len(), INITIAL_BUFFER);
        // A flood of records (reads filling the buffer) grows it, capped at the capacity.
        let mut src = &wire[80..];
        for i in 10..2000u32 {
            assert_eq!(r.read_message(&mut src).unwrap(), &i.to_be_bytes());
        }
        assert_eq!(r.buf.len(), 16 * 1024);
        let big = vec![7u8; 100_000];
        let mut wire = Vec::new();
        write_message(&mut wire, &big, MAX_CHUNK_SIZE);
        let mut src = &wire[..];
        assert_eq!(r.read_message(&mut src).unwrap(), &big[..]);
        assert_eq!(r.buf.len(), 64 * 1024);
    }

    #[test]
    fn noop_chunks_are_skipped() {
        let wire = hex("00 00 00 00 00 02 B0 7E 00 00 00 00 00 02 B0 70 00 00");
        let mut r = ChunkReader::new(64, 1024);
        let mut src = &wire[..];
        assert_eq!(r.read_message(&mut src).unwrap(), &[0xB0, 0x7E]);
        assert_eq!(r.read_message(&mut src).unwrap(), &[0xB0, 0x70]);
    }

    #[test]
    fn oversized_and_truncated_messages_are_errors() {
        let mut wire = Vec::new();
        write_message(&mut wire, &[1; 100], 30);
        let mut r = ChunkReader::new(64, 50);
        assert!(matches!(
            r.read_message(&mut &wire[..]),
            Err(ReadError::TooLarge { limit: 50 })
        ));
        for cut in 0..wire.len() {
            let mut r = ChunkReader::new(64, 1024);
            assert!(matches!(
                r.read_message(&mut &wire[..cut]),
                Err(ReadError::Io(_))
            ));
        }
    }

    #[test]
    fn take_buffered_offers_only_whole_single_chunk_messages() {
        // NOOP, "A1 A2", "B1", then a two-chunk message "C1 C2", then half of "D1 D2".
        let wire = hex("00 00 00 02 A1 A2 00 00 00 01 B1 00 00 00 01 C1 00 01 C2 00 00 00 02 D1");
        let mut r = ChunkReader::new(64, 1 << 20);
        // Nothing buffered yet: nothing offered, no I/O.
        assert_eq!(r.take_buffered(8, |_| true), 0);
        let mut src = &wire[..];
        r.fill_to(&mut src, wire.len()).unwrap();
        // Declined: stays for read_message.
        let mut seen = Vec::new();
        let declined = r.take_buffered(8, |b| {
            seen.extend_from_slice(b);
            false
        });
        assert_eq!(declined, 0);
        assert_eq!(seen, hex("A1 A2"));
        // At most `max`, in order.
        assert_eq!(r.take_buffered(1, |b| b == hex("A1 A2")), 1);
        assert_eq!(r.take_buffered(8, |b| b == hex("B1")), 1);
        // A message in two chunks is left to read_message.
        assert_eq!(r.take_buffered(8, |_| true), 0);
        let mut empty: &[u8] = &[];
        assert_eq!(r.read_message(&mut empty).unwrap(), &hex("C1 C2")[..]);
        // A message not buffered whole is not offered either.
        assert_eq!(r.take_buffered(8, |_| true), 0);
        assert_eq!(r.buffered(), 3);
    }

    #[test]
    fn take_buffered_takes_a_run_and_stops_at_the_first_declined() {
        // Three one-byte messages with a NOOP between the first two, then "FF".
        let wire = hex("00 01 01 00 00 00 00 00 01 02 00 00 00 01 03 00 00 00 01 FF 00 00");
        let mut r = ChunkReader::new(64, 1 << 20);
        let mut src = &wire[..];
        r.fill_to(&mut src, wire.len()).unwrap();
        let mut seen = Vec::new();
        let taken = r.take_buffered(10, |b| {
            seen.push(b[0]);
            b[0] != 0xFF
        });
        assert_eq!((taken, seen), (3, vec![1, 2, 3, 0xFF]));
        let mut empty: &[u8] = &[];
        assert_eq!(r.read_message(&mut empty).unwrap(), &[0xFF]);
    }

    #[test]
    fn take_buffered_respects_the_size_limit() {
        let wire = hex("00 03 01 02 03 00 00");
        let mut r = ChunkReader::new(64, 2);
        let mut src = &wire[..];
        r.fill_to(&mut src, wire.len()).unwrap();
        assert_eq!(r.take_buffered(8, |_| true), 0);
        assert!(matches!(
            r.read_message(&mut src),
            Err(ReadError::TooLarge { limit: 2 })
        ));
    }

    #[test]
    fn peek_after_finds_the_first_other_message_and_walks_each_byte_once() {
        // Two "records" (R), a NOOP, an "S" summary, then a record split over two reads.
        let wire =
            hex("00 02 52 01 00 00 00 02 52 02 00 00 00 00 00 02 53 09 00 00 00 02 52 03 00 00");
        let is_record = |m: &[u8]| m.first() == Some(&0x52);
        let mut r = ChunkReader::new(64, 1 << 20);
        assert_eq!(r.peek_after(is_record), None);
        // Only the two records and part of the summary have arrived.
        let mut src = &wire[..16];
        r.fill_to(&mut src, 16).unwrap();
        assert_eq!(r.peek_after(is_record), None);
        let walked = r.scanned;
        assert_eq!(
            walked, 14,
            "stops before the partial summary, past the NOOP"
        );
        let mut rest = &wire[16..];
        r.fill_to(&mut rest, wire.len() - 16 + r.buffered())
            .unwrap();
        assert_eq!(r.peek_after(is_record), Some(&hex("53 09")[..]));
        // Peeking consumed nothing: the records are read in order, then the summary.
        let mut empty: &[u8] = &[];
        assert_eq!(r.read_message(&mut empty).unwrap(), &hex("52 01")[..]);
        assert_eq!(r.peek_after(is_record), Some(&hex("53 09")[..]));
        r.read_message(&mut empty).unwrap();
        assert_eq!(r.read_message(&mut empty).unwrap(), &hex("53 09")[..]);
        // Past the summary: the next record is skipped, nothing else is buffered.
        assert_eq!(r.peek_after(is_record), None);
        assert_eq!(r.read_message(&mut empty).unwrap(), &hex("52 03")[..]);
    }

    #[test]
    fn peek_after_survives_compaction_and_ignores_split_or_truncated_messages() {
        let is_record = |m: &[u8]| m.first() == Some(&0x52);
        let mut r = ChunkReader::new(64, 1 << 20);
        // Fill most of the buffer with records, read them, then compact with new data.
        let mut wire = Vec::new();
        for i in 0..10u8 {
            write_message(&mut wire, &[0x52, i], MAX_CHUNK_SIZE);
        }
        let mut src = &wire[..];
        r.fill_to(&mut src, wire.len()).unwrap();
        assert_eq!(r.peek_after(is_record), None);
        let mut empty: &[u8] = &[];
        for _ in 0..9 {
            r.read_message(&mut empty).unwrap();
        }
        let mut more = Vec::new();
        write_message(&mut more, &[0x53, 1, 2, 3], MAX_CHUNK_SIZE);
        let mut src = &more[..];
        // 6 bytes left of the 60 buffered; 64 - 54 < 8 more needed, so fill_to compacts.
        r.fill_to(&mut src, r.buffered() + more.len()).unwrap();
        assert_eq!(r.peek_after(is_record), Some(&[0x53, 1, 2, 3][..]));
        // A message in two chunks is not offered (the caller falls back to reading it).
        let mut r = ChunkReader::new(64, 1 << 20);
        let split = hex("00 01 53 00 01 09 00 00");
        let mut src = &split[..];
        r.fill_to(&mut src, split.len()).unwrap();
        assert_eq!(r.peek_after(is_record), None);
        // A chunk header claiming more than is buffered: nothing, and no panic.
        let mut r = ChunkReader::new(64, 1 << 20);
        let claim = hex("FF FF 53");
        let mut src = &claim[..];
        r.fill_to(&mut src, claim.len()).unwrap();
        assert_eq!(r.peek_after(is_record), None);
    }
}
