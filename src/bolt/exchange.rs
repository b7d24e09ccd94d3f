//! The request/reply bookkeeping of one Bolt connection, without I/O: which request each
//! reply answers, and the server's state after the replies read so far.
//!
//! [`Connection`](super::Connection) tells it every request it queues
//! ([`Exchange::request`], from the encoded message) and every reply it reads
//! ([`Exchange::reply`]); the exchange answers which request the reply belongs to and refuses
//! what no server may send: a reply when no request is waiting for one, and a RECORD that does
//! not answer a PULL (or PULL_ALL). The state follows the server's state machine of the Bolt
//! specification, as the client can know it from the replies read:
//!
//! | state          | entered by                                            | requests and their successes lead to |
//! |----------------|-------------------------------------------------------|--------------------------------------|
//! | connected      | the handshake                                         | HELLO (INIT): ready, or authentication on 5.1+ |
//! | authentication | HELLO on 5.1+, LOGOFF                                 | LOGON: ready                         |
//! | ready          | LOGON, HELLO before 5.1, RESET, ACK_FAILURE, the last PULL/DISCARD of an auto-commit result, COMMIT, ROLLBACK | RUN: streaming; BEGIN: tx ready; ROUTE, TELEMETRY: ready; LOGOFF: authentication |
//! | streaming      | RUN outside a transaction                             | PULL/DISCARD: streaming while `has_more`, else ready |
//! | tx ready       | BEGIN, the last open result of a transaction consumed | RUN: tx streaming; COMMIT, ROLLBACK: ready |
//! | tx streaming   | RUN in a transaction (results counted)                | RUN: one more open result; PULL/DISCARD: tx ready once no result is open |
//! | failed         | a FAILURE                                             | every request IGNORED until RESET (or ACK_FAILURE on 1-2): ready |
//! | defunct        | GOODBYE, a failed HELLO/LOGON, a protocol violation   | nothing                              |
//!
//! IGNORED never changes the state (the server was failed, or interrupted by a RESET queued
//! behind the request). On Bolt 1-2 an explicit transaction is sent as the statements
//! `BEGIN`/`COMMIT`/`ROLLBACK` (RUN + PULL_ALL), so there it looks like auto-commit queries.
//!
//! Every request carries a [`Tag`], the name its sender gives it (the session: which result
//! or transaction statement it is for), which comes back with the reply that answers it: the
//! exchange's queue is the only record of what is in flight, and the session reads its own
//! meaning of each reply from it instead of keeping a second queue.
//!
//! The unit tests below drive it by state with byte scripts (encoded messages), no socket.
//!
//! File length: over 600 lines only with its unit tests (the code is about 300).

use super::message::tag;
use std::collections::VecDeque;
use std::fmt;

/// The name the sender of a request gives it, handed back with the reply that answers it
/// (0: untagged). The exchange never looks at it.
pub type Tag = u64;

/// The request a reply answers (a message that gets one; GOODBYE gets none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// HELLO (INIT on 1-2).
    Hello,
    /// LOGON (5.1+).
    Logon,
    /// LOGOFF (5.1+).
    Logoff,
    /// RESET.
    Reset,
    /// ACK_FAILURE (1-2).
    AckFailure,
    /// RUN.
    Run,
    /// BEGIN.
    Begin,
    /// COMMIT.
    Commit,
    /// ROLLBACK.
    Rollback,
    /// PULL (PULL_ALL before 4.0).
    Pull,
    /// DISCARD (DISCARD_ALL before 4.0).
    Discard,
    /// ROUTE (4.3+).
    Route,
    /// TELEMETRY (5.4+).
    Telemetry,
}

impl Pending {
    /// The request an encoded message is (`None` for GOODBYE, which has no reply, and for
    /// anything that is not a request).
    #[inline]
    pub fn of_message(bytes: &[u8]) -> Option<Pending> {
        let (&marker, &t) = (bytes.first()?, bytes.get(1)?);
        if marker & 0xF0 != 0xB0 {
            return None;
        }
        Some(match t {
            tag::HELLO => Pending::Hello,
            tag::LOGON => Pending::Logon,
            tag::LOGOFF => Pending::Logoff,
            tag::RESET => Pending::Reset,
            tag::ACK_FAILURE => Pending::AckFailure,
            tag::RUN => Pending::Run,
            tag::BEGIN => Pending::Begin,
            tag::COMMIT => Pending::Commit,
            tag::ROLLBACK => Pending::Rollback,
            tag::PULL => Pending::Pull,
            tag::DISCARD => Pending::Discard,
            tag::ROUTE => Pending::Route,
            tag::TELEMETRY => Pending::Telemetry,
            _ => return None,
        })
    }

