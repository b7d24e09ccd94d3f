//! The TestKit wire framing.
//!
//! TestKit sends
//!
//! ```text
//! #request begin
//! {"name": "...", "data": {...}}
//! #request end
//! ```
//!
//! and expects every answer as
//!
//! ```text
//! #response begin
//! {"name": "...", "data": {...}}
//! #response end
//! ```
//!
//! Lines outside a block are ignored (TestKit tolerates backend log lines there too).

use std::io::{self, BufRead, Write};

const REQUEST_BEGIN: &str = "#request begin";
const REQUEST_END: &str = "#request end";

/// Reads the next request block and returns its JSON text.
///
/// Returns `Ok(None)` on a clean end of stream (the TestKit connection closed).
pub fn read_request<R: BufRead>(reader: &mut R) -> io::Result<Option<String>> {
    let mut line = String::new();
    let mut body: Option<String> = None;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return match body {
                None => Ok(None),
                Some(_) => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed inside a request block",
                )),
            };
        }
        let trimmed = line.trim();
        match (&mut body, trimmed) {
            (None, REQUEST_BEGIN) => body = Some(String::new()),
            (None, _) => {} // noise between blocks
            (Some(_), REQUEST_BEGIN) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "nested '#request begin'",
                ))
            }
            (Some(b), REQUEST_END) => return Ok(Some(std::mem::take(b))),
            (Some(b), _) => {
                b.push_str(trimmed);
                b.push('\n');
            }
        }
    }
}

/// Writes one response block and flushes.
pub fn write_response<W: Write>(writer: &mut W, json: &serde_json::Value) -> io::Result<()> {
    // serde_json never emits raw newlines inside a compact document, so the block is 3 lines.
    let text = serde_json::to_string(json).map_err(io::Error::other)?;
    writer.write_all(b"#response begin\n")?;
    writer.write_all(text.as_bytes())?;
    writer.write_all(b"\n#response end\n")?;
    writer.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Cursor;

    #[test]
    fn reads_requests_and_skips_noise() {
        let input =
            "hello\n#request begin\n{\"name\": \"GetFeatures\",\n\"data\": {}}\n#request end\n\
                     #request begin\n{\"name\":\"X\"}\n#request end\n";
        let mut r = Cursor::new(input);
        let a = read_request(&mut r).unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["name"], "GetFeatures");
        let b = read_request(&mut r).unwrap().unwrap();
        assert!(b.contains("\"X\""));
        assert!(read_request(&mut r).unwrap().is_none());
    }

    #[test]
    fn eof_inside_block_is_an_error() {
        let mut r = Cursor::new("#request begin\n{\n");
        assert!(read_request(&mut r).is_err());
    }

    #[test]
    fn writes_response_block() {
        let mut out = Vec::new();
        write_response(&mut out, &json!({"name": "RunTest", "data": {}})).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert_eq!(
            s,
            "#response begin\n{\"data\":{},\"name\":\"RunTest\"}\n#response end\n"
        );
    }
}
