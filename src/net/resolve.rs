//! Name resolution bounded by a deadline.

use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

use super::address::Address;
use crate::{Error, ErrorKind};

/// A user hook that replaces the system resolver: a host name to its IP addresses, in the order
/// to try them. It is not asked about IP literals. It may run on any driver thread (including
/// the `boltc-routing` thread), so it must be thread-safe; an empty answer means "not found".
pub type DomainNameResolver = dyn Fn(&str) -> Vec<IpAddr> + Send + Sync;

/// Like [`resolve`], but asks `hook` instead of the system resolver when one is given.
///
/// # Errors
///
/// As [`resolve`]; an empty answer from `hook` is [`ErrorKind::ServiceUnavailable`].
pub fn resolve_with(
    addr: &Address,
    deadline: Instant,
    hook: Option<&DomainNameResolver>,
) -> Result<Vec<SocketAddr>, Error> {
    resolve_hooked(addr, deadline, hook, false)
}

/// As [`resolve_with`], for the initial router of a routing driver: `hook` is asked even when
/// the host is an IP literal, so that it can point the seed somewhere else (a cluster's entry
/// address that moved).
///
/// # Errors
///
/// As [`resolve_with`].
pub fn resolve_seed_with(
    addr: &Address,
    deadline: Instant,
    hook: Option<&DomainNameResolver>,
) -> Result<Vec<SocketAddr>, Error> {
    resolve_hooked(addr, deadline, hook, true)
}

fn resolve_hooked(
    addr: &Address,
    deadline: Instant,
    hook: Option<&DomainNameResolver>,
    hook_ip_literals: bool,
) -> Result<Vec<SocketAddr>, Error> {
    let Some(hook) = hook else {
        return resolve(addr, deadline);
    };
    if let (false, Ok(ip)) = (hook_ip_literals, addr.host().parse::<IpAddr>()) {
        return Ok(vec![SocketAddr::new(ip, addr.port())]);
    }
    let ips = hook(addr.host());
    if ips.is_empty() {
        return Err(Error::new(
            ErrorKind::ServiceUnavailable,
            format!("cannot resolve {addr}: the domain name resolver found no addresses"),
        ));
    }
    Ok(ips
        .into_iter()
        .map(|ip| SocketAddr::new(ip, addr.port()))
        .collect())
}

/// Resolves `addr` to socket addresses, in the order the system resolver returns them.
///
/// IP literals are returned at once. Host names are looked up with [`ToSocketAddrs`] on a helper
/// thread (`boltc-resolve`) so that a slow resolver cannot outlast `deadline`; a lookup that
/// is still running at the deadline is abandoned, and its thread ends when the system resolver
/// answers. At most [`MAX_LOOKUP_THREADS`] such threads exist at once in the process: a lookup
/// beyond that waits for one to end (within its deadline), so a resolver that hangs cannot make
/// abandoned lookups pile up threads.
///
/// # Errors
///
/// [`ErrorKind::Timeout`] when the deadline passes first (also while waiting for a lookup
/// thread); [`ErrorKind::ServiceUnavailable`] when the lookup fails or yields no address.
/// Messages name the address.
pub fn resolve(addr: &Address, deadline: Instant) -> Result<Vec<SocketAddr>, Error> {
    static THREADS: Limiter = Limiter::new(MAX_LOOKUP_THREADS);
    resolve_on(addr, deadline, &THREADS, system_lookup)
}

/// The most name lookup threads (`boltc-resolve`) that exist at once, abandoned ones included.
pub const MAX_LOOKUP_THREADS: usize = 8;

/// A lookup: host and port to socket addresses.
type Lookup = fn(&str, u16) -> io::Result<Vec<SocketAddr>>;

fn system_lookup(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    (host, port).to_socket_addrs().map(|it| it.collect())
}

