//! A WebSocket front for a stub server: the client talks WebSocket to the gateway, the gateway
//! talks plain Bolt to the backend (a [`StubServer`](super::StubServer)), so every stub script
//! runs over WebSocket unchanged.
//!
//! The gateway chooses how the backend's bytes are framed ([`Framing`]), can ping before each
//! data message (and counts the pongs that come back), and can end the connection after a given
//! number of bytes with a close frame or by dropping the socket (a server closing mid-message).
//! Client messages must be binary: anything else is recorded as a violation.
//!
//! ```ignore
//! let stub = StubServer::start(SCRIPT);
//! let gw = WsGateway::start(&stub.address(), WsOptions::default());
//! let driver = driver(&gw.uri("ws"));
//! ```

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::Frame;
use tungstenite::{Message, WebSocket};

/// How the backend's bytes go to the client.
#[derive(Debug, Clone, Copy)]
pub enum Framing {
    /// Each read from the backend as one binary message.
    Whole,
    /// Every `n` bytes as a binary message of their own: chunk headers and Bolt messages span
    /// WebSocket messages.
    Messages(usize),
    /// Each read from the backend as one message sent in fragments of `n` bytes (a binary frame
    /// then continuation frames).
    Fragments(usize),
    /// What the backend sends within this window, as one message: one frame holds several
    /// chunks and Bolt messages.
    Coalesce(Duration),
}

/// How a [`WsGateway`] behaves.
#[derive(Debug, Clone)]
pub struct WsOptions {
    /// Serve secure WebSocket (TLS with this configuration).
    pub tls: Option<Arc<ServerConfig>>,
    /// How data is framed.
    pub framing: Framing,
    /// Send a ping before each data message.
    pub ping: bool,
    /// After this many bytes to the client, send a close frame and close.
    pub close_after: Option<usize>,
    /// After this many bytes to the client, drop the socket (no close frame).
    pub drop_after: Option<usize>,
}

impl Default for WsOptions {
    fn default() -> WsOptions {
        WsOptions {
            tls: None,
            framing: Framing::Whole,
            ping: false,
            close_after: None,
            drop_after: None,
        }
    }
}

/// Counters shared with the connection threads.
#[derive(Default)]
struct Shared {
    accepted: AtomicUsize,
    pongs: AtomicUsize,
    pings: AtomicUsize,
    violations: Mutex<Vec<String>>,
}

