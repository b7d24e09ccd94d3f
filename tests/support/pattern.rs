//! Values in stub scripts: a JSON-like syntax for Bolt values, and patterns over them.
//!
//! Syntax (see `stub.rs` for the whole script language):
//!
//! | text                         | meaning                                              |
//! |------------------------------|------------------------------------------------------|
//! | `null` `true` `false`        | scalars                                              |
//! | `1` `-7` `1.5` `2e3` `nan` `inf` `-inf` | Integer (no `.`/`e`) or Float             |
//! | `"text"`                     | String (JSON escapes: `\" \\ \n \t \r \/ \uXXXX`)    |
//! | `b[01 ff]`                   | Bytes (hex)                                          |
//! | `[1, "a"]`                   | List                                                 |
//! | `{"k": 1}`                   | Map; in client patterns the keys must match exactly  |
//! | `{"k": 1, ..}`               | client pattern: other keys are allowed               |
//! | `"*"` or `*`                 | client pattern: any value (as a map value: the key must be present) |
//! | `@N[1, ["L"], {}, "n1"]`     | Structure with tag `'N'` and these fields            |
//! | `@0x4E[...]`, `@Node[...]`   | the same, by hex tag or by name (see [`STRUCT_NAMES`]) |
//!
//! In server lines (`S:`) `"*"` is the plain string `*` and `..` is an error.

use boltc::packstream::{DecodeOptions, Decoder, Dialect, Encoder};
use boltc::Value;
use std::fmt;

/// A value or value pattern from a script.
#[derive(Debug, Clone, PartialEq)]
pub enum Pv {
    /// `*` / `"*"` in a client pattern: anything.
    Any,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal.
    Str(String),
    /// `b[..]`.
    Bytes(Vec<u8>),
    /// `[..]`.
    List(Vec<Pv>),
    /// `{..}`; entries keep script order (servers send them in that order); `open` when `..` was given.
    Map {
        entries: Vec<(String, Pv)>,
        open: bool,
    },
    /// `@T[..]`.
    Struct { tag: u8, fields: Vec<Pv> },
}

/// Structure names accepted after `@`, with their tag bytes.
pub const STRUCT_NAMES: &[(&str, u8)] = &[
    ("Node", b'N'),
    ("Relationship", b'R'),
    ("UnboundRelationship", b'r'),
    ("Path", b'P'),
    ("Date", b'D'),
    ("Time", b'T'),
    ("LocalTime", b't'),
    ("DateTime", b'I'),
    ("DateTimeZoneId", b'i'),
    ("LegacyDateTime", b'F'),
    ("LegacyDateTimeZoneId", b'f'),
    ("LocalDateTime", b'd'),
    ("Duration", b'E'),
    ("Point2D", b'X'),
    ("Point3D", b'Y'),
    ("Vector", b'V'),
];

