//! What a connection runs over: a byte stream with read and write timeouts, and reads bounded
//! by a call's deadline.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// A byte stream a connection can run over.
pub trait Transport: Read + Write {
    /// Sets the read timeout (`None`: block). The default does nothing.
    ///
    /// # Errors
    /// When the transport rejects the timeout.
    fn set_read_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }

    /// Sets the write timeout (`None`: block). The default does nothing.
    ///
    /// # Errors
    /// When the transport rejects the timeout.
    fn set_write_timeout(&mut self, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }
}

impl Transport for std::net::TcpStream {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::net::TcpStream::set_read_timeout(self, timeout)
    }

    fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        std::net::TcpStream::set_write_timeout(self, timeout)
    }
}

/// Reads through a transport with each read bounded by what is left until a deadline (and by
/// the connection's own read timeout, if shorter).
pub(super) struct DeadlineReader<'a, S> {
    pub(super) stream: &'a mut S,
    pub(super) deadline: Instant,
    pub(super) base: Option<Duration>,
}

impl<S: Transport> Read for DeadlineReader<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the call deadline passed",
            ));
        }
        let t = self.base.map_or(left, |b| b.min(left));
        self.stream.set_read_timeout(Some(t))?;
        self.stream.read(buf)
    }
}
