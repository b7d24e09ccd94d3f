//! Builds the C and C++ programs in `tests/c/`, `examples/c/`, `examples/cpp/` and
//! `bindings/cpp/` against `include/boltc.h` and the built library, and runs them against the
//! stub server, FalkorDB and Neo4j (every line `scripts/neo4j.sh start` left running), under valgrind when `BOLTC_VALGRIND=1` (or when valgrind is
//! installed and `BOLTC_VALGRIND` is not `0`). The misuse suite (`tests/c/misuse.c` and a
//! generated program calling every function with NULL arguments) also runs under
//! AddressSanitizer, and the threaded programs under ThreadSanitizer with the library itself
//! instrumented.
//!
//! `BOLTC_C_TEST_LIB_DIR` runs the programs against the libraries in another directory (e.g. a
//! build without a fix, to see a test fail).

mod support;

#[path = "c/null_calls.rs"]
mod null_calls;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{FalkorDb, Framing, Neo4j, StubServer, WsGateway, WsOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`, where cargo put `libboltc.so` and `libboltc.a` (or
/// `BOLTC_C_TEST_LIB_DIR`).
fn lib_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BOLTC_C_TEST_LIB_DIR") {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

fn out_dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("boltc-c-api-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

enum Link {
    Shared,
    Static,
}

/// Compiles `sources` into `name` with warnings as errors.
fn compile(cpp: bool, sources: &[&str], name: &str, link: Link) -> PathBuf {
    compile_with(cpp, sources, name, link, &[])
}

/// As [`compile`], with extra compiler flags (e.g. `-fsanitize=address`).
fn compile_with(cpp: bool, sources: &[&str], name: &str, link: Link, extra: &[&str]) -> PathBuf {
    compile_in(&lib_dir(), cpp, sources, name, link, extra)
}

/// As [`compile_with`], linking the libraries in `lib`. A source path is relative to the
/// repository unless absolute (a generated file).
fn compile_in(
    lib: &Path,
    cpp: bool,
    sources: &[&str],
    name: &str,
    link: Link,
    extra: &[&str],
) -> PathBuf {
    let out = out_dir().join(name);
    assert!(
        lib.join("libboltc.a").exists() && lib.join("libboltc.so").exists(),
        "the C libraries are not built in {}",
        lib.display()
    );
    let mut cmd = Command::new(if cpp { "g++" } else { "gcc" });
    if cpp {
        cmd.args(["-std=c++17"]);
    } else {
        cmd.args(["-std=c11"]);
    }
    cmd.args(["-Wall", "-Wextra", "-Werror", "-g", "-O1", "-pthread"])
        .args(extra)
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("bindings/cpp/include"))
        .arg("-I")
        .arg(root().join("tests/c"));
    for s in sources {
        cmd.arg(root().join(s)); // an absolute path stays as it is
    }
    cmd.arg("-o").arg(&out);
    match link {
        Link::Shared => {
            cmd.arg("-L").arg(lib).arg("-lboltc");
            // DT_RPATH (not RUNPATH): found before cargo's LD_LIBRARY_PATH, so the program
            // loads the library it was linked with (BOLTC_C_TEST_LIB_DIR, the TSan build).
            cmd.arg(format!("-Wl,-rpath,{}", lib.display()))
                .arg("-Wl,--disable-new-dtags");
        }
        Link::Static => {
            cmd.arg(lib.join("libboltc.a"))
                .args(["-lpthread", "-ldl", "-lm"]);
        }
    }
    let o = cmd.output().expect("run the compiler");
    assert!(
        o.status.success(),
        "compiling {name} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn use_valgrind() -> bool {
    match std::env::var("BOLTC_VALGRIND").as_deref() {
        Ok("1") => true,
        Ok("0") => false,
        _ => Command::new("valgrind").arg("--version").output().is_ok(),
    }
}

/// Runs a test program with `args`, under valgrind when enabled; asserts exit code 0.
/// Every leak kind counts, still-reachable memory included: what boltc allocates is freed by
/// the `_free` calls (or at exit by its own statics' cleanup; see tests/c/valgrind.supp).
fn run(exe: &Path, args: &[&str]) -> String {
    let mut cmd = if use_valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--leak-check=full",
            "--show-leak-kinds=all",
            "--errors-for-leak-kinds=all",
            "--error-exitcode=1",
            "--quiet",
            // Deep enough for a suppression to see the boltc frame that allocated.
            "--num-callers=50",
        ])
        .arg(format!(
            "--suppressions={}",
            root().join("tests/c/valgrind.supp").display()
        ))
        .arg(exe);
        c
    } else {
        Command::new(exe)
    };
    let o: Output = cmd.args(args).output().expect("run the test program");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success(),
        "{} {args:?} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        exe.display(),
        o.status
    );
    if use_valgrind() {
        assert!(
            !stderr.contains("Invalid read") && !stderr.contains("Invalid write"),
            "valgrind:\n{stderr}"
        );
    }
    stdout
}

/// The misuse suite: tests/c/misuse.c against its two stub scripts (run by `run_with`).
fn misuse_suite(exe: &Path, run_with: fn(&Path, &[&str]) -> String) {
    let mut stub = StubServer::start(&script("misuse.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let slow = StubServer::start(&script("misuse_slow.script"));
    let out = run_with(exe, &[&stub.uri(), &slow.uri()]);
    assert!(out.contains("misuse: all ok"), "{out}");
    stub.finish();
    // The stalled server's script is cut short by the call timeout on purpose.
    drop(slow);
}

/// Writes the generated every-function-with-NULL program (see tests/c/null_calls.rs).
fn null_calls_source() -> PathBuf {
    let header = std::fs::read_to_string(root().join("include/boltc.h")).unwrap();
    let path = out_dir().join("null_calls.c");
    std::fs::write(&path, null_calls::source(&header)).unwrap();
    path
}

/// A C user's mistakes (out-of-range enums and statuses, stale handles, several threads on one
/// result, transaction functions returning garbage, re-entering or freeing their session, error
/// causes freed on their own, silent, refusing and stalling servers) and every function with
/// NULL arguments; under valgrind (when installed, every leak kind counted).
#[test]
fn c_misuse_suite() {
    let exe = compile(false, &["tests/c/misuse.c"], "misuse", Link::Shared);
    misuse_suite(&exe, run);
    let src = null_calls_source();
    let nulls = compile(false, &[src.to_str().unwrap()], "null_calls", Link::Shared);
    let out = run(&nulls, &[]);
    assert!(out.contains("null calls:"), "{out}");
}

/// The misuse suite built with AddressSanitizer (LeakSanitizer on).
#[test]
fn c_misuse_suite_under_address_sanitizer() {
    let asan = ["-fsanitize=address", "-fno-omit-frame-pointer"];
    let exe = compile_with(
        false,
        &["tests/c/misuse.c"],
        "misuse_asan",
        Link::Shared,
        &asan,
    );
    misuse_suite(&exe, run_asan);
    let src = null_calls_source();
    let nulls = compile_with(
        false,
        &[src.to_str().unwrap()],
        "null_calls_asan",
        Link::Shared,
        &asan,
    );
    let out = run_asan(&nulls, &[]);
    assert!(out.contains("null calls:"), "{out}");
}

/// The Rust toolchain's sysroot and host triple.
fn rustc_sysroot_and_host() -> (PathBuf, String) {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .unwrap();
    let sysroot = PathBuf::from(String::from_utf8(sysroot.stdout).unwrap().trim());
    let host = Command::new(&rustc).arg("-vV").output().unwrap();
    let host = String::from_utf8(host.stdout).unwrap();
    let triple = host
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .unwrap()
        .to_owned();
    (sysroot, triple)
}

/// Builds `libboltc.so` instrumented with ThreadSanitizer (std included, so its atomics and
/// locks are seen: `-Zbuild-std`, which needs the rust-src component) into `target/tsan`, and
/// returns its directory; `BOLTC_C_TEST_TSAN_LIB_DIR` names a ready one instead. Sanitizer
/// flags are nightly-only: `RUSTC_BOOTSTRAP=1` unlocks them on stable, as for the fuzz builds.
fn tsan_lib_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BOLTC_C_TEST_TSAN_LIB_DIR") {
        return PathBuf::from(d);
    }
    let (sysroot, triple) = rustc_sysroot_and_host();
    assert!(
        sysroot.join("lib/rustlib/src/rust/library").is_dir(),
        "the ThreadSanitizer build needs the Rust sources: rustup component add rust-src"
    );
    let target_dir = root().join("target/tsan");
    let o = Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["build", "--lib", "-Zbuild-std", "--target", &triple])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", "-Zsanitizer=thread")
        .env("BOLTC_SKIP_HEADER", "1")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("run cargo");
    assert!(
        o.status.success(),
        "the ThreadSanitizer build failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    target_dir.join(triple).join("debug")
}

/// Compiles a C test program with `gcc -fsanitize=thread` against the TSan build of boltc in
/// `lib`. It is linked with the TSan runtime of the Rust toolchain (the one boltc's
/// instrumentation was made for: gcc's older libtsan lacks some entry points that rustc's LLVM
/// emits, such as `__tsan_memcpy`), exported (`-rdynamic`) so that the library's calls reach
/// its interceptors.
fn compile_tsan(lib: &Path, source: &str, name: &str) -> PathBuf {
    let (sysroot, triple) = rustc_sysroot_and_host();
    let dir = sysroot.join("lib/rustlib").join(triple).join("lib");
    let rt = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("_rt.tsan.a"))
        .unwrap_or_else(|| panic!("no TSan runtime in {}", dir.display()));
    let obj = out_dir().join(format!("{name}.o"));
    let out = out_dir().join(name);
    let o = Command::new("gcc")
        .args([
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-O1", "-pthread",
        ])
        .args(["-fsanitize=thread", "-c"])
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("tests/c"))
        .arg(root().join(source))
        .arg("-o")
        .arg(&obj)
        .output()
        .expect("run the compiler");
    assert!(
        o.status.success(),
        "compiling {name}:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = Command::new("gcc")
        .args(["-pthread", "-rdynamic"])
        .arg(&obj)
        .arg("-o")
        .arg(&out)
        .arg("-L")
        .arg(lib)
        .arg("-lboltc")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-Wl,--disable-new-dtags")
        .arg("-Wl,--whole-archive")
        .arg(&rt)
        .arg("-Wl,--no-whole-archive")
        .args(["-ldl", "-lm", "-lrt"])
        .output()
        .expect("run the linker");
    assert!(
        o.status.success(),
        "linking {name}:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Runs `exe` built with `-fsanitize=thread`; asserts a clean exit and no report.
fn run_tsan(exe: &Path, args: &[&str]) -> String {
    let o = Command::new(exe)
        .args(args)
        .env(
            "TSAN_OPTIONS",
            format!(
                "halt_on_error=1:exitcode=66:second_deadlock_stack=1:suppressions={}",
                root().join("tests/c/tsan.supp").display()
            ),
        )
        .output()
        .expect("run the test program");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success() && !stderr.contains("ThreadSanitizer"),
        "{} {args:?} under TSan failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        exe.display(),
        o.status
    );
    stdout
}

/// The threaded C programs (the misuse suite's threads on one result, BUSY and interrupt from
/// another thread, the log callback) under ThreadSanitizer, with boltc itself instrumented.
#[test]
fn c_thread_tests_under_thread_sanitizer() {
    let lib = tsan_lib_dir();
    let misuse = compile_tsan(&lib, "tests/c/misuse.c", "misuse_tsan");
    misuse_suite(&misuse, run_tsan);
    let threads = compile_tsan(&lib, "tests/c/threads.c", "threads_tsan");
    let stub = StubServer::start(&script("slow.script"));
    let out = run_tsan(&threads, &[&stub.uri()]);
    assert!(out.contains("threads: ok"), "{out}");
    drop(stub);
}

fn script(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/c/scripts").join(name)).unwrap()
}

#[test]
fn c_basic_against_stub_server() {
    let exe = compile(false, &["tests/c/stub_basic.c"], "stub_basic", Link::Shared);
    let mut stub = StubServer::start(&script("basic.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("stub_basic: all ok"), "{out}");
    stub.finish();
}

/// Map entries in the server's order (node and relationship properties, map values, rows
/// whose key order changes) and in insertion order for `boltc_map_new`, plain (under valgrind
/// when enabled) and under AddressSanitizer.
#[test]
fn c_map_order_against_stub_server() {
    let exe = compile(false, &["tests/c/map_order.c"], "map_order", Link::Shared);
    let stub = StubServer::start(&script("map_order.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("map_order: all ok"), "{out}");
    stub.finish();
    let asan = compile_with(
        false,
        &["tests/c/map_order.c"],
        "map_order_asan",
        Link::Shared,
        &["-fsanitize=address", "-fno-omit-frame-pointer"],
    );
    let stub = StubServer::start(&script("map_order.script"));
    let out = run_asan(&asan, &[&stub.uri()]);
    assert!(out.contains("map_order: all ok"), "{out}");
    stub.finish();
}

#[test]
fn c_programs_against_falkordb() {
    let test = compile(false, &["tests/c/falkordb.c"], "falkordb", Link::Shared);
    let example = compile(false, &["examples/c/query.c"], "query_c", Link::Static);
    let Some(db) = FalkorDb::start() else {
        return;
    };
    let out = run(&test, &[&db.bolt_uri()]);
    assert!(out.contains("falkordb: all ok"), "{out}");
    let out = run(&example, &[&db.bolt_uri()]);
    assert_eq!(out, "1\t1\n2\t4\n3\t9\n4\t16\n5\t25\n");
}

/// `tests/c/neo4j.c` against every running Neo4j line: connect, parameters, transaction
/// functions, temporal and spatial values both ways.
#[test]
fn c_program_against_neo4j() {
    let test = compile(false, &["tests/c/neo4j.c"], "neo4j", Link::Shared);
    for db in Neo4j::servers() {
        let label = db.label("CApi");
        let out = run(&test, &[&db.bolt_uri(), db.user(), db.password(), &label]);
        assert!(out.contains("neo4j: all ok"), "{db}: {out}");
    }
}

/// Mutual TLS (trusted and untrusted client certificates), verify_authentication, a
/// session's own token and routing-table introspection against every running Neo4j; the
/// `examples/c/mtls.c` example with the encrypted client key and its password.
#[test]
fn c_mutual_tls_and_auth_against_neo4j() {
    let test = compile(false, &["tests/c/neo4j_auth.c"], "neo4j_auth", Link::Shared);
    let example = compile(false, &["examples/c/mtls.c"], "mtls_c", Link::Shared);
    for db in Neo4j::servers() {
        let (cert, key) = db.tls_client_cert();
        let (bad_cert, bad_key) = db.tls_untrusted_cert();
        let paths = [db.tls_ca(), cert, key, bad_cert, bad_key];
        let paths: Vec<&str> = paths.iter().map(|p| p.to_str().unwrap()).collect();
        let uri = db.uri("bolt", db.tls_host());
        let routing = db.uri("neo4j", "127.0.0.1");
        let mut args = vec![uri.as_str(), db.user(), db.password()];
        args.extend(paths);
        args.push(&routing);
        let (_, enc_key, key_password) = db.tls_client_cert_encrypted();
        let enc_key = enc_key.to_str().unwrap().to_owned();
        args.push(&enc_key);
        args.push(&key_password);
        let out = run(&test, &args);
        assert!(out.contains("neo4j_auth: all ok"), "{db}: {out}");
        let example_args = [
            args[0],
            args[1],
            args[2],
            args[3],
            args[4],
            &enc_key,
            &key_password,
        ];
        let out = run(&example, &example_args);
        assert_eq!(out.trim(), "1", "{db}: {out}");
    }
}

#[test]
fn cpp_wrapper_against_falkordb() {
    let test = compile(
        true,
        &["tests/cpp/wrapper_test.cpp"],
        "wrapper_test",
        Link::Shared,
    );
    let example = compile(true, &["examples/cpp/query.cpp"], "query_cpp", Link::Static);
    let Some(db) = FalkorDb::start() else {
        return;
    };
    let out = run(&test, &[&db.bolt_uri()]);
    assert!(out.contains("cpp wrapper: all ok"), "{out}");
    let out = run(&example, &[&db.bolt_uri()]);
    assert_eq!(out, "1\t1\n2\t4\n3\t9\n4\t16\n5\t25\n");
}

/// `tests/cpp/values_test.cpp`: parameters of every integer type (unsigned above INT64_MAX
/// throws), lists, maps, null, temporal values, `Result::single`, typed nodes, relationships
/// and paths, and error fields; first without a server under AddressSanitizer, then against
/// FalkorDB (under valgrind when enabled).
#[test]
fn cpp_values_and_single() {
    let asan = compile_with(
        true,
        &["tests/cpp/values_test.cpp"],
        "cpp_values_asan",
        Link::Shared,
        &["-fsanitize=address", "-fno-omit-frame-pointer"],
    );
    let out = run_asan(&asan, &[]);
    assert!(out.contains("cpp values: all ok"), "{out}");
    let exe = compile(
        true,
        &["tests/cpp/values_test.cpp"],
        "cpp_values",
        Link::Shared,
    );
    let Some(db) = FalkorDb::start() else {
        return;
    };
    let out = run_asan(&asan, &[&db.bolt_uri()]);
    assert!(out.contains("cpp values: all ok"), "{out}");
    let out = run(&exe, &[&db.bolt_uri()]);
    assert!(out.contains("cpp values: all ok"), "{out}");
}

/// The same C program through `ws://` (Bolt over WebSocket, seed 003): `boltc_driver_new`
/// accepts the scheme, and the stub script plays out unchanged behind a WebSocket gateway that
/// splits the server's bytes into 5-byte WebSocket messages. (Its own executable name: the
/// tests run in parallel and must not rebuild a program another one is running.)
#[test]
fn c_basic_through_websocket() {
    let exe = compile(
        false,
        &["tests/c/stub_basic.c"],
        "stub_basic_ws",
        Link::Shared,
    );
    let mut stub = StubServer::start(&script("basic.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let gw = WsGateway::start(
        &stub.address(),
        WsOptions {
            framing: Framing::Messages(5),
            ..WsOptions::default()
        },
    );
    let out = run(&exe, &[&gw.uri("ws")]);
    assert!(out.contains("stub_basic: all ok"), "{out}");
    stub.finish();
    assert!(gw.accepted() >= 1);
    assert_eq!(gw.violations(), Vec::<String>::new());
}

/// The C++ bookmark managers, session configs and notification filters against a stub
/// server whose script checks the bookmarks and filters sent; normally (under valgrind when
/// enabled) and built with AddressSanitizer.
#[test]
fn cpp_bookmarks_and_notification_filters_against_stub_server() {
    let script =
        std::fs::read_to_string(root().join("tests/cpp/scripts/bookmarks.script")).unwrap();
    let exe = compile(true, &["tests/cpp/stub_test.cpp"], "cpp_stub", Link::Shared);
    let mut stub = StubServer::start(&script);
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("cpp stub: all ok"), "{out}");
    stub.finish();
    let asan = compile_with(
        true,
        &["tests/cpp/stub_test.cpp"],
        "cpp_stub_asan",
        Link::Shared,
        &["-fsanitize=address", "-fno-omit-frame-pointer"],
    );
    let stub = StubServer::start(&script);
    let out = run_asan(&asan, &[&stub.uri()]);
    assert!(out.contains("cpp stub: all ok"), "{out}");
    stub.finish();
}

#[test]
fn c_busy_interrupt_and_logging_against_stub_server() {
    let exe = compile(false, &["tests/c/threads.c"], "threads", Link::Shared);
    let stub = StubServer::start(&script("slow.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("threads: ok"), "{out}");
    // The script is cut short by the interrupt on purpose; only the program's result counts.
    drop(stub);
}

/// Runs `exe` built with AddressSanitizer (LeakSanitizer on); asserts a clean exit and no report.
fn run_asan(exe: &Path, args: &[&str]) -> String {
    let o = Command::new(exe)
        .args(args)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:exitcode=23:halt_on_error=1",
        )
        .output()
        .expect("run the test program");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        o.status.success()
            && !stderr.contains("ERROR: AddressSanitizer")
            && !stderr.contains("ERROR: LeakSanitizer"),
        "{} {args:?} under ASan failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        exe.display(),
        o.status
    );
    stdout
}

/// The C tests built with `gcc -fsanitize=address` (ASan + LSan on the C program; the Rust
/// library is not instrumented, but its heap goes through the intercepted malloc, so leaks of
/// handles and invalid frees are still caught).
#[test]
fn c_tests_under_address_sanitizer() {
    let asan = ["-fsanitize=address", "-fno-omit-frame-pointer"];
    let basic = compile_with(
        false,
        &["tests/c/stub_basic.c"],
        "stub_basic_asan",
        Link::Shared,
        &asan,
    );
    let mut stub = StubServer::start(&script("basic.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run_asan(&basic, &[&stub.uri()]);
    assert!(out.contains("stub_basic: all ok"), "{out}");
    stub.finish();
    let threads = compile_with(
        false,
        &["tests/c/threads.c"],
        "threads_asan",
        Link::Shared,
        &asan,
    );
    let stub = StubServer::start(&script("slow.script"));
    let out = run_asan(&threads, &[&stub.uri()]);
    assert!(out.contains("threads: ok"), "{out}");
    drop(stub);
    let deadline = compile_with(
        false,
        &["tests/c/deadline.c"],
        "deadline_asan",
        Link::Shared,
        &asan,
    );
    let stub = StubServer::start(&script("deadline.script"));
    let out = run_asan(&deadline, &[&stub.uri()]);
    assert!(out.contains("deadline: ok"), "{out}");
    stub.finish();
    let falkordb = compile_with(
        false,
        &["tests/c/falkordb.c"],
        "falkordb_asan",
        Link::Shared,
        &asan,
    );
    let admin = compile_with(
        false,
        &["tests/c/admin.c"],
        "admin_asan",
        Link::Shared,
        &asan,
    );
    let mut stub = StubServer::start(&script("admin.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run_asan(&admin, &[&stub.uri()]);
    assert!(out.contains("admin: all ok"), "{out}");
    stub.finish();
    let auth = compile_with(false, &["tests/c/auth.c"], "auth_asan", Link::Shared, &asan);
    let stub = StubServer::start(&script("auth.script"));
    let out = run_asan(&auth, &[&stub.uri()]);
    assert!(out.contains("auth: all ok"), "{out}");
    stub.finish();
    let txfn = compile_with(false, &["tests/c/txfn.c"], "txfn_asan", Link::Shared, &asan);
    let stubs = txfn_stubs();
    let uris: Vec<String> = stubs.iter().map(StubServer::uri).collect();
    let out = run_asan(&txfn, &[&uris[0], &uris[1], &uris[2]]);
    assert!(out.contains("txfn: all ok"), "{out}");
    stubs.into_iter().for_each(StubServer::finish);
    if let Some(db) = FalkorDb::start() {
        let out = run_asan(&falkordb, &[&db.bolt_uri()]);
        assert!(out.contains("falkordb: all ok"), "{out}");
    }
}

#[test]
fn c_call_timeout_and_interrupted_pool_wait_against_stub_server() {
    let exe = compile(false, &["tests/c/deadline.c"], "deadline", Link::Shared);
    let stub = StubServer::start(&script("deadline.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("deadline: ok"), "{out}");
    stub.finish();
}

#[test]
fn c_connection_info_and_admin_against_stub_server() {
    let exe = compile(false, &["tests/c/admin.c"], "admin", Link::Shared);
    let mut stub = StubServer::start(&script("admin.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("admin: all ok"), "{out}");
    stub.finish();
}

/// Authentication tokens: a custom driver token, a session's own credentials (user switching),
/// verify_authentication accepting and rejecting, and client-certificate refusals.
#[test]
fn c_auth_tokens_session_auth_and_verify_authentication_against_stub_server() {
    let exe = compile(false, &["tests/c/auth.c"], "auth", Link::Shared);
    let stub = StubServer::start(&script("auth.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("auth: all ok"), "{out}");
    stub.finish();
}

/// fork(): a child closing and freeing inherited drivers, then exec'ing another program,
/// leaves the parent's transaction (and its connection) working.
#[test]
fn c_fork_child_leaves_the_parents_connection_alone() {
    let exe = compile(false, &["tests/c/fork.c"], "fork", Link::Shared);
    let stub = StubServer::start(&script("fork.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("fork: all ok"), "{out}");
    stub.finish();
}

/// The stub servers of `tests/c/txfn.c`: retries, no retry (maximum retry time 0), access
/// modes and `boltc_session_execute`.
fn txfn_stubs() -> [StubServer; 3] {
    ["txfn.script", "txfn_noretry.script", "txfn_mode.script"]
        .map(|name| StubServer::start(&script(name)))
}

/// Transaction functions through the C ABI: a transient error is retried, a client error is
/// not, the lent transaction handle is stale-safe afterwards; the configured retry time and
/// backoff are followed; an access mode per transaction; `boltc_error_new`'s verdict counts.
#[test]
fn c_transaction_functions_retry_against_stub_server() {
    let exe = compile(false, &["tests/c/txfn.c"], "txfn", Link::Shared);
    let stubs = txfn_stubs();
    let uris: Vec<String> = stubs.iter().map(StubServer::uri).collect();
    let out = run(&exe, &[&uris[0], &uris[1], &uris[2]]);
    assert!(out.contains("txfn: all ok"), "{out}");
    stubs.into_iter().for_each(StubServer::finish);
}

/// `Session::execute_write` / `execute_read` of boltc.hpp against the same stub script.
#[test]
fn cpp_transaction_functions_against_stub_server() {
    let exe = compile(true, &["tests/cpp/txfn_test.cpp"], "txfn_cpp", Link::Shared);
    let stub = StubServer::start(&script("txfn.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("cpp txfn: all ok"), "{out}");
    stub.finish();
}

/// The stub servers of tests/c/callbacks.c: the custom manager's, the bearer manager's, and a
/// router (whose ROUTE names the data server) with its data server.
fn callback_stubs() -> Vec<StubServer> {
    let head = "!: BOLT 5.4\n!: AUTO RESET\n\n\
                C: HELLO {\"user_agent\": \"*\", ..}\n\
                S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-3\"}\n\
                C: LOGON {..}\nS: SUCCESS {}\n";
    let bye = "?{\nC: GOODBYE\n}\n";
    let data = StubServer::start(&format!(
        "{head}C: RUN \"RETURN 1 AS n\" * *\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n{bye}"
    ));
    let server = data.address();
    let router = StubServer::start(&format!(
        "{head}C: ROUTE * * *\n\
         S: SUCCESS {{\"rt\": {{\"ttl\": 300, \"db\": \"neo4j\", \"servers\": [\
         {{\"addresses\": [\"{server}\"], \"role\": \"ROUTE\"}}, \
         {{\"addresses\": [\"{server}\"], \"role\": \"READ\"}}, \
         {{\"addresses\": [\"{server}\"], \"role\": \"WRITE\"}}]}}}}\n{bye}"
    ));
    let dns = StubServer::start(&format!(
        "{head}C: RUN \"RETURN 1 AS n\" * *\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n{bye}"
    ));
    vec![
        StubServer::start(&script("callbacks_manager.script")),
        StubServer::start(&script("callbacks_bearer.script")),
        router,
        data,
        dns,
    ]
}

fn run_callbacks(exe: &Path, run_with: fn(&Path, &[&str]) -> String) {
    let stubs = callback_stubs();
    let router = stubs[2].address();
    // The last stub, named by a host name only the C domain name resolver knows.
    let dns_port = stubs[4].address().rsplit(':').next().unwrap().to_owned();
    let dns_uri = format!("bolt://dns-test.invalid:{dns_port}");
    let out = run_with(exe, &[&stubs[0].uri(), &stubs[1].uri(), &router, &dns_uri]);
    assert!(out.contains("callbacks: all ok"), "{out}");
    stubs.into_iter().for_each(StubServer::finish);
}

/// Auth-manager callbacks (custom, bearer, basic) and the resolver callback: called per
/// acquisition and after expiry, security errors reach handle_security_error, NULL tokens and
/// reported failures give typed errors, the resolver's address is used, user_data freed once;
/// the domain name resolver callback answers for a name DNS does not know.
#[test]
fn c_auth_manager_and_resolver_callbacks_against_stub_server() {
    let exe = compile(false, &["tests/c/callbacks.c"], "callbacks", Link::Shared);
    run_callbacks(&exe, run);
}

/// The same under AddressSanitizer.
#[test]
fn c_callbacks_under_address_sanitizer() {
    let asan = ["-fsanitize=address", "-fno-omit-frame-pointer"];
    let exe = compile_with(
        false,
        &["tests/c/callbacks.c"],
        "callbacks_asan",
        Link::Shared,
        &asan,
    );
    run_callbacks(&exe, run_asan);
}

/// GQL status objects (sent by a Bolt 5.6 server: parsed and raw severity/classification,
/// position, diagnostic record with defaults) and typed EXPLAIN/PROFILE trees on C summaries,
/// with out-of-range, bad-selector and NULL calls as typed errors; valgrind when enabled.
#[test]
fn c_summary_statuses_and_plans_against_stub_server() {
    let exe = compile(false, &["tests/c/summary.c"], "summary", Link::Shared);
    let mut stub = StubServer::start(&script("summary.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("summary: all ok"), "{out}");
    stub.finish();
}

/// The same under AddressSanitizer.
#[test]
fn c_summary_under_address_sanitizer() {
    let asan = ["-fsanitize=address", "-fno-omit-frame-pointer"];
    let exe = compile_with(
        false,
        &["tests/c/summary.c"],
        "summary_asan",
        Link::Shared,
        &asan,
    );
    let mut stub = StubServer::start(&script("summary.script"));
    stub.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run_asan(&exe, &[&stub.uri()]);
    assert!(out.contains("summary: all ok"), "{out}");
    stub.finish();
}

/// `boltc_driver_execute_query` (tests/c/execute_query.c): query config (routing, database,
/// timeout, metadata, bookmark manager off), retry after a transient failure, the driver's
/// bookmark manager chaining calls, a non-retryable error, misuse; plain and under ASan.
#[test]
fn c_execute_query_against_stub_server() {
    let plain = compile(
        false,
        &["tests/c/execute_query.c"],
        "execute_query",
        Link::Shared,
    );
    let asan = ["-fsanitize=address", "-fno-omit-frame-pointer"];
    let with_asan = compile_with(
        false,
        &["tests/c/execute_query.c"],
        "execute_query_asan",
        Link::Shared,
        &asan,
    );
    for (exe, run_with) in [
        (plain, run as fn(&Path, &[&str]) -> String),
        (with_asan, run_asan),
    ] {
        let mut stub = StubServer::start(&script("execute_query.script"));
        stub.set_finish_timeout(std::time::Duration::from_secs(60));
        let out = run_with(&exe, &[&stub.uri()]);
        assert!(out.contains("execute_query: all ok"), "{out}");
        stub.finish();
    }
}

/// The C++ wrapper's `Driver::execute_query` (QueryConfig, EagerResult) and the summary's
/// `gql_statuses()`, `plan()`, `profile()`, against the C tests' stub scripts; under ASan.
#[test]
fn cpp_execute_query_and_summaries_against_stub_servers() {
    let exe = compile_with(
        true,
        &["tests/cpp/query_test.cpp"],
        "cpp_query_asan",
        Link::Shared,
        &["-fsanitize=address", "-fno-omit-frame-pointer"],
    );
    let mut eq = StubServer::start(&script("execute_query.script"));
    let mut summary = StubServer::start(&script("summary.script"));
    eq.set_finish_timeout(std::time::Duration::from_secs(60));
    summary.set_finish_timeout(std::time::Duration::from_secs(60));
    let out = run_asan(&exe, &[&eq.uri(), &summary.uri()]);
    assert!(out.contains("cpp query: all ok"), "{out}");
    eq.finish();
    summary.finish();
}

/// Every C++ example in `examples/cpp/` (one per feature) builds, and each runs against every
/// running Neo4j line and prints what it demonstrates.
#[test]
fn cpp_examples_against_neo4j() {
    let examples: [(&str, &[&str]); 5] = [
        (
            "transactions",
            &["created and found: 1", "still there after rollback: yes"],
        ),
        (
            "causal",
            &["writer bookmarks: 1", "reader sees the write: yes"],
        ),
        ("execute_query", &["i\tsquare", "3\t9", "database: neo4j"]),
        (
            "plans",
            &["ProduceResults", "db hits > 0: yes", "PERFORMANCE"],
        ),
        (
            "errors",
            &[
                "status: BOLTC_STATUS_CLIENT_ERROR",
                "code: Neo.ClientError.Statement.SyntaxError",
                "retryable: no",
            ],
        ),
    ];
    let built: Vec<_> = examples
        .iter()
        .map(|(name, _)| {
            let src = format!("examples/cpp/{name}.cpp");
            compile(true, &[&src], &format!("example_{name}"), Link::Shared)
        })
        .collect();
    for db in Neo4j::servers() {
        for ((name, expected), exe) in examples.iter().zip(&built) {
            let out = run(exe, &[&db.bolt_uri(), db.user(), db.password()]);
            for line in *expected {
                assert!(out.contains(line), "{db}: {name}: no {line:?} in\n{out}");
            }
            if *name == "errors" {
                assert!(
                    out.contains(&format!("session user: {}", db.user())),
                    "{out}"
                );
            }
        }
    }
}
