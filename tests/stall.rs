//! A server that stalls after HELLO, mid-message or by reading nothing: every blocking call
//! (the query, closing the session, closing and freeing the driver) ends with a timeout error
//! within the driver's read and write timeouts. Each scenario runs on its own thread under a
//! watchdog, so a hang fails the test instead of blocking the run.

mod common;
mod support;

use boltc::{ErrorKind, SessionConfig, Value};
use common::{assert_kind, driver_with};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use support::StubServer;

const HELLO: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {..}\n\
    S: SUCCESS {}\n";

/// The read and write timeouts of these tests.
const BOUND: Duration = Duration::from_millis(500);
/// Each call returns well within this (the bound plus a margin for a busy machine), and well
/// before the stub's stalls end.
const WITHIN: Duration = Duration::from_millis(3000);

/// Runs `f` on a thread; fails if it does not finish in `limit`.
fn watchdog(limit: Duration, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => t.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = t.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("hung for {limit:?}"),
    }
}

/// Stops waiting for a stub that is still in its stall (its script cannot complete).
fn leave(mut stub: StubServer) {
    stub.set_finish_timeout(Duration::ZERO);
    let _ = stub.try_finish();
}

/// Times `f`, asserting it returned within [`WITHIN`].
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < WITHIN, "{what} took {took:?}");
    out
}

#[test]
fn a_partial_chunk_then_silence_times_out_the_query_the_session_close_and_the_driver_free() {
    // The server answers RUN, then sends the first 2 bytes of a 16-byte RECORD chunk and
    // goes silent (for longer than the whole test).
    let stub = StubServer::start(&format!(
        "{HELLO}C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": *}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: <RAW> 00 10 B1 71\nS: <SLEEP 30s>\n"
    ));
    let uri = stub.uri();
    watchdog(Duration::from_secs(20), move || {
        let d = driver_with(&uri, |c| {
            c.read_timeout(Some(BOUND))
                .write_timeout(Some(BOUND))
                .connection_acquisition_timeout(Duration::from_secs(30))
                .connection_timeout(Duration::from_secs(30))
        });
        let mut s = d.session(SessionConfig::default()).unwrap();
        let e = timed("the query", || {
            s.run("RETURN 1 AS n", None)
                .and_then(|r| r.collect::<boltc::Result<Vec<_>>>())
                .map(|_| ())
                .unwrap_err()
        });
        assert_kind(&e, ErrorKind::Timeout);
        assert!(e.message().contains("timed out"), "{e}");
        timed("closing the session", || s.close()).unwrap();
        timed("closing and freeing the driver", move || {
            d.close();
            drop(d);
        });
    });
    leave(stub);
}

#[test]
fn a_stall_in_the_unread_rest_of_a_result_times_out_the_session_close() {
    // The query's first record arrives whole; the second stops after 2 bytes. The caller
    // reads one record and closes the session, which must read past the rest.
    let stub = StubServer::start(&format!(
        "{HELLO}C: RUN \"UNWIND [1, 2] AS n RETURN n\" {{}} {{}}\nC: PULL {{\"n\": *}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: <RAW> 00 10 B1 71\n\
         S: <SLEEP 30s>\n"
    ));
    let uri = stub.uri();
    watchdog(Duration::from_secs(20), move || {
        let d = driver_with(&uri, |c| {
            c.read_timeout(Some(BOUND))
                .write_timeout(Some(BOUND))
                .connection_acquisition_timeout(Duration::from_secs(30))
                .connection_timeout(Duration::from_secs(30))
        });
        let mut s = d.session(SessionConfig::default()).unwrap();
        {
            let mut r = s.run("UNWIND [1, 2] AS n RETURN n", None).unwrap();
            let first = r.next().unwrap().unwrap();
            assert_eq!(first.get::<i64, _>("n").unwrap(), 1);
        }
        let e = timed("closing the session", || s.close()).unwrap_err();
        assert_kind(&e, ErrorKind::Timeout);
        timed("closing and freeing the driver", move || {
            d.close();
            drop(d);
        });
    });
    leave(stub);
}

#[test]
fn a_server_that_reads_nothing_times_out_the_write() {
    // After HELLO the server sleeps without reading: a query with a 32 MB parameter fills
    // the socket buffers, and the write must give up after the write timeout.
    let stub = StubServer::start(&format!("{HELLO}S: <SLEEP 30s>\n"));
    let uri = stub.uri();
    watchdog(Duration::from_secs(20), move || {
        let d = driver_with(&uri, |c| {
            c.read_timeout(Some(BOUND))
                .write_timeout(Some(BOUND))
                .connection_acquisition_timeout(Duration::from_secs(30))
                .connection_timeout(Duration::from_secs(30))
        });
        let mut s = d.session(SessionConfig::default()).unwrap();
        let big = Value::String("x".repeat(32 << 20));
        let params = common::params([("big", big)]);
        let e = timed("the query", || {
            s.run("RETURN $big", params).map(|_| ()).unwrap_err()
        });
        assert_kind(&e, ErrorKind::Timeout);
        assert!(e.message().contains("timed out writing"), "{e}");
        timed("closing the session", || s.close()).unwrap();
        timed("closing and freeing the driver", move || {
            d.close();
            drop(d);
        });
    });
    leave(stub);
}
