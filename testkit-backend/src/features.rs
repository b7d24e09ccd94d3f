//! What the backend tells TestKit about boltc: the feature list (`GetFeatures`) and the skip list
//! (`StartTest` / `StartSubTest`).
//!
//! This is the one place to edit as the driver grows:
//!
//! * add a string to [`DECLARED`] when boltc (and this backend's wiring of it) really implements
//!   the feature — TestKit then runs the tests guarded by it;
//! * add an entry to [`SKIPPED`] when a test cannot pass yet, with a reason that names what is
//!   missing.
//!
//! Every declared string must be one TestKit knows ([`KNOWN`], taken from the pinned TestKit
//! commit's `nutkit/protocol/feature.py`): TestKit turns each feature string into an enum
//! value, so a single unknown string makes *every* test error. The unit tests below check it.

/// Every feature string the pinned TestKit commit (0c5fb949) knows.
pub const KNOWN: &[&str] = &[
    "Feature:API:BookmarkManager",
    "Feature:API:ConnectionAcquisitionTimeout",
    "Feature:API:Driver.ExecuteQuery",
    "Feature:API:Driver.ExecuteQuery:WithAuth",
    "Feature:API:Driver:GetServerInfo",
    "Feature:API:Driver.IsEncrypted",
    "Feature:API:Driver:NotificationsConfig",
    "Feature:API:Driver.VerifyAuthentication",
    "Feature:API:Driver.VerifyConnectivity",
    "Feature:API:Driver.SupportsSessionAuth",
    "Feature:API:Liveness.Check",
    "Feature:API:Result.List",
    "Feature:API:Result.Peek",
    "Feature:API:Result.Single",
    "Feature:API:Result.SingleOptional",
    "Feature:API:RetryableExceptions",
    "Feature:API:Session:AuthConfig",
    "Feature:API:Session:NotificationsConfig",
    "Feature:API:SSLClientCertificate",
    "Feature:API:SSLConfig",
    "Feature:API:SSLSchemes",
    "Feature:API:Summary:GqlStatusObjects",
    "Feature:API:Type.Spatial",
    "Feature:API:Type.Temporal",
    "Feature:Auth:Bearer",
    "Feature:Auth:Custom",
    "Feature:Auth:Kerberos",
    "Feature:Auth:Managed",
    "Feature:Bolt:3.0",
    "Feature:Bolt:4.1",
    "Feature:Bolt:4.2",
    "Feature:Bolt:4.3",
    "Feature:Bolt:4.4",
    "Feature:Bolt:5.0",
    "Feature:Bolt:5.1",
    "Feature:Bolt:5.2",
    "Feature:Bolt:5.3",
    "Feature:Bolt:5.4",
    "Feature:Bolt:5.5",
    "Feature:Bolt:5.6",
    "Feature:Bolt:5.7",
    "Feature:Bolt:Patch:UTC",
    "Feature:Impersonation",
    "Feature:TLS:1.1",
    "Feature:TLS:1.2",
    "Feature:TLS:1.3",
    "AuthorizationExpiredTreatment",
    "Optimization:AuthPipelining",
    "Optimization:ConnectionReuse",
    "Optimization:EagerTransactionBegin",
    "Optimization:ExecuteQueryPipelining",
    "Optimization:ImplicitDefaultArguments",
    "Optimization:MinimalBookmarksSet",
    "Optimization:MinimalResets",
    "Optimization:MinimalVerifyAuthentication",
    "Optimization:PullPipelining",
    "Optimization:ResultListFetchAll",
    "Detail:ClosedDriverIsEncrypted",
    "Detail:DefaultSecurityConfigValueEquality",
    "Detail:NumberIsNumber",
    "ConfHint:connection.recv_timeout_seconds",
    "Backend:MockTime",
    "Backend:RTFetch",
    "Backend:RTForceUpdate",
];

