//! The connection pool: liveness checks, max lifetime, waiters across addresses and fairness,
//! and fork safety. Pool-level tests talk to tiny loopback servers that only do the handshake.

mod common;
mod support;

use boltc::bolt::handshake::Proposal;
use boltc::bolt::{Connection, Limits, Version};
use boltc::net::{connect, Address, ConnectOptions};
use boltc::pool::{BoltConnection, Pool, PoolConfig};
use boltc::{ErrorKind, SessionConfig};
use common::driver_with;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};
use support::{Relay, StubServer};

fn hello(id: &str) -> String {
    format!(
        "!: BOLT 5.4\n!: AUTO RESET\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"{id}\"}}\n\
         C: LOGON {{..}}\nS: SUCCESS {{}}\n"
    )
}
const BYE: &str = "?{\nC: GOODBYE\n}\n";

fn query(q: &str) -> String {
    format!(
        "C: RUN \"{q}\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\nS: RECORD [1]\nS: SUCCESS {{\"type\": \"r\"}}\n"
    )
}

/// Runs `q` in a new session and returns the id of the connection that served it.
fn served_by(d: &boltc::Driver, q: &str) -> boltc::Result<String> {
    let mut s = d.session(SessionConfig::default())?;
    let summary = s.run(q, None)?.consume()?;
    Ok(summary.server.connection_id)
}

#[test]
fn the_liveness_check_replaces_a_dead_idle_connection() {
    // Connection 1 dies at the liveness check's RESET, before the next query is sent.
    let first = StubServer::start(&format!(
        "{}{}C: RESET\nS: <EXIT>\n",
        hello("bolt-1"),
        query("RETURN 1")
    ));
    let second = StubServer::start(&format!("{}{}{BYE}", hello("bolt-2"), query("RETURN 2")));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver_with(&relay.uri(), |c| {
        c.liveness_check_timeout(Some(Duration::from_millis(20)))
    });
    assert_eq!(served_by(&d, "RETURN 1").unwrap(), "bolt-1");
    thread::sleep(Duration::from_millis(60));
    assert_eq!(served_by(&d, "RETURN 2").unwrap(), "bolt-2");
    first.finish(); // the RESET was sent: the check, not the query, found the dead connection
    let m = d.pool_metrics();
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].1.created, m[0].1.closed), (2, 1));
    d.close();
    second.finish();
}

#[test]
fn a_connection_idle_less_than_the_threshold_is_not_checked() {
    let stub = StubServer::start(&format!(
        "{}{}{}{BYE}",
        hello("bolt-1"),
        query("RETURN 1"),
        query("RETURN 2")
    ));
    let d = driver_with(&stub.uri(), |c| {
        c.liveness_check_timeout(Some(Duration::from_secs(60)))
    });
    assert_eq!(served_by(&d, "RETURN 1").unwrap(), "bolt-1");
    assert_eq!(served_by(&d, "RETURN 2").unwrap(), "bolt-1"); // no RESET in the script
    d.close();
    stub.finish();
}

