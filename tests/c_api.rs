//! Builds the C and C++ programs in `tests/c/`, `examples/c/`, `examples/cpp/` and
//! `bindings/cpp/` against `include/boltc.h` and the built library, and runs them against the
//! stub server and FalkorDB, under valgrind when `BOLTC_VALGRIND=1` (or when valgrind is
//! installed and `BOLTC_VALGRIND` is not `0`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{FalkorDb, Framing, StubServer, WsGateway, WsOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>`, where cargo put `libboltc.so` and `libboltc.a`.
fn lib_dir() -> PathBuf {
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
    let out = out_dir().join(name);
    let lib = lib_dir();
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
        cmd.arg(root().join(s));
    }
    cmd.arg("-o").arg(&out);
    match link {
        Link::Shared => {
            cmd.arg("-L").arg(&lib).arg("-lboltc");
            cmd.arg(format!("-Wl,-rpath,{}", lib.display()));
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
fn run(exe: &Path, args: &[&str]) -> String {
    let mut cmd = if use_valgrind() {
        let mut c = Command::new("valgrind");
        c.args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=1",
            "--quiet",
        ])
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
    let txfn = compile_with(false, &["tests/c/txfn.c"], "txfn_asan", Link::Shared, &asan);
    let stub = StubServer::start(&script("txfn.script"));
    let out = run_asan(&txfn, &[&stub.uri()]);
    assert!(out.contains("txfn: all ok"), "{out}");
    stub.finish();
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

/// Transaction functions through the C ABI: a transient error is retried, a client error is
/// not, the lent transaction handle is stale-safe afterwards.
#[test]
fn c_transaction_functions_retry_against_stub_server() {
    let exe = compile(false, &["tests/c/txfn.c"], "txfn", Link::Shared);
    let stub = StubServer::start(&script("txfn.script"));
    let out = run(&exe, &[&stub.uri()]);
    assert!(out.contains("txfn: all ok"), "{out}");
    stub.finish();
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