/// Features boltc implements and this backend wires up (besides the Bolt versions, which come
/// from [`bolt_features`]).
///
/// Keep in step with `handler.rs`: a feature listed here must have its requests handled there.
pub const DECLARED: &[&str] = &[
    // The backend answers Result.List/Peek/Single/SingleOptional through the driver's result API.
    "Feature:API:Result.List",
    "Feature:API:Result.Peek",
    "Feature:API:Result.Single",
    "Feature:API:Result.SingleOptional",
    // Errors carry `is_retryable()`.
    "Feature:API:RetryableExceptions",
    // After Neo.ClientError.Security.AuthorizationExpired the pool reuses none of the server's
    // older connections (`Pool::expire`), and the error is retryable.
    "AuthorizationExpiredTreatment",
    // Temporal and spatial values are converted both ways (see cypher.rs).
    "Feature:API:Type.Temporal",
    "Feature:API:Type.Spatial",
    // Auth token constructors exist for these schemes.
    "Feature:Auth:Bearer",
    "Feature:Auth:Custom",
    "Feature:Auth:Kerberos",
    // The driver reports connectivity and server info.
    "Feature:API:Driver.VerifyConnectivity",
    "Feature:API:Driver:GetServerInfo",
    // SessionConfig::impersonated_user (Bolt 4.4+).
    "Feature:Impersonation",
    // Driver-level notification filters (Config::notification_filter); summaries report each
    // notification's raw and parsed severity and category.
    "Feature:API:Driver:NotificationsConfig",
    // Config::liveness_check_timeout: the pool checks idle connections with a RESET first.
    "Feature:API:Liveness.Check",
    // Config::connection_acquisition_timeout bounds the whole acquisition.
    "Feature:API:ConnectionAcquisitionTimeout",
    // FakeTimeInstall/Tick/Uninstall freeze and move boltc::clock (the `mock-clock` feature).
    "Backend:MockTime",
    // Driver::routing_table / Driver::update_routing_table (see routing.rs).
    "Backend:RTFetch",
    "Backend:RTForceUpdate",
    // DateTimes are sent in UTC form on 4.3/4.4 when the server offers the patch.
    "Feature:Bolt:Patch:UTC",
    // Driver::execute_query with QueryConfig (bookmark manager, auth, tx config); see
    // handler/api.rs.
    "Feature:API:Driver.ExecuteQuery",
    "Feature:API:Driver.ExecuteQuery:WithAuth",
    // BookmarkManager (with TestKit's supplier/consumer) and AuthManager/AuthManagers
    // (TestKit-scripted, basic and bearer); see managers.rs.
    "Feature:API:BookmarkManager",
    "Feature:Auth:Managed",
    // SessionConfig::auth (Bolt 5.1+ re-authentication) and Driver::verify_authentication.
    "Feature:API:Session:AuthConfig",
    "Feature:API:Driver.SupportsSessionAuth",
    "Feature:API:Driver.VerifyAuthentication",
    // SessionConfig::notification_filter.
    "Feature:API:Session:NotificationsConfig",
    // Summaries carry GQL status objects (Summary::gql_status_objects).
    "Feature:API:Summary:GqlStatusObjects",
    // The server's `connection.recv_timeout_seconds` hint becomes the connection's read
    // timeout (bolt/connection.rs).
    "ConfHint:connection.recv_timeout_seconds",
    // Optimizations boltc performs: RUN+PULL (and BEGIN) go out in one write, pooled
    // connections are reused, RESET only after a failure, messages leave out default
    // values, and a session's re-authentication (LOGOFF/LOGON) goes out with its first
    // request.
    "Optimization:PullPipelining",
    "Optimization:ExecuteQueryPipelining",
    "Optimization:ConnectionReuse",
    "Optimization:MinimalResets",
    "Optimization:ImplicitDefaultArguments",
    "Optimization:AuthPipelining",
    // Result.List fetches the records not yet requested with one PULL n=-1.
    "Optimization:ResultListFetchAll",
    // The backend begins transactions with Session::begin_detached, which waits for the
    // BEGIN reply, so a failing BEGIN fails SessionBeginTransaction itself.
    "Optimization:EagerTransactionBegin",
    // TLS (tests/tls, run by scripts/testkit.sh with TESTKIT_SUITE=tls): the +s/+ssc schemes,
    // `encrypted` and `trustedCertificates` (Config::encrypted/trust), a static client
    // certificate with or without a key password, or a provider (rotation), Driver.IsEncrypted
    // also after close. rustls speaks TLS 1.2 and 1.3, never 1.1.
    "Feature:API:SSLSchemes",
    "Feature:API:SSLConfig",
    "Feature:API:SSLClientCertificate",
    "Feature:API:Driver.IsEncrypted",
    "Detail:ClosedDriverIsEncrypted",
    "Feature:TLS:1.2",
    "Feature:TLS:1.3",
];

