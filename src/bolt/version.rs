//! Bolt protocol versions and what each one changed.
//!
//! [`Features`] is built cumulatively: each version's function lists only what changed since
//! the previous version, so supporting a new version adds one function and one table row.

use crate::packstream::Dialect;
use std::fmt;

/// A Bolt protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// Major version.
    pub major: u8,
    /// Minor version.
    pub minor: u8,
}

impl Version {
    /// A version from its parts.
    pub const fn new(major: u8, minor: u8) -> Version {
        Version { major, minor }
    }

    /// Every version this driver speaks, newest first.
    pub const SUPPORTED: &'static [Version] = &[
        Version::new(6, 1),
        Version::new(6, 0),
        Version::new(5, 8),
        Version::new(5, 7),
        Version::new(5, 6),
        Version::new(5, 5),
        Version::new(5, 4),
        Version::new(5, 3),
        Version::new(5, 2),
        Version::new(5, 1),
        Version::new(5, 0),
        Version::new(4, 4),
        Version::new(4, 3),
        Version::new(4, 2),
        Version::new(4, 1),
        Version::new(4, 0),
        Version::new(3, 0),
        Version::new(2, 0),
        Version::new(1, 0),
    ];

    /// Whether this driver speaks `self`.
    pub fn is_supported(self) -> bool {
        Version::SUPPORTED.contains(&self)
    }

    /// What this version can do.
    pub fn features(self) -> Features {
        let mut f = Features::V1;
        for (v, apply) in DELTAS {
            if self >= *v {
                apply(&mut f);
            }
        }
        f
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// The capabilities of a negotiated protocol version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // a table of independent protocol flags
pub struct Features {
    /// PackStream structure forms.
    pub dialect: Dialect,
    /// HELLO/GOODBYE and BEGIN/COMMIT/ROLLBACK messages, RESET after failures (3+).
    pub hello: bool,
    /// PULL/DISCARD with `n` and `qid`, `has_more` paging, `db` (4.0+).
    pub pull_n: bool,
    /// Routing context in HELLO (4.1+).
    pub hello_routing: bool,
    /// NOOP chunks may arrive between messages (4.1+).
    pub noop: bool,
    /// The ROUTE message (4.3+).
    pub route: bool,
    /// Connection hints in the HELLO reply (4.3+).
    pub hints: bool,
    /// ROUTE takes `{db, imp_user}` and RUN/BEGIN take `imp_user` (4.4+).
    pub imp_user: bool,
    /// HELLO offers `patch_bolt: ["utc"]`; if the server accepts, datetimes use the UTC forms
    /// (4.3 and 4.4 only: 5.0 made them the default).
    pub utc_patch: bool,
    /// Element ids on graph values, UTC datetimes (5.0+).
    pub element_ids: bool,
    /// Auth is sent with LOGON instead of HELLO; LOGOFF exists (5.1+).
    pub logon: bool,
    /// Notification filters in HELLO/BEGIN/RUN (5.2+).
    pub notification_filters: bool,
    /// The `bolt_agent` map in HELLO (5.3+).
    pub bolt_agent: bool,
    /// The TELEMETRY message (5.4+).
    pub telemetry: bool,
    /// Notification filters use `notifications_disabled_classifications` (5.5+).
    pub disabled_classifications: bool,
    /// GQL status objects in summaries (5.6+; announced in 5.5, first shipped in 5.6).
    pub gql_statuses: bool,
    /// GQL-shaped FAILURE metadata with a cause chain (5.7+).
    pub gql_errors: bool,
    /// Home database echoed on BEGIN/RUN replies, server-side-routing hints (5.8+).
    pub home_db_echo: bool,
}

impl Features {
    /// Bolt 1.
    pub const V1: Features = Features {
        dialect: Dialect::V1,
        hello: false,
        pull_n: false,
        hello_routing: false,
        noop: false,
        route: false,
        hints: false,
        imp_user: false,
        utc_patch: false,
        element_ids: false,
        logon: false,
        notification_filters: false,
        bolt_agent: false,
        telemetry: false,
        disabled_classifications: false,
        gql_statuses: false,
        gql_errors: false,
        home_db_echo: false,
    };
}

type Delta = fn(&mut Features);

/// What each version changed, in ascending order.
const DELTAS: &[(Version, Delta)] = &[
    (Version::new(2, 0), |f| f.dialect.bytes = true),
    (Version::new(3, 0), |f| {
        f.hello = true;
        f.dialect.wide_structs = false;
    }),
    (Version::new(4, 0), |f| f.pull_n = true),
    (Version::new(4, 1), |f| {
        f.hello_routing = true;
        f.noop = true;
    }),
    (Version::new(4, 3), |f| {
        f.route = true;
        f.hints = true;
        f.utc_patch = true;
    }),
    (Version::new(4, 4), |f| f.imp_user = true),
    (Version::new(5, 0), |f| {
        f.element_ids = true;
        f.dialect.utc_datetime = true;
        f.utc_patch = false;
    }),
    (Version::new(5, 1), |f| f.logon = true),
    (Version::new(5, 2), |f| f.notification_filters = true),
    (Version::new(5, 3), |f| f.bolt_agent = true),
    (Version::new(5, 4), |f| f.telemetry = true),
    (Version::new(5, 5), |f| f.disabled_classifications = true),
    (Version::new(5, 6), |f| f.gql_statuses = true),
    (Version::new(5, 7), |f| f.gql_errors = true),
    (Version::new(5, 8), |f| f.home_db_echo = true),
    (Version::new(6, 0), |f| f.dialect.vector = true),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_accumulate() {
        let v1 = Version::new(1, 0).features();
        assert!(!v1.hello && !v1.dialect.bytes && v1.dialect.wide_structs);
        assert!(Version::new(2, 0).features().dialect.wide_structs);
        let v3 = Version::new(3, 0).features();
        assert!(v3.hello && v3.dialect.bytes && !v3.pull_n && !v3.dialect.wide_structs);
        let v44 = Version::new(4, 4).features();
        assert!(v44.route && v44.imp_user && !v44.logon && !v44.dialect.utc_datetime);
        assert!(v44.utc_patch && Version::new(4, 3).features().utc_patch);
        assert!(!Version::new(4, 2).features().utc_patch);
        let v57 = Version::new(5, 7).features();
        assert!(v57.logon && v57.gql_errors && !v57.home_db_echo && !v57.dialect.vector);
        assert!(!v57.utc_patch && v57.dialect.utc_datetime);
        let v61 = Version::new(6, 1).features();
        assert!(v61.dialect.vector && v61.home_db_echo);
    }
}
