//! Response message decoder (SUCCESS, RECORD, FAILURE, IGNORED).
#![no_main]
use boltc::bolt::message::decode_response;
use boltc::packstream::{DecodeOptions, Dialect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, bytes)) = data.split_first() else {
        return;
    };
    let dialect = if sel & 1 == 0 { Dialect::LATEST } else { Dialect::V1 };
    let _ = decode_response(
        bytes,
        DecodeOptions {
            dialect,
            max_depth: 128,
        },
    );
});