/// The TestKit feature string for a Bolt version, if TestKit has one.
///
/// Versions 1.0, 2.0 and 4.0 have no feature flag in TestKit; 5.8+ and 6.x are unknown to the
/// pinned commit. 5.5 was withdrawn by the official drivers (GQL statuses, announced for 5.5,
/// shipped in 5.6), but boltc speaks it as servers do (no statuses before 5.6), and TestKit's
/// 5.5 stub server negotiates 5.5 with boltc and runs a query, so it is declared.
fn bolt_feature(major: u8, minor: u8) -> Option<&'static str> {
    Some(match (major, minor) {
        (3, 0) => "Feature:Bolt:3.0",
        (4, 1) => "Feature:Bolt:4.1",
        (4, 2) => "Feature:Bolt:4.2",
        (4, 3) => "Feature:Bolt:4.3",
        (4, 4) => "Feature:Bolt:4.4",
        (5, 0) => "Feature:Bolt:5.0",
        (5, 1) => "Feature:Bolt:5.1",
        (5, 2) => "Feature:Bolt:5.2",
        (5, 3) => "Feature:Bolt:5.3",
        (5, 4) => "Feature:Bolt:5.4",
        (5, 5) => "Feature:Bolt:5.5",
        (5, 6) => "Feature:Bolt:5.6",
        (5, 7) => "Feature:Bolt:5.7",
        _ => return None,
    })
}

/// The Bolt version features, derived from the versions boltc says it speaks.
pub fn bolt_features() -> Vec<&'static str> {
    boltc::bolt::Version::SUPPORTED
        .iter()
        .filter_map(|v| bolt_feature(v.major, v.minor))
        .collect()
}

/// The full answer to `GetFeatures`.
pub fn declared() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = DECLARED.to_vec();
    for f in bolt_features() {
        if !all.contains(&f) {
            all.push(f);
        }
    }
    all.retain(|f| KNOWN.contains(f));
    all
}

/// Tests to skip: (test name or prefix, reason naming the missing feature).
///
/// Test names are TestKit's ids without the leading `tests.` (e.g.
/// `stub.versions.test_versions.TestProtocolVersions.test_supports_bolt_4x0`). An entry ending
/// in `.` matches every test under that prefix.
pub const SKIPPED: &[(&str, &str)] = &[
    // Integration suites (tests/neo4j), found against Neo4j 5.26 and 2026.08.
    (
        "neo4j.test_summary.TestSummary.test_protocol_version_information",
        "TestKit's table of server versions (tests/neo4j/shared.py, max_protocol_version) says \
         every Neo4j from 5.23 on speaks at most Bolt 5.6, but 5.26 and 2026.08 speak 5.8 \
         (2026.08 also 6.0), which boltc negotiates (tests/neo4j.rs checks the versions)",
    ),
    (
        "neo4j.test_direct_driver.TestDirectDriver.test_custom_resolver",
        "boltc calls the resolver for the addresses of a neo4j:// driver only (the seed and \
         the routing tables' members) and refuses one for a bolt:// driver, which connects to \
         its URI's host (`*` is not a host)",
    ),
    (
        "neo4j.test_tx_run.TestTxRun.test_broken_transaction_should_not_break_session",
        "boltc keeps a failed transaction open until it is rolled back (IllegalState on \
         begin before that), as the Java and Ruby drivers do; TestKit sends that rollback \
         only for drivers named java or ruby",
    ),
];

/// The skip reason for `test_name`, if it is on the skip list.
pub fn skip_reason(test_name: &str) -> Option<&'static str> {
    SKIPPED.iter().find_map(|(pattern, reason)| {
        let hit = if pattern.ends_with('.') {
            test_name.starts_with(pattern)
        } else {
            test_name == *pattern
        };
        hit.then_some(*reason)
    })
}

