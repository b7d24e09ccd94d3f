//! Name resolution bounded by a deadline.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Instant;

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
/// is still running at the deadline is abandoned.
///
/// # Errors
///
/// [`ErrorKind::Timeout`] when the deadline passes first; [`ErrorKind::ServiceUnavailable`] when
/// the lookup fails or yields no address. Messages name the address.
pub fn resolve(addr: &Address, deadline: Instant) -> Result<Vec<SocketAddr>, Error> {
    if let Ok(ip) = addr.host().parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, addr.port())]);
    }
    let (tx, rx) = mpsc::channel();
    let target = (addr.host().to_string(), addr.port());
    std::thread::Builder::new()
        .name("boltc-resolve".into())
        .spawn(move || {
            let res = target.to_socket_addrs().map(|it| it.collect::<Vec<_>>());
            let _ = tx.send(res); // the caller may have given up
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

    #[test]
    fn localhost_resolves_to_loopback() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let addrs = resolve(&Address::new("localhost", 7), deadline).unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 7));
    }
}
