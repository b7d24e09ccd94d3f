//! Per-call timeouts (`Session::set_call_timeout`) and interrupts from another thread, against
//! stub servers that stall: after RUN, in the middle of a record, on ROUTE, and a pool held by
//! another thread. Timings are asserted with wide margins (the machine may be busy): a call
//! must end well before the stall or the other timeouts would have ended it.

mod common;
mod support;

use boltc::{AccessMode, ErrorKind, SessionConfig};
use common::{assert_kind, driver_with};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};
use support::{Relay, StubServer};

const HELLO: &str = "!: BOLT 5.4\n\
    !: AUTO RESET\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-7\"}\n\
    C: LOGON {..}\n\
    S: SUCCESS {}\n";

const BYE: &str = "?{\nC: GOODBYE\n}\n";

/// The call timeout of the tests.
const CALL: Duration = Duration::from_millis(300);
/// What "returned within the deadline" means here: the deadline plus a generous margin, and
/// well below the stalls (4 s and more) and the other timeouts (30 s).
const MARGIN: Duration = Duration::from_millis(2500);

/// A server that answers `RETURN 1 AS n` once.
fn serves_return_1() -> String {
    format!(
        "{HELLO}C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": *}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}"
    )
}

/// A driver whose own timeouts are far away, so only the call timeout can end a wait.
fn patient_driver(uri: &str) -> boltc::Driver {
    driver_with(uri, |c| {
        c.read_timeout(None)
            .connection_acquisition_timeout(Duration::from_secs(30))
            .connection_timeout(Duration::from_secs(30))
    })
}

fn run_return_1(s: &mut boltc::Session) -> i64 {
    let r = s.run("RETURN 1 AS n", None).unwrap().single().unwrap();
    r.get::<i64, _>("n").unwrap()
}

#[test]
fn a_server_stalling_after_run_times_out_and_its_connection_is_discarded() {
    let stalls = StubServer::start(&format!(
        "{HELLO}C: RUN \"RETURN slow\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\nS: <SLEEP 4s>\n"
    ));
    let serves = StubServer::start(&serves_return_1());
    let relay = Relay::start(&[stalls.address(), serves.address()]);
    let d = patient_driver(&relay.uri());
    let mut s = d
        .session(SessionConfig::default().with_call_timeout(CALL))
        .unwrap();
    assert_eq!(s.call_timeout(), Some(CALL));
    let start = Instant::now();
    let e = s.run("RETURN slow", None).map(|_| ()).unwrap_err();
    let took = start.elapsed();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(e.message().contains("RUN"), "{e}");
    assert!(took >= CALL - Duration::from_millis(50), "{took:?}");
    assert!(took < CALL + MARGIN, "{took:?}");
    // The timed-out connection is closed, never reused: the next query gets a new one.
    assert_eq!(run_return_1(&mut s), 1);
    assert_eq!(relay.connections(), 2);
    let metrics = d.pool_metrics();
    assert_eq!(metrics.iter().map(|(_, m)| m.closed).sum::<u64>(), 1);
    drop(s);
    d.close();
    stalls.finish();
    serves.finish();
}

