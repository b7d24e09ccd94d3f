//! [`Stream`]: a plain or TLS byte stream over one TCP socket, or a WebSocket over either.
//!
//! File length: over 600 lines only with its unit tests.

use std::fmt;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

#[cfg(unix)]
use rustix::net::RecvFlags;
#[cfg(any(target_os = "linux", target_os = "android"))]
use rustix::net::SendFlags;
use rustls::{ClientConnection, StreamOwned};
use socket2::SockRef;

use super::crowding::machine_crowded;
use super::pace::Pace;
use super::poll_memory::{Lesson, Memo};
use super::poll_stats::{self, Event};
use super::ws::WsIo;

/// A connected byte stream to a server, plain TCP or TLS, and for the `ws*` schemes a
/// WebSocket over either, made by [`connect`](super::connect).
///
/// It implements [`Read`] and [`Write`]. Reads and writes block, bounded by the timeouts set
/// with [`set_read_timeout`](Stream::set_read_timeout) and
/// [`set_write_timeout`](Stream::set_write_timeout); an expired timeout shows up as an
/// [`io::Error`] for which [`is_timeout`] is true.
///
/// Over TLS, errors reported by the peer after the handshake (for example a server rejecting a
/// client certificate under TLS 1.3) surface on the first read as [`io::ErrorKind::InvalidData`]
/// with a `rustls::Error` inside.
pub struct Stream {
    io: Io,
    poll: BusyPoll,
    /// Where this stream shares what polling learned about its server with the process's
    /// other connections to it (see `net::poll_memory`); `None` until
    /// [`share_polling`](Stream::share_polling).
    memo: Option<Memo>,
    /// The lesson last written to (or read from) `memo`.
    taught: Lesson,
    /// The process that connected; see [`Stream::inherited`].
    pid: u32,
    /// The read and write timeouts (unused over a WebSocket, whose stream keeps its own).
    read_timeout: Timeout,
    write_timeout: Timeout,
    /// How its streams get and wait for their batches (see `net/pace.rs`).
    pace: Pace,
    /// The next read sleeps at once instead of polling (see [`Stream::wait_for_batch`] and
    /// [`Stream::batch_came`]).
    sleep_next: bool,
    /// The connection is being set up (see [`Stream::set_setting_up`]).
    setting_up: bool,
    /// Whether the setup's reads poll: the last setup to this server was quick.
    setup_polls: bool,
    /// The longest a read of the setup waited for its data so far.
    setup_waited: Duration,
}

/// The transport under a [`Stream`]. The socket is shared (an `Arc`, not a duplicated
/// descriptor) with the stream's [`ShutdownHandle`]s.
enum Io {
    Tcp(Arc<TcpStream>),
    Tls(Box<StreamOwned<ClientConnection, SharedTcp>>),
    /// Binary WebSocket messages over a plain or TLS stream (see `net::ws`).
    Ws(Box<WsIo>),
}

/// The socket of a TLS stream, shared with the stream's [`ShutdownHandle`]s.
struct SharedTcp(Arc<TcpStream>);

impl Read for SharedTcp {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        (&*self.0).read(buf)
    }
}

impl Write for SharedTcp {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }

    /// One `writev` for all the TLS records rustls has queued, as the socket itself would
    /// (the default would send only the first record per call).
    fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
        (&*self.0).write_vectored(bufs)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One socket timeout (read or write), set lazily: [`Stream::set_read_timeout`] and
/// [`Stream::set_write_timeout`] only note what is wanted, and the socket option is changed
/// (one system call) just before a system call that may block, and only when the socket
/// does not have that value already. So every blocking read and write is bounded by the
/// timeout asked for last, exactly as if it had been set at once, while a timeout that no
/// blocking call needs costs nothing: a new connection sets up to seven timeouts (the
/// handshake's, HELLO's deadline, the configured ones, GOODBYE's) and its plain-socket reads
/// and writes rarely block (writes go out at once, busy polling finds the replies).
///
/// | `want`      | `set`       | before a blocking call                           |
/// |-------------|-------------|--------------------------------------------------|
/// | `None`      | any         | nothing: the socket keeps the timeout it has     |
/// | `Some(t)`   | `Some(t)`   | nothing: the socket has `t`                      |
/// | `Some(t)`   | other       | set `t` on the socket, then `set = Some(t)`      |
///
/// A plain socket's reads relax the table: a shorter timeout than wanted is kept, and the
/// read goes on after it expires (see `Stream::read_tcp`), so the timeouts derived from a
/// deadline (the time left, a little less at each read) are not set before every read. A
/// longer one is never kept: a call never waits past its timeout or deadline.
#[derive(Debug, Clone, Copy, Default)]
struct Timeout {
    /// What the stream's user asked for last (`None`: nothing; `Some(None)`: block forever).
    want: Option<Option<Duration>>,
    /// What the socket has (`None`: not known, e.g. a socket the caller made).
    set: Option<Option<Duration>>,
}

impl Timeout {
    /// A socket this crate just created: it has no timeout.
    const FRESH: Timeout = Timeout {
        want: None,
        set: Some(None),
    };

    /// The value to give the socket before a call that may block, if it does not have it.
    fn pending(&self) -> Option<Option<Duration>> {
        self.want.filter(|want| self.set != Some(*want))
    }
}

/// Busy polling: a read that would wait for the server first polls the socket for up to a
/// window before it sleeps, which saves it the time the operating system takes to wake a
/// sleeping thread (tens of microseconds on many virtual machines, more than a whole round
/// trip on loopback).
///
/// The decision is this pure state machine, fed what happened ([`take_turn`](Self::take_turn)
/// with the machine's crowding, then [`hit`](Self::hit), or [`miss`](Self::miss) with how long
/// the data took after all), so it is tested without clocks. It adapts in two ways:
/// - while the machine is crowded (more runnable threads than cores) no wait polls, and each
///   halves the window (down to the configured one divided by [`BusyPoll::MIN_SHARE`]): a
///   spinning thread would take a core from a thread with work. Each quick hit (within half
///   the configured window) doubles the window back, and so does a miss whose data came within
///   the configured window (the shrunk window was too short, the full one would have hit);
/// - a miss whose data came later than the configured window (a slow server) makes the next
///   waits skip polling, twice as many after each such miss (up to [`BusyPoll::MAX_SKIP`]), so
///   such a server costs almost no CPU. Only a quick hit ends the back-off. A hit late in the
///   window (past half the configured one) leaves it as it is, and counts two against the
///   polling, which each quick hit pays back one of: from [`BusyPoll::LATE_LIMIT`] on, a late
///   hit backs off as a slow miss does. A server that answers in about a window's time, often
///   or in every other reply, so costs little CPU, and an odd late hit among quick ones
///   nothing.
#[derive(Debug, Clone, Copy, Default)]
struct BusyPoll {
    /// The configured window (zero: never poll).
    max: Duration,
    /// The window the next poll uses, between `max / MIN_SHARE` and `max`.
    window: Duration,
    /// Waits left that sleep without polling.
    skip: u32,
    /// Waits to skip after the next miss, less one.
    backoff: u32,
    /// Late hits not yet paid back by quick ones: two per late hit, less one per quick hit
    /// (at most twice [`BusyPoll::LATE_LIMIT`]).
    late: u8,
}

impl BusyPoll {
    /// The most waits a miss makes skip.
    const MAX_SKIP: u32 = 255;
    /// The smallest window is the configured one divided by this.
    const MIN_SHARE: u32 = 16;
    /// From this count of unpaid late hits on, a late hit backs off.
    const LATE_LIMIT: u8 = 4;

    /// Polling for up to `max` (zero: never).
    fn new(max: Duration) -> BusyPoll {
        BusyPoll {
            max,
            window: max,
            ..BusyPoll::default()
        }
    }

