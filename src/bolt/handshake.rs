//! The version handshake: the magic preamble, four proposals, the server's choice, and the
//! manifest negotiation of Bolt 5.7+ servers.
//!
//! A proposal is four bytes `[0, range, minor, major]`: `range` minor versions below `minor`
//! are accepted too (4.3+ servers understand ranges). `00 00 01 FF` proposes manifest v1: a
//! server that knows it answers with the same four bytes followed by the list of versions it
//! speaks and a capability mask, and the client then names its choice.
//!
//! Servers read proposals differently: Bolt 3 servers look only at the major byte, 4.0-4.2
//! servers (and TestKit's stubs for them) at the major and minor bytes (no ranges), 4.3+ servers
//! understand ranges, 5.7+ servers also the manifest. The driver's proposal sets are chosen so
//! one connection serves every server it is likely to meet:
//!
//! | when                                      | proposal                                  |
//! |-------------------------------------------|-------------------------------------------|
//! | first connection to an address ([`FIRST`])| `5.8..5.0, 4.4..4.2, 4.1, 3.0`            |
//! | after "none" ([`FALLBACK`])               | `manifest v1, 4.0, 2.0, 1.0`              |
//! | address known for 5.7+ ([`MANIFEST_FIRST`]) | `manifest v1, 5.8..5.0, 4.4..4.2, 3.0`  |
//!
//! The driver remembers per address whether the server negotiated 5.7+ (see
//! [`speaks_manifest`]); Bolt 6 is reached through the manifest only. [`perform`] takes any
//! explicit proposal list.

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

const fn range(major: u8, top: u8, bottom: u8) -> Option<Proposal> {
    Some(Proposal::Range {
        top: Version::new(major, top),
        back: top - bottom,
    })
}

const fn exact(major: u8, minor: u8) -> Option<Proposal> {
    Some(Proposal::Exact(Version::new(major, minor)))
}

/// The first proposal to an address not known to speak the manifest:
/// `[5.8..5.0, 4.4..4.2, 4.1, 3.0]`.
///
/// Servers that understand ranges (4.3+, and 4.2 releases with the backport) pick from the
/// ranges; 4.1 and 4.2 servers that read only the major and minor bytes see `5.8, 4.4, 4.1, 3.0`
/// and pick 4.1; Bolt 3 servers read only the major byte and pick 3.0. No manifest: a 5.7+
/// server answers 5.x here, and the driver proposes the manifest to it from then on.
pub const FIRST: [Option<Proposal>; 4] = [range(5, 8, 0), range(4, 4, 2), exact(4, 1), exact(3, 0)];

/// The proposal after a server answered "none" to [`FIRST`]: `[manifest v1, 4.0, 2.0, 1.0]`.
///
/// Reaches servers that speak only through the manifest (e.g. a Bolt 6-only server), 4.0
/// servers without Bolt 3, and Bolt 1-2 servers.
pub const FALLBACK: [Option<Proposal>; 4] = [
    Some(Proposal::ManifestV1),
    exact(4, 0),
    exact(2, 0),
    exact(1, 0),
];

/// The first proposal to an address whose server negotiated Bolt 5.7+ before (every such server
/// speaks the manifest): `[manifest v1, 5.8..5.0, 4.4..4.2, 3.0]`, so 6.x is negotiated there.
pub const MANIFEST_FIRST: [Option<Proposal>; 4] = [
    Some(Proposal::ManifestV1),
    range(5, 8, 0),
    range(4, 4, 2),
    exact(3, 0),
];

/// The proposals tried in order, one connection each, while the server answers "none", for an
/// address not known to speak the manifest.
pub const DEFAULT_PROPOSALS: &[[Option<Proposal>; 4]] = &[FIRST, FALLBACK];

/// The proposals tried in order for an address known to speak the manifest. If the server there
/// changed, the later sets reach whatever [`DEFAULT_PROPOSALS`] reaches.
pub const MANIFEST_PROPOSALS: &[[Option<Proposal>; 4]] = &[MANIFEST_FIRST, FIRST, FALLBACK];

/// Whether a server that negotiated `version` speaks the manifest (Bolt 5.7 introduced it).
pub fn speaks_manifest(version: Version) -> bool {
    version >= Version::new(5, 7)
}

