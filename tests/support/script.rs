//! Stub scripts: parsing the line-based script language into steps. The language is documented in
//! `stub.rs`.

use super::pattern::{parse_hex, Pv, ValueParser};
use std::fmt;
use std::time::Duration;

/// Bolt message names and their tags (client and server, all versions).
pub const MESSAGES: &[(&str, u8)] = &[
    ("INIT", 0x01),
    ("HELLO", 0x01),
    ("GOODBYE", 0x02),
    ("ACK_FAILURE", 0x0E),
    ("RESET", 0x0F),
    ("RUN", 0x10),
    ("BEGIN", 0x11),
    ("COMMIT", 0x12),
    ("ROLLBACK", 0x13),
    ("DISCARD_ALL", 0x2F),
    ("DISCARD", 0x2F),
    ("PULL_ALL", 0x3F),
    ("PULL", 0x3F),
    ("TELEMETRY", 0x54),
    ("ROUTE", 0x66),
    ("LOGON", 0x6A),
    ("LOGOFF", 0x6B),
    ("SUCCESS", 0x70),
    ("RECORD", 0x71),
    ("IGNORED", 0x7E),
    ("FAILURE", 0x7F),
];

/// The name of a client message tag for a Bolt major version (`INIT`/`PULL_ALL` before 3.0).
pub fn client_message_name(tag: u8, major: u8) -> String {
    let legacy = major < 3;
    let name = match tag {
        0x01 if legacy => Some("INIT"),
        0x2F if legacy => Some("DISCARD_ALL"),
        0x3F if legacy => Some("PULL_ALL"),
        _ => MESSAGES
            .iter()
            .find(|(n, t)| *t == tag && !n.ends_with("_ALL") && *n != "INIT")
            .map(|(n, _)| *n),
    };
    name.map_or_else(|| format!("0x{tag:02X}"), str::to_owned)
}

/// A message in a script: name (as written), tag and field values.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    /// The name as written (`0x44` for a tag without a name).
    pub name: String,
    /// The structure tag.
    pub tag: u8,
    /// The fields.
    pub fields: Vec<Pv>,
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        for field in &self.fields {
            write!(f, " {field}")?;
        }
        Ok(())
    }
}

/// One step of a connection's script, with its 1-based script line.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// The script line (for error messages).
    pub line: usize,
    /// What to do.
    pub kind: StepKind,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq)]
pub enum StepKind {
    /// `C: NAME fields` — read one message and compare.
    Expect(Msg),
    /// `C: <RAW> hex` — read exactly these bytes.
    ExpectRaw(Vec<u8>),
    /// `C: <EOF>` — the client closes the connection.
    ExpectEof,
    /// `S: NAME fields` — send one message (one chunk, then `00 00`).
    Send(Msg),
    /// `S: <RAW> hex` — send these bytes as they are.
    SendRaw(Vec<u8>),
    /// `S: <NOOP>` — send an empty chunk `00 00`.
    Noop,
    /// `S: <EXIT>` — close the connection now.
    Exit,
    /// `S: <SLEEP 200ms>`.
    Sleep(Duration),
    /// `?{ ... }` — runs if the next client message matches the block's first line.
    Optional(Vec<Step>),
    /// `*{ ... }` — runs as long as the next client message matches the block's first line.
    Repeat(Vec<Step>),
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::pattern::hex;
        match &self.kind {
            StepKind::Expect(m) => write!(f, "C: {m}"),
            StepKind::ExpectRaw(b) => write!(f, "C: <RAW> {}", hex(b)),
            StepKind::ExpectEof => write!(f, "C: <EOF>"),
            StepKind::Send(m) => write!(f, "S: {m}"),
            StepKind::SendRaw(b) => write!(f, "S: <RAW> {}", hex(b)),
            StepKind::Noop => write!(f, "S: <NOOP>"),
            StepKind::Exit => write!(f, "S: <EXIT>"),
            StepKind::Sleep(d) => write!(f, "S: <SLEEP {}ms>", d.as_millis()),
            StepKind::Optional(b) => write!(f, "?{{ {} ... }}", b[0]),
            StepKind::Repeat(b) => write!(f, "*{{ {} ... }}", b[0]),
        }
    }
}

