//! The pool's rules with a fake connection type: no sockets, no Bolt. Each test breaks if the
//! rule it names is taken out of `mod.rs`.

use super::{Manage, Pool, PoolConfig, PoolMetrics};
use crate::bolt::AuthToken;
use crate::error::{Error, ErrorKind, Result};
use crate::net::Address;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// A fake connection: an id, and flags a test flips.
struct FakeConn {
    id: u64,
    created: Instant,
    broken: bool,
    alive: bool,
    can_reauth: bool,
}

/// What the fake manager did, for the tests to check.
#[derive(Default)]
struct Log {
    opened: AtomicU64,
    closed: Mutex<Vec<u64>>,
    shut_down: Mutex<Vec<u64>>,
    /// Connect calls that fail before one succeeds again.
    fail_connects: AtomicUsize,
    /// Whether new connections can log on again.
    reauth: AtomicBool,
}

#[derive(Clone, Default)]
struct Fake(Arc<Log>);

impl Manage for Fake {
    type Conn = FakeConn;
    type Shutdown = u64;

    fn connect(&self, _: &Address, _: Instant, _: Option<&AuthToken>) -> Result<FakeConn> {
        if self
            .0
            .fail_connects
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(Error::new(ErrorKind::ServiceUnavailable, "refused"));
        }
        Ok(FakeConn {
            id: self.0.opened.fetch_add(1, Ordering::SeqCst) + 1,
            created: crate::clock::now(),
            broken: false,
            alive: true,
            can_reauth: self.0.reauth.load(Ordering::SeqCst),
        })
    }
    fn created(&self, c: &FakeConn) -> Instant {
        c.created
    }
    fn is_alive(&self, c: &mut FakeConn, _: Instant) -> bool {
        c.alive
    }
    fn is_reusable(&self, c: &FakeConn) -> bool {
        !c.broken
    }
    fn can_reauthenticate(&self, c: &FakeConn) -> bool {
        c.can_reauth
    }
    fn on_release(&self, _: &mut FakeConn) {}
    fn close(&self, c: &mut FakeConn, _: Instant) {
        self.0.closed.lock().push(c.id);
    }
    fn shutdown_handle(&self, c: &FakeConn) -> Option<u64> {
        Some(c.id)
    }
    fn shutdown(&self, id: &u64) {
        self.0.shut_down.lock().push(*id);
    }
    fn log_id(&self, c: &FakeConn) -> String {
        format!("fake-{}", c.id)
    }
}

fn pool(max_size: usize) -> (Pool<Fake>, Arc<Log>) {
    pool_with(PoolConfig {
        max_size,
        liveness_check: None,
        max_lifetime: None,
    })
}

fn pool_with(config: PoolConfig) -> (Pool<Fake>, Arc<Log>) {
    let fake = Fake::default();
    let log = Arc::clone(&fake.0);
    (Pool::with_manager(config, fake), log)
}

fn addr() -> Address {
    Address::new("fake", 1)
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(5)
}

fn metrics(p: &Pool<Fake>) -> PoolMetrics {
    p.metrics()
        .into_iter()
        .find(|(a, _)| *a == addr())
        .map(|(_, m)| m)
        .unwrap_or_default()
}

#[test]
fn an_idle_connection_is_reused() {
    let (p, log) = pool(2);
    let c = p.acquire(&addr(), soon()).unwrap();
    assert!(!c.is_reused());
    let id = c.id;
    drop(c);
    assert_eq!(metrics(&p).idle, 1);
    let c = p.acquire(&addr(), soon()).unwrap();
    assert!(c.is_reused());
    assert_eq!((c.id, log.opened.load(Ordering::SeqCst)), (id, 1));
    assert_eq!(metrics(&p).in_use, 1);
}

#[test]
fn a_full_pool_times_out_at_the_deadline() {
    let (p, _) = pool(1);
    let _held = p.acquire(&addr(), soon()).unwrap();
    let start = Instant::now();
    let e = p
        .acquire(&addr(), Instant::now() + Duration::from_millis(50))
        .err()
        .expect("no free slot");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert!(start.elapsed() < Duration::from_secs(3));
    assert_eq!(metrics(&p).waiting, 0);
    // Another address has its own slots.
    assert!(p.acquire(&Address::new("other", 1), soon()).is_ok());
}

#[test]
fn a_returned_connection_wakes_a_waiter() {
    let (p, log) = pool(1);
    let held = p.acquire(&addr(), soon()).unwrap();
    let id = held.id;
    let waiter = {
        let p = p.clone();
        thread::spawn(move || p.acquire(&addr(), soon()).map(|c| (c.id, c.is_reused())))
    };
    let until = Instant::now() + Duration::from_secs(5);
    while metrics(&p).waiting == 0 {
        assert!(
            Instant::now() < until,
            "the second acquisition never waited"
        );
        thread::sleep(Duration::from_millis(1));
    }
    drop(held);
    assert_eq!(waiter.join().unwrap().unwrap(), (id, true));
    assert_eq!(log.opened.load(Ordering::SeqCst), 1);
}

#[test]
fn a_broken_connection_is_closed_not_reused() {
    let (p, log) = pool(1);
    let mut c = p.acquire(&addr(), soon()).unwrap();
    c.broken = true;
    drop(c);
    assert_eq!((metrics(&p).idle, metrics(&p).closed), (0, 1));
    let c = p.acquire(&addr(), soon()).unwrap();
    assert!(!c.is_reused());
    assert_eq!((c.id, log.opened.load(Ordering::SeqCst)), (2, 2));
}

