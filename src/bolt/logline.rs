//! Log lines for Bolt traffic, in the syntax of seed 001's transcripts and the stub scripts:
//! the message name, then each field as a literal, e.g.
//! `HELLO {"user_agent": "MyClient/1.0", "scheme": "basic", "principal": "neo4j", "credentials": "******"}`.
//!
//! A line is written from the message's PackStream bytes (what goes on the wire, or what came
//! off it), so it shows exactly the fields of the negotiated version. It is only built when the
//! line's level is enabled: callers check `log::log_enabled!` first.
//!
//! | value              | written as                                                      |
//! |--------------------|-----------------------------------------------------------------|
//! | null, bool, int    | `null`, `true`, `42`                                            |
//! | float              | `1.5`, `1.0`, `NaN`, `inf`                                      |
//! | string             | `"text"` (escaped); over [`MAX_STRING`] bytes: `"first 200 bytes"... (1234 bytes)` |
//! | bytes              | `b[00 01 FF]`; over [`MAX_BYTES`]: `b[00 01 ... (300 bytes)]`   |
//! | list               | `[1, 2]`; over [`MAX_ITEMS`] items: `[1, 2, ... (100 items)]`   |
//! | map                | `{"k": 1}`; over [`MAX_ITEMS`] entries: `{"a": 1, ... (40 entries)}` |
//! | structure          | `@N[7, ["L"], {}]`: `@`, the tag (a letter, else `0xNN`), its fields |
//!
//! Secrets: in the messages that carry an auth token (INIT/HELLO, LOGON), the values of the
//! `credentials` and `parameters` keys are written as `"******"`, at any depth.

use std::fmt::Write as _;

use super::message::tag;
use super::version::Features;

/// Longest string shown whole, in bytes (longer ones are cut at a character boundary).
pub const MAX_STRING: usize = 200;
/// Most list items or map entries shown.
pub const MAX_ITEMS: usize = 20;
/// Most bytes of a byte array shown.
pub const MAX_BYTES: usize = 32;
/// Deepest nesting shown (the decoder has already bounded it).
const MAX_DEPTH: usize = 64;

/// Who sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Client,
    Server,
}

/// The message name of `tag` for the negotiated version (`INIT` before Bolt 3, `PULL_ALL`
/// before Bolt 4, ...), or `0xNN` for a tag Bolt does not define.
pub(crate) fn name(tag: u8, side: Side, f: &Features) -> String {
    let known = match (side, tag) {
        (Side::Client, tag::HELLO) if f.hello => "HELLO",
        (Side::Client, tag::HELLO) => "INIT",
        (Side::Client, tag::GOODBYE) => "GOODBYE",
        (Side::Client, tag::ACK_FAILURE) => "ACK_FAILURE",
        (Side::Client, tag::RESET) => "RESET",
        (Side::Client, tag::RUN) => "RUN",
        (Side::Client, tag::BEGIN) => "BEGIN",
        (Side::Client, tag::COMMIT) => "COMMIT",
        (Side::Client, tag::ROLLBACK) => "ROLLBACK",
        (Side::Client, tag::DISCARD) if f.pull_n => "DISCARD",
        (Side::Client, tag::DISCARD) => "DISCARD_ALL",
        (Side::Client, tag::PULL) if f.pull_n => "PULL",
        (Side::Client, tag::PULL) => "PULL_ALL",
        (Side::Client, tag::TELEMETRY) => "TELEMETRY",
        (Side::Client, tag::ROUTE) => "ROUTE",
        (Side::Client, tag::LOGON) => "LOGON",
        (Side::Client, tag::LOGOFF) => "LOGOFF",
        (Side::Server, tag::SUCCESS) => "SUCCESS",
        (Side::Server, tag::RECORD) => "RECORD",
        (Side::Server, tag::IGNORED) => "IGNORED",
        (Side::Server, tag::FAILURE) => "FAILURE",
        _ => return format!("0x{tag:02X}"),
    };
    known.to_owned()
}

