//! The version handshake: the magic preamble, four proposals, the server's choice, and the
//! manifest negotiation of Bolt 5.7+ servers.
//!
//! A proposal is four bytes `[0, range, minor, major]`: `range` minor versions below `minor`
//! are accepted too (4.3+ servers understand ranges). `00 00 01 FF` proposes manifest v1: a
//! server that knows it answers with the same four bytes followed by the list of versions it
//! speaks and a capability mask, and the client then names its choice.

use super::chunk::ChunkReader;
use super::version::Version;
use std::fmt;
use std::io::{self, Read, Write};

/// The Bolt magic preamble.
pub const MAGIC: [u8; 4] = [0x60, 0x60, 0xB0, 0x17];

/// One of the four handshake proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proposal {
    /// Exactly this version.
    Exact(Version),
    /// `top` and the `back` minor versions below it.
    Range {
        /// The highest version.
        top: Version,
        /// How many minor versions below `top` are also accepted.
        back: u8,
    },
    /// Manifest negotiation, version 1.
    ManifestV1,
}

impl Proposal {
    fn bytes(self) -> [u8; 4] {
        match self {
            Proposal::Exact(v) => [0, 0, v.minor, v.major],
            Proposal::Range { top, back } => [0, back, top.minor, top.major],
            Proposal::ManifestV1 => [0, 0, 1, 0xFF],
        }
    }
}

/// The default proposal sets, tried in order while the server answers "none".
///
/// The first covers Bolt 3 and every server that understands version ranges (4.2+, and through
/// the manifest 6.x); the second the 4.0/4.1 servers that predate ranges, and Bolt 1-2.
pub const DEFAULT_PROPOSALS: &[[Option<Proposal>; 4]] = &[
    [
        Some(Proposal::ManifestV1),
        Some(Proposal::Range {
            top: Version::new(5, 8),
            back: 8,
        }),
        Some(Proposal::Range {
            top: Version::new(4, 4),
            back: 4,
        }),
        Some(Proposal::Exact(Version::new(3, 0))),
    ],
    [
        Some(Proposal::Exact(Version::new(4, 1))),
        Some(Proposal::Exact(Version::new(4, 0))),
        Some(Proposal::Exact(Version::new(2, 0))),
        Some(Proposal::Exact(Version::new(1, 0))),
    ],
];

/// The 20 bytes the client sends: magic and four proposals (absent ones are zero).
pub fn request(proposals: &[Option<Proposal>; 4]) -> [u8; 20] {
    let mut out = [0u8; 20];
    out[..4].copy_from_slice(&MAGIC);
    for (i, p) in proposals.iter().enumerate() {
        if let Some(p) = p {
            out[4 + 4 * i..8 + 4 * i].copy_from_slice(&p.bytes());
        }
    }
    out
}

/// Why a handshake failed.
#[derive(Debug)]
pub enum HandshakeError {
    /// The server supports none of the proposed versions (it answered `00 00 00 00`).
    NoCommonVersion,
    /// The server answered with something that is not Bolt (e.g. an HTTP server).
    NotBolt([u8; 4]),
    /// The server chose a version that was not proposed.
    Unexpected(Version),
    /// The manifest listed no version this driver speaks.
    ManifestNoMatch(Vec<Version>),
    /// The manifest was malformed.
    BadManifest(&'static str),
    /// The transport failed (closed, timed out).
    Io(io::Error),
}

impl From<io::Error> for HandshakeError {
    fn from(e: io::Error) -> Self {
        HandshakeError::Io(e)
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::NoCommonVersion => {
                f.write_str("the server supports none of the proposed Bolt versions")
            }
            HandshakeError::NotBolt(b) => write!(
                f,
                "the server is not a Bolt server (it answered {:02X} {:02X} {:02X} {:02X})",
                b[0], b[1], b[2], b[3]
            ),
            HandshakeError::Unexpected(v) => {
                write!(f, "the server chose Bolt {v}, which was not proposed")
            }
            HandshakeError::ManifestNoMatch(vs) => {
                write!(
                    f,
                    "the server offers only Bolt versions this driver does not speak: {vs:?}"
                )
            }
            HandshakeError::BadManifest(why) => write!(f, "malformed handshake manifest: {why}"),
            HandshakeError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                f.write_str("the server closed the connection during the handshake")
            }
            HandshakeError::Io(e) => write!(f, "handshake failed: {e}"),
        }
    }
}

/// Whether `version` is covered by `p`.
fn covers(p: Proposal, version: Version) -> bool {
    match p {
        Proposal::Exact(v) => v == version,
        Proposal::Range { top, back } => {
            version.major == top.major
                && version.minor <= top.minor
                && version.minor >= top.minor.saturating_sub(back)
        }
        Proposal::ManifestV1 => false,
    }
}

/// Runs the handshake over `stream` with `proposals`; returns the agreed version.
///
/// # Errors
/// See [`HandshakeError`].
pub fn perform<S: Read + Write>(
    stream: &mut S,
    reader: &mut ChunkReader,
    proposals: &[Option<Proposal>; 4],
) -> Result<Version, HandshakeError> {
    stream.write_all(&request(proposals))?;
    stream.flush()?;
    let reply = reader.read_raw(stream, 4)?;
    let reply = [reply[0], reply[1], reply[2], reply[3]];
    match reply {
        [0, 0, 0, 0] => Err(HandshakeError::NoCommonVersion),
        [0, 0, 1, 0xFF] if proposals.contains(&Some(Proposal::ManifestV1)) => {
            manifest_v1(stream, reader)
        }
        [0, 0, minor, major] => {
            let v = Version::new(major, minor);
            let proposed = proposals.iter().flatten().any(|p| covers(*p, v));
            if proposed && v.is_supported() {
                Ok(v)
            } else {
                Err(HandshakeError::Unexpected(v))
            }
        }
        other => Err(HandshakeError::NotBolt(other)),
    }
}