    /// How long this wait should poll, or `None` to sleep at once (counting a skipped wait).
    /// `crowded`: the machine has more runnable threads than cores.
    fn take_turn(&mut self, crowded: bool) -> Option<Duration> {
        if self.max.is_zero() {
            return None;
        }
        if crowded {
            self.shrink();
            return None;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        Some(self.window)
    }

    /// Data came while polling, `spun` after polling started. A hit late in the window (past
    /// half the configured one) cost most of a window of CPU to save one wake-up, the trade a
    /// server answering in about a window's time offers every time: it counts against
    /// polling, and once such hits outweigh the quick ones (see [`BusyPoll`]) it backs off as
    /// a slow miss does. Neo4j answers a `RETURN 1` in two writes, the RUN's SUCCESS about
    /// 30 µs after the request and the PULL's reply often 70 µs or more after that: when
    /// late hits changed nothing, the quick ones kept resetting the back-off that the misses
    /// built, and polling cost 13-17 µs of CPU per query more than sleeping, for little or no
    /// gain in wall time. Only a quick hit resets the back-off and grows the window.
    fn hit(&mut self, spun: Duration) {
        if self.is_late(spun) {
            self.late = self.late.saturating_add(2).min(2 * Self::LATE_LIMIT);
            if self.late >= Self::LATE_LIMIT {
                self.back_off();
            }
            return;
        }
        self.late = self.late.saturating_sub(1);
        self.backoff = 0;
        self.grow();
    }

    /// Whether a hit `spun` after polling started is late: past half the configured window.
    fn is_late(&self, spun: Duration) -> bool {
        spun > self.max / 2
    }

    /// The window passed without data, which came `waited` after polling started.
    fn miss(&mut self, waited: Duration) {
        if waited <= self.max {
            // Only the shrunk window was too short.
            self.grow();
            return;
        }
        self.back_off();
    }

    /// Makes the next waits sleep at once: one more than twice as many as the last back-off
    /// (at most [`BusyPoll::MAX_SKIP`]).
    fn back_off(&mut self) {
        self.skip = self
            .backoff
            .saturating_mul(2)
            .saturating_add(1)
            .min(Self::MAX_SKIP);
        self.backoff = self.skip;
    }

    fn grow(&mut self) {
        self.window = self.window.saturating_mul(2).min(self.max);
    }

    fn shrink(&mut self) {
        self.window = (self.window / 2).max(self.max / Self::MIN_SHARE);
    }

    /// The state a new connection to the same server continues from: the waits left to
    /// skip, the back-off and the unpaid late hits, a byte each (all at most
    /// [`BusyPoll::MAX_SKIP`]). Zero when it polls freely.
    fn lesson(&self) -> Lesson {
        let byte = |n: u32| Lesson::try_from(n.min(Self::MAX_SKIP)).unwrap_or(0xFF);
        byte(self.skip) << 16 | byte(self.backoff) << 8 | Lesson::from(self.late)
    }

    /// Continues from the [`lesson`](Self::lesson) of an earlier connection to the same
    /// server, as if this one took over its waits: the skipping it was in goes on (so a
    /// back-off ends, and a poll tests the server again, as it would have on one long
    /// connection), and its late hits stay unpaid. Only the window starts afresh.
    fn learn(&mut self, lesson: Lesson) {
        let byte = |shift: u32| (lesson >> shift) & 0xFF;
        self.skip = byte(16);
        self.backoff = byte(8);
        self.late = u8::try_from(byte(0)).unwrap_or(0).min(2 * Self::LATE_LIMIT);
    }
}

/// How many of this process's threads are polling a socket now.
static POLLERS: AtomicUsize = AtomicUsize::new(0);

/// How many of this process's threads are in a read of a polling stream now (polling or
/// asleep). Their replies come from servers that need the cores too; see [`may_poll`].
static WAITING: AtomicUsize = AtomicUsize::new(0);

/// The most threads that may poll at once: half the cores, at least one. Not limited in this
/// crate's unit tests, which run in parallel and test polling itself.
fn max_pollers() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        if cfg!(test) {
            usize::MAX
        } else {
            poll_limit(std::thread::available_parallelism().map_or(1, |n| n.get()))
        }
    })
}

/// [`max_pollers`] on a machine with `cores` cores: half of them, at least one.
fn poll_limit(cores: usize) -> usize {
    (cores / 2).max(1)
}

/// When a thread last saw more threads waiting than may poll ([`may_poll`]), as [`now_us`]
/// (0: never).
static CONTENDED_AT: AtomicU64 = AtomicU64::new(0);

/// How long after a thread saw more threads waiting than may poll none polls.
const CONTENTION_HOLD: Duration = Duration::from_millis(1);

/// Whether a thread about to wait for a reply may busy poll, given the limit `max`
/// ([`max_pollers`]), how many of this process's threads are `waiting` in reads of polling
/// streams (this one included), how many are `polling` already, and how long ago a thread last
/// saw more than `max` waiting (`since_contended`):
/// - at most `max` poll at once; the others sleep, leaving the remaining cores to the threads
///   (or the local server) with work to do;
/// - none polls while more than `max` threads wait, nor for [`CONTENTION_HOLD`] after: each of
///   their replies needs a server thread to run, and threads that sleep leave it the CPU a poller
///   would take (four client threads on two cores, with the server on the same machine, do
///   better asleep). The hold keeps such a process from polling in the moments when most of its
///   threads are busy between replies, which is when a poller hurts most. One thread, or a few
///   on a machine with cores to spare, still polls.
///
/// A pure function of counts and an age, so the rule is tested without threads or clocks.
fn may_poll(max: usize, waiting: usize, polling: usize, since_contended: Duration) -> bool {
    waiting <= max && since_contended >= CONTENTION_HOLD && polling < max
}

/// Microseconds since this process first asked, plus one (so that 0 can stand for never).
pub(super) fn now_us() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    u64::try_from(EPOCH.get_or_init(Instant::now).elapsed().as_micros())
        .unwrap_or(u64::MAX)
        .saturating_add(1)
}

