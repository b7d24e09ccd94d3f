//! A fault-injecting TCP proxy for tests: sits between the driver and a server (FalkorDB or a
//! stub) on a loopback port and forwards bytes both ways until told to misbehave.
//!
//! [`FaultProxy::set`] arms a [`Fault`] for every connection, existing and new; byte counts start
//! from the moment it is armed and run over all connections: `DropAfter` counts bytes in both
//! directions (so `DropAfter(0)` cuts a connection before the server sees another request byte),
//! `Truncate` and `Corrupt` count server-to-client bytes. [`FaultProxy::clear`] heals it.
//!
//! | fault          | effect                                                                |
//! |----------------|-----------------------------------------------------------------------|
//! | `None`         | forwards everything                                                   |
//! | `DropAfter(n)` | `n` more bytes pass (either way), then both sockets are closed        |
//! | `Delay(d)`     | every read is held `d` before it is forwarded (both directions)       |
//! | `Stall`        | a black hole: bytes are read and discarded both ways, sockets stay up |
//! | `Truncate(n)`  | `n` more server bytes pass, then the client sees EOF (server kept)    |
//! | `Corrupt(n)`   | the server byte at offset `n` is flipped (XOR 0xFF), once             |
//! | `Refuse`       | new connections are closed as soon as they are accepted               |

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// What the proxy does to the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward everything.
    None,
    /// Close connections after this many more bytes (both directions counted).
    DropAfter(usize),
    /// Hold every read this long before forwarding it.
    Delay(Duration),
    /// Discard everything, both ways, keeping the sockets open.
    Stall,
    /// After this many more server-to-client bytes, half-close the client side (EOF).
    Truncate(usize),
    /// Flip the server-to-client byte at this offset (counted from arming), once.
    Corrupt(usize),
    /// Close new connections at once.
    Refuse,
}

struct Shared {
    fault: Mutex<Fault>,
    /// Bytes counted since the fault was armed.
    sent: AtomicUsize,
    stop: AtomicBool,
    accepted: AtomicUsize,
}

/// A proxy from a loopback port to `upstream`.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

const POLL: Duration = Duration::from_millis(10);

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:0` forwarding to `upstream`.
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            fault: Mutex::new(Fault::None),
            sent: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
        });
        let sh = Arc::clone(&shared);
        let acceptor = thread::spawn(move || accept_loop(&listener, upstream, &sh));
        FaultProxy {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `bolt://127.0.0.1:<port>`.
    pub fn uri(&self) -> String {
        format!("bolt://{}", self.addr)
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Arms `fault` (and restarts the byte count).
    pub fn set(&self, fault: Fault) {
        let mut f = self.shared.fault.lock().unwrap();
        self.shared.sent.store(0, Ordering::SeqCst);
        *f = fault;
    }

    /// Heals the proxy: forwards everything again (for new and surviving connections).
    pub fn clear(&self) {
        self.set(Fault::None);
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.acceptor.take() {
            let _ = h.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, upstream: SocketAddr, shared: &Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((c, _)) => c,
            Err(e) if e.kind() == IoKind::WouldBlock => {
                thread::sleep(POLL);
                continue;
            }
            Err(_) => continue,
        };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        if *shared.fault.lock().unwrap() == Fault::Refuse {
            drop(client);
            continue;
        }
        let Ok(server) = TcpStream::connect(upstream) else {
            continue;
        };
        client.set_nonblocking(false).unwrap();
        for s in [&client, &server] {
            s.set_nodelay(true).unwrap();
            s.set_read_timeout(Some(POLL)).unwrap();
        }
        let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
        let sh = Arc::clone(shared);
        thread::spawn(move || pump(client, server, &sh, false));
        let sh = Arc::clone(shared);
        thread::spawn(move || pump(s2, c2, &sh, true));
    }
}

/// What to do with one read.
enum Action {
    Forward(usize),
    Discard,
    /// Write this many bytes, then close both sockets.
    CloseAfter(usize),
    /// Write this many bytes, then send EOF to the receiver and discard the rest.
    HalfClose(usize),
}

/// Copies `from` to `to`; `downstream` is the server-to-client direction, the one the byte
/// faults count.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared, downstream: bool) {
    let mut buf = vec![0u8; 16 * 1024];
    let mut half_closed = false;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => continue,
            Err(_) => break,
        };
        if half_closed {
            continue;
        }
        let fault = *shared.fault.lock().unwrap();
        let action = decide(fault, shared, downstream, &mut buf[..n]);
        match action {
            Action::Forward(k) => {
                if to.write_all(&buf[..k]).is_err() {
                    break;
                }
            }
            Action::Discard => {}
            Action::CloseAfter(k) => {
                let _ = to.write_all(&buf[..k]);
                break;
            }
            Action::HalfClose(k) => {
                let _ = to.write_all(&buf[..k]);
                let _ = to.shutdown(Shutdown::Write);
                half_closed = true;
            }
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}

fn decide(fault: Fault, shared: &Shared, downstream: bool, data: &mut [u8]) -> Action {
    let n = data.len();
    match fault {
        Fault::None | Fault::Refuse => Action::Forward(n),
        Fault::Delay(d) => {
            thread::sleep(d);
            Action::Forward(n)
        }
        Fault::Stall => Action::Discard,
        Fault::DropAfter(limit) | Fault::Truncate(limit)
            if downstream || matches!(fault, Fault::DropAfter(_)) =>
        {
            let before = shared.sent.fetch_add(n, Ordering::SeqCst);
            let allowed = limit.saturating_sub(before).min(n);
            if allowed == n {
                Action::Forward(n)
            } else if matches!(fault, Fault::DropAfter(_)) {
                Action::CloseAfter(allowed)
            } else {
                Action::HalfClose(allowed)
            }
        }
        Fault::Corrupt(offset) if downstream => {
            let before = shared.sent.fetch_add(n, Ordering::SeqCst);
            if (before..before + n).contains(&offset) {
                data[offset - before] ^= 0xFF;
            }
            Action::Forward(n)
        }
        _ => Action::Forward(n),
    }
}