#[test]
fn connections_older_than_the_max_lifetime_are_closed_not_reused() {
    let first = StubServer::start(&format!(
        "{}{}C: GOODBYE\n",
        hello("bolt-1"),
        query("RETURN 1")
    ));
    let second = StubServer::start(&format!(
        "{}{}{}{BYE}",
        hello("bolt-2"),
        query("RETURN 2"),
        query("RETURN 3")
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver_with(&relay.uri(), |c| {
        c.max_connection_lifetime(Some(Duration::from_millis(300)))
    });
    assert_eq!(served_by(&d, "RETURN 1").unwrap(), "bolt-1");
    thread::sleep(Duration::from_millis(400));
    assert_eq!(served_by(&d, "RETURN 2").unwrap(), "bolt-2");
    first.finish(); // said GOODBYE
                    // The new connection is young: reused.
    assert_eq!(served_by(&d, "RETURN 3").unwrap(), "bolt-2");
    assert_eq!(relay.connections(), 2);
    d.close();
    second.finish();
}

/// A loopback server that answers every handshake with Bolt 5.0 and then holds the socket.
struct Handshaker {
    addr: Address,
    stop: Arc<AtomicBool>,
}

impl Handshaker {
    fn start() -> Handshaker {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        let addr = Address::parse(&l.local_addr().unwrap().to_string(), 7687).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        thread::spawn(move || {
            let mut held = Vec::new();
            while !s.load(Ordering::SeqCst) {
                match l.accept() {
                    Ok((mut c, _)) => {
                        c.set_nonblocking(false).unwrap();
                        let mut hs = [0u8; 20];
                        if c.read_exact(&mut hs).is_ok() && c.write_all(&[0, 0, 0, 5]).is_ok() {
                            held.push(c);
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
        });
        Handshaker { addr, stop }
    }
}

impl Drop for Handshaker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn raw_pool(max_size: usize) -> Pool {
    let connector = |addr: &Address,
                     _deadline: Instant,
                     _auth: Option<&boltc::AuthToken>|
     -> boltc::Result<BoltConnection> {
        let stream = connect(addr, &ConnectOptions::default())?;
        let proposals = [
            Some(Proposal::Range {
                top: Version::new(5, 0),
                back: 0,
            }),
            None,
            None,
            None,
        ];
        Connection::open(stream, &addr.to_string(), &proposals, Limits::default())
            .map_err(|e| boltc::Error::new(ErrorKind::ServiceUnavailable, format!("{e:?}")))
    };
    Pool::new(
        PoolConfig {
            max_size,
            liveness_check: None,
            max_lifetime: None,
        },
        Box::new(connector),
    )
}

#[test]
fn a_release_wakes_a_waiter_for_that_address_even_when_others_wait_for_another() {
    let (a, b) = (Handshaker::start(), Handshaker::start());
    let pool = raw_pool(1);
    let far = Instant::now() + Duration::from_secs(10);
    let held_a = pool.acquire(&a.addr, far).unwrap();
    let held_b = pool.acquire(&b.addr, far).unwrap();
    // Waiter 1 wants A (nobody releases A); waiter 2, arriving later, wants B.
    let p = pool.clone();
    let addr_a = a.addr.clone();
    let w1 = thread::spawn(move || p.acquire(&addr_a, Instant::now() + Duration::from_secs(3)));
    thread::sleep(Duration::from_millis(100));
    let p = pool.clone();
    let addr_b = b.addr.clone();
    let w2 = thread::spawn(move || {
        let t = Instant::now();
        let c = p.acquire(&addr_b, Instant::now() + Duration::from_secs(3));
        (c.is_ok(), t.elapsed())
    });
    thread::sleep(Duration::from_millis(100));
    drop(held_b);
    let (ok, waited) = w2.join().unwrap();
    assert!(ok, "the waiter for B never got the released connection");
    assert!(
        waited < Duration::from_secs(1),
        "the waiter for B waited {waited:?} for a connection released after 100 ms"
    );
    drop(held_a);
    assert!(w1.join().unwrap().is_ok());
}

#[test]
fn waiters_are_served_in_turn_while_others_keep_reacquiring() {
    let server = Handshaker::start();
    let pool = raw_pool(1);
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(3));
    // Two greedy threads release and immediately take the single connection again.
    let greedy: Vec<_> = (0..2)
        .map(|_| {
            let (p, addr, stop, start) = (
                pool.clone(),
                server.addr.clone(),
                stop.clone(),
                start.clone(),
            );
            thread::spawn(move || {
                start.wait();
                let mut n = 0usize;
                while !stop.load(Ordering::SeqCst) {
                    let c = p.acquire(&addr, Instant::now() + Duration::from_secs(10));
                    drop(c.unwrap());
                    n += 1;
                }
                n
            })
        })
        .collect();
    start.wait();
    thread::sleep(Duration::from_millis(50));
    // A third thread asks once at a time: each request must be served well within its deadline.
    let served = AtomicUsize::new(0);
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let c = pool.acquire(&server.addr, Instant::now() + Duration::from_secs(2));
        let waited = t.elapsed();
        assert!(c.is_ok(), "starved: no connection within 2 s ({waited:?})");
        drop(c);
        served.fetch_add(1, Ordering::SeqCst);
        worst = worst.max(waited);
    }
    stop.store(true, Ordering::SeqCst);
    let rounds: Vec<usize> = greedy.into_iter().map(|g| g.join().unwrap()).collect();
    assert!(
        rounds.iter().all(|&n| n > 0),
        "greedy threads ran: {rounds:?}"
    );
    assert!(
        worst < Duration::from_millis(500),
        "a waiter waited {worst:?} while others reacquired"
    );
}

#[test]
fn a_forked_child_opens_its_own_connection_and_leaves_the_parents_alone() {
    let first = StubServer::start(&format!(
        "{}{}{}{BYE}",
        hello("bolt-1"),
        query("RETURN 1"),
        query("RETURN 3")
    ));
    let second = StubServer::start(&format!("{}{}{BYE}", hello("bolt-2"), query("RETURN 2")));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver_with(&relay.uri(), |c| c);
    assert_eq!(served_by(&d, "RETURN 1").unwrap(), "bolt-1");
    // SAFETY: the child only runs driver code on this thread and leaves with `_exit`.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            served_by(&d, "RETURN 2").ok()
        }))
        .ok()
        .flatten();
        let code = match ok.as_deref() {
            Some("bolt-2") => 0,
            Some(_) => 3, // reused the parent's socket
            None => 4,
        };
        // SAFETY: ends the child without running the parent's destructors or test harness.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waits for the child we just forked.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid);
    assert!(libc::WIFEXITED(status), "child did not exit: {status}");
    assert_eq!(
        libc::WEXITSTATUS(status),
        0,
        "3: the child used the parent's connection, 4: the child's query failed"
    );
    // The parent's pooled connection is untouched by the child.
    assert_eq!(served_by(&d, "RETURN 3").unwrap(), "bolt-1");
    d.close();
    first.finish();
    second.finish();
}

#[test]
fn a_panic_mid_stream_returns_the_connection_clean() {
    // Three records arrive; the panicking thread reads one. The connection must come back to
    // the pool (in use 0), be reset, and serve the next query: no leak, no second connection.
    let stub = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\"]}}\nS: RECORD [1]\nS: RECORD [2]\nS: RECORD [3]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n{}{BYE}",
        hello("bolt-1"),
        query("RETURN 2")
    ));
    let d = driver_with(&stub.uri(), |c| c.max_connection_pool_size(1));
    let d2 = d.clone();
    let worker = thread::spawn(move || {
        let mut s = d2.session(SessionConfig::default()).unwrap();
        let mut stream = s.run("RETURN 1", None).unwrap();
        stream.next().unwrap().unwrap();
        panic!("user code panics while streaming");
    });
    assert!(worker.join().is_err(), "the worker panicked");
    let m = d.pool_metrics();
    assert_eq!((m[0].1.in_use, m[0].1.idle), (0, 1), "{m:?}");
    let t = Instant::now();
    assert_eq!(served_by(&d, "RETURN 2").unwrap(), "bolt-1");
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "no wait for a leaked slot"
    );
    assert_eq!(d.pool_metrics()[0].1.created, 1);
    d.close();
    stub.finish();
}

