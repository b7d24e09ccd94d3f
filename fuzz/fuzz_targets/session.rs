//! cargo-fuzz target `session`; the body is `harness::session` in fuzz/harness.rs.
#![no_main]

#[allow(dead_code)] // each target uses one function of the shared harness
mod harness {
    include!("../harness.rs");
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::session(data));