#[test]
fn a_record_stalling_mid_message_times_out_in_next_and_the_connection_is_discarded() {
    // The second PULL is answered with the first bytes of a RECORD, then nothing.
    let stalls = StubServer::start(&format!(
        "{HELLO}C: RUN \"UNWIND range(1, 4) AS x RETURN x\" {{}} {{}}\nC: PULL {{\"n\": 2}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\nS: RECORD [1]\nS: RECORD [2]\n\
         S: SUCCESS {{\"has_more\": true}}\nC: PULL {{\"n\": 2, ..}}\n\
         S: <RAW> 00 04 B1 71 91\nS: <SLEEP 4s>\n"
    ));
    let serves = StubServer::start(&serves_return_1());
    let relay = Relay::start(&[stalls.address(), serves.address()]);
    let d = patient_driver(&relay.uri());
    let mut s = d
        .session(SessionConfig::default().with_fetch_size(2))
        .unwrap();
    s.set_call_timeout(Some(CALL));
    {
        let mut r = s.run("UNWIND range(1, 4) AS x RETURN x", None).unwrap();
        // Records already received come back at once, however slow the server is.
        for want in 1..=2 {
            let rec = r.next().unwrap().unwrap();
            assert_eq!(rec.get::<i64, _>("x").unwrap(), want);
        }
        let start = Instant::now();
        let e = r.next().unwrap().unwrap_err();
        let took = start.elapsed();
        assert_kind(&e, ErrorKind::Timeout);
        assert!(e.message().contains("PULL"), "{e}");
        assert!(took < CALL + MARGIN, "{took:?}");
        // The iteration ends there, and the result stays failed.
        assert!(r.next().is_none());
        assert_kind(&r.consume().unwrap_err(), ErrorKind::Timeout);
    }
    assert_eq!(run_return_1(&mut s), 1);
    assert_eq!(relay.connections(), 2);
    drop(s);
    d.close();
    stalls.finish();
    serves.finish();
}

#[test]
fn without_a_call_timeout_nothing_changes_and_a_timed_call_leaves_the_connection_reusable() {
    // One connection serves a timed query and then an untimed one: a deadline that did not
    // expire leaves the connection as it was.
    let stub = StubServer::start(&format!(
        "{HELLO}C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: <SLEEP 100ms>\nS: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}"
    ));
    let d = patient_driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    s.set_call_timeout(Some(Duration::from_secs(20)));
    assert_eq!(run_return_1(&mut s), 1);
    s.set_call_timeout(None);
    assert_eq!(run_return_1(&mut s), 1);
    drop(s);
    d.close();
    stub.finish();
}