/// One thread counted in a process-wide count ([`POLLERS`], [`WAITING`]) while it lives.
struct Counted(&'static AtomicUsize);

impl Counted {
    /// Counts this thread in `count`.
    fn enter(count: &'static AtomicUsize) -> Counted {
        count.fetch_add(1, Ordering::AcqRel);
        Counted(count)
    }

    /// Counts this thread in `count` if `admit` accepts the count before it (checked and
    /// counted in one atomic step).
    fn enter_if(count: &'static AtomicUsize, admit: impl Fn(usize) -> bool) -> Option<Counted> {
        count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                admit(n).then_some(n + 1)
            })
            .ok()
            .map(|_| Counted(count))
    }

    /// Counts this thread in [`POLLERS`] if [`may_poll`] lets it poll now; notes in
    /// [`CONTENDED_AT`] when more threads wait than may poll.
    fn start_polling() -> Option<Counted> {
        let max = max_pollers();
        let waiting = WAITING.load(Ordering::Relaxed);
        let now = now_us();
        if waiting > max {
            CONTENDED_AT.store(now, Ordering::Relaxed);
        }
        let since_contended = match CONTENDED_AT.load(Ordering::Relaxed) {
            0 => Duration::MAX,
            at => Duration::from_micros(now.saturating_sub(at)),
        };
        Counted::enter_if(&POLLERS, |polling| {
            may_poll(max, waiting, polling, since_contended)
        })
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Stream {
    /// A plain stream over a connected socket (no busy polling until
    /// [`set_busy_poll`](Stream::set_busy_poll)). The socket keeps the timeouts it has until
    /// [`set_read_timeout`](Stream::set_read_timeout) or
    /// [`set_write_timeout`](Stream::set_write_timeout).
    pub fn from_tcp(tcp: TcpStream) -> Stream {
        Stream::new(Io::Tcp(Arc::new(tcp)), Timeout::default())
    }

    /// A plain stream over a socket that `net::connect` just made, which has no read timeout
    /// and the send timeout `write_timeout` (`None`: none).
    pub(crate) fn from_new_tcp(tcp: TcpStream, write_timeout: Option<Duration>) -> Stream {
        let mut s = Stream::new(Io::Tcp(Arc::new(tcp)), Timeout::FRESH);
        s.write_timeout.set = Some(write_timeout);
        s
    }

    /// A TLS stream over `tcp` (timeouts not known: the TLS handshake set some).
    pub(crate) fn tls(conn: ClientConnection, tcp: TcpStream) -> Stream {
        let tls = StreamOwned::new(conn, SharedTcp(Arc::new(tcp)));
        Stream::new(Io::Tls(Box::new(tls)), Timeout::default())
    }

    fn new(io: Io, timeouts: Timeout) -> Stream {
        Stream {
            io,
            poll: BusyPoll::default(),
            memo: None,
            taught: 0,
            pid: crate::process::id(),
            read_timeout: timeouts,
            write_timeout: timeouts,
            pace: Pace::default(),
            sleep_next: false,
            setting_up: false,
            setup_polls: false,
            setup_waited: Duration::ZERO,
        }
    }

    /// Whether this process inherited the stream from its parent through `fork`. The parent
    /// still uses the socket, so here reads and writes fail (an `io::Error` saying so) without
    /// touching it (a read would take the parent's bytes, a write would corrupt its
    /// exchange) and [`Stream::shutdown`] does nothing; dropping the stream closes this
    /// process's descriptor only, which leaves the parent's connection open.
    pub fn inherited(&self) -> bool {
        self.pid != crate::process::id()
    }

    /// Fails in a process that inherited the stream. The process id comes from
    /// [`crate::process::id`]'s cache: no system call.
    fn check_owner(&self) -> io::Result<()> {
        if self.inherited() {
            Err(inherited_error())
        } else {
            Ok(())
        }
    }

    pub(crate) fn websocket(ws: WsIo) -> Stream {
        Stream::new(Io::Ws(Box::new(ws)), Timeout::default())
    }

    /// The TCP socket under the stream.
    pub(crate) fn tcp(&self) -> &TcpStream {
        self.shared_tcp()
    }

    /// The TCP socket under the stream, as shared with its [`ShutdownHandle`]s.
    fn shared_tcp(&self) -> &Arc<TcpStream> {
        match &self.io {
            Io::Tcp(s) => s,
            Io::Tls(s) => &s.sock.0,
            Io::Ws(ws) => ws.inner().shared_tcp(),
        }
    }

    /// Gives the socket the read timeout last asked for, if it does not have it (before a
    /// system call that may block; see [`Timeout`]).
    fn sync_read_timeout(&mut self) -> io::Result<()> {
        if let Some(t) = self.read_timeout.pending() {
            self.tcp().set_read_timeout(t)?;
            self.read_timeout.set = Some(t);
        }
        Ok(())
    }

    /// A blocking read of a plain socket, bounded by the read timeout asked for last (`want`)
    /// although the socket may have a shorter one (`set`):
    ///
    /// - the socket's timeout is kept when `set <= want`: the read can never wait longer than
    ///   asked. If it expires before `want` has passed, the read sets what is left of `want`
    ///   and waits once more, so it fails only when `want` has passed, as if `want` had been
    ///   set (at most one extra wake-up and system call, for a read that waits that long);
    /// - otherwise it sets `want` less a sixteenth (exactly `want` below 16 ms), so that the
    ///   timeouts derived from a deadline, a little shorter at each read, keep it until a
    ///   sixteenth of it has passed instead of setting the socket option before every read;
    ///   and blocking forever (`None`) is only ever set as such.
    ///
    /// A connection's HELLO reply is read this way under the handshake's shorter timeout: one
    /// system call fewer per connection. The clock is read only when `set < want`.
    fn read_tcp(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let full = match (self.read_timeout.want, self.read_timeout.set) {
            (None, _) => None,
            (Some(want), Some(set)) if set == want => None,
            (Some(Some(want)), Some(Some(set))) if set < want => Some(want),
            (Some(want), _) => {
                let set = want.map(|w| if w >= SHADE_FROM { w - w / 16 } else { w });
                self.tcp().set_read_timeout(set)?;
                self.read_timeout.set = Some(set);
                want.filter(|w| set != Some(*w))
            }
        };
        let started = full.map(|_| Instant::now());
        let read = (&**self.shared_tcp()).read(buf);
        let (Some(want), Some(started), Err(e)) = (full, started, &read) else {
            return read;
        };
        let rest = want.saturating_sub(started.elapsed());
        if !is_timeout(e) || rest.is_zero() {
            return read;
        }
        self.tcp().set_read_timeout(Some(rest))?;
        self.read_timeout.set = Some(Some(rest));
        (&**self.shared_tcp()).read(buf)
    }

    /// As [`sync_read_timeout`](Self::sync_read_timeout), for writes.
    fn sync_write_timeout(&mut self) -> io::Result<()> {
        if let Some(t) = self.write_timeout.pending() {
            self.tcp().set_write_timeout(t)?;
            self.write_timeout.set = Some(t);
        }
        Ok(())
    }

    /// Both timeouts, before a TLS read, write or flush: each of them may read and write
    /// records (a pending handshake, alerts).
    fn sync_tls_timeouts(&mut self) -> io::Result<()> {
        self.sync_read_timeout()?;
        self.sync_write_timeout()
    }

    /// Sets how long a read that would wait for the server polls the socket before it sleeps
    /// (zero: never). Polling trades CPU for latency; it adapts, polling less while the
    /// server takes longer than `window` to answer.
    pub fn set_busy_poll(&mut self, window: Duration) {
        if let Io::Ws(ws) = &mut self.io {
            // The WebSocket reads through the stream under it, which polls.
            return ws.inner_mut().set_busy_poll(window);
        }
        self.poll = BusyPoll::new(window);
        self.memo = None;
    }

    /// Notes that a stream's batch went by in `took`, from one PULL of the stream to the next
    /// (see `net/pace.rs`). Nothing is timed while polling is off.
    pub(crate) fn batch_took(&mut self, took: Duration) {
        if let Io::Ws(ws) = &mut self.io {
            // The stream under the WebSocket is the one that polls.
            return ws.inner_mut().batch_took(took);
        }
        if !self.poll.max.is_zero() {
            self.pace.took(took);
        }
    }

    /// Whether a stream should pull its next batch before it has read the current one (see
    /// `net/pace.rs`): always over a connection that does not poll.
    pub(crate) fn pulls_ahead(&self) -> bool {
        match &self.io {
            Io::Ws(ws) => ws.inner().pulls_ahead(),
            _ => self.poll.max.is_zero() || self.pace.pulls_ahead(),
        }
    }

    /// Says that the next read waits for a stream's next batch: it sleeps at once
    /// instead of polling if the connection's streams found their batches came faster that
    /// way (see `net/pace.rs`). It neither counts as a miss nor changes what polling learned.
    pub(crate) fn wait_for_batch(&mut self) {
        if let Io::Ws(ws) = &mut self.io {
            return ws.inner_mut().wait_for_batch();
        }
        self.sleep_next = self.pace.sleeps();
    }

    /// Says that the wait [`wait_for_batch`](Stream::wait_for_batch) announced is over: the
    /// batch's next message came, by a read or from what the connection had buffered already.
    /// In the second case no read took the "sleep at once", and it must not fall on a later
    /// read that waits for something else (the reply to the next query, say).
    pub(crate) fn batch_came(&mut self) {
        if let Io::Ws(ws) = &mut self.io {
            return ws.inner_mut().batch_came();
        }
        self.sleep_next = false;
    }

    /// Says whether the connection is being set up (from the Bolt handshake to the server's
    /// reply to HELLO, and LOGON). Meanwhile reads neither count as misses nor change what
    /// polling learned, and they poll only if the last connection's setup to this server (see
    /// [`share_polling`](Stream::share_polling)) had each of its replies within the polling
    /// window; otherwise they sleep at once. When the setup ends, whether this one's replies
    /// all came within the window is noted for the next connection.
    ///
    /// Polling pays for the short waits of queries on a connection in use. A setup is another
    /// matter: a real server authenticates, which takes milliseconds (Neo4j: about 4 ms a
    /// connection here), past any window, so polling for its replies would spin a window of
    /// CPU a connection for nothing. But a server that answers the setup at once (the replay
    /// server: a thread per connection, no authentication) saves the client two wake-ups a
    /// connection when it polls. On a 2-core VM where waking a sleeping thread was slow, W4
    /// (new driver, verify, close) against the replay server took 166.1 µs and 90.2 µs of CPU
    /// a connection when the setup's replies were slept for, and 120.0 µs and 106.0 µs when
    /// they were polled for (the raw connect client 112.1, polling; medians of 15 alternating
    /// rounds of `benches/ab.py`). When wake-ups were cheap, sleeping was a little faster:
    /// 103.9 against 108.4 µs (41 rounds).
    pub(crate) fn set_setting_up(&mut self, on: bool) {
        if let Io::Ws(ws) = &mut self.io {
            return ws.inner_mut().set_setting_up(on);
        }
        if on {
            self.setup_polls = self.memo.is_some_and(Memo::setup_quick);
            self.setup_waited = Duration::ZERO;
        } else if self.setting_up {
            if let Some(memo) = self.memo {
                let quick = self.setup_waited <= self.poll.max;
                if quick != self.setup_polls {
                    memo.write_setup(quick);
                }
            }
        }
        self.setting_up = on;
    }

    /// Shares what busy polling learns about `server` (the socket address this stream is
    /// connected to) with the process's other streams to it that poll with the same window:
    /// this stream starts from what the last of them learned (for instance that the server
    /// answers too slowly for polling to pay), and what it learns serves the next ones. Call
    /// it after [`set_busy_poll`](Stream::set_busy_poll), which forgets it.
    pub(crate) fn share_polling(&mut self, server: SocketAddr) {
        if let Io::Ws(ws) = &mut self.io {
            return ws.inner_mut().share_polling(server);
        }
        if self.poll.max.is_zero() {
            return;
        }
        let memo = Memo::of(server, self.poll.max);
        if let Some(lesson) = memo.recall() {
            self.poll.learn(lesson);
            self.taught = lesson;
        }
        self.memo = Some(memo);
    }

    /// Writes what polling learned to the shared memory, if it changed.
    fn teach(&mut self) {
        if let Some(memo) = self.memo {
            let lesson = self.poll.lesson();
            if lesson != self.taught {
                memo.write(lesson);
                self.taught = lesson;
            }
        }
    }

    /// Polls the socket until data (or end-of-file, or an error) is there to read, for up to
    /// the busy-poll window, when a read would otherwise wait. On a plain TCP socket each
    /// look is a non-blocking read into `buf` itself, so data found (at once or while
    /// polling) is read by the same system call ([`Polled::Read`]); under TLS it is a
    /// non-blocking peek, and the read that follows reads and reports any error. Returns
    /// [`Polled::Missed`] with when a poll that found nothing started: the read then tells
    /// [`BusyPoll::miss`] how long the data took.
    #[cfg(unix)]
    fn poll_readable(&mut self, buf: &mut [u8]) -> Polled {
        let asked = std::mem::take(&mut self.sleep_next) || (self.setting_up && !self.setup_polls);
        if asked && !self.poll.max.is_zero() {
            poll_stats::note(Event::Asked);
            return Polled::ReadNext;
        }
        let sock = match &self.io {
            Io::Tcp(s) => Probe::Read(s),
            // Decrypted data (or the peer's close) is already there.
            Io::Tls(s) if !s.conn.wants_read() => return Polled::ReadNext,
            Io::Tls(s) => Probe::Peek(&s.sock.0),
            // The stream under the WebSocket polls when it reads.
            Io::Ws(_) => return Polled::ReadNext,
        };
        // The crowding sample is only read when polling is on.
        let crowded = !self.poll.max.is_zero() && machine_crowded();
        // A setup that polls uses the whole window, whatever the queries' waits learned, and
        // changes nothing they learned (a crowded machine does not shrink the window then).
        let turn = if self.setting_up {
            Some(self.poll.max).filter(|max| !crowded && !max.is_zero())
        } else {
            self.poll.take_turn(crowded)
        };
        let Some(window) = turn else {
            if !self.poll.max.is_zero() {
                poll_stats::note(if crowded {
                    Event::Crowded
                } else {
                    Event::Skipped
                });
            }
            return Polled::ReadNext;
        };
        let Some(_polling) = Counted::start_polling() else {
            poll_stats::note(Event::Refused);
            return Polled::ReadNext;
        };
        // `Some` when the look found something: on a plain socket the read's result, under
        // TLS the peek's (which only says that the read will not wait).
        let mut look = || -> Option<io::Result<usize>> {
            let found = match sock {
                Probe::Read(s) => rustix::net::recv(s, &mut *buf, RecvFlags::DONTWAIT)
                    .map(|(n, _)| n)
                    .map_err(io::Error::from),
                Probe::Peek(s) => {
                    let mut probe = [MaybeUninit::<u8>::uninit(); 1];
                    SockRef::from(s)
                        .recv_with_flags(&mut probe, libc::MSG_PEEK | libc::MSG_DONTWAIT)
                }
            };
            match found {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => None,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => None,
                found => Some(found),
            }
        };
        let read = |found: io::Result<usize>| match sock {
            Probe::Read(_) => Polled::Read(found),
            Probe::Peek(_) => Polled::ReadNext,
        };
        if let Some(found) = look() {
            // No wait: neither a hit nor a miss.
            poll_stats::note(Event::Ready);
            return read(found);
        }
        let started = Instant::now();
        loop {
            std::hint::spin_loop();
            if let Some(found) = look() {
                let spun = started.elapsed();
                poll_stats::note(if self.poll.is_late(spun) {
                    Event::LateHit(spun)
                } else {
                    Event::QuickHit(spun)
                });
                if !self.setting_up {
                    self.poll.hit(spun);
                }
                return read(found);
            }
            let spun = started.elapsed();
            if spun >= window {
                poll_stats::note(Event::Miss(spun));
                return Polled::Missed(started);
            }
        }
    }

    /// Busy polling needs non-blocking reads and peeks, written here for Unix only.
    #[cfg(not(unix))]
    fn poll_readable(&mut self, _buf: &mut [u8]) -> Polled {
        Polled::ReadNext
    }

    /// Whether the stream is encrypted.
    pub fn is_encrypted(&self) -> bool {
        match &self.io {
            Io::Tcp(_) => false,
            Io::Tls(_) => true,
            Io::Ws(ws) => ws.inner().is_encrypted(),
        }
    }

    /// Whether Bolt travels in WebSocket messages (the `ws*` schemes).
    pub fn is_websocket(&self) -> bool {
        matches!(self.io, Io::Ws(_))
    }

    /// Sets the read timeout; `None` blocks forever. It bounds every read from now on; the
    /// socket option is set when a read would wait, and only if it changed (see `Timeout` in
    /// `net/stream.rs`).
    ///
    /// # Errors
    ///
    /// Fails for `Some(Duration::ZERO)` ([`io::ErrorKind::InvalidInput`]). A socket option
    /// that cannot be set fails the read that needs it.
    pub fn set_read_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout(timeout)?;
        match &mut self.io {
            Io::Ws(ws) => ws.inner_mut().set_read_timeout(timeout),
            _ => {
                self.read_timeout.want = Some(timeout);
                Ok(())
            }
        }
    }

    /// Sets the write timeout; `None` blocks forever. As for
    /// [`set_read_timeout`](Stream::set_read_timeout), the socket option is set when a write
    /// would wait.
    ///
    /// # Errors
    ///
    /// As for [`set_read_timeout`](Stream::set_read_timeout).
    pub fn set_write_timeout(&mut self, timeout: Option<Duration>) -> io::Result<()> {
        check_timeout(timeout)?;
        match &mut self.io {
            Io::Ws(ws) => ws.inner_mut().set_write_timeout(timeout),
            _ => {
                self.write_timeout.want = Some(timeout);
                Ok(())
            }
        }
    }

    /// The read timeout that bounds reads: the one set last, or the socket's own.
    ///
    /// # Errors
    ///
    /// If the socket option cannot be read.
    pub fn read_timeout(&self) -> io::Result<Option<Duration>> {
        match (&self.io, self.read_timeout.want) {
            (Io::Ws(ws), _) => ws.inner().read_timeout(),
            (_, Some(t)) => Ok(t),
            (_, None) => self.tcp().read_timeout(),
        }
    }

    /// The write timeout that bounds writes: the one set last, or the socket's own.
    ///
    /// # Errors
    ///
    /// If the socket option cannot be read.
    pub fn write_timeout(&self) -> io::Result<Option<Duration>> {
        match (&self.io, self.write_timeout.want) {
            (Io::Ws(ws), _) => ws.inner().write_timeout(),
            (_, Some(t)) => Ok(t),
            (_, None) => self.tcp().write_timeout(),
        }
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

    /// Closes the stream: over a WebSocket, sends a close frame, and over TLS `close_notify`
    /// (both best effort), then shuts the socket down in both directions.
    ///
    /// # Errors
    ///
    /// If the TCP shutdown fails for a reason other than the socket being already disconnected.
    pub fn shutdown(&mut self) -> io::Result<()> {
        if self.inherited() {
            return Ok(());
        }
        if matches!(self.io, Io::Tls(_)) {
            // The close_notify write below may block.
            self.sync_write_timeout()?;
        }
        match &mut self.io {
            Io::Tcp(_) => {}
            Io::Tls(s) => {
                s.conn.send_close_notify();
                // Best effort: the peer may already be gone.
                let _ = s.conn.write_tls(&mut s.sock);
            }
            Io::Ws(ws) => {
                ws.close();
                return ws.inner_mut().shutdown();
            }
        }
        ignore_not_connected(self.tcp().shutdown(Shutdown::Both))
    }

    /// A handle that can shut this stream's socket down from another thread, which makes a
    /// read or write blocked on it return at once (used to interrupt or close a connection).
    /// It shares the stream's socket (no system call): the descriptor stays open, and its
    /// number taken, while the stream or any handle lives, so a handle never shuts down
    /// another socket that reused the number.
    ///
    /// # Errors
    ///
    /// None at present; the `Result` leaves room for transports that need a system call.
    pub fn shutdown_handle(&self) -> io::Result<ShutdownHandle> {
        Ok(ShutdownHandle {
            sock: Arc::clone(self.shared_tcp()),
            pid: self.pid,
        })
    }
}

/// Read timeouts from this length up are set a sixteenth shorter (see `Stream::read_tcp`).
const SHADE_FROM: Duration = Duration::from_millis(16);

/// Refuses a zero timeout as the socket would (`Some(ZERO)` is not "no timeout").
fn check_timeout(timeout: Option<Duration>) -> io::Result<()> {
    if timeout == Some(Duration::ZERO) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "cannot set a 0 duration timeout",
        ));
    }
    Ok(())
}