/// A loopback WebSocket gateway in front of one backend.
pub struct WsGateway {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

const TICK: Duration = Duration::from_millis(2);

impl WsGateway {
    /// Listens on a free loopback port; each connection gets its own connection to `backend`.
    ///
    /// # Panics
    /// When no port can be bound.
    pub fn start(backend: &str, opts: WsOptions) -> WsGateway {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("listener address");
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared::default());
        let backend = backend.to_owned();
        let (st, sh) = (stop.clone(), shared.clone());
        let acceptor = thread::Builder::new()
            .name("ws-gateway".into())
            .spawn(move || {
                let mut conns = Vec::new();
                while !st.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            sh.accepted.fetch_add(1, Ordering::SeqCst);
                            let (st, sh, be) = (st.clone(), sh.clone(), backend.clone());
                            let opts = opts.clone();
                            conns.push(thread::spawn(move || {
                                if let Err(e) = start_tls(client, &be, opts, &st, &sh) {
                                    sh.violations.lock().unwrap().push(e);
                                }
                            }));
                        }
                        Err(_) => thread::sleep(Duration::from_millis(5)),
                    }
                }
                for c in conns {
                    let _ = c.join();
                }
            })
            .expect("spawn gateway");
        WsGateway {
            addr,
            stop,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// `<scheme>://127.0.0.1:<port>`.
    pub fn uri(&self, scheme: &str) -> String {
        format!("{scheme}://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Pings sent and pongs received so far.
    pub fn pings_and_pongs(&self) -> (usize, usize) {
        (
            self.shared.pings.load(Ordering::SeqCst),
            self.shared.pongs.load(Ordering::SeqCst),
        )
    }

    /// What the clients did wrong (non-binary data, a failed upgrade), if anything.
    pub fn violations(&self) -> Vec<String> {
        self.shared.violations.lock().unwrap().clone()
    }
}

impl Drop for WsGateway {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

fn would_block(e: &std::io::Error) -> bool {
    matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut)
}

/// The socket under a plain or TLS stream.
trait Sock: Read + Write {
    fn tcp(&self) -> &TcpStream;
}

impl Sock for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl Sock for StreamOwned<ServerConnection, TcpStream> {
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

fn start_tls(
    client: TcpStream,
    backend: &str,
    opts: WsOptions,
    stop: &AtomicBool,
    shared: &Shared,
) -> Result<(), String> {
    client.set_nonblocking(false).map_err(|e| e.to_string())?;
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    match opts.tls.clone() {
        None => serve(client, backend, opts, stop, shared),
        Some(cfg) => {
            let conn = ServerConnection::new(cfg).map_err(|e| e.to_string())?;
            serve(StreamOwned::new(conn, client), backend, opts, stop, shared)
        }
    }
}

fn serve<S: Sock>(
    client: S,
    backend: &str,
    opts: WsOptions,
    stop: &AtomicBool,
    shared: &Shared,
) -> Result<(), String> {
    let mut ws = tungstenite::accept(client).map_err(|e| format!("upgrade: {e}"))?;
    ws.get_ref()
        .tcp()
        .set_read_timeout(Some(TICK))
        .map_err(|e| e.to_string())?;
    let mut be = TcpStream::connect(backend).map_err(|e| format!("backend: {e}"))?;
    be.set_read_timeout(Some(TICK)).map_err(|e| e.to_string())?;
    let mut out = Out {
        opts: opts.clone(),
        sent: 0,
        shared,
    };
    let mut buf = vec![0u8; 64 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match ws.read() {
            Ok(Message::Binary(b)) => {
                if be.write_all(&b).is_err() {
                    break;
                }
            }
            Ok(Message::Pong(_)) => {
                shared.pongs.fetch_add(1, Ordering::SeqCst);
            }
            Ok(Message::Close(_)) => {
                let _ = ws.flush();
                let _ = be.shutdown(Shutdown::Both);
                return Ok(());
            }
            Ok(Message::Ping(_)) => {}
            Ok(other) => return Err(format!("client sent a non-binary message: {other:?}")),
            Err(tungstenite::Error::Io(e)) if would_block(&e) => {}
            Err(_) => break,
        }
        let n = match be.read(&mut buf) {
            Ok(0) => {
                // The stub closed (end of script or <EXIT>): a close frame, then the socket.
                let _ = ws.close(None);
                let _ = ws.flush();
                let _ = ws.get_ref().tcp().shutdown(Shutdown::Both);
                return Ok(());
            }
            Ok(n) => n,
            Err(e) if would_block(&e) => continue,
            Err(_) => break,
        };
        let mut data = buf[..n].to_vec();
        if let Framing::Coalesce(window) = opts.framing {
            let until = Instant::now() + window;
            while Instant::now() < until {
                match be.read(&mut buf) {
                    Ok(0) => break,
                    Ok(m) => data.extend_from_slice(&buf[..m]),
                    Err(e) if would_block(&e) => {}
                    Err(_) => break,
                }
            }
        }
        if !out.send(&mut ws, &data) {
            // Cut on purpose: let the stub play the rest of its script into the void.
            let until = Instant::now() + Duration::from_secs(5);
            while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                match be.read(&mut buf) {
                    Ok(0) => break,
                    Ok(_) => {}
                    Err(e) if would_block(&e) => {}
                    Err(_) => break,
                }
            }
            return Ok(());
        }
    }
    let _ = ws.get_ref().tcp().shutdown(Shutdown::Both);
    Ok(())
}

/// The client-bound side of one connection.
struct Out<'a> {
    opts: WsOptions,
    sent: usize,
    shared: &'a Shared,
}

impl Out<'_> {
    /// Sends `data` as the options say; false once the connection is ended on purpose.
    fn send<S: Sock>(&mut self, ws: &mut WebSocket<S>, data: &[u8]) -> bool {
        let limit = self.opts.close_after.or(self.opts.drop_after);
        let (data, end) = match limit {
            Some(l) if self.sent + data.len() >= l => (&data[..l - self.sent.min(l)], true),
            _ => (data, false),
        };
        self.sent += data.len();
        let pieces: Vec<Vec<Frame>> = match self.opts.framing {
            Framing::Whole | Framing::Coalesce(_) => vec![fragments(data, data.len().max(1))],
            Framing::Messages(n) => data.chunks(n).map(|c| fragments(c, c.len())).collect(),
            Framing::Fragments(n) => vec![fragments(data, n)],
        };
        for frames in pieces {
            if self.opts.ping {
                self.shared.pings.fetch_add(1, Ordering::SeqCst);
                let _ = ws.write(Message::Ping(b"boltc?".to_vec().into()));
            }
            for f in frames {
                if ws.write(Message::Frame(f)).is_err() {
                    return false;
                }
            }
            if ws.flush().is_err() {
                return false;
            }
        }
        if end {
            if self.opts.close_after.is_some() {
                let _ = ws.close(None);
                let _ = ws.flush();
            }
            let _ = ws.get_ref().tcp().shutdown(Shutdown::Both);
            return false;
        }
        true
    }
}

/// One binary message as frames of at most `n` bytes.
fn fragments(data: &[u8], n: usize) -> Vec<Frame> {
    if data.is_empty() {
        return Vec::new();
    }
    let parts: Vec<&[u8]> = data.chunks(n.max(1)).collect();
    let last = parts.len() - 1;
    parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let op = if i == 0 { Data::Binary } else { Data::Continue };
            Frame::message(p.to_vec(), OpCode::Data(op), i == last)
        })
        .collect()
}