    /// Whether the reply to this request may be preceded by RECORDs.
    fn streams(self) -> bool {
        self == Pending::Pull
    }
}

/// The server's state as the replies read so far show it (see the module's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// After the handshake, before HELLO's reply.
    Connected,
    /// Waiting for LOGON (5.1+).
    Authentication,
    /// Ready for work.
    Ready,
    /// An auto-commit result is open.
    Streaming,
    /// In an explicit transaction, no result open.
    TxReady,
    /// In an explicit transaction, with this many results open.
    TxStreaming(u32),
    /// A request failed; everything is ignored until RESET (ACK_FAILURE on 1-2).
    Failed,
    /// Closed: GOODBYE, a failed HELLO/LOGON, or a protocol violation.
    Defunct,
}

/// A reply, as far as the exchange needs to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// SUCCESS; `has_more` is the metadata's `has_more` (false when absent).
    Success {
        /// More records wait on the server (PULL/DISCARD only).
        has_more: bool,
    },
    /// RECORD.
    Record,
    /// FAILURE.
    Failure,
    /// IGNORED.
    Ignored,
}

/// A reply no server may send at this point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(String);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The bookkeeping of one connection (see the module documentation).
#[derive(Debug, Clone)]
pub struct Exchange {
    state: State,
    pending: VecDeque<(Pending, Tag)>,
    /// The version authenticates with LOGON (5.1+): HELLO leads to `Authentication`.
    logon: bool,
}

impl Exchange {
    /// A connection that has just finished its handshake; `logon`: the negotiated version
    /// authenticates with LOGON after HELLO (5.1+).
    pub fn new(logon: bool) -> Exchange {
        Exchange {
            state: State::Connected,
            pending: VecDeque::new(),
            logon,
        }
    }

    /// The server's state after the replies read so far.
    pub fn state(&self) -> State {
        self.state
    }

    /// The requests whose replies have not been read yet, oldest first, with their tags.
    pub fn tagged(&self) -> impl Iterator<Item = (Pending, Tag)> + '_ {
        self.pending.iter().copied()
    }

    /// Whether any request waits for its reply.
    #[inline]
    pub fn is_waiting(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The request the next summary answers, if any.
    #[inline]
    pub fn next(&self) -> Option<Pending> {
        self.pending.front().map(|&(p, _)| p)
    }

    /// As [`Exchange::next`], with its tag.
    #[inline]
    pub fn next_tagged(&self) -> Option<(Pending, Tag)> {
        self.pending.front().copied()
    }

    /// Notes an encoded request that was queued, named `tag`; GOODBYE makes the connection
    /// defunct.
    #[inline]
    pub fn request(&mut self, message: &[u8], tag: Tag) {
        match Pending::of_message(message) {
            Some(p) => self.pending.push_back((p, tag)),
            None if message.get(1) == Some(&tag::GOODBYE) => self.state = State::Defunct,
            None => {}
        }
    }

    /// The connection is no longer usable (I/O error, timeout, bad bytes). The requests still
    /// waiting will never be answered; they stay listed for their senders to fail
    /// ([`Exchange::take_unanswered`]).
    pub fn defunct(&mut self) {
        self.state = State::Defunct;
    }

    /// Takes the requests still waiting for a reply (after [`Exchange::defunct`]: those that
    /// will never get one), oldest first.
    pub fn take_unanswered(&mut self) -> VecDeque<(Pending, Tag)> {
        std::mem::take(&mut self.pending)
    }

    /// Takes a reply: the request it answers (for a RECORD, the PULL at the front, which it
    /// does not end) with that request's tag, and the new state.
    ///
    /// # Errors
    /// A reply with no request waiting, or a RECORD whose request is not a PULL; the exchange
    /// is then defunct.
    #[inline]
    pub fn reply(&mut self, reply: Reply) -> Result<(Pending, Tag), Violation> {
        let Some(&(front, tag)) = self.pending.front() else {
            return Err(self.violation(format!("a {reply:?} reply with no request waiting")));
        };
        if reply == Reply::Record {
            if !front.streams() {
                return Err(self.violation(format!("a RECORD in reply to {front:?}")));
            }
            return Ok((front, tag));
        }
        self.pending.pop_front();
        self.state = match reply {
            Reply::Record => unreachable!("handled above"),
            Reply::Ignored => self.state,
            Reply::Failure => match front {
                Pending::Hello | Pending::Logon => State::Defunct,
                _ => State::Failed,
            },
            Reply::Success { has_more } => self.after_success(front, has_more),
        };
        Ok((front, tag))
    }

    #[inline]
    fn after_success(&self, front: Pending, has_more: bool) -> State {
        use State::*;
        match (front, self.state) {
            (_, Defunct) => Defunct,
            (Pending::Hello, _) if self.logon => Authentication,
            (Pending::Hello | Pending::Logon, _) => Ready,
            (Pending::Logoff, _) => Authentication,
            (Pending::Reset | Pending::AckFailure, _) => Ready,
            (Pending::Begin, _) => TxReady,
            (Pending::Commit | Pending::Rollback, _) => Ready,
            (Pending::Run, TxReady) => TxStreaming(1),
            (Pending::Run, TxStreaming(n)) => TxStreaming(n.saturating_add(1)),
            (Pending::Run, _) => Streaming,
            (Pending::Pull | Pending::Discard, Streaming) if !has_more => Ready,
            (Pending::Pull | Pending::Discard, TxStreaming(n)) if !has_more => match n {
                0 | 1 => TxReady,
                n => TxStreaming(n - 1),
            },
            (Pending::Pull | Pending::Discard, s) => s,
            (Pending::Route | Pending::Telemetry, s) => s,
        }
    }

    #[cold]
    fn violation(&mut self, what: String) -> Violation {
        self.defunct();
        Violation(what)
    }
}

