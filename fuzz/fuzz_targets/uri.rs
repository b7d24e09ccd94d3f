//! URI parsing (scheme, host, port, IPv6, routing context, percent-encoding).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(uri) = boltc::net::parse_uri(s) {
            // Whatever parses must also format and describe itself without panicking.
            let _ = format!("{uri:?} {}", uri.address());
        }
    }
});