/// Counts lookup threads and makes callers wait while `max` are running.
struct Limiter {
    running: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

/// One lookup thread counted in a [`Limiter`]; dropping it (when the thread ends) frees the slot.
struct Slot(&'static Limiter);

impl Limiter {
    const fn new(max: usize) -> Limiter {
        Limiter {
            running: Mutex::new(0),
            freed: Condvar::new(),
            max,
        }
    }

    /// A slot for one more thread, waiting until `deadline` for one to free up.
    fn enter(&'static self, deadline: Instant) -> Option<Slot> {
        let mut running = self.running.lock();
        while *running >= self.max {
            if self.freed.wait_until(&mut running, deadline).timed_out() && *running >= self.max {
                return None;
            }
        }
        *running += 1;
        Some(Slot(self))
    }

    #[cfg(test)]
    fn running(&self) -> usize {
        *self.running.lock()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *self.0.running.lock() -= 1;
        self.0.freed.notify_one();
    }
}

fn resolve_on(
    addr: &Address,
    deadline: Instant,
    threads: &'static Limiter,
    lookup: Lookup,
) -> Result<Vec<SocketAddr>, Error> {
    if let Ok(ip) = addr.host().parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, addr.port())]);
    }
    let slot = threads.enter(deadline).ok_or_else(|| {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "timed out resolving {addr}: {} earlier name lookups are still running",
                threads.max
            ),
        )
    })?;
    let (tx, rx) = mpsc::channel();
    let (host, port) = (addr.host().to_string(), addr.port());
    std::thread::Builder::new()
        .name("boltc-resolve".into())
        .spawn(move || {
            let _slot = slot; // freed when the lookup ends, answered or abandoned
            let _ = tx.send(lookup(&host, port)); // the caller may have given up
        })
        .map_err(|e| {
            Error::new(
                ErrorKind::ServiceUnavailable,
                format!("cannot resolve {addr}: failed to start resolver thread: {e}"),
            )
            .with_source(e)
        })?;
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(Error::new(
            ErrorKind::ServiceUnavailable,
            format!("cannot resolve {addr}: no addresses found"),
        )),
        Ok(Err(e)) => Err(Error::new(
            ErrorKind::ServiceUnavailable,
            format!("cannot resolve {addr}: {e}"),
        )
        .with_source(e)),
        Err(_) => Err(Error::new(
            ErrorKind::Timeout,
            format!("timed out resolving {addr}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ip_literals_skip_lookup() {
        let past = Instant::now();
        let v4 = resolve(&Address::new("127.0.0.1", 5), past).unwrap();
        assert_eq!(v4, vec!["127.0.0.1:5".parse().unwrap()]);
        let v6 = resolve(&Address::new("::1", 6), past).unwrap();
        assert_eq!(v6, vec!["[::1]:6".parse().unwrap()]);
    }

    #[test]
    fn the_hook_replaces_the_system_resolver_for_names_only() {
        let past = Instant::now();
        let hook = |name: &str| -> Vec<IpAddr> {
            if name == "db.test" {
                vec!["10.0.0.7".parse().unwrap(), "::1".parse().unwrap()]
            } else {
                Vec::new()
            }
        };
        let got = resolve_with(&Address::new("db.test", 9), past, Some(&hook)).unwrap();
        assert_eq!(
            got,
            vec!["10.0.0.7:9".parse().unwrap(), "[::1]:9".parse().unwrap()]
        );
        let err = resolve_with(&Address::new("other.test", 9), past, Some(&hook)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::ServiceUnavailable);
        let ip = resolve_with(&Address::new("127.0.0.2", 9), past, Some(&hook)).unwrap();
        // The seed's IP literal goes to the hook too (it may re-point the seed).
        let seed = resolve_seed_with(&Address::new("127.0.0.2", 9), past, Some(&hook)).unwrap_err();
        assert_eq!(seed.kind(), ErrorKind::ServiceUnavailable);
        assert_eq!(ip, vec!["127.0.0.2:9".parse().unwrap()]);
    }

    /// Lookups that hang until [`release_gate`] (a resolver that never answers).
    static GATE: Mutex<bool> = Mutex::new(false);
    static GATE_OPEN: Condvar = Condvar::new();
    static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    fn hanging_lookup(_host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        STARTED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut open = GATE.lock();
        while !*open {
            GATE_OPEN.wait(&mut open);
        }
        Ok(vec![SocketAddr::from(([127, 0, 0, 1], port))])
    }

    #[test]
    fn abandoned_lookups_never_hold_more_than_the_limit_of_threads() {
        static THREADS: Limiter = Limiter::new(2);
        let addr = Address::new("hangs.test", 7687);
        let started = Instant::now();
        for _ in 0..6 {
            let deadline = Instant::now() + Duration::from_millis(50);
            let e = resolve_on(&addr, deadline, &THREADS, hanging_lookup).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
            assert!(e.message().contains("hangs.test:7687"), "{e}");
        }
        assert!(started.elapsed() < Duration::from_secs(5));
        // Six lookups were abandoned, but only two threads were ever started.
        assert_eq!(THREADS.running(), 2);
        assert_eq!(STARTED.load(std::sync::atomic::Ordering::SeqCst), 2);
        // When the resolver answers, the threads end and free their slots.
        *GATE.lock() = true;
        GATE_OPEN.notify_all();
        let until = Instant::now() + Duration::from_secs(5);
        while THREADS.running() > 0 && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(THREADS.running(), 0);
        let deadline = Instant::now() + Duration::from_secs(5);
        let got = resolve_on(&addr, deadline, &THREADS, hanging_lookup).unwrap();
        assert_eq!(got, vec!["127.0.0.1:7687".parse().unwrap()]);
    }

    #[test]
    fn localhost_resolves_to_loopback() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let addrs = resolve(&Address::new("localhost", 7), deadline).unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 7));
    }
}
