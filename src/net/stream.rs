//! [`Stream`]: a plain or TLS byte stream over one TCP socket.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConnection, StreamOwned};

/// A connected byte stream to a server, plain TCP or TLS, made by [`connect`](super::connect).
///
/// It implements [`Read`] and [`Write`]. Reads and writes block, bounded by the timeouts set
/// with [`set_read_timeout`](Stream::set_read_timeout) and
/// [`set_write_timeout`](Stream::set_write_timeout); an expired timeout shows up as an
/// [`io::Error`] for which [`is_timeout`] is true.
///
/// Over TLS, errors reported by the peer after the handshake (for example a server rejecting a
/// client certificate under TLS 1.3) surface on the first read as [`io::ErrorKind::InvalidData`]
/// with a `rustls::Error` inside.
pub enum Stream {
    /// A plain TCP connection.
    Tcp(TcpStream),
    /// A TLS connection whose handshake has completed.
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Tcp(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }

    /// Whether the stream is encrypted.
    pub fn is_encrypted(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// Sets the read timeout; `None` blocks forever.
    ///
    /// # Errors
    ///
    /// Fails for `Some(Duration::ZERO)` ([`io::ErrorKind::InvalidInput`]) or if the socket
    /// option cannot be set.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_read_timeout(timeout)
    }

    /// Sets the write timeout; `None` blocks forever.
    ///
    /// # Errors
    ///
    /// As for [`set_read_timeout`](Stream::set_read_timeout).
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> io::Result<()> {
        self.tcp().set_write_timeout(timeout)
    }

    /// The current read timeout.
    ///
    /// # Errors
    ///
    /// If the socket option cannot be read.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        self.tcp().read_timeout()
    }

    /// The server's socket address.
    ///
    /// # Errors
    ///
    /// If the socket is no longer connected.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().peer_addr()
    }

    /// The local socket address.
    ///
    /// # Errors
    ///
    /// If the socket address cannot be read.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.tcp().local_addr()
    }

    /// Closes the stream: over TLS, sends `close_notify` (best effort), then shuts the socket
    /// down in both directions.
    ///
    /// # Errors
    ///
    /// If the TCP shutdown fails for a reason other than the socket being already disconnected.
    pub fn shutdown(&mut self) -> io::Result<()> {
        if let Stream::Tls(s) = self {
            s.conn.send_close_notify();
            // Best effort: the peer may already be gone.
            let _ = s.conn.write_tls(&mut s.sock);
        }
        ignore_not_connected(self.tcp().shutdown(Shutdown::Both))
    }

    /// A handle that can shut this stream's socket down from another thread, which makes a
    /// read or write blocked on it return at once (used to interrupt or close a connection).
    ///
    /// # Errors
    ///
    /// If the socket cannot be duplicated.
    pub fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        Ok(ShutdownHandle(Arc::new(self.tcp().try_clone()?)))
    }
}

fn ignore_not_connected(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
        r => r,
    }
}

impl fmt::Debug for Stream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("tls", &self.is_encrypted())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// Shuts down the socket of a [`Stream`] from any thread; see [`Stream::shutdown_handle`].
///
/// It only allows a shutdown, never reads or writes, so it cannot corrupt a TLS session.
/// Clones share one duplicate of the socket, so handing out another handle costs no system call.
#[derive(Debug, Clone)]
pub struct ShutdownHandle(Arc<TcpStream>);

impl ShutdownHandle {
    /// Shuts the socket down in both directions. Blocked reads and writes on the stream return
    /// (a read returns end-of-file or an error). Shutting down twice is not an error.
    ///
    /// # Errors
    ///
    /// If the operating system rejects the shutdown.
    pub fn shutdown(&self) -> io::Result<()> {
        ignore_not_connected(self.0.shutdown(Shutdown::Both))
    }
}

/// Whether an I/O error means a socket timeout expired ([`io::ErrorKind::WouldBlock`] on Unix,
/// [`io::ErrorKind::TimedOut`] on Windows and for connects).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Whether an I/O error carries a TLS failure (e.g. a fatal alert from the server rejecting our
/// client certificate, which TLS 1.3 sends after the client's side of the handshake finished).
pub fn is_tls_error(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Instant;

    fn pair() -> (Stream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        (Stream::Tcp(c), s)
    }

    #[test]
    fn read_timeout_is_timeout() {
        let (mut s, _peer) = pair();
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        // The kernel rounds socket timeouts to its tick.
        let t = s.read_timeout().unwrap().unwrap();
        assert!(
            t.abs_diff(Duration::from_millis(50)) < Duration::from_millis(20),
            "{t:?}"
        );
        let e = s.read(&mut [0u8; 4]).unwrap_err();
        assert!(is_timeout(&e), "{e:?}");
        assert!(!s.is_encrypted());
        assert!(format!("{s:?}").contains("127.0.0.1"));
    }

    #[test]
    fn shutdown_handle_unblocks_reader() {
        let (mut s, _peer) = pair();
        let h = s.shutdown_handle().unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            h.shutdown().unwrap();
            h.shutdown().unwrap();
        });
        let start = Instant::now();
        let r = s.read(&mut [0u8; 4]);
        assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        t.join().unwrap();
        s.shutdown().unwrap();
    }

    #[test]
    fn echo() {
        let (mut s, mut peer) = pair();
        s.write_all(b"ping").unwrap();
        s.flush().unwrap();
        let mut buf = [0u8; 4];
        peer.read_exact(&mut buf).unwrap();
        peer.write_all(&buf).unwrap();
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
        assert_eq!(s.peer_addr().unwrap(), peer.local_addr().unwrap());
        assert_eq!(s.local_addr().unwrap(), peer.peer_addr().unwrap());
    }
}