#[test]
fn the_acquisition_timeout_covers_a_hello_the_server_trickles_out() {
    // The server answers HELLO only after 3 s, keeping the connection busy with NOOP chunks
    // in between: each read gets bytes, but the acquisition timeout (1 s) bounds them all.
    let mut stub = StubServer::start(
        "!: BOLT 5.4\n!: AUTO RESET\n\
         C: HELLO {..}\nC: LOGON {..}\n\
         S: <SLEEP 600ms>\nS: <NOOP>\nS: <SLEEP 600ms>\nS: <NOOP>\nS: <SLEEP 600ms>\nS: <NOOP>\n\
         S: <SLEEP 600ms>\nS: <NOOP>\nS: <SLEEP 600ms>\n\
         S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"slow\"}\nS: SUCCESS {}\n",
    );
    stub.set_finish_timeout(Duration::from_secs(1));
    let d = driver_with(&stub.uri(), |b| {
        b.connection_timeout(Duration::from_secs(60))
            .read_timeout(None)
            .connection_acquisition_timeout(Duration::from_secs(1))
    });
    let started = Instant::now();
    let e = served_by(&d, "RETURN 1").unwrap_err();
    let took = started.elapsed();
    assert!(
        took < Duration::from_millis(2500),
        "gave up after {took:?}: {e}"
    );
    assert!(
        matches!(e.kind(), ErrorKind::Timeout | ErrorKind::ServiceUnavailable),
        "{e}"
    );
    drop(d);
    let _ = stub.try_finish();
}