/// The log text of one message body: `NAME field field ...`. Bytes that do not parse end the
/// text with `<malformed>` (a line is never refused).
pub(crate) fn message(body: &[u8], side: Side, f: &Features) -> String {
    let mut out = String::with_capacity(64);
    let (fields, tag) = match body {
        [m @ 0xB0..=0xBF, tag, ..] => (usize::from(m & 0x0F), *tag),
        _ => return "<malformed message>".to_owned(),
    };
    out.push_str(&name(tag, side, f));
    let mut w = Walker {
        buf: &body[2..],
        pos: 0,
        mask: side == Side::Client && matches!(tag, tag::HELLO | tag::LOGON),
    };
    for _ in 0..fields {
        out.push(' ');
        if w.value(&mut out, 0).is_none() {
            out.push_str("<malformed>");
            break;
        }
    }
    out
}

/// Reads PackStream values and writes them as literals.
struct Walker<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Mask the values of secret keys.
    mask: bool,
}

impl<'a> Walker<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn size(&mut self, width: usize) -> Option<usize> {
        let b = self.take(width)?;
        let n = b.iter().fold(0u64, |n, &x| (n << 8) | u64::from(x));
        usize::try_from(n).ok()
    }

    fn int(&mut self, width: usize) -> Option<i64> {
        let b = self.take(width)?;
        let mut a = [0u8; 8];
        a[8 - width..].copy_from_slice(b);
        // Sign-extend from `width` bytes.
        let shift = 64 - 8 * u32::try_from(width).ok()?;
        Some((i64::from_be_bytes(a) << shift) >> shift)
    }

    /// Writes one value; `None` when the bytes end or make no sense.
    fn value(&mut self, out: &mut String, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let m = self.u8()?;
        match m {
            0x00..=0x7F | 0xF0..=0xFF => {
                let _ = write!(out, "{}", i8::from_be_bytes([m]));
            }
            0x80..=0x8F => self.string(out, usize::from(m & 0x0F))?,
            0x90..=0x9F => self.list(out, usize::from(m & 0x0F), depth)?,
            0xA0..=0xAF => self.map(out, usize::from(m & 0x0F), depth)?,
            0xB0..=0xBF => self.structure(out, usize::from(m & 0x0F), depth)?,
            0xC0 => out.push_str("null"),
            0xC1 => {
                let f = f64::from_bits(u64::from_be_bytes(self.take(8)?.try_into().ok()?));
                let _ = write!(out, "{f:?}");
            }
            0xC2 => out.push_str("false"),
            0xC3 => out.push_str("true"),
            0xC8 => write_int(out, self.int(1)?),
            0xC9 => write_int(out, self.int(2)?),
            0xCA => write_int(out, self.int(4)?),
            0xCB => write_int(out, self.int(8)?),
            0xCC..=0xCE => {
                let n = self.size(1 << (m - 0xCC))?;
                self.bytes(out, n)?;
            }
            0xD0..=0xD2 => {
                let n = self.size(1 << (m - 0xD0))?;
                self.string(out, n)?;
            }
            0xD4..=0xD6 => {
                let n = self.size(1 << (m - 0xD4))?;
                self.list(out, n, depth)?;
            }
            0xD8..=0xDA => {
                let n = self.size(1 << (m - 0xD8))?;
                self.map(out, n, depth)?;
            }
            // STRUCT_8 / STRUCT_16 (Bolt 1-2; the decoder has already refused them later on).
            0xDC | 0xDD => {
                let n = self.size(1 << (m - 0xDC))?;
                self.structure(out, n, depth)?;
            }
            _ => return None,
        }
        Some(())
    }

    fn string(&mut self, out: &mut String, n: usize) -> Option<()> {
        let s = std::str::from_utf8(self.take(n)?).ok()?;
        if s.len() <= MAX_STRING {
            let _ = write!(out, "{s:?}");
        } else {
            let mut cut = MAX_STRING;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            let _ = write!(out, "{:?}... ({} bytes)", &s[..cut], s.len());
        }
        Some(())
    }

    fn bytes(&mut self, out: &mut String, n: usize) -> Option<()> {
        let b = self.take(n)?;
        out.push_str("b[");
        for (i, x) in b.iter().take(MAX_BYTES).enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let _ = write!(out, "{x:02X}");
        }
        if n > MAX_BYTES {
            let _ = write!(out, " ... ({n} bytes)");
        }
        out.push(']');
        Some(())
    }

    fn list(&mut self, out: &mut String, n: usize, depth: usize) -> Option<()> {
        out.push('[');
        self.items(out, n, depth, "items", |w, out, depth| w.value(out, depth))?;
        out.push(']');
        Some(())
    }

    fn map(&mut self, out: &mut String, n: usize, depth: usize) -> Option<()> {
        out.push('{');
        self.items(out, n, depth, "entries", |w, out, depth| {
            let m = w.u8()?;
            let len = match m {
                0x80..=0x8F => usize::from(m & 0x0F),
                0xD0..=0xD2 => w.size(1 << (m - 0xD0))?,
                _ => return None,
            };
            let key = std::str::from_utf8(w.take(len)?).ok()?;
            let _ = write!(out, "{key:?}: ");
            if w.mask && matches!(key, "credentials" | "parameters") {
                out.push_str("\"******\"");
                w.value(&mut String::new(), depth)
            } else {
                w.value(out, depth)
            }
        })?;
        out.push('}');
        Some(())
    }

    fn structure(&mut self, out: &mut String, n: usize, depth: usize) -> Option<()> {
        let tag = self.u8()?;
        if tag.is_ascii_alphanumeric() {
            let _ = write!(out, "@{}[", char::from(tag));
        } else {
            let _ = write!(out, "@0x{tag:02X}[");
        }
        self.items(out, n, depth, "fields", |w, out, depth| w.value(out, depth))?;
        out.push(']');
        Some(())
    }

    /// Writes `n` comma-separated items with `one`, the first [`MAX_ITEMS`] of them; the rest
    /// are read past and counted.
    fn items(
        &mut self,
        out: &mut String,
        n: usize,
        depth: usize,
        what: &str,
        mut one: impl FnMut(&mut Self, &mut String, usize) -> Option<()>,
    ) -> Option<()> {
        // Each item takes at least one byte: a size beyond the input is malformed.
        if n > self.buf.len().saturating_sub(self.pos) {
            return None;
        }
        let mut skipped = String::new();
        for i in 0..n {
            if i < MAX_ITEMS {
                if i > 0 {
                    out.push_str(", ");
                }
                one(self, out, depth + 1)?;
            } else {
                skipped.clear();
                one(self, &mut skipped, depth + 1)?;
            }
        }
        if n > MAX_ITEMS {
            let _ = write!(out, ", ... ({n} {what})");
        }
        Some(())
    }
}