/// Parses values from one line of text, left to right.
pub struct ValueParser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> ValueParser<'a> {
    /// A parser over `text`.
    pub fn new(text: &'a str) -> Self {
        ValueParser {
            s: text.as_bytes(),
            i: 0,
        }
    }

    /// Skips whitespace; true if the input is used up.
    pub fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.i >= self.s.len()
    }

    /// Parses all remaining whitespace-separated values.
    pub fn values(mut self) -> Result<Vec<Pv>, String> {
        let mut out = Vec::new();
        while !self.at_end() {
            out.push(self.value()?);
        }
        Ok(out)
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.s[self.i..].starts_with(token.as_bytes()) {
            self.i += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), String> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    fn error(&self, what: &str) -> String {
        let rest = String::from_utf8_lossy(&self.s[self.i.min(self.s.len())..]);
        format!("{what} at column {} (near `{rest}`)", self.i + 1)
    }

    /// Parses one value.
    pub fn value(&mut self) -> Result<Pv, String> {
        match self.peek() {
            None => Err(self.error("expected a value")),
            Some(b'"') => {
                let s = self.string()?;
                Ok(if s == "*" { Pv::Any } else { Pv::Str(s) })
            }
            Some(b'*') => {
                self.i += 1;
                Ok(Pv::Any)
            }
            Some(b'[') => self.list().map(Pv::List),
            Some(b'{') => self.map(),
            Some(b'@') => self.structure(),
            Some(c) if c == b'-' || c.is_ascii_digit() => self.number(),
            Some(_) => self.word(),
        }
    }

    fn word(&mut self) -> Result<Pv, String> {
        for (w, v) in [
            ("null", Pv::Null),
            ("true", Pv::Bool(true)),
            ("false", Pv::Bool(false)),
            ("nan", Pv::Float(f64::NAN)),
            ("inf", Pv::Float(f64::INFINITY)),
        ] {
            if self.eat(w) {
                return Ok(v);
            }
        }
        if self.eat("b[") {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b']' {
                self.i += 1;
            }
            let hex = std::str::from_utf8(&self.s[start..self.i]).expect("invariant: &str input");
            self.expect("]")?;
            return parse_hex(hex).map(Pv::Bytes);
        }
        Err(self.error("unknown value"))
    }

    fn number(&mut self) -> Result<Pv, String> {
        if self.eat("-inf") {
            return Ok(Pv::Float(f64::NEG_INFINITY));
        }
        let start = self.i;
        let mut float = false;
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => float = true,
                _ => break,
            }
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).expect("invariant: &str input");
        if float {
            text.parse()
                .map(Pv::Float)
                .map_err(|e| self.error(&format!("bad float: {e}")))
        } else {
            text.parse()
                .map(Pv::Int)
                .map_err(|e| self.error(&format!("bad integer: {e}")))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.expect("\"")?;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(self.error("unterminated string"));
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.s.get(self.i).copied().ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'u' => {
                            let hex = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
                            self.i += 4;
                            let code = u32::from_str_radix(&String::from_utf8_lossy(hex), 16)
                                .map_err(|e| e.to_string())?;
                            char::from_u32(code).ok_or("bad \\u escape")?
                        }
                        other => char::from(other),
                    };
                    out.extend_from_slice(ch.to_string().as_bytes());
                }
                _ => out.push(c),
            }
        }
        String::from_utf8(out).map_err(|_| self.error("string is not UTF-8"))
    }

    fn list(&mut self) -> Result<Vec<Pv>, String> {
        self.expect("[")?;
        let mut items = Vec::new();
        if self.eat("]") {
            return Ok(items);
        }
        loop {
            items.push(self.value()?);
            if self.eat("]") {
                return Ok(items);
            }
            self.expect(",")?;
        }
    }

    fn map(&mut self) -> Result<Pv, String> {
        self.expect("{")?;
        let mut entries = Vec::new();
        let mut open = false;
        if self.eat("}") {
            return Ok(Pv::Map { entries, open });
        }
        loop {
            if self.eat("..") {
                open = true;
            } else {
                let key = self.string()?;
                self.expect(":")?;
                entries.push((key, self.value()?));
            }
            if self.eat("}") {
                return Ok(Pv::Map { entries, open });
            }
            self.expect(",")?;
        }
    }

    fn structure(&mut self) -> Result<Pv, String> {
        self.expect("@")?;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i].is_ascii_alphanumeric() {
            self.i += 1;
        }
        let name = std::str::from_utf8(&self.s[start..self.i]).expect("invariant: &str input");
        let tag = if let Some(hex) = name.strip_prefix("0x") {
            u8::from_str_radix(hex, 16).map_err(|e| self.error(&e.to_string()))?
        } else if name.len() == 1 {
            name.as_bytes()[0]
        } else {
            STRUCT_NAMES
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, t)| *t)
                .ok_or_else(|| self.error(&format!("unknown structure name `{name}`")))?
        };
        let fields = self.list()?;
        Ok(Pv::Struct { tag, fields })
    }
}

/// Parses hex bytes: pairs of hex digits, whitespace anywhere (`60 60 B0 17`, `6060b017`).
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits in `{text}`"));
    }
    digits
        .chunks(2)
        .map(|p| {
            u8::from_str_radix(std::str::from_utf8(p).unwrap_or("zz"), 16)
                .map_err(|_| format!("bad hex `{}` in `{text}`", String::from_utf8_lossy(p)))
        })
        .collect()
}

/// Formats bytes as `60 60 B0 17`.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl Pv {
    /// Appends this value's PackStream encoding (server side: no wildcards, no open maps).
    pub fn encode(&self, enc: &mut Encoder<'_>) -> Result<(), String> {
        let e = |e| format!("cannot encode {self}: {e:?}");
        match self {
            Pv::Any => return Err("`*` cannot be sent; it is a client pattern".into()),
            Pv::Null => enc.write_null(),
            Pv::Bool(b) => enc.write_bool(*b),
            Pv::Int(i) => enc.write_int(*i),
            Pv::Float(f) => enc.write_float(*f),
            Pv::Str(s) => enc.write_str(s).map_err(e)?,
            Pv::Bytes(b) => enc.write_bytes(b).map_err(e)?,
            Pv::List(items) => {
                enc.write_list_header(items.len()).map_err(e)?;
                for item in items {
                    item.encode(enc)?;
                }
            }
            Pv::Map { entries, open } => {
                if *open {
                    return Err("`..` cannot be sent; it is a client pattern".into());
                }
                enc.write_map_header(entries.len()).map_err(e)?;
                for (k, v) in entries {
                    enc.write_str(k).map_err(e)?;
                    v.encode(enc)?;
                }
            }
            Pv::Struct { tag, fields } => {
                let n = u8::try_from(fields.len())
                    .ok()
                    .filter(|n| *n < 16)
                    .ok_or("a structure has at most 15 fields")?;
                enc.write_struct_header(n, *tag);
                for f in fields {
                    f.encode(enc)?;
                }
            }
        }
        Ok(())
    }

    /// Whether a value received from the client matches this pattern.
    ///
    /// Structure patterns match `Value::Struct` field by field; against a value the decoder
    /// hydrated (a `Date`, a `Node`, ...) the pattern is encoded and decoded the same way and compared
    /// for equality, so wildcards inside such structures are not supported.
    pub fn matches(&self, v: &Value, dialect: Dialect) -> bool {
        match (self, v) {
            (Pv::Any, _) => true,
            (Pv::Null, Value::Null) => true,
            (Pv::Bool(a), Value::Bool(b)) => a == b,
            (Pv::Int(a), Value::Int(b)) => a == b,
            (Pv::Float(a), Value::Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Pv::Str(a), Value::String(b)) => a == b,
            (Pv::Bytes(a), Value::Bytes(b)) => a == b,
            (Pv::List(a), Value::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(p, v)| p.matches(v, dialect))
            }
            (Pv::Map { entries, open }, Value::Map(m)) => {
                (*open || entries.len() == m.len())
                    && entries
                        .iter()
                        .all(|(k, p)| m.get(k).is_some_and(|v| p.matches(v, dialect)))
            }
            (Pv::Struct { tag, fields }, Value::Struct(s)) => {
                *tag == s.tag
                    && fields.len() == s.fields.len()
                    && fields
                        .iter()
                        .zip(&s.fields)
                        .all(|(p, v)| p.matches(v, dialect))
            }
            (Pv::Struct { .. }, _) => self.hydrate(dialect).is_some_and(|h| &h == v),
            _ => false,
        }
    }

    /// This value as the crate's decoder sees it (encode, then decode).
    pub fn hydrate(&self, dialect: Dialect) -> Option<Value> {
        let mut buf = Vec::new();
        self.encode(&mut Encoder::new(&mut buf, dialect)).ok()?;
        let opts = DecodeOptions {
            dialect,
            ..DecodeOptions::default()
        };
        Decoder::new(&buf, opts).read_value().ok()
    }
}