#[test]
fn an_expired_authorization_retires_the_servers_older_connections() {
    let server = Handshaker::start();
    let pool = raw_pool(4);
    let deadline = || Instant::now() + Duration::from_secs(5);
    let busy = pool.acquire(&server.addr, deadline()).unwrap();
    drop(pool.acquire(&server.addr, deadline()).unwrap());
    let m = |pool: &Pool| pool.metrics()[0].1;
    assert_eq!((m(&pool).idle, m(&pool).in_use), (1, 1));
    pool.expire(&server.addr);
    assert_eq!(
        (m(&pool).idle, m(&pool).closed),
        (0, 1),
        "the idle one is closed at once"
    );
    drop(busy);
    assert_eq!(
        (m(&pool).idle, m(&pool).closed),
        (0, 2),
        "the one in use is closed when it comes back"
    );
    let fresh = pool.acquire(&server.addr, deadline()).unwrap();
    assert!(!fresh.is_reused());
    drop(fresh);
    assert_eq!(
        m(&pool).idle,
        1,
        "a connection opened after the expiry is kept"
    );
    assert!(pool.acquire(&server.addr, deadline()).unwrap().is_reused());
    assert_eq!(m(&pool).created, 3);
}

#[test]
fn before_5_1_work_after_an_expired_authorization_gets_a_new_connection_and_may_retry() {
    // Bolt 5.1+ connections log on again instead (tests/after_errors.rs).
    let hello_5_0 = |id: &str| {
        format!(
            "!: BOLT 5.0\n!: AUTO RESET\nC: HELLO {{\"user_agent\": \"MyClient/1.0\", ..}}\n\
             S: SUCCESS {{\"server\": \"Neo4j/5.0.0\", \"connection_id\": \"{id}\"}}\n"
        )
    };
    let expired = "S: FAILURE {\"code\": \"Neo.ClientError.Security.AuthorizationExpired\", \
                   \"message\": \"expired\"}\nS: IGNORED\nC: RESET\nS: SUCCESS {}\n";
    let first = StubServer::start(&format!(
        "{}C: RUN \"RETURN 1\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n{expired}{BYE}",
        hello_5_0("bolt-1"),
    ));
    let second = StubServer::start(&format!(
        "{}{}{BYE}",
        hello_5_0("bolt-2"),
        query("RETURN 2")
    ));
    let relay = Relay::start(&[first.address(), second.address()]);
    let d = driver_with(&relay.uri(), |c| c);
    let e = served_by(&d, "RETURN 1").unwrap_err();
    assert_eq!(
        e.server_code(),
        Some("Neo.ClientError.Security.AuthorizationExpired")
    );
    assert!(e.is_retryable(), "another connection may succeed");
    let m = d.pool_metrics()[0].1;
    assert_eq!(
        (m.idle, m.closed),
        (0, 1),
        "the expired connection is closed, not kept"
    );
    assert_eq!(served_by(&d, "RETURN 2").unwrap(), "bolt-2");
    assert_eq!(relay.connections(), 2);
    first.finish();
    d.close();
    second.finish();
}