/// The error of I/O on a stream this process inherited through `fork` (see
/// [`Stream::inherited`]).
fn inherited_error() -> io::Error {
    io::Error::other(
        "the connection belongs to the parent process (this process was forked); \
         it is not used here",
    )
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
            .field("websocket", &self.is_websocket())
            .field("peer", &self.peer_addr().ok())
            .finish()
    }
}

/// What [`Stream::poll_readable`] did before a read.
enum Polled {
    /// It read (a plain TCP socket had data, at once or while polling): the read's result.
    Read(io::Result<usize>),
    /// It polled for the whole window without data, from the instant given.
    Missed(Instant),
    /// It did not poll, or found data (under TLS) that the read takes next.
    ReadNext,
}

/// How [`Stream::poll_readable`] looks at a socket.
#[cfg(unix)]
#[derive(Clone, Copy)]
enum Probe<'a> {
    /// A plain socket: a non-blocking read.
    Read(&'a TcpStream),
    /// Under TLS: a non-blocking peek (the TLS layer does the read).
    Peek(&'a TcpStream),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.check_owner()?;
        // Only reads that may poll count as waiting.
        let _waiting = (!self.poll.max.is_zero()).then(|| Counted::enter(&WAITING));
        let setup_started = self.setting_up.then(Instant::now);
        let read = self.read_waiting(buf);
        if let Some(started) = setup_started {
            self.setup_waited = self.setup_waited.max(started.elapsed());
        }
        read
    }
}

