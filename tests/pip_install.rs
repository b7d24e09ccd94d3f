//! `pip install ./bindings/python` in a fresh venv bundles the library itself: setup.py runs
//! `cargo build --release --lib` in the repository and copies `libboltc.so` into the package, so
//! `import boltc` then loads it from site-packages with no `BOLTC_LIBRARY` and from another
//! directory. A plain `pip install` as a user runs it: pip fetches the build requirement
//! (setuptools) into its isolated build environment, so this needs PyPI (or a pip find-links
//! directory holding setuptools and wheel).

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().expect("spawn");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{cmd:?} failed:\n{text}");
    text
}

#[test]
fn pip_install_builds_and_bundles_the_library() {
    let dir = std::env::temp_dir().join(format!("boltc-pip-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    run(Command::new("python3").args(["-m", "venv"]).arg(&dir));
    let log = run(Command::new(dir.join("bin/pip"))
        .args(["install", "-v"])
        .arg(root().join("bindings/python"))
        .env_remove("BOLTC_LIBRARY"));
    assert!(log.contains("boltc: cargo build --release --lib"), "{log}");
    assert!(log.contains("boltc: bundled"), "{log}");

    let script = "import os, ctypes, boltc._ffi as f\n\
                  p = f.find_library()\n\
                  lib = ctypes.CDLL(str(p))\n\
                  lib.boltc_version.restype = ctypes.c_char_p\n\
                  print(p)\n\
                  print(lib.boltc_version().decode())\n";
    let out = run(Command::new(dir.join("bin/python"))
        .args(["-c", script])
        .current_dir(&dir)
        .env_remove("BOLTC_LIBRARY")
        .env_remove("PYTHONPATH"));
    let mut lines = out.lines();
    let path = lines.next().unwrap();
    assert!(
        path.starts_with(dir.to_str().unwrap()) && path.contains("site-packages/boltc/"),
        "loaded from {path}"
    );
    assert_eq!(lines.next(), Some(env!("CARGO_PKG_VERSION")));
    std::fs::remove_dir_all(&dir).unwrap();
}
