//! `scripts/install-c.sh --prefix P` into a temporary prefix, then a small C program
//! (`tests/install/smoke.c`) compiled through pkg-config both ways and run with no
//! `LD_LIBRARY_PATH`: shared (`boltc`: its rpath finds `P/lib/libboltc.so`) and static
//! (`boltc-static`: the archive by path plus the system libraries it needs). Also checks that
//! the installed libraries carry no debug info. Installs the libraries cargo built for this test
//! run (`--lib-dir target/<profile>`), so no release build runs here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`, where cargo put `libboltc.so` and `libboltc.a`.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

fn run(cmd: &mut Command) -> String {
    let o = cmd.output().expect("spawn");
    assert!(
        o.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn pkg_config(prefix: &Path, args: &[&str]) -> Vec<String> {
    let out = run(Command::new("pkg-config")
        .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig"))
        .env_remove("PKG_CONFIG_LIBDIR")
        .args(args));
    out.split_whitespace().map(str::to_owned).collect()
}

/// Compiles smoke.c with `flags` and runs it with no library path: it must print the version.
fn build_and_run(prefix: &Path, name: &str, flags: &[String]) -> String {
    let exe = prefix.join(name);
    run(Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror"])
        .arg(root().join("tests/install/smoke.c"))
        .args(flags)
        .arg("-o")
        .arg(&exe));
    let out = run(Command::new(&exe).env_remove("LD_LIBRARY_PATH"));
    assert_eq!(
        out.trim(),
        format!("boltc {}", env!("CARGO_PKG_VERSION")),
        "{name} printed {out:?}"
    );
    run(Command::new("readelf").arg("-d").arg(&exe))
}

fn has_debug_info(file: &Path) -> bool {
    run(Command::new("readelf").arg("-S").arg(file)).contains(".debug_info")
}

#[test]
fn install_then_link_through_pkg_config_shared_and_static() {
    let prefix = std::env::temp_dir().join(format!("boltc-install-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&prefix);
    run(Command::new("sh")
        .arg(root().join("scripts/install-c.sh"))
        .arg("--prefix")
        .arg(&prefix)
        .arg("--lib-dir")
        .arg(lib_dir()));
    for f in [
        "include/boltc.h",
        "include/boltc.hpp",
        "lib/libboltc.so",
        "lib/libboltc.a",
    ] {
        assert!(prefix.join(f).exists(), "{f} not installed");
    }
    // The test profile's libraries have debug info; the installed ones must not.
    assert!(has_debug_info(&lib_dir().join("libboltc.so")));
    assert!(!has_debug_info(&prefix.join("lib/libboltc.so")));
    assert!(!has_debug_info(&prefix.join("lib/libboltc.a")));

    let mut shared = pkg_config(&prefix, &["--cflags", "--libs", "boltc"]);
    shared.dedup();
    let dynamic = build_and_run(&prefix, "smoke_shared", &shared);
    assert!(dynamic.contains("[libboltc.so]"), "{dynamic}");
    assert!(
        dynamic.contains(&prefix.join("lib").display().to_string()),
        "no rpath to the prefix:\n{dynamic}"
    );

    let stat = pkg_config(&prefix, &["--static", "--cflags", "--libs", "boltc-static"]);
    let dynamic = build_and_run(&prefix, "smoke_static", &stat);
    assert!(!dynamic.contains("libboltc"), "{dynamic}");
    // Without --static the archive module links the same way.
    assert_eq!(
        pkg_config(&prefix, &["--cflags", "--libs", "boltc-static"]),
        stat,
        "boltc-static needs --static"
    );

    std::fs::remove_dir_all(&prefix).unwrap();
}
