//! PackStream decoder: any bytes give a value or a DecodeError, never a panic.
#![no_main]
use boltc::packstream::{DecodeOptions, Decoder, Dialect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the dialect, so both structure forms are reached.
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let dialect = if sel & 1 == 0 { Dialect::LATEST } else { Dialect::V1 };
    let opts = DecodeOptions {
        dialect,
        max_depth: 128,
    };
    let mut d = Decoder::new(bytes, opts);
    while !d.is_at_end() {
        if d.read_value().is_err() {
            break;
        }
    }
});