impl Stream {
    /// [`Read::read`] once the read is counted as waiting: polls (see
    /// [`poll_readable`](Stream::poll_readable)), then reads, and tells polling what happened
    /// (except while the connection is set up).
    fn read_waiting(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let polled = self.poll_readable(buf);
        self.teach();
        let missed = match polled {
            Polled::Read(read) => return read,
            Polled::Missed(started) => Some(started).filter(|_| !self.setting_up),
            Polled::ReadNext => None,
        };
        let read = match self.io {
            // The stream under the WebSocket sets its own timeouts.
            Io::Ws(_) => Ok(()),
            Io::Tls(_) => self.sync_tls_timeouts(),
            Io::Tcp(_) => Ok(()),
        };
        let read = read.and_then(|()| match &mut self.io {
            Io::Tcp(_) => self.read_tcp(buf),
            Io::Tls(s) => s.read(buf),
            Io::Ws(ws) => ws.read(buf),
        });
        if let Some(started) = missed {
            self.poll.miss(started.elapsed());
            self.teach();
        }
        read
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check_owner()?;
        match &self.io {
            Io::Tcp(s) => {
                // What the socket buffer takes at once needs no timeout: only a write that
                // would wait sets one (see `Timeout`).
                #[cfg(any(target_os = "linux", target_os = "android"))]
                match rustix::net::send(&**s, buf, SendFlags::DONTWAIT | SendFlags::NOSIGNAL) {
                    Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => {}
                    sent => return sent.map_err(io::Error::from),
                }
                self.sync_write_timeout()?;
            }
            Io::Tls(_) => self.sync_tls_timeouts()?,
            Io::Ws(_) => {}
        }
        match &mut self.io {
            Io::Tcp(s) => (&**s).write(buf),
            Io::Tls(s) => s.write(buf),
            Io::Ws(ws) => ws.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // A plain socket's flush does nothing (no system call): nothing to guard. TLS and
        // WebSocket flushes write.
        if !matches!(self.io, Io::Tcp(_)) {
            self.check_owner()?;
        }
        if matches!(self.io, Io::Tls(_)) {
            self.sync_tls_timeouts()?;
        }
        match &mut self.io {
            Io::Tcp(s) => (&**s).flush(),
            Io::Tls(s) => s.flush(),
            Io::Ws(ws) => ws.flush(),
        }
    }
}

/// Shuts down the socket of a [`Stream`] from any thread; see [`Stream::shutdown_handle`].
///
/// It only allows a shutdown, never reads or writes, so it cannot corrupt a TLS session.
/// It shares the stream's socket (no duplicated descriptor), so making or cloning one costs no
/// system call.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    sock: Arc<TcpStream>,
    /// The process that connected: in a forked child the socket is the parent's.
    pid: u32,
}

impl ShutdownHandle {
    /// Shuts the socket down in both directions. Blocked reads and writes on the stream return
    /// (a read returns end-of-file or an error). Shutting down twice is not an error. In a
    /// process that inherited the socket through `fork` it does nothing: a shutdown would end
    /// the parent's connection too.
    ///
    /// # Errors
    ///
    /// If the operating system rejects the shutdown.
    pub fn shutdown(&self) -> io::Result<()> {
        if self.pid != crate::process::id() {
            return Ok(());
        }
        ignore_not_connected(self.sock.shutdown(Shutdown::Both))
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
        (Stream::from_tcp(c), s)
    }

    /// A stream (reads bounded by 5 s) to a peer thread that echoes each 4-byte request after
    /// the given delays (see [`echo_after`]).
    fn echoing(delays_ms: &'static [u64]) -> (Stream, std::thread::JoinHandle<TcpStream>) {
        let (mut s, peer) = pair();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        (s, echo_after(peer, delays_ms))
    }

    /// A thread on `peer` that echoes one 4-byte request per delay, each after sleeping that
    /// many milliseconds; it hands `peer` back when done.
    fn echo_after(
        mut peer: TcpStream,
        delays_ms: &'static [u64],
    ) -> std::thread::JoinHandle<TcpStream> {
        std::thread::spawn(move || {
            for &delay_ms in delays_ms {
                let mut buf = [0u8; 4];
                peer.read_exact(&mut buf).unwrap();
                std::thread::sleep(Duration::from_millis(delay_ms));
                peer.write_all(&buf).unwrap();
            }
            peer
        })
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

    /// A timeout is noted, and set on the socket only before a call that would wait: a write
    /// the socket takes at once and a read that busy polling serves set nothing, and a read or
    /// write that waits is bounded by the timeout set last all the same.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn a_timeout_reaches_the_socket_only_when_a_call_waits_and_bounds_that_call() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (mut peer, _) = l.accept().unwrap();
        let mut s = Stream::from_new_tcp(c, None);
        let long = Some(Duration::from_secs(30));
        s.set_read_timeout(long).unwrap();
        s.set_write_timeout(long).unwrap();
        s.set_busy_poll(Duration::from_secs(1));
        s.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        peer.read_exact(&mut buf).unwrap();
        peer.write_all(b"pong").unwrap();
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"pong");
        assert_eq!(
            (s.read_timeout().unwrap(), s.write_timeout().unwrap()),
            (long, long)
        );
        let sock = s.tcp();
        assert_eq!(sock.read_timeout().unwrap(), None, "the read did not wait");
        assert_eq!(
            sock.write_timeout().unwrap(),
            None,
            "the write did not wait"
        );

