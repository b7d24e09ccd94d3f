//! Name resolution bounded by a deadline.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::mpsc;
use std::time::Instant;

use super::address::Address;
use crate::{Error, ErrorKind};

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
    fn localhost_resolves_to_loopback() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let addrs = resolve(&Address::new("localhost", 7), deadline).unwrap();
        assert!(addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 7));
    }
}
