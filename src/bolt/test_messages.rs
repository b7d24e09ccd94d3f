//! Server messages as bytes, for the unit tests of the code that reads them without a socket
//! (the exchange, the RECORD fast path): one-field (or field-less) structures, encoded as a
//! server would send them, unchunked.

use super::message::tag;
use crate::packstream::{Dialect, Encoder};
use crate::value::{Map, Value};

/// A message with tag `t` and `field` as its only field (none when `None`).
pub(crate) fn message(t: u8, field: Option<Value>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(&mut out, Dialect::LATEST);
    match field {
        Some(v) => {
            e.write_struct_header(1, t);
            e.write_value(&v).unwrap();
        }
        None => e.write_struct_header(0, t),
    }
    out
}

/// A RECORD of the one value `n`.
pub(crate) fn record(n: i64) -> Vec<u8> {
    message(tag::RECORD, Some(Value::List(vec![Value::Int(n)])))
}

/// A SUCCESS with `entries` as its metadata.
pub(crate) fn success(entries: &[(&str, Value)]) -> Vec<u8> {
    message(tag::SUCCESS, Some(Value::Map(Map::of(entries))))
}

/// A FAILURE with `code` and `message`.
pub(crate) fn failure(code: &str, msg: &str) -> Vec<u8> {
    let meta = Map::of(&[("code", Value::from(code)), ("message", Value::from(msg))]);
    message(tag::FAILURE, Some(Value::Map(meta)))
}

/// An IGNORED.
pub(crate) fn ignored() -> Vec<u8> {
    message(tag::IGNORED, None)
}