fn read_varint<S: Read>(stream: &mut S, reader: &mut ChunkReader) -> Result<u64, HandshakeError> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let b = reader.read_raw(stream, 1)?[0];
        value |= u64::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(HandshakeError::BadManifest("varint too long"))
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        // Masked to 7 bits, so the cast is lossless.
        #[allow(clippy::cast_possible_truncation)]
        let b = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// The manifest v1 exchange, after the server echoed `00 00 01 FF`.
fn manifest_v1<S: Read + Write>(
    stream: &mut S,
    reader: &mut ChunkReader,
) -> Result<Version, HandshakeError> {
    let count = read_varint(stream, reader)?;
    if count > 256 {
        return Err(HandshakeError::BadManifest("too many versions"));
    }
    let mut offered = Vec::new();
    for _ in 0..count {
        let b = reader.read_raw(stream, 4)?;
        let top = Version::new(b[3], b[2]);
        for back in 0..=b[1].min(top.minor) {
            offered.push(Version::new(top.major, top.minor - back));
        }
    }
    let _capabilities = read_varint(stream, reader)?;
    let chosen = Version::SUPPORTED
        .iter()
        .find(|v| offered.contains(v))
        .copied();
    let mut reply = Vec::with_capacity(5);
    match chosen {
        Some(v) => reply.extend_from_slice(&[0, 0, v.minor, v.major]),
        None => reply.extend_from_slice(&[0, 0, 0, 0]),
    }
    write_varint(&mut reply, 0);
    stream.write_all(&reply)?;
    stream.flush()?;
    chosen.ok_or(HandshakeError::ManifestNoMatch(offered))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// In-memory duplex: reads from `input`, records writes.
    struct Duplex {
        input: io::Cursor<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Read for Duplex {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Duplex {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn run(reply: &[u8], p: &[Option<Proposal>; 4]) -> (Result<Version, HandshakeError>, Vec<u8>) {
        let mut d = Duplex {
            input: io::Cursor::new(reply.to_vec()),
            written: Vec::new(),
        };
        let mut r = ChunkReader::new(64, 1024);
        let res = perform(&mut d, &mut r, p);
        (res, d.written)
    }

    const V1_ONLY: [Option<Proposal>; 4] =
        [Some(Proposal::Exact(Version::new(1, 0))), None, None, None];

    #[test]
    fn seed_v1_handshake_bytes() {
        let (res, written) = run(&[0, 0, 0, 1], &V1_ONLY);
        assert_eq!(res.unwrap(), Version::new(1, 0));
        assert_eq!(
            written,
            [0x60, 0x60, 0xB0, 0x17, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn seed_none_supported() {
        let (res, _) = run(&[0, 0, 0, 0], &V1_ONLY);
        assert!(matches!(res, Err(HandshakeError::NoCommonVersion)));
    }

    #[test]
    fn default_proposals_bytes() {
        let req = request(&DEFAULT_PROPOSALS[0]);
        assert_eq!(
            &req[4..],
            &[0, 0, 1, 0xFF, 0, 8, 8, 5, 0, 4, 4, 4, 0, 0, 0, 3]
        );
    }

    #[test]
    fn range_reply_is_accepted() {
        let (res, _) = run(&[0, 0, 7, 5], &DEFAULT_PROPOSALS[0]);
        assert_eq!(res.unwrap(), Version::new(5, 7));
        let (res, _) = run(&[0, 0, 1, 4], &DEFAULT_PROPOSALS[0]);
        assert_eq!(res.unwrap(), Version::new(4, 1));
        let (res, _) = run(&[0, 0, 1, 4], &V1_ONLY);
        assert!(matches!(res, Err(HandshakeError::Unexpected(_))));
    }

    #[test]
    fn http_and_closed_peers_are_clear_errors() {
        let (res, _) = run(b"HTTP/1.1 400", &DEFAULT_PROPOSALS[0]);
        let err = res.unwrap_err();
        assert!(matches!(err, HandshakeError::NotBolt(_)));
        assert!(err.to_string().contains("not a Bolt server"));
        let (res, _) = run(&[], &DEFAULT_PROPOSALS[0]);
        assert!(res.unwrap_err().to_string().contains("closed"));
    }

    #[test]
    fn manifest_picks_the_newest_common_version() {
        // manifest v1, 2 entries: 6.0 (range 0) and 5.8..5.0, capabilities 0
        let reply = [0, 0, 1, 0xFF, 2, 0, 0, 0, 6, 0, 8, 8, 5, 0];
        let (res, written) = run(&reply, &DEFAULT_PROPOSALS[0]);
        assert_eq!(res.unwrap(), Version::new(6, 0));
        assert_eq!(&written[20..], &[0, 0, 0, 6, 0]);
        // a manifest with only unknown versions
        let reply = [0, 0, 1, 0xFF, 1, 0, 0, 0, 9, 0];
        let (res, written) = run(&reply, &DEFAULT_PROPOSALS[0]);
        assert!(matches!(res, Err(HandshakeError::ManifestNoMatch(_))));
        assert_eq!(&written[20..], &[0, 0, 0, 0, 0]);
    }

    #[test]
    fn varint_round_trip() {
        for v in [0u64, 1, 127, 128, 300, u64::from(u32::MAX)] {
            let mut out = Vec::new();
            write_varint(&mut out, v);
            let mut d = Duplex {
                input: io::Cursor::new(out),
                written: Vec::new(),
            };
            let mut r = ChunkReader::new(64, 64);
            assert_eq!(read_varint(&mut d, &mut r).unwrap(), v);
        }
    }
}
