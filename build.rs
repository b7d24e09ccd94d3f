//! Regenerates `include/boltc.h` from `src/ffi/` with cbindgen, rewriting the file only when its
//! content changed. `BOLTC_SKIP_HEADER=1` turns this off (e.g. for `cargo package`).

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=BOLTC_SKIP_HEADER");
    if std::env::var_os("BOLTC_SKIP_HEADER").is_some_and(|v| v == "1") {
        return;
    }
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = match cbindgen::Builder::new()
        // Only the ffi module: the rest of the crate has constants that are not C API.
        .with_src(dir.join("src").join("ffi").join("mod.rs"))
        .with_config(config)
        .generate()
    {
        Ok(b) => b,
        Err(e) => {
            println!("cargo:warning=boltc.h not regenerated: {e}");
            return;
        }
    };
    let mut text = Vec::new();
    bindings.write(&mut text);
    let path = dir.join("include").join("boltc.h");
    if std::fs::read(&path).ok().as_deref() != Some(text.as_slice()) {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("include/");
        std::fs::write(&path, text).expect("write include/boltc.h");
    }
}