/// How the server answers the handshake.
#[derive(Debug, Clone, PartialEq)]
pub enum Handshake {
    /// Pick the first client proposal that covers one of `!: BOLT` versions.
    Classic,
    /// `!: HANDSHAKE hex` — send these bytes whatever the client proposed.
    Raw(Vec<u8>),
    /// `!: MANIFEST` — the Bolt 5.7+ manifest v1 negotiation.
    Manifest,
}

/// Which bytes of a proposal the server reads (older servers ignore some).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// `[0, range, minor, major]` (4.3+ servers; the default).
    Ranges,
    /// `!: NO RANGES` — minor and major only, the range byte is ignored (4.0-4.2 servers).
    MajorMinor,
    /// `!: MAJOR ONLY` — the major byte only (Bolt 1-3 servers).
    Major,
}

/// A parsed script.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    /// `!: BOLT` versions as (major, minor), in order of server preference.
    pub versions: Vec<(u8, u8)>,
    /// The handshake behaviour.
    pub handshake: Handshake,
    /// Which proposal bytes the classic handshake reads.
    pub reads: Reads,
    /// `!: CONNECTIONS min..max` (default exactly 1): how many connections run the script.
    pub connections: (usize, usize),
    /// `!: CONCURRENT`: connections run at the same time instead of one after the other.
    pub concurrent: bool,
    /// `!: AUTO NAME` tags: answered `SUCCESS {}` (GOODBYE: nothing) when they arrive unexpected.
    pub auto: Vec<u8>,
    /// The steps every connection runs.
    pub steps: Vec<Step>,
}

fn message(text: &str) -> Result<Msg, String> {
    let text = text.trim();
    let (name, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let tag = if let Some(hex) = name.strip_prefix("0x") {
        u8::from_str_radix(hex, 16).map_err(|e| format!("bad tag `{name}`: {e}"))?
    } else {
        MESSAGES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| format!("unknown message `{name}`"))?
    };
    let fields = ValueParser::new(rest).values()?;
    Ok(Msg {
        name: name.to_owned(),
        tag,
        fields,
    })
}

fn control(text: &str) -> Option<(&str, &str)> {
    let inner = text.trim().strip_prefix('<')?;
    let (word, rest) = inner.split_once('>')?;
    let (word, arg) = word.split_once(' ').unwrap_or((word, ""));
    Some((
        word,
        if arg.is_empty() {
            rest.trim()
        } else {
            arg.trim()
        },
    ))
}

fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (num, scale) = if let Some(ms) = t.strip_suffix("ms") {
        (ms, 1)
    } else if let Some(s) = t.strip_suffix('s') {
        (s, 1000)
    } else {
        (t, 1)
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("bad duration `{t}`"))?;
    Ok(Duration::from_millis(n * scale))
}

fn client_step(text: &str) -> Result<StepKind, String> {
    match control(text) {
        Some(("RAW", hex)) => Ok(StepKind::ExpectRaw(parse_hex(hex)?)),
        Some(("EOF", _)) => Ok(StepKind::ExpectEof),
        Some((other, _)) => Err(format!("unknown client control <{other}>")),
        None => message(text).map(StepKind::Expect),
    }
}

fn server_step(text: &str) -> Result<StepKind, String> {
    match control(text) {
        Some(("RAW", hex)) => Ok(StepKind::SendRaw(parse_hex(hex)?)),
        Some(("NOOP", _)) => Ok(StepKind::Noop),
        Some(("EXIT", _)) => Ok(StepKind::Exit),
        Some(("SLEEP", d)) => duration(d).map(StepKind::Sleep),
        Some((other, _)) => Err(format!("unknown server control <{other}>")),
        None => {
            let msg = message(text)?;
            // Check now that it can be sent, so a typo fails at parse time.
            msg.fields.iter().try_for_each(check_sendable)?;
            Ok(StepKind::Send(msg))
        }
    }
}

fn check_sendable(v: &Pv) -> Result<(), String> {
    match v {
        Pv::Any => Err("`*` in a server message (it only matches client values)".into()),
        Pv::Map { open: true, .. } => Err("`..` in a server message".into()),
        Pv::List(items) | Pv::Struct { fields: items, .. } => {
            items.iter().try_for_each(check_sendable)
        }
        Pv::Map { entries, .. } => entries.iter().try_for_each(|(_, v)| check_sendable(v)),
        _ => Ok(()),
    }
}

