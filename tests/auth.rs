//! Auth managers: rotation with LOGOFF/LOGON on Bolt 5.1+, token expiry, session credentials.

mod support;

use boltc::{
    AuthManager, AuthManagers, AuthToken, Config, Driver, Error, ErrorKind, ExpiringAuth,
    QueryConfig, RetryPolicy, SessionConfig, TransactionConfig, Value,
};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::StubServer;

fn header(version: &str, logon: &str) -> String {
    format!(
        "!: BOLT {version}\n!: AUTO RESET\nC: HELLO {{\"user_agent\": \"*\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/{version}.0\", \"connection_id\": \"bolt-1\"}}\n\
         C: LOGON {logon}\nS: SUCCESS {{}}\n"
    )
}

const BYE: &str = "?{\nC: GOODBYE\n}\n";

fn reauth(logon: &str) -> String {
    format!("C: LOGOFF\nS: SUCCESS {{}}\nC: LOGON {logon}\nS: SUCCESS {{}}\n")
}

fn query(meta: &str) -> String {
    format!(
        "C: RUN \"RETURN 1 AS n\" {{}} {meta}\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n"
    )
}

fn token(user: &str) -> String {
    format!(r#"{{"scheme": "basic", "principal": "{user}", "credentials": "pw"}}"#)
}

fn run_one(d: &Driver, config: SessionConfig) -> boltc::Result<i64> {
    let mut s = d.session(config)?;
    let r = s.run("RETURN 1 AS n", None)?.single()?;
    r.get::<i64, _>("n")
}

#[test]
fn rotated_credentials_reauthenticate_pooled_connections() {
    let stub = StubServer::start(&format!(
        "{}{}{}{}{BYE}",
        header("5.1", &token("a")),
        query("{}"),
        reauth(&token("b")),
        query("{}")
    ));
    let user = Arc::new(Mutex::new("a"));
    let u = user.clone();
    let manager = AuthManagers::basic_expiring(move || {
        Ok(ExpiringAuth {
            token: AuthToken::basic(*u.lock(), "pw"),
            expires_at: Some(std::time::Instant::now()), // ask every time
        })
    });
    let d = Driver::new(
        Config::builder(&stub.uri())
            .auth_manager(manager)
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    *user.lock() = "b";
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    d.close();
    stub.finish();
}

#[test]
fn an_expired_bearer_token_is_refreshed_and_the_work_retried() {
    let stub = StubServer::start(&format!(
        "{}C: BEGIN {{}}\nS: SUCCESS {{}}\nC: RUN \"RETURN 1 AS n\" {{}} {{}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.TokenExpired\", \"message\": \"expired\"}}\n\
         C: PULL {{\"n\": 1000}}\nS: IGNORED\nC: RESET\nS: SUCCESS {{}}\n{}\
         C: BEGIN {{}}\nS: SUCCESS {{}}\nC: RUN \"RETURN 1 AS n\" {{}} {{}}\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\nC: COMMIT\nS: SUCCESS {{}}\n{BYE}",
        header("5.1", r#"{"scheme": "bearer", "credentials": "t1"}"#),
        reauth(r#"{"scheme": "bearer", "credentials": "t2"}"#)
    ));
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let manager = AuthManagers::bearer(move || {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(ExpiringAuth {
            token: AuthToken::bearer(format!("t{n}")),
            expires_at: None,
        })
    });
    let policy = RetryPolicy::new().with_sleeper(Arc::new(|_| {}));
    let config = Config::builder(&stub.uri())
        .auth_manager(manager)
        .retry_policy(policy)
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut attempts = 0;
    let n = s
        .execute_write(|tx| {
            attempts += 1;
            tx.run("RETURN 1 AS n", None)?.single()?.get::<i64, _>("n")
        })
        .unwrap();
    assert_eq!((n, attempts), (1, 2));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    drop(s);
    d.close();
    stub.finish();
}

#[test]
fn session_credentials_use_logon_and_the_driver_ones_come_back() {
    // A connection opened for the session logs on with the session's credentials at once.
    let stub = StubServer::start(&format!(
        "{}{}{}{}{BYE}",
        header("5.1", &token("alice")),
        query("{}"),
        reauth(&token("driver")),
        query("{}")
    ));
    let config = Config::builder(&stub.uri())
        .auth(AuthToken::basic("driver", "pw"))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    let alice = SessionConfig::default().with_auth(AuthToken::basic("alice", "pw"));
    assert_eq!(run_one(&d, alice).unwrap(), 1);
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    d.close();
    stub.finish();
}

#[test]
fn session_credentials_need_bolt_5_1() {
    // The driver gives up after the handshake, before sending credentials to the server.
    let stub = StubServer::start("!: BOLT 5.0\n");
    let d = Driver::new(Config::builder(&stub.uri()).build().unwrap()).unwrap();
    let err = run_one(
        &d,
        SessionConfig::default().with_auth(AuthToken::basic("x", "y")),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    d.close();
    stub.finish();
}

/// An auth manager that counts its calls.
#[derive(Default)]
struct Counting {
    get_auth: AtomicUsize,
    handled: AtomicUsize,
}

impl AuthManager for Counting {
    fn get_auth(&self) -> boltc::Result<AuthToken> {
        self.get_auth.fetch_add(1, Ordering::SeqCst);
        Ok(AuthToken::basic("a", "pw"))
    }
    fn handle_security_error(&self, _auth: &AuthToken, _error: &Error) -> bool {
        self.handled.fetch_add(1, Ordering::SeqCst);
        false
    }
}

#[test]
fn a_new_connection_asks_the_auth_manager_once() {
    let stub = StubServer::start(&format!(
        "{}{}{}{BYE}",
        header("5.1", &token("a")),
        query("{}"),
        query("{}")
    ));
    let manager = Arc::new(Counting::default());
    let d = Driver::new(
        Config::builder(&stub.uri())
            .auth_manager(manager.clone())
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    // Opening the connection asked once; nothing asked again to check it.
    assert_eq!(manager.get_auth.load(Ordering::SeqCst), 1);
    // A pooled connection is checked against the manager's current credentials.
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    assert_eq!(manager.get_auth.load(Ordering::SeqCst), 2);
    assert_eq!(manager.handled.load(Ordering::SeqCst), 0);
    d.close();
    stub.finish();
}

#[test]
fn verify_authentication_logs_on_and_reports_rejection() {
    let stub = StubServer::start(&format!(
        "{}{}C: LOGOFF\nS: SUCCESS {{}}\nC: LOGON {}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.Unauthorized\", \"message\": \"no\"}}\n",
        header("5.1", &token("alice")),
        reauth(&token("driver")),
        token("mallory")
    ));
    let config = Config::builder(&stub.uri())
        .auth(AuthToken::basic("driver", "pw"))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    // Cold: the new connection logs on with the credentials to verify.
    assert!(d
        .verify_authentication(Some(AuthToken::basic("alice", "pw")))
        .unwrap());
    // Warm: the pooled connection re-authenticates (the driver's credentials).
    assert!(d.verify_authentication(None).unwrap());
    // Rejected credentials are `false`, not an error.
    assert!(!d
        .verify_authentication(Some(AuthToken::basic("mallory", "pw")))
        .unwrap());
    d.close();
    stub.finish();
}

#[test]
fn execute_query_sends_transaction_config_and_query_credentials() {
    let stub = StubServer::start(&format!(
        "{}C: BEGIN {{\"tx_timeout\": 5000, \"tx_metadata\": {{\"k\": \"v\"}}}}\nS: SUCCESS {{}}\n\
         C: RUN \"RETURN 1 AS n\" {{}} {{}}\nS: SUCCESS {{\"fields\": [\"n\"]}}\n\
         C: PULL {{\"n\": 1000}}\nS: RECORD [1]\nS: SUCCESS {{}}\n\
         C: COMMIT\nS: SUCCESS {{\"bookmark\": \"bm:1\"}}\n{BYE}",
        header("5.1", &token("alice")),
    ));
    let config = Config::builder(&stub.uri())
        .auth(AuthToken::basic("driver", "pw"))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    let mut meta = boltc::Map::new();
    meta.insert("k".into(), Value::String("v".into()));
    let q = QueryConfig {
        transaction: TransactionConfig {
            metadata: Some(meta),
            timeout: Some(std::time::Duration::from_secs(5)),
        },
        auth: Some(AuthToken::basic("alice", "pw")),
        ..QueryConfig::default()
    };
    let res = d.execute_query("RETURN 1 AS n", None, &q).unwrap();
    assert_eq!(res.records.len(), 1);
    assert_eq!(d.execute_query_bookmark_manager().get_bookmarks(), ["bm:1"]);
    d.close();
    stub.finish();
}

/// A stub answering LOGOFF/LOGON only after the query that follows them arrived.
fn pipelined_reauth(logon: &str, logon_reply: &str, rest: &str) -> String {
    format!(
        "C: LOGOFF\nC: LOGON {logon}\nC: RUN \"RETURN 1 AS n\" {{}} {{}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{}}\nS: {logon_reply}\n{rest}"
    )
}

#[test]
fn re_authentication_goes_out_with_the_first_query() {
    let stub = StubServer::start(&format!(
        "{}{}{}{BYE}",
        header("5.1", &token("a")),
        query("{}"),
        pipelined_reauth(
            &token("b"),
            "SUCCESS {}",
            "S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {}\n"
        ),
    ));
    let user = Arc::new(Mutex::new("a"));
    let u = user.clone();
    let manager = AuthManagers::basic_expiring(move || {
        Ok(ExpiringAuth {
            token: AuthToken::basic(*u.lock(), "pw"),
            expires_at: Some(std::time::Instant::now()),
        })
    });
    let d = Driver::new(
        Config::builder(&stub.uri())
            .auth_manager(manager)
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    *user.lock() = "b";
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    d.close();
    stub.finish();
}

#[test]
fn a_refused_pipelined_logon_fails_the_query_and_tells_the_auth_manager() {
    let stub = StubServer::start(&format!(
        "{}{}{}",
        header("5.1", &token("a")),
        query("{}"),
        pipelined_reauth(
            &token("b"),
            "FAILURE {\"code\": \"Neo.ClientError.Security.Unauthorized\", \"message\": \"no\"}",
            // (The IGNORED replies that follow are not awaited: the connection is dropped.)
            ""
        ),
    ));
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    struct Rotating(Arc<AtomicUsize>, AtomicUsize);
    impl AuthManager for Rotating {
        fn get_auth(&self) -> boltc::Result<AuthToken> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            Ok(AuthToken::basic(if n == 0 { "a" } else { "b" }, "pw"))
        }
        fn handle_security_error(&self, auth: &AuthToken, error: &Error) -> bool {
            assert_eq!(auth.principal(), Some("b"));
            assert_eq!(
                error.server_code(),
                Some("Neo.ClientError.Security.Unauthorized")
            );
            self.1.fetch_add(1, Ordering::SeqCst);
            false
        }
    }
    let manager = Arc::new(Rotating(c, AtomicUsize::new(0)));
    let d = Driver::new(
        Config::builder(&stub.uri())
            .auth_manager(manager.clone())
            .build()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    let err = run_one(&d, SessionConfig::default()).unwrap_err();
    assert_eq!(
        err.server_code(),
        Some("Neo.ClientError.Security.Unauthorized")
    );
    assert_eq!(manager.1.load(Ordering::SeqCst), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    d.close();
    stub.finish();
}

#[test]
fn verify_authentication_logs_on_again_with_unchanged_credentials() {
    let stub = StubServer::start(&format!(
        "{}{}{}{BYE}",
        header("5.1", &token("driver")),
        query("{}"),
        reauth(&token("driver")),
    ));
    let config = Config::builder(&stub.uri())
        .auth(AuthToken::basic("driver", "pw"))
        .build()
        .unwrap();
    let d = Driver::new(config).unwrap();
    assert_eq!(run_one(&d, SessionConfig::default()).unwrap(), 1);
    // The pooled connection already uses these credentials; they are checked anyway.
    assert!(d
        .verify_authentication(Some(AuthToken::basic("driver", "pw")))
        .unwrap());
    d.close();
    stub.finish();
}
