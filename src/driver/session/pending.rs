//! What each reply answers, as the session sees it: the connection's exchange keeps the queue
//! of requests waiting for replies, and the session names each request with a tag when it
//! sends it ([`Pending::tag`] for a result's RUN/PULL/DISCARD, constants for transaction
//! statements); [`Pending::of`] reads the pair back.

use super::ResultId;
use crate::bolt::exchange::{Pending as Wire, Tag};

/// What a reply answers, as the session sees it: the exchange's request read together with
/// the tag the session sent it with ([`Pending::of`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pending {
    Run(ResultId),
    Pull(ResultId),
    Discard(ResultId),
    Begin,
    Commit,
    Rollback,
    /// The second reply of a Bolt 1-2 transaction statement (RUN "BEGIN" + PULL_ALL).
    Aux,
    Reset,
    /// The reply to a LOGOFF or LOGON sent ahead of the session's first request on a pooled
    /// connection whose credentials had to change.
    Auth,
    /// The reply to TELEMETRY (5.4+), sent ahead of BEGIN or an auto-commit RUN.
    Telemetry,
    /// A request the session did not send (none reaches it in practice); its reply changes
    /// nothing.
    Other,
}

impl Pending {
    /// The tag of BEGIN (both messages of the Bolt 1-2 statement).
    pub(super) const BEGIN: Tag = 1;
    /// The tag of COMMIT (likewise).
    pub(super) const COMMIT: Tag = 2;
    /// The tag of ROLLBACK (likewise).
    pub(super) const ROLLBACK: Tag = 3;

    /// The tag of the RUN, PULL and DISCARD requests of a result: above `u32::MAX`, so it
    /// never meets the statement tags.
    #[inline]
    pub(super) fn tag(id: ResultId) -> Tag {
        ((u64::from(id.index) + 1) << 32) | u64::from(id.generation)
    }

    /// Reads a request of the exchange and its tag back as what the session sent it for.
    #[inline]
    pub(super) fn of((request, tag): (Wire, Tag)) -> Pending {
        if tag > u64::from(u32::MAX) {
            // The slab never holds more than u32::MAX results at once (see `Pending::tag`).
            #[allow(clippy::cast_possible_truncation)]
            let id = ResultId {
                index: ((tag >> 32) - 1) as u32,
                generation: tag as u32,
            };
            return match request {
                Wire::Run => Pending::Run(id),
                Wire::Pull => Pending::Pull(id),
                Wire::Discard => Pending::Discard(id),
                _ => Pending::Other,
            };
        }
        match (request, tag) {
            (Wire::Begin | Wire::Run, Pending::BEGIN) => Pending::Begin,
            (Wire::Commit | Wire::Run, Pending::COMMIT) => Pending::Commit,
            (Wire::Rollback | Wire::Run, Pending::ROLLBACK) => Pending::Rollback,
            (Wire::Pull, Pending::BEGIN | Pending::COMMIT | Pending::ROLLBACK) => Pending::Aux,
            (Wire::Reset | Wire::AckFailure, _) => Pending::Reset,
            (Wire::Logon | Wire::Logoff, _) => Pending::Auth,
            (Wire::Telemetry, _) => Pending::Telemetry,
            _ => Pending::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_read_back_as_what_the_session_sent() {
        let ids = [
            ResultId {
                index: 0,
                generation: 1,
            },
            ResultId {
                index: 0,
                generation: 0,
            },
            ResultId {
                index: u32::MAX - 1,
                generation: u32::MAX,
            },
        ];
        for id in ids {
            let t = Pending::tag(id);
            assert!(t > u64::from(u32::MAX), "{t}");
            assert_eq!(Pending::of((Wire::Run, t)), Pending::Run(id));
            assert_eq!(Pending::of((Wire::Pull, t)), Pending::Pull(id));
            assert_eq!(Pending::of((Wire::Discard, t)), Pending::Discard(id));
            assert_eq!(Pending::of((Wire::Begin, t)), Pending::Other);
        }
        // Transaction statements: the message on 3+, RUN + PULL_ALL on 1-2.
        for (tag, want) in [
            (Pending::BEGIN, Pending::Begin),
            (Pending::COMMIT, Pending::Commit),
            (Pending::ROLLBACK, Pending::Rollback),
        ] {
            assert_eq!(Pending::of((Wire::Run, tag)), want);
            assert_eq!(Pending::of((Wire::Pull, tag)), Pending::Aux);
        }
        assert_eq!(Pending::of((Wire::Begin, Pending::BEGIN)), Pending::Begin);
        assert_eq!(
            Pending::of((Wire::Commit, Pending::COMMIT)),
            Pending::Commit
        );
        assert_eq!(
            Pending::of((Wire::Rollback, Pending::ROLLBACK)),
            Pending::Rollback
        );
        // Untagged requests are known by their message.
        assert_eq!(Pending::of((Wire::Reset, 0)), Pending::Reset);
        assert_eq!(Pending::of((Wire::AckFailure, 0)), Pending::Reset);
        assert_eq!(Pending::of((Wire::Logoff, 0)), Pending::Auth);
        assert_eq!(Pending::of((Wire::Logon, 0)), Pending::Auth);
        assert_eq!(Pending::of((Wire::Telemetry, 0)), Pending::Telemetry);
        assert_eq!(Pending::of((Wire::Route, 0)), Pending::Other);
        assert_eq!(Pending::of((Wire::Run, 0)), Pending::Other);
    }
}