fn version(text: &str) -> Result<(u8, u8), String> {
    let (major, minor) = text.split_once('.').unwrap_or((text, "0"));
    let p = |s: &str| {
        s.trim()
            .parse::<u8>()
            .map_err(|_| format!("bad version `{text}`"))
    };
    Ok((p(major)?, p(minor)?))
}

impl Script {
    /// Parses a script; errors name the line.
    pub fn parse(text: &str) -> Result<Script, String> {
        let mut script = Script {
            versions: Vec::new(),
            handshake: Handshake::Classic,
            reads: Reads::Ranges,
            connections: (1, 1),
            concurrent: false,
            auto: Vec::new(),
            steps: Vec::new(),
        };
        // A stack of open blocks: (kind char, line, steps).
        let mut stack: Vec<(char, usize, Vec<Step>)> = vec![('-', 0, Vec::new())];
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |e: String| format!("script line {line}: {e}\n    {}", raw.trim());
            let t = raw.trim();
            if t.is_empty() || t.starts_with('#') {
                continue;
            }
            if let Some(d) = t.strip_prefix("!:") {
                script.directive(d.trim()).map_err(err)?;
            } else if t == "?{" || t == "*{" {
                stack.push((t.chars().next().unwrap_or('?'), line, Vec::new()));
            } else if t == "}" {
                let (kind, start, steps) = stack
                    .pop()
                    .filter(|_| !stack.is_empty())
                    .ok_or_else(|| err("`}` without a block".into()))?;
                if !matches!(steps.first().map(|s| &s.kind), Some(StepKind::Expect(_))) {
                    return Err(err(format!(
                        "the block opened on line {start} must start with a `C:` message line"
                    )));
                }
                let kind = if kind == '?' {
                    StepKind::Optional(steps)
                } else {
                    StepKind::Repeat(steps)
                };
                stack
                    .last_mut()
                    .expect("invariant: root block")
                    .2
                    .push(Step { line: start, kind });
            } else {
                let kind = if let Some(c) = t.strip_prefix("C:") {
                    client_step(c).map_err(err)?
                } else if let Some(s) = t.strip_prefix("S:") {
                    server_step(s).map_err(err)?
                } else {
                    return Err(err(
                        "expected `!:`, `C:`, `S:`, `?{`, `*{`, `}` or `#`".into()
                    ));
                };
                stack
                    .last_mut()
                    .expect("invariant: root block")
                    .2
                    .push(Step { line, kind });
            }
        }
        if stack.len() != 1 {
            return Err(format!(
                "script line {}: block is never closed",
                stack[stack.len() - 1].1
            ));
        }
        script.steps = stack.pop().expect("invariant: root block").2;
        if script.versions.is_empty() && !matches!(script.handshake, Handshake::Raw(_)) {
            return Err("the script needs a `!: BOLT x.y` line (or `!: HANDSHAKE hex`)".into());
        }
        Ok(script)
    }

    fn directive(&mut self, d: &str) -> Result<(), String> {
        let (word, arg) = d.split_once(char::is_whitespace).unwrap_or((d, ""));
        let arg = arg.trim();
        match word {
            "BOLT" => {
                for v in arg.split_whitespace() {
                    self.versions.push(version(v)?);
                }
            }
            "HANDSHAKE" => self.handshake = Handshake::Raw(parse_hex(arg)?),
            "MANIFEST" => self.handshake = Handshake::Manifest,
            "NO" if arg == "RANGES" => self.reads = Reads::MajorMinor,
            "MAJOR" if arg == "ONLY" => self.reads = Reads::Major,
            "CONNECTIONS" => {
                let (lo, hi) = arg.split_once("..").unwrap_or((arg, arg));
                let p = |s: &str| {
                    s.trim()
                        .parse::<usize>()
                        .map_err(|_| format!("bad count `{arg}`"))
                };
                self.connections = (p(lo)?, p(hi)?);
                if self.connections.0 > self.connections.1 || self.connections.1 == 0 {
                    return Err(format!("bad connection range `{arg}`"));
                }
            }
            "CONCURRENT" => self.concurrent = true,
            "AUTO" => {
                let tag = message(arg)?.tag;
                self.auto.push(tag);
            }
            other => return Err(format!("unknown directive `{other}`")),
        }
        Ok(())
    }
}