fn write_str_lit(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    write!(f, "\"")?;
    for c in s.chars() {
        match c {
            '"' => write!(f, "\\\"")?,
            '\\' => write!(f, "\\\\")?,
            '\n' => write!(f, "\\n")?,
            '\t' => write!(f, "\\t")?,
            '\r' => write!(f, "\\r")?,
            c if c.is_control() => write!(f, "\\u{:04x}", u32::from(c))?,
            c => write!(f, "{c}")?,
        }
    }
    write!(f, "\"")
}

fn write_float(f: &mut fmt::Formatter<'_>, x: f64) -> fmt::Result {
    if x.is_nan() {
        write!(f, "nan")
    } else if x.is_infinite() {
        write!(f, "{}", if x > 0.0 { "inf" } else { "-inf" })
    } else {
        write!(f, "{x:?}")
    }
}

fn write_tag(f: &mut fmt::Formatter<'_>, tag: u8) -> fmt::Result {
    if tag.is_ascii_alphanumeric() {
        write!(f, "@{}", char::from(tag))
    } else {
        write!(f, "@0x{tag:02X}")
    }
}

impl fmt::Display for Pv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pv::Any => write!(f, "*"),
            Pv::Null => write!(f, "null"),
            Pv::Bool(b) => write!(f, "{b}"),
            Pv::Int(i) => write!(f, "{i}"),
            Pv::Float(x) => write_float(f, *x),
            Pv::Str(s) => write_str_lit(f, s),
            Pv::Bytes(b) => write!(f, "b[{}]", hex(b)),
            Pv::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    write!(f, "{}{item}", if i > 0 { ", " } else { "" })?;
                }
                write!(f, "]")
            }
            Pv::Map { entries, open } => {
                write!(f, "{{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    write!(f, "{}", if i > 0 { ", " } else { "" })?;
                    write_str_lit(f, k)?;
                    write!(f, ": {v}")?;
                }
                if *open {
                    write!(f, "{}..", if entries.is_empty() { "" } else { ", " })?;
                }
                write!(f, "}}")
            }
            Pv::Struct { tag, fields } => {
                write_tag(f, *tag)?;
                write!(f, "{}", Pv::List(fields.clone()))
            }
        }
    }
}

/// Formats a received value in script syntax (hydrated graph/temporal values in Debug form).
pub struct Show<'a>(pub &'a Value);

impl fmt::Display for Show<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write_float(f, *x),
            Value::String(s) => write_str_lit(f, s),
            Value::Bytes(b) => write!(f, "b[{}]", hex(b)),
            Value::List(items) => {
                write!(f, "[")?;
                for (i, item) in items.iter().enumerate() {
                    write!(f, "{}{}", if i > 0 { ", " } else { "" }, Show(item))?;
                }
                write!(f, "]")
            }
            Value::Map(m) => {
                write!(f, "{{")?;
                for (i, (k, v)) in m.iter().enumerate() {
                    write!(f, "{}", if i > 0 { ", " } else { "" })?;
                    write_str_lit(f, k)?;
                    write!(f, ": {}", Show(v))?;
                }
                write!(f, "}}")
            }
            Value::Struct(s) => {
                write_tag(f, s.tag)?;
                write!(f, "{}", Show(&Value::List(s.fields.clone())))
            }
            other => write!(f, "{other:?}"),
        }
    }
}
