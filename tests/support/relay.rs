//! A TCP relay that sends each new client connection to the next backend in a list, so a test
//! can give the first connection one stub script and the second another (a stub runs the same
//! script on every connection).
//!
//! ```ignore
//! let first = StubServer::start(DIES_MID_STREAM);
//! let second = StubServer::start(SERVES);
//! let relay = Relay::start(&[first.address(), second.address()]);
//! let driver = driver(&relay.uri()); // connection 1 -> first, 2 and later -> second
//! ```
//!
//! When either side closes, the relay closes the other, so a stub's `S: <EXIT>` reaches the
//! client as a closed connection.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// A loopback relay in front of a list of backends.
pub struct Relay {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepted: Arc<AtomicUsize>,
    acceptor: Option<JoinHandle<()>>,
}

impl Relay {
    /// Listens on a free loopback port; connection `n` (from 0) goes to
    /// `backends[min(n, len - 1)]`.
    ///
    /// # Panics
    /// When `backends` is empty or no port can be bound.
    pub fn start(backends: &[String]) -> Relay {
        assert!(!backends.is_empty(), "a relay needs a backend");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("listener address");
        let stop = Arc::new(AtomicBool::new(false));
        let accepted = Arc::new(AtomicUsize::new(0));
        let backends = backends.to_vec();
        let (s, a) = (stop.clone(), accepted.clone());
        let acceptor = thread::Builder::new()
            .name("relay-accept".into())
            .spawn(move || {
                while !s.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let n = a.fetch_add(1, Ordering::SeqCst);
                            let target = &backends[n.min(backends.len() - 1)];
                            connect_pair(client, target);
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
            .expect("spawn the relay thread");
        Relay {
            addr,
            stop,
            accepted,
            acceptor: Some(acceptor),
        }
    }

    /// `"127.0.0.1:port"`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// `"bolt://127.0.0.1:port"`.
    pub fn uri(&self) -> String {
        format!("bolt://{}", self.addr)
    }

    /// How many client connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

fn connect_pair(client: TcpStream, target: &str) {
    let _ = client.set_nonblocking(false);
    let Ok(backend) = TcpStream::connect(target) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = backend.set_nodelay(true);
    let (c2, b2) = match (client.try_clone(), backend.try_clone()) {
        (Ok(c), Ok(b)) => (c, b),
        _ => return,
    };
    pump(client, backend, "relay-up");
    pump(b2, c2, "relay-down");
}

/// Copies `from` to `to` until `from` ends, then closes both.
fn pump(mut from: TcpStream, mut to: TcpStream, name: &str) {
    let _ = thread::Builder::new().name(name.into()).spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}