/// The first proposal to an address whose server settled on Bolt 3.0 while calling itself
/// Neo4j 4.0 (see [`settled_below_4_0`]): `[4.0, 5.8..5.0, 4.4..4.2, 3.0]`.
///
/// A 4.0 server reads only the major and minor bytes, so [`FIRST`] shows it 5.8, 4.4 and 4.1,
/// none of which it speaks, and it picks 3.0, losing what 4.0 brought (database selection,
/// PULL with `n`). Here it sees 4.0 first and takes it. Newer servers at that address still
/// find their versions in the ranges (a 4.1 or 4.2 server would take 4.0, which it also
/// speaks; the memory then forgets the address, see [`settled_below_4_0`]).
pub const FOUR_ZERO_FIRST: [Option<Proposal>; 4] =
    [exact(4, 0), range(5, 8, 0), range(4, 4, 2), exact(3, 0)];

/// The proposals tried in order for an address whose server is a Neo4j 4.0 that [`FIRST`] left
/// on Bolt 3.0. If the server there changed, the later sets reach whatever
/// [`DEFAULT_PROPOSALS`] reaches.
pub const FOUR_ZERO_PROPOSALS: &[[Option<Proposal>; 4]] = &[FOUR_ZERO_FIRST, FIRST, FALLBACK];

/// Whether a connection that negotiated `version` with a server whose agent is `agent` shows a
/// Neo4j 4.0 that speaks Bolt 4.0 but was not offered it first: Bolt 3.0 or 4.0 from a
/// `Neo4j/4.0.x` agent (with 4.0, the proposal that reached it must stay).
///
/// Only 4.0 counts: Neo4j 4.1 and newer read the minor byte and find 4.1 (or a range) in
/// [`FIRST`], so they never settle on 3.0 with it; a server that does while calling itself
/// 4.1+ is not a real Neo4j (TestKit's Bolt 3 stub scripts call themselves `Neo4j/4.3.0` or
/// `Neo4j/4.4.0` and accept one connection only). Agents that are not Neo4j's, or carry no
/// version, never count.
pub fn settled_below_4_0(version: Version, agent: &str) -> bool {
    let is_4_0 = neo4j_version(agent) == Some((4, 0));
    is_4_0 && (version == Version::new(3, 0) || version == Version::new(4, 0))
}

/// Whether such a Neo4j 4.0 (see [`settled_below_4_0`]) was left on Bolt 3.0: a new connection
/// proposing [`FOUR_ZERO_FIRST`] would get 4.0.
pub fn missed_4_0(version: Version, agent: &str) -> bool {
    settled_below_4_0(version, agent) && version < Version::new(4, 0)
}

/// The major and minor version of a `Neo4j/<major>.<minor>[...]` agent.
fn neo4j_version(agent: &str) -> Option<(u32, u32)> {
    let rest = agent.strip_prefix("Neo4j/")?;
    let mut parts = rest.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

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
    send(stream, proposals)?;
    agree(stream, reader, proposals)
}

/// The first half of [`perform`]: sends the magic preamble and `proposals`.
///
/// # Errors
/// [`HandshakeError::Io`] when the write fails.
pub fn send<S: Write>(
    stream: &mut S,
    proposals: &[Option<Proposal>; 4],
) -> Result<(), HandshakeError> {
    stream.write_all(&request(proposals))?;
    stream.flush()?;
    Ok(())
}

