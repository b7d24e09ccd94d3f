//! cargo-fuzz target `message`; the body is `harness::message` in fuzz/harness.rs.
#![no_main]

#[allow(dead_code)] // each target uses one function of the shared harness
mod harness {
    include!("../harness.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::message(data));