        // A read that waits: bounded by the short timeout set last, never the long one.
        let short = Duration::from_millis(50);
        s.set_read_timeout(Some(short)).unwrap();
        s.set_busy_poll(Duration::from_millis(1));
        let started = Instant::now();
        let e = s.read(&mut buf).unwrap_err();
        assert!(is_timeout(&e), "{e:?}");
        let took = started.elapsed();
        assert!(took >= short && took < Duration::from_secs(5), "{took:?}");
        let set = s
            .tcp()
            .read_timeout()
            .unwrap()
            .expect("set before the read waited");
        assert!(set <= short, "{set:?}");

        // A write that waits (the peer reads nothing): bounded the same way.
        s.set_write_timeout(Some(short)).unwrap();
        let block = vec![0u8; 1 << 20];
        let started = Instant::now();
        let e = loop {
            if let Err(e) = s.write_all(&block) {
                break e;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never blocked");
        };
        assert!(is_timeout(&e), "{e:?}");
        let set = s
            .tcp()
            .write_timeout()
            .unwrap()
            .expect("set before the write waited");
        assert!(set.abs_diff(short) < Duration::from_millis(20), "{set:?}");
        assert_eq!(
            s.set_write_timeout(Some(Duration::ZERO))
                .unwrap_err()
                .kind(),
            io::ErrorKind::InvalidInput
        );
    }