#[cfg(test)]
mod tests {
    //! By state: each test brings the exchange into one state with a byte script (the encoded
    //! requests the client queued and the replies the server sent), then checks what the next
    //! requests and replies do there.

    use super::*;
    use crate::bolt::message::{self, decode_response, HelloParams, Request, Response, TxMeta};
    use crate::bolt::test_messages::{ignored, record, success};
    use crate::bolt::{AuthToken, Features, Version};
    use crate::packstream::DecodeOptions;
    use crate::value::{Map, Value};

    fn features(major: u8, minor: u8) -> Features {
        Version::new(major, minor).features()
    }

    /// The bytes of a request as the connection would queue them.
    fn req(f: &Features, r: &Request<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(message::encode(&mut out, f, r).unwrap(), "{}", r.name());
        out
    }

    fn failure() -> Vec<u8> {
        crate::bolt::test_messages::failure("Neo.ClientError.Statement.SyntaxError", "bad")
    }

    /// What the connection hands the exchange for reply bytes.
    fn reply_of(bytes: &[u8]) -> Reply {
        match decode_response(bytes, DecodeOptions::default()).unwrap() {
            Response::Success(m) => Reply::Success {
                has_more: m.get("has_more").and_then(Value::as_bool).unwrap_or(false),
            },
            Response::Record(_) | Response::InvalidRecord(_) => Reply::Record,
            Response::Failure(_) => Reply::Failure,
            Response::Ignored => Reply::Ignored,
        }
    }

    /// Feeds a script: `C` lines are requests, `S` lines replies. Returns what each reply
    /// ended (`None` for a RECORD).
    fn script(x: &mut Exchange, lines: &[(char, Vec<u8>)]) -> Vec<Option<Pending>> {
        let mut answered = Vec::new();
        for (side, bytes) in lines {
            match side {
                'C' => x.request(bytes, 0),
                'S' => {
                    let reply = reply_of(bytes);
                    let (p, _) = x.reply(reply).unwrap();
                    answered.push((reply != Reply::Record).then_some(p));
                }
                _ => unreachable!(),
            }
        }
        answered
    }

    fn hello_and_logon(f: &Features) -> Vec<(char, Vec<u8>)> {
        let auth = AuthToken::basic("u", "p");
        let hello = HelloParams::default();
        let mut s = vec![('C', req(f, &Request::Hello(&hello, &auth)))];
        if f.logon {
            s.push(('C', req(f, &Request::Logon(&auth))));
        }
        s.push(('S', success(&[("server", Value::from("Neo4j/5.26.0"))])));
        if f.logon {
            s.push(('S', success(&[])));
        }
        s
    }

    fn ready(f: &Features) -> Exchange {
        let mut x = Exchange::new(f.logon);
        script(&mut x, &hello_and_logon(f));
        assert_eq!(x.state(), State::Ready);
        x
    }

    fn run(f: &Features) -> Vec<u8> {
        req(
            f,
            &Request::Run {
                query: "RETURN 1",
                params: None,
                meta: None,
            },
        )
    }