#[test]
fn a_failed_connect_frees_its_slot() {
    let (p, log) = pool(1);
    log.fail_connects.store(1, Ordering::SeqCst);
    let e = p.acquire(&addr(), soon()).err().expect("refused");
    assert_eq!(e.kind(), ErrorKind::ServiceUnavailable);
    assert_eq!(metrics(&p).in_use, 0);
    assert!(p.acquire(&addr(), soon()).is_ok());
}

#[test]
fn an_idle_connection_failing_its_liveness_check_is_replaced() {
    let (p, log) = pool_with(PoolConfig {
        max_size: 2,
        liveness_check: Some(Duration::ZERO),
        max_lifetime: None,
    });
    let mut c = p.acquire(&addr(), soon()).unwrap();
    c.alive = false;
    drop(c);
    thread::sleep(Duration::from_millis(2)); // idle longer than the check threshold
    let c = p.acquire(&addr(), soon()).unwrap();
    assert_eq!((c.id, c.is_reused()), (2, false));
    assert_eq!(metrics(&p).closed, 1);
    // A live one passes and is reused.
    drop(c);
    thread::sleep(Duration::from_millis(2));
    let c = p.acquire(&addr(), soon()).unwrap();
    assert_eq!((c.id, log.opened.load(Ordering::SeqCst)), (2, 2));
}

#[test]
fn a_connection_past_its_lifetime_is_closed_on_checkout() {
    let (p, log) = pool_with(PoolConfig {
        max_size: 2,
        liveness_check: None,
        max_lifetime: Some(Duration::from_millis(1)),
    });
    drop(p.acquire(&addr(), soon()).unwrap());
    thread::sleep(Duration::from_millis(5));
    let c = p.acquire(&addr(), soon()).unwrap();
    assert_eq!(c.id, 2);
    assert_eq!(*log.closed.lock(), vec![1]); // said goodbye to
}

#[test]
fn close_closes_idle_interrupts_in_use_and_refuses_new_work() {
    let (p, log) = pool(3);
    let a = p.acquire(&addr(), soon()).unwrap();
    let b = p.acquire(&addr(), soon()).unwrap();
    let (a_id, b_id) = (a.id, b.id);
    drop(a);
    p.close();
    assert_eq!(*log.closed.lock(), vec![a_id]);
    assert_eq!(*log.shut_down.lock(), vec![b_id]);
    let e = p.acquire(&addr(), soon()).err().expect("closed");
    assert_eq!(e.kind(), ErrorKind::IllegalState);
    // The one in use is not kept when it comes back.
    drop(b);
    let m = metrics(&p);
    assert_eq!((m.idle, m.in_use, m.closed), (0, 0, 2));
}

#[test]
fn an_expired_server_keeps_only_connections_that_can_log_on_again() {
    let (p, log) = pool(4);
    let old = p.acquire(&addr(), soon()).unwrap(); // cannot re-authenticate
    log.reauth.store(true, Ordering::SeqCst);
    let newer = p.acquire(&addr(), soon()).unwrap(); // can
    let (old_id, newer_id) = (old.id, newer.id);
    drop((old, newer));
    p.expire(&addr());
    assert_eq!(*log.closed.lock(), vec![old_id]);
    let c = p.acquire(&addr(), soon()).unwrap();
    assert_eq!(c.id, newer_id);
    assert!(c.authorization_expired(), "must log on again before use");
    drop(c);
    // Logged on again (returned at the current generation): no longer marked.
    let c = p.acquire(&addr(), soon()).unwrap();
    assert!(!c.authorization_expired());
}

#[test]
fn concurrent_acquisitions_never_exceed_the_maximum() {
    const MAX: usize = 3;
    let (p, log) = pool(MAX);
    let busy = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (p, busy, peak) = (p.clone(), Arc::clone(&busy), Arc::clone(&peak));
            thread::spawn(move || {
                for _ in 0..50 {
                    let c = p.acquire(&addr(), soon()).unwrap();
                    let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    thread::yield_now();
                    busy.fetch_sub(1, Ordering::SeqCst);
                    drop(c);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(peak.load(Ordering::SeqCst) <= MAX);
    assert!(log.opened.load(Ordering::SeqCst) <= MAX as u64);
    let m = metrics(&p);
    assert_eq!((m.in_use, m.waiting), (0, 0));
}

#[test]
fn a_connection_idle_less_than_the_threshold_is_not_checked() {
    let (p, log) = pool_with(PoolConfig {
        max_size: 2,
        liveness_check: Some(Duration::from_secs(3600)),
        max_lifetime: None,
    });
    let mut c = p.acquire(&addr(), soon()).unwrap();
    c.alive = false; // would fail a check
    drop(c);
    let c = p.acquire(&addr(), soon()).unwrap();
    assert_eq!((c.id, c.is_reused()), (1, true), "checked too early");
    assert_eq!(log.opened.load(Ordering::SeqCst), 1);
}

#[test]
fn metrics_count_every_transition() {
    let (p, _) = pool(2);
    assert_eq!(metrics(&p), PoolMetrics::default());
    let a = p.acquire(&addr(), soon()).unwrap();
    let mut b = p.acquire(&addr(), soon()).unwrap();
    let m = metrics(&p);
    assert_eq!((m.in_use, m.idle, m.created, m.closed), (2, 0, 2, 0));
    drop(a);
    b.broken = true;
    drop(b);
    let m = metrics(&p);
    assert_eq!((m.in_use, m.idle, m.created, m.closed), (0, 1, 2, 1));
    let _c = p.acquire(&addr(), soon()).unwrap();
    let m = metrics(&p);
    assert_eq!((m.in_use, m.idle, m.created, m.closed), (1, 0, 2, 1));
    p.purge(&addr());
    assert_eq!(metrics(&p).closed, 1, "nothing idle to purge");
}