/// The second half of [`perform`]: reads the server's answer to [`send`] (and, for the
/// manifest, completes the exchange); returns the agreed version.
///
/// # Errors
/// See [`HandshakeError`].
pub fn agree<S: Read + Write>(
    stream: &mut S,
    reader: &mut ChunkReader,
    proposals: &[Option<Proposal>; 4],
) -> Result<Version, HandshakeError> {
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
    fn proposal_set_bytes() {
        assert_eq!(
            &request(&FIRST)[4..],
            &[0, 8, 8, 5, 0, 2, 4, 4, 0, 0, 1, 4, 0, 0, 0, 3]
        );
        assert_eq!(
            &request(&FALLBACK)[4..],
            &[0, 0, 1, 0xFF, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0, 0, 1]
        );
        assert_eq!(
            &request(&MANIFEST_FIRST)[4..],
            &[0, 0, 1, 0xFF, 0, 8, 8, 5, 0, 2, 4, 4, 0, 0, 0, 3]
        );
        assert_eq!(DEFAULT_PROPOSALS, &[FIRST, FALLBACK]);
        assert_eq!(MANIFEST_PROPOSALS, &[MANIFEST_FIRST, FIRST, FALLBACK]);
        assert_eq!(
            &request(&FOUR_ZERO_FIRST)[4..],
            &[0, 0, 0, 4, 0, 8, 8, 5, 0, 2, 4, 4, 0, 0, 0, 3]
        );
        assert_eq!(FOUR_ZERO_PROPOSALS, &[FOUR_ZERO_FIRST, FIRST, FALLBACK]);
    }

    /// A Neo4j 4.0 server speaks 4.0 and 3.0 and reads no ranges: the first set leaves it on
    /// 3.0, the 4.0-first set gets 4.0; every other classic server still gets its best version
    /// (or one it speaks) from the 4.0-first set.
    #[test]
    fn a_4_0_server_settles_on_3_0_first_and_on_4_0_with_the_four_zero_set() {
        let v = Version::new;
        let neo4j_4_0 = [v(4, 0), v(3, 0)];
        let first = &request(&FIRST)[4..];
        assert_eq!(
            server_choice(first, Reads::MajorMinor, &neo4j_4_0),
            Some(v(3, 0))
        );
        let four_zero = &request(&FOUR_ZERO_FIRST)[4..];
        assert_eq!(
            server_choice(four_zero, Reads::MajorMinor, &neo4j_4_0),
            Some(v(4, 0))
        );
        let cases: &[(Reads, &[Version], Version)] = &[
            (Reads::Major, &[v(3, 0)], v(3, 0)),
            (Reads::Ranges, &[v(4, 4), v(4, 3)], v(4, 4)),
            (Reads::Ranges, &[v(5, 8), v(5, 0)], v(5, 8)),
        ];
        for (reads, speaks, want) in cases {
            assert_eq!(server_choice(four_zero, *reads, speaks), Some(*want));
        }
        let (res, _) = run(&[0, 0, 0, 4], &FOUR_ZERO_FIRST);
        assert_eq!(res.unwrap(), v(4, 0));
    }

    #[test]
    fn which_servers_get_the_four_zero_set() {
        let v = Version::new;
        assert!(settled_below_4_0(v(3, 0), "Neo4j/4.0.12"));
        assert!(!settled_below_4_0(v(3, 0), "Neo4j/4.4.0"));
        assert!(!settled_below_4_0(v(3, 0), "Neo4j/4.1.0"));
        assert!(!settled_below_4_0(v(3, 0), "Neo4j/5.26.0"));
        assert!(settled_below_4_0(v(4, 0), "Neo4j/4.0.0"));
        assert!(settled_below_4_0(v(3, 0), "Neo4j/4.0"));
        assert!(!settled_below_4_0(v(3, 0), "Neo4j/3.5.0"));
        assert!(!settled_below_4_0(v(4, 0), "Neo4j/4.1.0"));
        assert!(!settled_below_4_0(v(4, 1), "Neo4j/4.1.0"));
        assert!(!settled_below_4_0(v(4, 4), "Neo4j/4.4.0"));
        assert!(!settled_below_4_0(v(3, 0), "Memgraph/2.0"));
        assert!(!settled_below_4_0(v(3, 0), ""));
        assert!(!settled_below_4_0(v(3, 0), "Neo4j/"));
        assert!(!settled_below_4_0(v(3, 0), "Neo4j/x.y"));
    }

    /// How a server of a given generation reads the 16 proposal bytes.
    #[derive(Clone, Copy)]
    enum Reads {
        /// Bolt 1-3 servers: the major byte only.
        Major,
        /// 4.0-4.2 servers: major and minor, no ranges.
        MajorMinor,
        /// 4.3+ servers: ranges too.
        Ranges,
    }

    /// The version a server speaking `speaks` (its preference first) picks, classic handshake.
    fn server_choice(proposal: &[u8], reads: Reads, speaks: &[Version]) -> Option<Version> {
        proposal.chunks(4).find_map(|p| {
            let (major, minor, back) = match reads {
                Reads::Major => (p[3], 0, 0),
                Reads::MajorMinor => (p[3], p[2], 0),
                Reads::Ranges => (p[3], p[2], p[1]),
            };
            speaks
                .iter()
                .find(|v| v.major == major && v.minor <= minor && v.minor + back >= minor)
                .copied()
        })
    }

    #[test]
    fn the_first_set_reaches_every_classic_server_on_one_connection() {
        let first = &request(&FIRST)[4..];
        let v = Version::new;
        let cases: &[(Reads, &[Version], Version)] = &[
            (Reads::Major, &[v(3, 0)], v(3, 0)),
            (Reads::MajorMinor, &[v(4, 1), v(3, 0)], v(4, 1)),
            // A 4.2 server that ignores ranges sees 4.4 and falls to 4.1 (which it also speaks).
            (Reads::MajorMinor, &[v(4, 2), v(4, 1), v(3, 0)], v(4, 1)),
            (Reads::Ranges, &[v(4, 2), v(4, 1)], v(4, 2)),
            (Reads::Ranges, &[v(4, 3)], v(4, 3)),
            (Reads::Ranges, &[v(4, 4)], v(4, 4)),
            (Reads::Ranges, &[v(5, 0)], v(5, 0)),
            (Reads::Ranges, &[v(5, 8), v(5, 7)], v(5, 8)),
        ];
        for (reads, speaks, want) in cases {
            let got = server_choice(first, *reads, speaks);
            assert_eq!(got, Some(*want), "server speaking {speaks:?}");
            let (res, _) = run(&[0, 0, want.minor, want.major], &FIRST);
            assert_eq!(res.unwrap(), *want);
        }
        // Only 4.0 (without 3.0) and Bolt 1-2 need the fallback connection.
        for speaks in [&[v(4, 0)][..], &[v(2, 0)], &[v(1, 0)]] {
            assert_eq!(server_choice(first, Reads::MajorMinor, speaks), None);
            let fallback = &request(&FALLBACK)[4..];
            assert_eq!(
                server_choice(fallback, Reads::MajorMinor, speaks),
                Some(speaks[0])
            );
        }
    }

    #[test]
    fn range_reply_is_accepted() {
        let (res, _) = run(&[0, 0, 7, 5], &FIRST);
        assert_eq!(res.unwrap(), Version::new(5, 7));
        let (res, _) = run(&[0, 0, 2, 4], &FIRST);
        assert_eq!(res.unwrap(), Version::new(4, 2));
        let (res, _) = run(&[0, 0, 1, 4], &V1_ONLY);
        assert!(matches!(res, Err(HandshakeError::Unexpected(_))));
        // 4.0 is only in the fallback set.
        let (res, _) = run(&[0, 0, 0, 4], &FIRST);
        assert!(matches!(res, Err(HandshakeError::Unexpected(_))));
        let (res, _) = run(&[0, 0, 0, 4], &FALLBACK);
        assert_eq!(res.unwrap(), Version::new(4, 0));
    }

    #[test]
    fn a_manifest_reply_to_a_set_without_the_manifest_is_refused() {
        let (res, _) = run(&[0, 0, 1, 0xFF, 0], &FIRST);
        assert!(
            matches!(res, Err(HandshakeError::Unexpected(v)) if v == Version::new(0xFF, 1)),
            "{res:?}"
        );
    }

    #[test]
    fn manifest_memory_threshold() {
        assert!(!speaks_manifest(Version::new(5, 6)));
        assert!(speaks_manifest(Version::new(5, 7)));
        assert!(speaks_manifest(Version::new(6, 0)));
        assert!(!speaks_manifest(Version::new(4, 4)));
    }

    #[test]
    fn http_and_closed_peers_are_clear_errors() {
        let (res, _) = run(b"HTTP/1.1 400", &FIRST);
        let err = res.unwrap_err();
        assert!(matches!(err, HandshakeError::NotBolt(_)));
        assert!(err.to_string().contains("not a Bolt server"));
        let (res, _) = run(&[], &FIRST);
        assert!(res.unwrap_err().to_string().contains("closed"));
    }

    #[test]
    fn manifest_picks_the_newest_common_version() {
        for set in [MANIFEST_FIRST, FALLBACK] {
            // manifest v1, 2 entries: 6.0 (range 0) and 5.8..5.0, capabilities 0
            let reply = [0, 0, 1, 0xFF, 2, 0, 0, 0, 6, 0, 8, 8, 5, 0];
            let (res, written) = run(&reply, &set);
            assert_eq!(res.unwrap(), Version::new(6, 0));
            assert_eq!(&written[20..], &[0, 0, 0, 6, 0]);
        }
        // a manifest with only unknown versions
        let reply = [0, 0, 1, 0xFF, 1, 0, 0, 0, 9, 0];
        let (res, written) = run(&reply, &MANIFEST_FIRST);
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