/// A session that holds the only connection (an open transaction) until told to let go.
fn hold_the_pool(d: &boltc::Driver) -> (mpsc::Sender<()>, thread::JoinHandle<()>) {
    let (held_tx, held_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let d = d.clone();
    let t = thread::spawn(move || {
        let mut s = d.session(SessionConfig::default()).unwrap();
        s.begin_detached(&Default::default()).unwrap();
        held_tx.send(()).unwrap();
        release_rx.recv().unwrap();
        s.rollback_detached().unwrap();
    });
    held_rx.recv().unwrap();
    (release_tx, t)
}

const HOLDS: &str = "C: BEGIN {}\nS: SUCCESS {}\nC: ROLLBACK\nS: SUCCESS {}\n";

#[test]
fn a_pool_exhausted_by_another_thread_times_out_at_the_call_deadline() {
    let stub = StubServer::start(&format!("{HELLO}{HOLDS}{BYE}"));
    let d = driver_with(&stub.uri(), |c| {
        c.max_connection_pool_size(1)
            .connection_acquisition_timeout(Duration::from_secs(30))
    });
    let (release, holder) = hold_the_pool(&d);
    let mut s = d
        .session(SessionConfig::default().with_call_timeout(CALL))
        .unwrap();
    let start = Instant::now();
    let e = s.run("RETURN 1 AS n", None).map(|_| ()).unwrap_err();
    let took = start.elapsed();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(e.message().contains("acquir"), "{e}");
    assert!(took >= CALL - Duration::from_millis(50), "{took:?}");
    assert!(took < CALL + MARGIN, "{took:?}");
    release.send(()).unwrap();
    holder.join().unwrap();
    drop(s);
    d.close();
    stub.finish();
}

#[test]
fn an_interrupt_ends_a_wait_for_the_pool_and_the_session_stays_usable() {
    let stub = StubServer::start(&format!(
        "{HELLO}{HOLDS}C: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n{BYE}"
    ));
    let d = driver_with(&stub.uri(), |c| {
        c.max_connection_pool_size(1)
            .connection_acquisition_timeout(Duration::from_secs(30))
    });
    let (release, holder) = hold_the_pool(&d);
    let mut s = d.session(SessionConfig::default()).unwrap();
    let interrupter = s.interrupter();
    let waiting = thread::spawn(move || {
        // Interrupt once the session is really waiting for the pool.
        thread::sleep(Duration::from_millis(300));
        interrupter.interrupt()
    });
    let start = Instant::now();
    let e = s.run("RETURN 1 AS n", None).map(|_| ()).unwrap_err();
    let took = start.elapsed();
    assert!(waiting.join().unwrap(), "the session was not waiting");
    assert_kind(&e, ErrorKind::Interrupted);
    assert!(took < Duration::from_secs(10), "{took:?}");
    let m = d.pool_metrics();
    assert_eq!(m[0].1.waiting, 0, "{m:?}");
    // Once the connection is free, the same session can use it.
    release.send(()).unwrap();
    holder.join().unwrap();
    assert_eq!(run_return_1(&mut s), 1);
    drop(s);
    d.close();
    stub.finish();
}

#[test]
fn an_interrupt_while_nothing_blocks_does_not_fail_the_next_call() {
    let stub = StubServer::start(&serves_return_1());
    let d = patient_driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    assert!(!s.interrupter().interrupt());
    assert_eq!(run_return_1(&mut s), 1);
    drop(s);
    d.close();
    stub.finish();
}

/// A router that accepts the connection and never answers ROUTE.
fn silent_router() -> StubServer {
    StubServer::start(&format!(
        "{HELLO}C: ROUTE {{..}} [] {{..}}\nS: <SLEEP 4s>\n"
    ))
}

fn routing_driver(router: &StubServer) -> boltc::Driver {
    driver_with(&format!("neo4j://{}", router.address()), |c| {
        c.read_timeout(None)
            .connection_acquisition_timeout(Duration::from_secs(30))
    })
}

#[test]
fn a_router_that_never_answers_times_out_at_the_call_deadline() {
    let router = silent_router();
    let d = routing_driver(&router);
    let mut s = d
        .session(
            SessionConfig::database("neo4j")
                .with_access_mode(AccessMode::Read)
                .with_call_timeout(CALL),
        )
        .unwrap();
    let start = Instant::now();
    let e = s.run("RETURN 1 AS n", None).map(|_| ()).unwrap_err();
    let took = start.elapsed();
    assert_kind(&e, ErrorKind::Timeout);
    assert!(e.message().contains("while acquiring a connection"), "{e}");
    assert!(e.message().contains("routing"), "{e}");
    assert!(took < CALL + MARGIN, "{took:?}");
    drop(s);
    d.close();
    router.finish();
}

#[test]
fn an_interrupt_reaches_a_routing_table_fetch_and_a_wait_for_another_threads_fetch() {
    let router = silent_router();
    let d = routing_driver(&router);
    let read = || {
        SessionConfig::database("neo4j")
            .with_access_mode(AccessMode::Read)
            .with_call_timeout(Duration::from_secs(20))
    };
    let mut fetching = d.session(read()).unwrap();
    let mut waiting = d.session(read()).unwrap();
    let (i1, i2) = (fetching.interrupter(), waiting.interrupter());
    let t1 = thread::spawn(move || {
        let start = Instant::now();
        (
            fetching.run("RETURN 1 AS n", None).map(|_| ()),
            start.elapsed(),
        )
    });
    // The second session finds the fetch under way and waits for it.
    thread::sleep(Duration::from_millis(200));
    let t2 = thread::spawn(move || {
        let start = Instant::now();
        (
            waiting.run("RETURN 1 AS n", None).map(|_| ()),
            start.elapsed(),
        )
    });
    thread::sleep(Duration::from_millis(300));
    assert!(i2.interrupt(), "the second session was not waiting");
    let (r2, took2) = t2.join().unwrap();
    assert_kind(&r2.unwrap_err(), ErrorKind::Interrupted);
    assert!(took2 < Duration::from_secs(3), "{took2:?}");
    assert!(i1.interrupt(), "the first session was not fetching");
    let (r1, took1) = t1.join().unwrap();
    assert_kind(&r1.unwrap_err(), ErrorKind::Interrupted);
    assert!(took1 < Duration::from_secs(3), "{took1:?}");
    d.close();
    router.finish();
}