    /// A handle shares the stream's socket instead of duplicating it: a handle that outlives
    /// its stream keeps the socket's number, so shutting it down never reaches a socket opened
    /// later.
    #[cfg(unix)]
    #[test]
    fn a_handle_outliving_its_stream_never_shuts_down_a_later_socket() {
        let (s, _peer) = pair();
        let h = s.shutdown_handle().unwrap();
        let number = {
            use std::os::fd::AsRawFd;
            s.tcp().as_raw_fd()
        };
        drop(s);
        let (mut later, mut later_peer) = pair();
        {
            use std::os::fd::AsRawFd;
            assert_ne!(later.tcp().as_raw_fd(), number, "the number is still taken");
        }
        h.shutdown().unwrap();
        later.write_all(b"ping").unwrap();
        let mut buf = [0u8; 4];
        later_peer.read_exact(&mut buf).unwrap();
        later_peer.write_all(&buf).unwrap();
        later.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"ping");
    }

    /// A plain socket's read keeps a shorter timeout than the one asked for (no system call),
    /// and still waits for everything asked: data that comes after the kept timeout is read,
    /// and with none the read fails only once the timeout asked for has passed.
    #[test]
    fn a_read_keeps_a_shorter_socket_timeout_and_still_waits_as_long_as_asked() {
        let (mut s, mut peer) = pair();
        let short = Duration::from_millis(40);
        s.set_read_timeout(Some(short)).unwrap();
        let e = s.read(&mut [0u8; 4]).unwrap_err();
        assert!(is_timeout(&e), "{e:?}");
        let kept = s.tcp().read_timeout().unwrap().expect("a timeout");
        assert!(kept <= short, "{kept:?}");
        // Asked for longer: the socket keeps its timeout; data after it comes through.
        let long = Duration::from_millis(400);
        s.set_read_timeout(Some(long)).unwrap();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            peer.write_all(b"late").unwrap();
            peer
        });
        let mut buf = [0u8; 4];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"late");
        let _peer = writer.join().unwrap();
        // Nothing comes: it fails once the long timeout has passed, not the kept one.
        let started = Instant::now();
        let e = s.read(&mut buf).unwrap_err();
        assert!(is_timeout(&e), "{e:?}");
        let took = started.elapsed();
        assert!(took >= long && took < Duration::from_secs(5), "{took:?}");
    }

    /// The timeouts derived from a deadline (a little shorter at each read) are set a
    /// sixteenth short, and kept until that sixteenth has passed.
    #[test]
    fn a_deadline_s_shrinking_timeouts_set_the_socket_option_once_per_sixteenth() {
        let (mut s, mut peer) = pair();
        let on_socket = |s: &Stream| s.tcp().read_timeout().unwrap().expect("a timeout");
        let near = |t: Duration, ms: u64| {
            assert!(
                t.abs_diff(Duration::from_millis(ms)) < Duration::from_millis(20),
                "{t:?}"
            );
        };
        // The byte is there before each read, which sets the timeout as one that waits would.
        let mut read_with = |s: &mut Stream, ms: u64| {
            s.set_read_timeout(Some(Duration::from_millis(ms))).unwrap();
            peer.write_all(b"x").unwrap();
            assert_eq!(s.read(&mut [0u8; 1]).unwrap(), 1);
        };
        read_with(&mut s, 10_000);
        near(on_socket(&s), 9_375);
        for ms in [9_990, 9_800, 9_500, 9_380] {
            read_with(&mut s, ms);
            near(on_socket(&s), 9_375);
        }
        // Shorter than what the socket has: set again, never kept.
        read_with(&mut s, 9_000);
        near(on_socket(&s), 8_438);
        read_with(&mut s, 10);
        near(on_socket(&s), 10);
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

    const US: Duration = Duration::from_micros(1);

    #[test]
    fn busy_poll_backs_off_after_each_slow_miss_and_resets_on_a_hit() {
        let mut p = BusyPoll::new(100 * US);
        assert_eq!(p.take_turn(false), Some(100 * US));
        let mut skips = Vec::new();
        for _ in 0..10 {
            // The data came only after the configured window: a slow server.
            p.miss(150 * US);
            let mut skipped = 0;
            while p.take_turn(false).is_none() {
                skipped += 1;
            }
            skips.push(skipped);
        }
        assert_eq!(skips, [1, 3, 7, 15, 31, 63, 127, 255, 255, 255]);
        assert_eq!(
            p.window,
            100 * US,
            "a slow server skips, it does not shrink"
        );
        p.hit(10 * US);
        p.miss(10 * US * 1000);
        assert_eq!(
            p.take_turn(false),
            None,
            "one wait skipped after a hit and a miss"
        );
        assert_eq!(p.take_turn(false), Some(100 * US));
        let mut off = BusyPoll::new(Duration::ZERO);
        assert_eq!(off.take_turn(false), None, "a zero window never polls");
        assert_eq!(off.take_turn(true), None);
    }

    #[test]
    fn only_a_quick_hit_undoes_the_back_off_of_slow_misses() {
        // A server answering in about a window's time: some replies miss, some hit late.
        let mut p = BusyPoll::new(100 * US);
        let mut polled = 0;
        for _ in 0..1000 {
            if p.take_turn(false).is_some() {
                polled += 1;
                // Every other poll hits late; the others miss.
                if polled % 2 == 0 {
                    p.hit(90 * US);
                } else {
                    p.miss(150 * US);
                }
            }
        }
        // The misses' back-off holds: a few polls early on, then one in 256 waits. (When
        // late hits reset it, as quick ones do, about two waits in three polled.)
        assert!(polled < 20, "{polled} of 1000 waits polled");
        // A quick hit resets it.
        while p.take_turn(false).is_none() {}
        p.hit(20 * US);
        p.miss(150 * US);
        assert_eq!(p.take_turn(false), None);
        assert_eq!(p.take_turn(false), Some(100 * US));
    }

    #[test]
    fn a_new_connection_takes_over_the_back_off_of_the_last_one() {
        let mut old = BusyPoll::new(100 * US);
        // Two slow misses: the first skips one wait, the second three.
        assert_eq!(old.take_turn(false), Some(100 * US));
        old.miss(5_000 * US);
        assert_eq!(old.take_turn(false), None);
        assert_eq!(old.take_turn(false), Some(100 * US));
        old.miss(5_000 * US);
        assert_eq!(old.take_turn(false), None, "one of three skipped");
        let mut new = BusyPoll::new(100 * US);
        new.learn(old.lesson());
        assert_eq!(new.take_turn(false), None, "two of three left");
        assert_eq!(new.take_turn(false), None);
        assert_eq!(
            new.take_turn(false),
            Some(100 * US),
            "the back-off ends: the server is tested again"
        );
        // Another slow miss doubles the back-off taken over, as on one connection.
        new.miss(5_000 * US);
        assert_eq!((new.skip, new.backoff), (7, 7));
        // A quick hit clears it, and then there is nothing to pass on.
        let mut next = BusyPoll::new(100 * US);
        next.learn(new.lesson());
        for _ in 0..7 {
            assert_eq!(next.take_turn(false), None);
        }
        assert_eq!(next.take_turn(false), Some(100 * US));
        next.hit(US);
        assert_eq!(next.lesson(), 0);
        // Late hits not yet paid back carry over too.
        let mut late = BusyPoll::new(100 * US);
        late.hit(80 * US);
        let mut heir = BusyPoll::new(100 * US);
        heir.learn(late.lesson());
        assert_eq!(heir.late, 2);
        heir.hit(80 * US);
        assert_eq!(heir.skip, 1, "the second late hit backs off");
        // Out-of-range bytes are clamped.
        heir.learn(Lesson::MAX);
        assert_eq!(
            (heir.skip, heir.backoff, heir.late),
            (255, 255, 2 * BusyPoll::LATE_LIMIT)
        );
    }

    /// Streams to one server share what polling learned: a stream that backed off because
    /// the server was slow leaves a new stream to it skipping polls, unless that one polls
    /// with another window.
    #[cfg(unix)]
    #[test]
    fn streams_to_one_server_share_what_polling_learned() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = l.local_addr().unwrap();
        let connect = |window: Duration| {
            let mut s = Stream::from_tcp(TcpStream::connect(server).unwrap());
            let (peer, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.set_busy_poll(window);
            s.share_polling(server);
            (s, peer)
        };
        let (mut first, mut peer) = connect(Duration::from_millis(1));
        assert_eq!(first.poll.lesson(), 0, "nothing learned yet");
        let slow = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            peer.write_all(b"late").unwrap();
            peer
        });
        let mut buf = [0u8; 4];
        first.read_exact(&mut buf).unwrap();
        let _peer = slow.join().unwrap();
        assert_eq!((first.poll.skip, first.poll.backoff), (1, 1));
        let (second, _peer2) = connect(Duration::from_millis(1));
        assert_eq!((second.poll.skip, second.poll.backoff), (1, 1));
        let (other_window, _peer3) = connect(Duration::from_millis(2));
        assert_eq!(other_window.poll.lesson(), 0);
        // Polling off: nothing shared.
        let (off, _peer4) = connect(Duration::ZERO);
        assert!(off.memo.is_none());
    }

    #[test]
    fn late_hits_back_off_once_they_outweigh_the_quick_ones() {
        // Neo4j's RETURN 1: a quick reply (the RUN's SUCCESS), then a late one (the PULL's).
        let mut p = BusyPoll::new(100 * US);
        let mut polled = 0;
        for i in 0..2000 {
            if p.take_turn(false).is_some() {
                polled += 1;
                p.hit(if i % 2 == 0 { 30 * US } else { 73 * US });
            }
        }
        assert!(polled < 60, "{polled} of 2000 waits polled");
        // One late hit in four among quick ones: the quick ones pay it back, nothing skips.
        let mut p = BusyPoll::new(100 * US);
        for i in 0..2000 {
            assert!(p.take_turn(false).is_some(), "wait {i} skipped");
            p.hit(if i % 4 == 3 { 73 * US } else { 20 * US });
        }
        // Two late hits in a row, once the quick ones have paid back the last late one: the
        // second backs off one wait.
        p.hit(20 * US);
        p.hit(20 * US);
        p.hit(73 * US);
        assert!(p.take_turn(false).is_some());
        p.hit(73 * US);
        assert_eq!(p.take_turn(false), None);
        assert!(p.take_turn(false).is_some());
    }

    #[test]
    fn busy_poll_shrinks_while_crowded_and_grows_back_as_polls_succeed() {
        let mut p = BusyPoll::new(160 * US);
        // Crowded: no wait polls, each halves the window, down to a sixteenth.
        let windows: Vec<_> = (0..6)
            .map(|_| {
                assert_eq!(p.take_turn(true), None);
                p.window
            })
            .collect();
        assert_eq!(
            windows,
            [80 * US, 40 * US, 20 * US, 10 * US, 10 * US, 10 * US]
        );
        // Not crowded any more: it polls the shrunk window and doubles it on each hit.
        assert_eq!(p.take_turn(false), Some(10 * US));
        p.hit(5 * US);
        assert_eq!(p.take_turn(false), Some(20 * US));
        // A miss whose data came within the configured window: the full window would have
        // hit, so it grows, and the next wait polls (no skip).
        p.miss(30 * US);
        assert_eq!(p.take_turn(false), Some(40 * US));
        p.hit(US);
        p.hit(US);
        p.hit(US);
        assert_eq!(
            p.take_turn(false),
            Some(160 * US),
            "never past the configured window"
        );
        // A slow miss while shrunk skips without growing.
        assert_eq!(p.take_turn(true), None);
        p.miss(500 * US);
        assert_eq!(p.take_turn(false), None);
        assert_eq!(p.take_turn(false), Some(80 * US));
    }

    #[cfg(unix)]
    #[test]
    fn busy_polling_reads_what_arrives_within_and_after_the_window() {
        let (mut s, replies) = echoing(&[5, 50]);
        // Within a 1 s window: a hit, so the next wait polls too.
        s.set_busy_poll(Duration::from_secs(1));
        s.write_all(b"one!").unwrap();
        let mut buf = [0u8; 4];
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"one!");
        assert_eq!((s.poll.skip, s.poll.backoff), (0, 0), "{:?}", s.poll);
        // After a 1 ms window: a miss, then the read sleeps until the data comes.
        s.set_busy_poll(Duration::from_millis(1));
        s.write_all(b"two!").unwrap();
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"two!");
        assert_eq!(s.poll.skip, 1, "{:?}", s.poll);
        // End-of-file while polling ends the read at once.
        drop(replies.join().unwrap());
        s.set_busy_poll(Duration::from_secs(10));
        let started = Instant::now();
        assert_eq!(s.read(&mut buf).unwrap(), 0);
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// With the `poll-stats` feature, each wait's outcome is counted: data already there, a
    /// quick hit, a miss (and its window's spinning), then a wait skipped while backing off.
    /// Other tests poll at the same time, so the counts are checked as at least these.
    #[cfg(all(unix, feature = "poll-stats"))]
    #[test]
    fn poll_stats_count_each_outcome_of_a_wait() {
        use crate::net::poll_stats;
        let (mut s, mut peer) = pair();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let before = poll_stats();
        let mut buf = [0u8; 4];
        // Ready: the bytes are there before the read.
        s.set_busy_poll(Duration::from_secs(1));
        peer.write_all(b"now!").unwrap();
        while s.tcp().peek(&mut buf).unwrap() < 4 {}
        s.read_exact(&mut buf).unwrap();
        let replies = echo_after(peer, &[5, 50, 0]);
        // A quick hit after about 5 ms of a 1 s window.
        s.write_all(b"one!").unwrap();
        s.read_exact(&mut buf).unwrap();
        // A miss: 2 ms of spinning, then a sleep until the data comes.
        s.set_busy_poll(Duration::from_millis(2));
        s.write_all(b"two!").unwrap();
        s.read_exact(&mut buf).unwrap();
        // Skipped: the miss backs off the next wait.
        s.write_all(b"tri!").unwrap();
        s.read_exact(&mut buf).unwrap();
        drop(replies.join().unwrap());
        let after = poll_stats();
        let grew = |f: fn(&crate::net::PollStats) -> u64| f(&after) - f(&before);
        assert!(grew(|p| p.ready) >= 1, "{before:?} {after:?}");
        assert!(grew(|p| p.quick_hits) >= 1, "{before:?} {after:?}");
        assert!(grew(|p| p.misses) >= 1, "{before:?} {after:?}");
        assert!(grew(|p| p.skipped) >= 1, "{before:?} {after:?}");
        assert!(grew(|p| p.waits) >= 4, "{before:?} {after:?}");
        assert!(
            after.spun - before.spun >= Duration::from_millis(6),
            "{before:?} {after:?}"
        );
    }

    /// While the connection is set up ([`Stream::set_setting_up`]), reads sleep without
    /// polling (a miss would make the next wait skip polling); afterwards they poll again.
    #[cfg(unix)]
    #[test]
    fn reads_sleep_while_the_connection_is_set_up() {
        let (mut s, replies) = echoing(&[20, 20, 20]);
        s.set_busy_poll(Duration::from_millis(1));
        s.set_setting_up(true);
        let mut buf = [0u8; 4];
        for msg in [b"one!", b"two!"] {
            s.write_all(msg).unwrap();
            s.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, msg);
            assert_eq!((s.poll.skip, s.poll.backoff), (0, 0), "{:?}", s.poll);
        }
        // Set up: the next reply polls for 1 ms, misses, and backs off.
        s.set_setting_up(false);
        s.write_all(b"tri!").unwrap();
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"tri!");
        assert_eq!(s.poll.skip, 1, "{:?}", s.poll);
        drop(replies.join().unwrap());
    }

    /// A setup polls for its replies only if the last setup to the same server had them all
    /// within the window; a setup whose reply came later makes the next one sleep, and neither
    /// changes what the queries' polling learned.
    #[cfg(unix)]
    #[test]
    fn a_setup_polls_only_after_a_quick_setup_to_the_same_server() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let server = l.local_addr().unwrap();
        let window = Duration::from_millis(50);
        // One setup: a request and its reply, echoed after `delay_ms`.
        let setup = |delay_ms: &'static [u64]| {
            let mut s = Stream::from_tcp(TcpStream::connect(server).unwrap());
            let (peer, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            s.set_busy_poll(window);
            s.share_polling(server);
            let replies = echo_after(peer, delay_ms);
            s.set_setting_up(true);
            let polls = s.setup_polls;
            s.write_all(b"helo").unwrap();
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).unwrap();
            assert_eq!(&buf, b"helo");
            s.set_setting_up(false);
            assert_eq!(s.poll.lesson(), 0, "the setup taught the queries nothing");
            drop(replies.join().unwrap());
            (polls, Memo::of(server, window).setup_quick())
        };
        // Nothing known: the first setup sleeps; its reply came at once, so the next polls.
        assert_eq!(setup(&[0]), (false, true));
        assert_eq!(setup(&[0]), (true, true));
        // A reply later than the window (missed while polling): the next setup sleeps.
        assert_eq!(setup(&[120]), (true, false));
        assert_eq!(setup(&[120]), (false, false));
        assert_eq!(setup(&[0]), (false, true));
        // Polling off: nothing polls, nothing noted.
        let mut off = Stream::from_tcp(TcpStream::connect(server).unwrap());
        let _peer = l.accept().unwrap();
        off.share_polling(server);
        off.set_setting_up(true);
        assert!(!off.setup_polls);
    }

    /// A read told to sleep for a batch ([`Stream::wait_for_batch`]) sleeps without polling;
    /// once the batch came without it ([`Stream::batch_came`]: from the connection's buffer),
    /// the next read polls again (and here misses, so it backs off).
    #[cfg(unix)]
    #[test]
    fn a_batch_wait_ends_when_the_batch_came() {
        let (mut s, replies) = echoing(&[20, 20]);
        s.set_busy_poll(Duration::from_millis(1));
        let mut buf = [0u8; 4];
        // As `wait_for_batch` does when the pace sleeps.
        s.sleep_next = true;
        s.write_all(b"one!").unwrap();
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"one!");
        assert_eq!((s.poll.skip, s.poll.backoff), (0, 0), "{:?}", s.poll);
        s.sleep_next = true;
        s.batch_came();
        s.write_all(b"two!").unwrap();
        s.read_exact(&mut buf).unwrap();
        assert_eq!(&buf, b"two!");
        assert_eq!(s.poll.skip, 1, "{:?}", s.poll);
        drop(replies.join().unwrap());
    }

    /// A polling read of a plain socket reads with its look (no peek, then read): what is
    /// there already comes whole and in order, a read smaller than what is there leaves the
    /// rest for the next, and a reset found while polling is that read's error.
    #[cfg(unix)]
    #[test]
    fn a_polling_read_returns_what_its_look_found_and_the_errors() {
        let (mut s, mut peer) = pair();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.set_busy_poll(Duration::from_secs(1));
        peer.write_all(b"abcdef").unwrap();
        // Wait until the bytes are there, so the first look finds them.
        let mut probe = [0u8; 6];
        while s.tcp().peek(&mut probe).unwrap() < 6 {}
        let mut two = [0u8; 2];
        assert_eq!(s.read(&mut two).unwrap(), 2);
        assert_eq!(&two, b"ab");
        let mut rest = [0u8; 16];
        assert_eq!(s.read(&mut rest).unwrap(), 4);
        assert_eq!(&rest[..4], b"cdef");
        // Found while polling: a reset (the peer closes with unread data and no linger).
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            let mut buf = [0u8; 1];
            peer.read_exact(&mut buf).unwrap();
            SockRef::from(&peer)
                .set_linger(Some(Duration::ZERO))
                .unwrap();
            drop(peer);
        });
        s.write_all(b"x").unwrap();
        s.write_all(b"unread by the peer").unwrap();
        let started = Instant::now();
        let e = s.read(&mut rest).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(1));
        sender.join().unwrap();
    }

    #[test]
    fn a_read_timeout_still_bounds_a_busy_polling_read() {
        let (mut s, _peer) = pair();
        s.set_busy_poll(Duration::from_millis(20));
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let started = Instant::now();
        let e = s.read(&mut [0u8; 4]).unwrap_err();
        assert!(is_timeout(&e), "{e:?}");
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(50) && took < Duration::from_secs(2),
            "{took:?}"
        );
    }

    #[test]
    fn no_more_pollers_than_allowed_at_once() {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let below_two = |n| n < 2;
        let a = Counted::enter_if(&COUNT, below_two).expect("first");
        let b = Counted::enter_if(&COUNT, below_two).expect("second");
        assert!(
            Counted::enter_if(&COUNT, below_two).is_none(),
            "a third waits asleep"
        );
        drop(a);
        let c = Counted::enter_if(&COUNT, below_two).expect("room again");
        let d = Counted::enter(&COUNT);
        assert_eq!(
            COUNT.load(Ordering::Acquire),
            3,
            "enter counts unconditionally"
        );
        drop((b, c, d));
        assert_eq!(COUNT.load(Ordering::Acquire), 0);
    }

    #[test]
    fn polling_stops_while_more_threads_wait_than_half_the_cores() {
        let never = Duration::MAX;
        // Two cores: one thread may poll.
        let max = poll_limit(2);
        assert_eq!(max, 1);
        assert!(may_poll(max, 1, 0, never), "one thread alone polls (W2)");
        assert!(!may_poll(max, 1, 1, never), "not beside another poller");
        assert!(
            !may_poll(max, 2, 0, never),
            "two waiting threads on two cores sleep"
        );
        assert!(
            !may_poll(max, 4, 0, never),
            "four threads on two cores sleep (W3)"
        );
        // One core: still one poller (the limit is at least one).
        assert_eq!(poll_limit(1), 1);
        assert!(may_poll(poll_limit(1), 1, 0, never));
        // Eight cores: up to four threads wait and poll, a fifth waiting stops them all.
        let max = poll_limit(8);
        assert_eq!(max, 4);
        assert!(may_poll(max, 4, 3, never));
        assert!(!may_poll(max, 4, 4, never));
        assert!(!may_poll(max, 5, 0, never));
    }

    #[test]
    fn polling_stays_off_for_a_while_after_too_many_threads_waited() {
        let max = poll_limit(2);
        // W3's moments with one thread waiting and three busy between replies: a thread saw
        // four waiting a few microseconds ago, so this one sleeps too.
        assert!(!may_poll(max, 1, 0, Duration::ZERO));
        assert!(!may_poll(max, 1, 0, Duration::from_micros(20)));
        assert!(!may_poll(
            max,
            1,
            0,
            CONTENTION_HOLD - Duration::from_micros(1)
        ));
        // Alone for the hold: polling again.
        assert!(may_poll(max, 1, 0, CONTENTION_HOLD));
        assert!(may_poll(max, 1, 0, Duration::from_secs(1)));
        // The hold never lets in more than the limit.
        assert!(!may_poll(max, 2, 0, Duration::from_secs(1)));
        assert!(!may_poll(max, 1, 1, Duration::from_secs(1)));
    }
}