    fn pull(f: &Features, n: i64) -> Vec<u8> {
        req(f, &Request::Pull { n, qid: -1 })
    }

    #[test]
    fn connected_hello_then_logon_on_5_1_and_hello_alone_before() {
        let f = features(5, 4);
        let mut x = Exchange::new(f.logon);
        assert_eq!(x.state(), State::Connected);
        let auth = AuthToken::basic("u", "p");
        x.request(&req(&f, &Request::Hello(&HelloParams::default(), &auth)), 0);
        x.request(&req(&f, &Request::Logon(&auth)), 0);
        assert_eq!(
            x.tagged().collect::<Vec<_>>(),
            [(Pending::Hello, 0), (Pending::Logon, 0)]
        );
        assert_eq!(x.reply(reply_of(&success(&[]))), Ok((Pending::Hello, 0)));
        assert_eq!(x.state(), State::Authentication);
        assert_eq!(x.reply(reply_of(&success(&[]))), Ok((Pending::Logon, 0)));
        assert_eq!(x.state(), State::Ready);
        ready(&features(4, 4));
        ready(&features(3, 0));
    }

    #[test]
    fn connected_a_failed_hello_or_logon_is_defunct() {
        let f = features(5, 4);
        let mut x = Exchange::new(f.logon);
        let mut s = hello_and_logon(&f);
        s[3].1 = failure(); // LOGON refused
        script(&mut x, &s);
        assert_eq!(x.state(), State::Defunct);
    }

