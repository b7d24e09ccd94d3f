//! One stub connection: handshake, framing, and playing the script's steps.

use super::pattern::{hex, Pv, Show};
use super::script::{client_message_name, Handshake, Msg, Reads, Step, StepKind};
use super::stub::{Shared, POLL};
use boltc::packstream::{DecodeOptions, Decoder, Dialect, Encoder};
use boltc::Value;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

/// What the client sent next.
enum Incoming {
    Message { tag: u8, fields: Vec<Value> },
    Eof,
}

enum Flow {
    Continue,
    Exit,
}

/// The dialect a negotiated version uses (4.3/4.4 are taken without the `utc` patch).
pub fn dialect_for(major: u8) -> Dialect {
    Dialect {
        bytes: major >= 2,
        utc_datetime: major >= 5,
        vector: major >= 6,
        wide_structs: major <= 2,
    }
}

pub(super) struct Conn<'a> {
    stream: TcpStream,
    shared: &'a Shared,
    major: u8,
    dialect: Dialect,
    pending: Option<Incoming>,
    /// What happened so far (`C: ...` / `S: ...` lines).
    pub(super) log: Vec<String>,
}

impl<'a> Conn<'a> {
    pub(super) fn new(stream: TcpStream, shared: &'a Shared) -> Self {
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(POLL));
        let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
        Conn {
            stream,
            shared,
            major: 0,
            dialect: Dialect::LATEST,
            pending: None,
            log: Vec::new(),
        }
    }

    /// Plays the script; `last` says whether this is the last connection the script allows (a
    /// rejected handshake on an earlier one is how clients fall back to older proposals).
    pub(super) fn run(&mut self, last: bool) -> Result<(), String> {
        let script = &self.shared.script;
        if !self.handshake()? {
            return match script.steps.first() {
                None => Ok(()),
                Some(_) if !last => Ok(()),
                Some(step) => Err(format!(
                    "handshake rejected; script line {} and later were not run",
                    step.line
                )),
            };
        }
        self.steps(&script.steps).map(|_| ())
    }

    /// Half-closes, gives the client a moment to read what was sent, and drops the socket.
    pub(super) fn close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let end = Instant::now() + Duration::from_millis(100);
        let mut sink = [0u8; 4096];
        while Instant::now() < end {
            match self.stream.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {}
                Err(_) => break,
            }
        }
    }

    // ----- I/O -----

    /// Fills `buf`; `Ok(false)` if the client closed before sending any of it.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<bool, String> {
        let mut got = 0;
        while got < buf.len() {
            match self.stream.read(&mut buf[got..]) {
                Ok(0) if got == 0 => return Ok(false),
                Ok(0) => {
                    return Err(format!(
                        "the client closed after {got} of {} bytes",
                        buf.len()
                    ))
                }
                Ok(n) => got += n,
                Err(e)
                    if matches!(
                        e.kind(),
                        IoKind::WouldBlock | IoKind::TimedOut | IoKind::Interrupted
                    ) =>
                {
                    if self.shared.stop.load(Ordering::SeqCst) {
                        return Err("stopped by finish() while waiting for the client".into());
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        IoKind::ConnectionReset | IoKind::ConnectionAborted
                    ) && got == 0 =>
                {
                    return Ok(false)
                }
                Err(e) => return Err(format!("read failed: {e}")),
            }
        }
        Ok(true)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .map_err(|e| format!("write failed: {e}"))
    }

    fn read_message(&mut self) -> Result<Incoming, String> {
        let mut data = Vec::new();
        loop {
            let mut header = [0u8; 2];
            if !self.read_full(&mut header)? {
                if data.is_empty() {
                    return Ok(Incoming::Eof);
                }
                return Err("the client closed in the middle of a message".into());
            }
            let n = usize::from(u16::from_be_bytes(header));
            if n == 0 {
                if data.is_empty() {
                    self.log.push("C: <NOOP>".into());
                    continue;
                }
                break;
            }
            let start = data.len();
            data.resize(start + n, 0);
            if !self.read_full(&mut data[start..])? {
                return Err("the client closed in the middle of a chunk".into());
            }
        }
        let bad = |e| format!("undecodable client message {}: {e:?}", hex(&data));
        let opts = DecodeOptions {
            dialect: self.dialect,
            ..DecodeOptions::default()
        };
        let mut dec = Decoder::new(&data, opts);
        let (n, tag) = dec.read_struct_header().map_err(bad)?;
        let fields = (0..n)
            .map(|_| dec.read_value())
            .collect::<Result<Vec<_>, _>>()
            .map_err(bad)?;
        if !dec.is_at_end() {
            return Err(format!(
                "trailing bytes after client message {}",
                hex(&data)
            ));
        }
        Ok(Incoming::Message { tag, fields })
    }

    fn send(&mut self, msg: &Msg) -> Result<(), String> {
        let mut body = Vec::new();
        let mut enc = Encoder::new(&mut body, self.dialect);
        let n = u8::try_from(msg.fields.len()).map_err(|_| "too many fields".to_owned())?;
        enc.write_struct_header(n, msg.tag);
        for f in &msg.fields {
            f.encode(&mut enc)?;
        }
        let mut out = Vec::with_capacity(body.len() + 4);
        for chunk in body.chunks(usize::from(u16::MAX)) {
            let len = u16::try_from(chunk.len()).expect("invariant: chunk fits u16");
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(chunk);
        }
        out.extend_from_slice(&[0, 0]);
        self.write(&out)
    }

    // ----- handshake -----

    /// `Ok(true)` when a version was agreed on.
    fn handshake(&mut self) -> Result<bool, String> {
        let mut magic = [0u8; 4];
        if !self.read_full(&mut magic)? {
            return Err("the client closed before the handshake".into());
        }
        if magic != [0x60, 0x60, 0xB0, 0x17] {
            return Err(format!(
                "expected C: <RAW> 60 60 B0 17 (handshake), got C: <RAW> {}",
                hex(&magic)
            ));
        }
        let mut proposals = [0u8; 16];
        if !self.read_full(&mut proposals)? {
            return Err("the client closed during the handshake".into());
        }
        self.log
            .push(format!("C: <HANDSHAKE> 60 60 B0 17 {}", hex(&proposals)));
        let script = &self.shared.script;
        match &script.handshake {
            Handshake::Raw(reply) => {
                self.write(reply)?;
                self.log.push(format!("S: <HANDSHAKE> {}", hex(reply)));
                self.set_version(reply.get(3).copied().unwrap_or(0));
                Ok(true)
            }
            Handshake::Manifest if offers_manifest(&proposals) => self.manifest(),
            // A manifest server answers proposals without the manifest like any 4.3+ server.
            Handshake::Classic | Handshake::Manifest => {
                let chosen = proposals.chunks(4).find_map(|p| {
                    let (minor, range) = match script.reads {
                        Reads::Ranges => (p[2], p[1]),
                        Reads::MajorMinor => (p[2], 0),
                        Reads::Major => (0, 0),
                    };
                    script.versions.iter().find(|(major, m)| {
                        p[3] == *major && *m <= minor && *m >= minor.saturating_sub(range)
                    })
                });
                let reply = chosen.map_or([0; 4], |(major, minor)| [0, 0, *minor, *major]);
                self.write(&reply)?;
                self.log.push(format!("S: <HANDSHAKE> {}", hex(&reply)));
                self.set_version(reply[3]);
                Ok(chosen.is_some())
            }
        }
    }

    fn set_version(&mut self, major: u8) {
        self.major = major;
        self.dialect = dialect_for(major);
    }

    fn manifest(&mut self) -> Result<bool, String> {
        let versions = &self.shared.script.versions;
        let mut reply = vec![0, 0, 1, 0xFF];
        push_varint(&mut reply, versions.len() as u64);
        for (major, minor) in versions {
            reply.extend_from_slice(&[0, 0, *minor, *major]);
        }
        push_varint(&mut reply, 0);
        self.write(&reply)?;
        self.log.push(format!("S: <MANIFEST> {}", hex(&reply)));
        let mut chosen = [0u8; 4];
        if !self.read_full(&mut chosen)? {
            return Err("the client closed instead of choosing a manifest version".into());
        }
        let caps = self.read_varint()?;
        self.log.push(format!(
            "C: <MANIFEST> {} capabilities {caps}",
            hex(&chosen)
        ));
        if chosen == [0; 4] {
            return Ok(false);
        }
        if !versions
            .iter()
            .any(|(major, minor)| chosen[3] == *major && chosen[2] == *minor)
        {
            return Err(format!(
                "the client chose {}, which the server did not offer",
                hex(&chosen)
            ));
        }
        self.set_version(chosen[3]);
        Ok(true)
    }

    fn read_varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let mut b = [0u8; 1];
            if !self.read_full(&mut b)? {
                return Err("the client closed in the middle of a varint".into());
            }
            value |= u64::from(b[0] & 0x7F) << shift;
            if b[0] & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("varint too long".into())
    }

    // ----- steps -----

    fn steps(&mut self, steps: &[Step]) -> Result<Flow, String> {
        for step in steps {
            if let Flow::Exit = self.step(step)? {
                return Ok(Flow::Exit);
            }
        }
        Ok(Flow::Continue)
    }

    fn step(&mut self, step: &Step) -> Result<Flow, String> {
        match &step.kind {
            StepKind::Expect(msg) => self.expect(step, msg)?,
            StepKind::ExpectRaw(bytes) => self.expect_raw(step, bytes)?,
            StepKind::ExpectEof => match self.next()? {
                Incoming::Eof => self.log.push("C: <EOF>".into()),
                other => return Err(self.mismatch(step, &other)),
            },
            StepKind::Send(msg) => {
                self.send(msg)
                    .map_err(|e| format!("script line {}: {e}", step.line))?;
                self.log.push(format!("S: {msg}"));
            }
            StepKind::SendRaw(bytes) => {
                self.write(bytes)?;
                self.log.push(format!("S: <RAW> {}", hex(bytes)));
            }
            StepKind::Noop => {
                self.write(&[0, 0])?;
                self.log.push("S: <NOOP>".into());
            }
            StepKind::Exit => {
                self.log.push("S: <EXIT>".into());
                return Ok(Flow::Exit);
            }
            StepKind::Sleep(d) => {
                let end = Instant::now() + *d;
                while Instant::now() < end && !self.shared.stop.load(Ordering::SeqCst) {
                    thread::sleep(POLL.min(end.saturating_duration_since(Instant::now())));
                }
                self.log.push(format!("S: <SLEEP {}ms>", d.as_millis()));
            }
            StepKind::Optional(block) => {
                if self.next_matches(&block[0])? {
                    return self.steps(block);
                }
            }
            StepKind::Repeat(block) => {
                while self.next_matches(&block[0])? {
                    if let Flow::Exit = self.steps(block)? {
                        return Ok(Flow::Exit);
                    }
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn next(&mut self) -> Result<Incoming, String> {
        match self.pending.take() {
            Some(incoming) => Ok(incoming),
            None => self.read_message(),
        }
    }

    fn next_matches(&mut self, head: &Step) -> Result<bool, String> {
        let incoming = self.next()?;
        let StepKind::Expect(msg) = &head.kind else {
            unreachable!("invariant: the parser checks blocks start with C: messages")
        };
        let hit = self.is_match(msg, &incoming);
        self.pending = Some(incoming);
        Ok(hit)
    }

    fn is_match(&self, msg: &Msg, incoming: &Incoming) -> bool {
        match incoming {
            Incoming::Message { tag, fields } => {
                *tag == msg.tag
                    && fields.len() == msg.fields.len()
                    && msg
                        .fields
                        .iter()
                        .zip(fields)
                        .all(|(p, v)| p.matches(v, self.dialect))
            }
            Incoming::Eof => false,
        }
    }

    fn expect(&mut self, step: &Step, msg: &Msg) -> Result<(), String> {
        loop {
            let incoming = self.next()?;
            if self.is_match(msg, &incoming) {
                let line = self.describe(&incoming);
                self.shared.note_received(&line);
                self.log.push(line);
                return Ok(());
            }
            match incoming {
                Incoming::Message { tag, .. } if self.shared.script.auto.contains(&tag) => {
                    self.log
                        .push(format!("{} (auto)", self.describe(&incoming)));
                    if tag != 0x02 {
                        let ok = Msg {
                            name: "SUCCESS".into(),
                            tag: 0x70,
                            fields: vec![Pv::Map {
                                entries: vec![],
                                open: false,
                            }],
                        };
                        self.send(&ok)?;
                        self.log.push("S: SUCCESS {} (auto)".into());
                    }
                }
                other => return Err(self.mismatch(step, &other)),
            }
        }
    }

    fn expect_raw(&mut self, step: &Step, bytes: &[u8]) -> Result<(), String> {
        if self.pending.is_some() {
            return Err(format!(
                "script line {}: `C: <RAW>` right after a block, whose message was already read",
                step.line
            ));
        }
        let mut got = vec![0u8; bytes.len()];
        if !self.read_full(&mut got)? {
            return Err(format!(
                "script line {}: expected {step}\n    got C: <EOF>",
                step.line
            ));
        }
        if got != bytes {
            return Err(format!(
                "script line {}: expected {step}\n    got C: <RAW> {}",
                step.line,
                hex(&got)
            ));
        }
        self.log.push(format!("C: <RAW> {}", hex(&got)));
        Ok(())
    }

    fn describe(&self, incoming: &Incoming) -> String {
        match incoming {
            Incoming::Eof => "C: <EOF>".into(),
            Incoming::Message { tag, fields } => {
                let mut s = format!("C: {}", client_message_name(*tag, self.major));
                for f in fields {
                    s.push_str(&format!(" {}", Show(f)));
                }
                s
            }
        }
    }

    fn mismatch(&self, step: &Step, incoming: &Incoming) -> String {
        format!(
            "script line {}: expected {step}\n                   got {}",
            step.line,
            self.describe(incoming)
        )
    }
}

/// Whether a proposal list offers manifest v1 (`00 00 01 FF`).
fn offers_manifest(proposals: &[u8; 16]) -> bool {
    proposals.chunks(4).any(|p| p == [0, 0, 1, 0xFF])
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7F) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}