/// The skip reason for one subtest, judged by its arguments (TestKit sends them as plain JSON,
/// e.g. `{"routing": true}` or `{"version": "v3"}`).
///
/// The temporal integration tests go through every zone id TestKit knows: a subtest is skipped
/// when boltc's zone database does not know the zone (Neo4j's Java one still has the
/// `SystemV/*` ids, which the IANA database dropped in 2020), or, for the echo test, when it
/// gives the wall-clock time another UTC offset than TestKit's pytz did (see
/// [`crate::cypher::zone_db_disagreement`]). The official drivers' backends skip the same
/// subtests by the same questions to their zone databases.
pub fn skip_subtest_reason(test_name: &str, arguments: &serde_json::Value) -> Option<String> {
    if let Some(reason) = skip_reason(test_name) {
        return Some(reason.to_owned());
    }
    if test_name.ends_with(".TestDataTypes.test_date_time_cypher_created_tz_id") {
        let zone = arguments.get("tz_id")?.as_str()?;
        return zone
            .parse::<chrono_tz::Tz>()
            .is_err()
            .then(|| format!("the IANA zone database boltc uses has no zone {zone}"));
    }
    if test_name.ends_with(".TestDataTypes.test_should_echo_all_timezone_ids") {
        return crate::cypher::zone_db_disagreement(arguments.get("dt")?);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_declared_feature_is_known() {
        for f in DECLARED.iter().copied().chain(bolt_features()) {
            assert!(KNOWN.contains(&f), "unknown feature string {f:?}");
        }
        assert!(declared().iter().all(|f| KNOWN.contains(f)));
    }

    #[test]
    fn declared_has_no_duplicates() {
        let d = declared();
        let mut sorted = d.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), d.len());
    }

    #[test]
    fn skip_reasons_are_given() {
        for (pattern, reason) in SKIPPED {
            assert!(!pattern.is_empty() && reason.len() > 10, "{pattern}");
        }
        assert!(skip_reason("stub.configuration_hints.test_x.T.test_y").is_none());
        assert!(skip_reason("stub.routing.test_routing_v5x0.RoutingV5x0.test_x").is_none());
        assert!(skip_reason("stub.versions.test_versions.TestProtocolVersions.x").is_none());
        let routing = serde_json::json!({"routing": true});
        assert!(skip_subtest_reason("stub.x.Y.z", &routing).is_none());
    }

    const CREATED: &str =
        "neo4j.datatypes.test_temporal_types.TestDataTypes.test_date_time_cypher_created_tz_id";
    const ECHO: &str =
        "neo4j.datatypes.test_temporal_types.TestDataTypes.test_should_echo_all_timezone_ids";

    fn zoned(y: i64, offset: i64, zone: &str) -> serde_json::Value {
        serde_json::json!({"dt": {"name": "CypherDateTime", "data": {
            "year": y, "month": 1, "day": 2, "hour": 0, "minute": 0, "second": 0,
            "nanosecond": 0, "utc_offset_s": offset, "timezone_id": zone}}})
    }

    #[test]
    fn zone_subtests_are_skipped_only_where_the_zone_database_disagrees() {
        let known = serde_json::json!({"tz_id": "Europe/Stockholm"});
        assert!(skip_subtest_reason(CREATED, &known).is_none());
        let system_v = serde_json::json!({"tz_id": "SystemV/AST4"});
        let reason = skip_subtest_reason(CREATED, &system_v).unwrap();
        assert!(reason.contains("no zone SystemV/AST4"), "{reason}");
        // The database's offset (+1 h in winter): run.
        assert!(skip_subtest_reason(ECHO, &zoned(2022, 3600, "Europe/Stockholm")).is_none());
        // Local mean time, -968 s in the database, rounded to -960 s by pytz: skipped.
        let reason = skip_subtest_reason(ECHO, &zoned(1, -960, "Africa/Abidjan")).unwrap();
        assert!(
            reason.contains("-960") && reason.contains("-968"),
            "{reason}"
        );
        assert!(skip_subtest_reason(ECHO, &zoned(1, -968, "Africa/Abidjan")).is_none());
        assert!(skip_subtest_reason(ECHO, &zoned(2022, 0, "SystemV/EST5")).is_some());
    }
}
