//! Helpers shared by the driver integration tests (`mod common;` next to `mod support;`).

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use boltc::packstream::{Dialect, Encoder};
use boltc::{AuthToken, Config, ConfigBuilder, Driver, Error, ErrorKind, Map, Value};
use std::time::Duration;

/// The user agent of the seed transcripts.
pub const UA: &str = "MyClient/1.0";

/// A config builder with the seed credentials and short timeouts, so a driver that waits for
/// a reply the script never sends fails in seconds instead of hanging.
pub fn config(uri: &str) -> ConfigBuilder {
    Config::builder(uri)
        .auth(AuthToken::basic("neo4j", "secret"))
        .user_agent(UA)
        .connection_timeout(Duration::from_secs(3))
        .read_timeout(Some(Duration::from_secs(3)))
        .connection_acquisition_timeout(Duration::from_secs(3))
}

/// A driver for `uri` with [`config`].
pub fn driver(uri: &str) -> Driver {
    Driver::new(config(uri).build().unwrap()).unwrap()
}

/// A driver for `uri` with [`config`] changed by `f`.
pub fn driver_with(uri: &str, f: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Driver {
    Driver::new(f(config(uri)).build().unwrap()).unwrap()
}

/// Parameters from `(name, value)` pairs.
pub fn params<const N: usize>(items: [(&str, Value); N]) -> Option<Map> {
    Some(items.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Hex text (`"B1 70 A0"`) for stub `<RAW>` lines.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One message body framed as one chunk plus the end marker, as hex text.
pub fn framed(body: &[u8]) -> String {
    let mut out = u16::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(body);
    out.extend_from_slice(&[0, 0]);
    hex(&out)
}

/// A message body built with primitive PackStream writes (not the driver's value encoder, so
/// tests do not check the encoder against itself).
pub fn body(dialect: Dialect, f: impl FnOnce(&mut Encoder<'_>)) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = Encoder::new(&mut out, dialect);
    f(&mut enc);
    out
}

/// Asserts `e` has `kind`, with the error in the panic message.
#[track_caller]
pub fn assert_kind(e: &Error, kind: ErrorKind) {
    assert_eq!(e.kind(), kind, "unexpected error: {e:?}");
}
