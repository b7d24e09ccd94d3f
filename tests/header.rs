//! Fails when `include/boltc.h` is not what cbindgen generates from `src/ffi/` (regenerate
//! with `cargo build` and commit the header).

use std::path::PathBuf;

#[test]
fn committed_header_matches_the_generated_one() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_src(dir.join("src/ffi/mod.rs"))
        .with_config(config)
        .generate()
        .unwrap();
    let tmp = std::env::temp_dir().join(format!("boltc-header-{}.h", std::process::id()));
    bindings.write_to_file(&tmp);
    let generated = std::fs::read_to_string(&tmp).unwrap();
    let _ = std::fs::remove_file(&tmp);
    let committed = std::fs::read_to_string(dir.join("include/boltc.h")).unwrap();
    assert!(
        generated == committed,
        "include/boltc.h is stale: run `cargo build` (without BOLTC_SKIP_HEADER) and commit it"
    );
}