    #[test]
    fn ready_auto_commit_result_streams_then_is_ready_again() {
        let f = features(5, 4);
        let mut x = ready(&f);
        let answered = script(
            &mut x,
            &[
                ('C', run(&f)),
                ('C', pull(&f, 2)),
                ('S', success(&[("fields", Value::List(vec![]))])),
                ('S', record(1)),
                ('S', record(2)),
                ('S', success(&[("has_more", Value::Bool(true))])),
            ],
        );
        assert_eq!(
            answered,
            [Some(Pending::Run), None, None, Some(Pending::Pull)]
        );
        assert_eq!(x.state(), State::Streaming);
        script(
            &mut x,
            &[('C', pull(&f, 2)), ('S', record(3)), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Ready);
        assert_eq!(x.next(), None);
    }

    #[test]
    fn ready_route_and_telemetry_keep_it_ready_logoff_needs_logon() {
        let f = features(5, 4);
        let mut x = ready(&f);
        let route = req(
            &f,
            &Request::Route {
                context: &Map::new(),
                bookmarks: &[],
                db: None,
                imp_user: None,
            },
        );
        script(&mut x, &[('C', route), ('S', success(&[]))]);
        assert_eq!(x.state(), State::Ready);
        script(
            &mut x,
            &[('C', req(&f, &Request::Telemetry(0))), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Ready);
        script(
            &mut x,
            &[('C', req(&f, &Request::Logoff)), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Authentication);
        let auth = AuthToken::basic("v", "q");
        script(
            &mut x,
            &[('C', req(&f, &Request::Logon(&auth))), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Ready);
    }

    #[test]
    fn tx_ready_counts_open_results_until_commit() {
        let f = features(4, 4);
        let mut x = ready(&f);
        let meta = TxMeta::default();
        script(
            &mut x,
            &[('C', req(&f, &Request::Begin(&meta))), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::TxReady);
        // Two results open at once (4.0+: RUN, RUN, then PULL each by qid).
        script(
            &mut x,
            &[
                ('C', run(&f)),
                ('C', run(&f)),
                ('S', success(&[("qid", Value::Int(0))])),
                ('S', success(&[("qid", Value::Int(1))])),
            ],
        );
        assert_eq!(x.state(), State::TxStreaming(2));
        script(
            &mut x,
            &[('C', pull(&f, -1)), ('S', record(1)), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::TxStreaming(1));
        let discard = req(&f, &Request::Discard { n: -1, qid: 0 });
        script(&mut x, &[('C', discard), ('S', success(&[]))]);
        assert_eq!(x.state(), State::TxReady);
        script(
            &mut x,
            &[('C', req(&f, &Request::Commit)), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Ready);
    }

    #[test]
    fn failed_ignores_everything_until_reset() {
        let f = features(5, 0);
        let mut x = ready(&f);
        // RUN fails; the pipelined PULL is ignored; RESET clears it.
        let answered = script(
            &mut x,
            &[
                ('C', run(&f)),
                ('C', pull(&f, 10)),
                ('S', failure()),
                ('S', ignored()),
            ],
        );
        assert_eq!(answered, [Some(Pending::Run), Some(Pending::Pull)]);
        assert_eq!(x.state(), State::Failed);
        script(
            &mut x,
            &[('C', req(&f, &Request::Reset)), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Ready);
        // Bolt 1-2: ACK_FAILURE clears it too.
        let f1 = features(1, 0);
        let mut x = ready(&f1);
        script(&mut x, &[('C', run(&f1)), ('S', failure())]);
        assert_eq!(x.state(), State::Failed);
        script(
            &mut x,
            &[('C', req(&f1, &Request::AckFailure)), ('S', success(&[]))],
        );
        assert_eq!(x.state(), State::Ready);
    }

    #[test]
    fn interrupted_requests_before_a_reset_may_be_ignored() {
        let f = features(5, 4);
        let mut x = ready(&f);
        let answered = script(
            &mut x,
            &[
                ('C', run(&f)),
                ('C', pull(&f, 1000)),
                ('C', req(&f, &Request::Reset)),
                ('S', ignored()),
                ('S', ignored()),
                ('S', success(&[])),
            ],
        );
        assert_eq!(
            answered,
            [
                Some(Pending::Run),
                Some(Pending::Pull),
                Some(Pending::Reset)
            ]
        );
        assert_eq!(x.state(), State::Ready);
    }

    #[test]
    fn violations_a_reply_nobody_asked_for_and_a_record_outside_a_pull() {
        let f = features(5, 4);
        let mut x = ready(&f);
        let e = x.reply(reply_of(&success(&[]))).unwrap_err();
        assert!(e.to_string().contains("no request waiting"), "{e}");
        assert_eq!(x.state(), State::Defunct);
        let mut x = ready(&f);
        x.request(&run(&f), 7);
        let e = x.reply(reply_of(&record(1))).unwrap_err();
        assert!(e.to_string().contains("RECORD in reply to Run"), "{e}");
        assert_eq!(x.state(), State::Defunct);
        // The RUN will never be answered: its sender learns so and fails it.
        assert_eq!(x.take_unanswered(), [(Pending::Run, 7)]);
        assert_eq!(x.next(), None);
    }

    #[test]
    fn goodbye_is_defunct_and_gets_no_reply() {
        let f = features(5, 4);
        let mut x = ready(&f);
        x.request(&req(&f, &Request::Goodbye), 0);
        assert_eq!((x.state(), x.next()), (State::Defunct, None));
    }

    #[test]
    fn tags_come_back_with_the_replies_that_answer_them() {
        // The session's use: a result's RUN and PULL carry its name, a FAILURE ends the one
        // it answers, the IGNORED after it the next, and the RESET that clears the failure is
        // untagged; RECORDs name the PULL they belong to without ending it.
        let f = features(5, 4);
        let mut x = ready(&f);
        x.request(&run(&f), 11);
        x.request(&pull(&f, 2), 11);
        assert_eq!(x.next_tagged(), Some((Pending::Run, 11)));
        assert_eq!(x.reply(reply_of(&success(&[]))), Ok((Pending::Run, 11)));
        assert_eq!(x.reply(reply_of(&record(1))), Ok((Pending::Pull, 11)));
        assert_eq!(x.next_tagged(), Some((Pending::Pull, 11)));
        let more = success(&[("has_more", Value::Bool(true))]);
        assert_eq!(x.reply(reply_of(&more)), Ok((Pending::Pull, 11)));
        assert_eq!(x.state(), State::Streaming);
        x.request(&pull(&f, 2), 11);
        x.request(&run(&f), 12);
        x.request(&pull(&f, 2), 12);
        assert_eq!(
            x.tagged().collect::<Vec<_>>(),
            [(Pending::Pull, 11), (Pending::Run, 12), (Pending::Pull, 12)]
        );
        assert_eq!(x.reply(reply_of(&failure())), Ok((Pending::Pull, 11)));
        assert_eq!(x.reply(reply_of(&ignored())), Ok((Pending::Run, 12)));
        x.request(&req(&f, &Request::Reset), 0);
        assert_eq!(x.reply(reply_of(&ignored())), Ok((Pending::Pull, 12)));
        assert_eq!(x.reply(reply_of(&success(&[]))), Ok((Pending::Reset, 0)));
        assert_eq!((x.state(), x.is_waiting()), (State::Ready, false));
    }
}