fn write_int(out: &mut String, n: i64) {
    let _ = write!(out, "{n}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bolt::Version;

    fn h(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    fn v(major: u8, minor: u8) -> Features {
        Version::new(major, minor).features()
    }

    #[test]
    fn seed_002_transcript_lines() {
        let v1 = v(1, 0);
        // INIT "MyClient/1.0" {"scheme": "basic", "principal": "neo4j", "credentials": "secret"}
        let init = h(
            "B2 01 8C 4D 79 43 6C 69 65 6E 74 2F 31 2E 30 A3 86 73 63 68 65 6D 65 85 62 \
                      61 73 69 63 89 70 72 69 6E 63 69 70 61 6C 85 6E 65 6F 34 6A 8B 63 72 65 64 \
                      65 6E 74 69 61 6C 73 86 73 65 63 72 65 74",
        );
        assert_eq!(
            message(&init, Side::Client, &v1),
            r#"INIT "MyClient/1.0" {"scheme": "basic", "principal": "neo4j", "credentials": "******"}"#
        );
        assert_eq!(
            message(
                &h("B2 10 8F 52 45 54 55 52 4E 20 31 20 41 53 20 6E 75 6D A0"),
                Side::Client,
                &v1
            ),
            r#"RUN "RETURN 1 AS num" {}"#
        );
        assert_eq!(message(&h("B0 3F"), Side::Client, &v1), "PULL_ALL");
        assert_eq!(message(&h("B0 3F"), Side::Client, &v(4, 4)), "PULL");
        assert_eq!(message(&h("B0 2F"), Side::Client, &v1), "DISCARD_ALL");
        assert_eq!(message(&h("B1 71 91 01"), Side::Server, &v1), "RECORD [1]");
        assert_eq!(
            message(
                &h("B1 70 A1 86 73 65 72 76 65 72 8B 4E 65 6F 34 6A 2F 33 2E 31 2E 30"),
                Side::Server,
                &v1
            ),
            r#"SUCCESS {"server": "Neo4j/3.1.0"}"#
        );
        assert_eq!(message(&h("B0 7E"), Side::Server, &v1), "IGNORED");
    }

    #[test]
    fn every_kind_of_value() {
        let f = v(5, 4);
        let rec = |fields: &str| message(&h(&format!("B1 71 {fields}")), Side::Server, &f);
        assert_eq!(rec("C0"), "RECORD null");
        assert_eq!(rec("C3"), "RECORD true");
        assert_eq!(rec("C2"), "RECORD false");
        assert_eq!(rec("F0"), "RECORD -16");
        assert_eq!(rec("C8 80"), "RECORD -128");
        assert_eq!(rec("C9 FF 7F"), "RECORD -129");
        assert_eq!(rec("CA 80 00 00 00"), "RECORD -2147483648");
        assert_eq!(
            rec("CB 7F FF FF FF FF FF FF FF"),
            "RECORD 9223372036854775807"
        );
        assert_eq!(rec("C1 3F F8 00 00 00 00 00 00"), "RECORD 1.5");
        assert_eq!(rec("C1 3F F0 00 00 00 00 00 00"), "RECORD 1.0");
        assert_eq!(rec("CC 02 00 FF"), "RECORD b[00 FF]");
        assert_eq!(rec("D0 02 22 0A"), r#"RECORD "\"\n""#);
        assert_eq!(rec("92 01 A1 81 6B 90"), r#"RECORD [1, {"k": []}]"#);
        assert_eq!(rec("B3 4E 07 91 81 4C A0"), r#"RECORD @N[7, ["L"], {}]"#);
        assert_eq!(rec("B1 01 C0"), "RECORD @0x01[null]");
        assert_eq!(rec("92 01"), "RECORD [<malformed>");
        assert_eq!(rec("92 01 91"), "RECORD [1, [<malformed>");
        assert_eq!(rec("DF"), "RECORD <malformed>");
        assert_eq!(message(&[], Side::Server, &f), "<malformed message>");
        assert_eq!(message(&h("B0 55"), Side::Server, &f), "0x55");
    }

    #[test]
    fn long_values_are_elided_at_the_stated_limits() {
        let f = v(5, 4);
        let mut body = vec![0xB1, 0x71, 0xD0, 250];
        body.extend(std::iter::repeat_n(b'x', 250));
        let line = message(&body, Side::Server, &f);
        assert_eq!(
            line,
            format!("RECORD \"{}\"... (250 bytes)", "x".repeat(MAX_STRING))
        );
        // A multi-byte character across the limit is not split.
        let mut body = vec![0xB1, 0x71, 0xD0, 204];
        body.extend(std::iter::repeat_n(b'x', 199));
        body.extend("é€".as_bytes());
        let line = message(&body, Side::Server, &f);
        assert_eq!(
            line,
            format!("RECORD \"{}\"... (204 bytes)", "x".repeat(199))
        );
        let mut body = vec![0xB1, 0x71, 0xD4, 30];
        body.extend(1..=30u8);
        let shown: Vec<String> = (1..=20).map(|i| i.to_string()).collect();
        assert_eq!(
            message(&body, Side::Server, &f),
            format!("RECORD [{}, ... (30 items)]", shown.join(", "))
        );
        let mut body = vec![0xB1, 0x71, 0xCC, 40];
        body.extend([0xAB; 40]);
        let line = message(&body, Side::Server, &f);
        assert!(line.ends_with("AB ... (40 bytes)]"), "{line}");
        assert_eq!(line.matches("AB").count(), MAX_BYTES);
        // A huge size with little input is malformed, never a long loop.
        assert_eq!(
            message(&h("B1 71 D6 FF FF FF FF 01"), Side::Server, &f),
            "RECORD [<malformed>"
        );
    }

    #[test]
    fn credentials_and_auth_parameters_are_masked_in_auth_messages_only() {
        let f = v(5, 4);
        // LOGON {"credentials": "s", "parameters": {"k": "s"}}
        let logon = h("B1 6A A2 8B 63 72 65 64 65 6E 74 69 61 6C 73 81 73 \
                       8A 70 61 72 61 6D 65 74 65 72 73 A1 81 6B 81 73");
        assert_eq!(
            message(&logon, Side::Client, &f),
            r#"LOGON {"credentials": "******", "parameters": "******"}"#
        );
        // RUN "q" {"credentials": "s"} {}: a query parameter, shown as it is.
        let run = h("B3 10 81 71 A1 8B 63 72 65 64 65 6E 74 69 61 6C 73 81 73 A0");
        assert_eq!(
            message(&run, Side::Client, &f),
            r#"RUN "q" {"credentials": "s"} {}"#
        );
    }
}
