//! A child process (`fork`) closing the drivers it inherited must leave the parent's
//! connections alone: no GOODBYE, no `shutdown(2)` on sockets the parent still uses, and no
//! join of a routing thread that exists only in the parent.
//!
//! One test only in this binary, so that no other test's threads are running when it forks.
//! The child does the minimum (close the drivers, then `_exit`) and reports through its exit
//! status: 0 closed cleanly, 1 panicked.

#![cfg(unix)]

mod common;
mod support;

use boltc::{SessionConfig, TransactionConfig};
use common::driver;
use std::time::{Duration, Instant};
use support::StubServer;

const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {..}\n\
    S: SUCCESS {}\n";

fn run_1(q: &mut dyn FnMut() -> boltc::Result<i64>) -> i64 {
    q().unwrap()
}

/// Forks; the child runs `child` under `catch_unwind` and exits with 0 (or 1 on a panic)
/// without running destructors or exit handlers. Returns the child's exit status, or panics
/// when it has not exited within 10 s (it is then killed).
fn in_child(child: impl FnOnce()) -> i32 {
    // SAFETY: the child only runs `child` (closing drivers: locks of this test's own driver,
    // which no other thread holds, and allocation, which glibc keeps usable after fork), then
    // `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(child)).is_ok();
        // SAFETY: ends the child at once, as `fork`'s child should.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut status = 0;
        // SAFETY: waits for our own child, without blocking.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            assert!(libc::WIFEXITED(status), "child ended by a signal: {status}");
            return libc::WEXITSTATUS(status);
        }
        if Instant::now() > deadline {
            // SAFETY: our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::waitpid(pid, &mut status, 0);
            }
            panic!("the child hung closing its inherited drivers");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_child_closing_inherited_drivers_leaves_the_parents_connections_and_threads_alone() {
    // Two connections: one carries the parent's open transaction, the other lies idle in the
    // pool. Each answers any number of `RETURN 1 AS n`, then maybe COMMIT and more queries, then GOODBYE.
    let stub = StubServer::start(&format!(
        "!: CONNECTIONS 2\n!: CONCURRENT\n{HELLO}\
         ?{{\nC: BEGIN {{}}\nS: SUCCESS {{}}\n}}\n\
         *{{\nC: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n}}\n\
         ?{{\nC: COMMIT\nS: SUCCESS {{\"bookmark\": \"bm:1\"}}\n}}\n\
         *{{\nC: RUN \"RETURN 1 AS n\" {{}} {{..}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n}}\n\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    let d = driver(&stub.uri());
    // A routing driver starts its refresher thread at once (no server needed for that).
    let routing = driver("neo4j://127.0.0.1:9");
    let mut in_tx = d.session(SessionConfig::default()).unwrap();
    let mut tx = in_tx
        .begin_transaction(&TransactionConfig::default())
        .unwrap();
    let one = |r: boltc::RecordStream<'_>| -> boltc::Result<i64> { r.single()?.get::<i64, _>("n") };
    assert_eq!(run_1(&mut || one(tx.run("RETURN 1 AS n", None)?)), 1);
    let mut other = d.session(SessionConfig::default()).unwrap();
    assert_eq!(
        run_1(&mut || one(other.run("RETURN 1 AS n", None)?)),
        1,
        "a second connection, now idle"
    );
    drop(other);
    assert_eq!(d.pool_metrics()[0].1.idle, 1);

    let status = in_child(|| {
        d.close();
        routing.close();
    });
    assert_eq!(status, 0, "the child panicked closing its drivers");

    // The parent's transaction goes on and commits; the idle connection is still good.
    assert_eq!(run_1(&mut || one(tx.run("RETURN 1 AS n", None)?)), 1);
    tx.commit().unwrap();
    drop(in_tx);
    let mut again = d.session(SessionConfig::default()).unwrap();
    assert_eq!(run_1(&mut || one(again.run("RETURN 1 AS n", None)?)), 1);
    drop(again);
    let m = d.pool_metrics()[0].1;
    assert_eq!((m.created, m.closed), (2, 0), "{m:?}");
    d.close();
    routing.close();
    stub.finish();
}
