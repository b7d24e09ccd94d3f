//! End-to-end against a real Neo4j Community (`scripts/neo4j.sh start`; every running server
//! line in turn), skipped with a notice when none runs (a failure under
//! `BOLTC_REQUIRE_NEO4J=1`): transactions (rollback, server-enforced timeout, metadata,
//! bookmarks, a real deadlock retried), authentication (wrong password, a second user, session
//! auth, re-auth), `neo4j://` routing against the single instance, the system database, and TLS.

mod common;
mod support;

use boltc::{
    AccessMode, AuthToken, Driver, ErrorKind, Map, SessionConfig, TransactionConfig, TrustStrategy,
    Value,
};
use common::params;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::Neo4j;

fn count(s: &mut boltc::Session, label: &str) -> i64 {
    s.run(&format!("MATCH (n:{label}) RETURN count(n) AS c"), None)
        .unwrap()
        .single()
        .unwrap()
        .get("c")
        .unwrap()
}

fn current_user(s: &mut boltc::Session) -> String {
    s.run("SHOW CURRENT USER YIELD user", None)
        .unwrap()
        .single()
        .unwrap()
        .get("user")
        .unwrap()
}

/// Creates a user (no password change required) through the system database; dropped on drop.
struct TempUser<'a> {
    driver: &'a Driver,
    name: String,
    password: String,
}

impl<'a> TempUser<'a> {
    fn create(db: &Neo4j, driver: &'a Driver, prefix: &str) -> TempUser<'a> {
        let name = db.label(prefix);
        let password = format!("pw-{name}");
        let mut sys = driver.session(SessionConfig::database("system")).unwrap();
        sys.run(
            &format!("CREATE USER {name} SET PASSWORD $pw CHANGE NOT REQUIRED"),
            params([("pw", Value::String(password.clone()))]),
        )
        .unwrap()
        .consume()
        .unwrap();
        TempUser {
            driver,
            name,
            password,
        }
    }

    fn auth(&self) -> AuthToken {
        AuthToken::basic(&self.name, &self.password)
    }
}

impl Drop for TempUser<'_> {
    fn drop(&mut self) {
        if let Ok(mut sys) = self.driver.session(SessionConfig::database("system")) {
            let _ = sys
                .run(&format!("DROP USER {} IF EXISTS", self.name), None)
                .and_then(boltc::RecordStream::consume);
        }
    }
}

#[test]
fn rollback_undoes_and_commit_keeps() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let mut s = d.session(SessionConfig::default()).unwrap();
        let l = db.label("Rollback");
        let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
        tx.run(
            &format!("UNWIND range(1, 10) AS i CREATE (:{l} {{i: i}})"),
            None,
        )
        .unwrap()
        .consume()
        .unwrap();
        let seen: i64 = tx
            .run(&format!("MATCH (n:{l}) RETURN count(n) AS c"), None)
            .unwrap()
            .single()
            .unwrap()
            .get("c")
            .unwrap();
        assert_eq!(seen, 10, "{db}: the transaction sees its own writes");
        tx.rollback().unwrap();
        assert_eq!(count(&mut s, &l), 0, "{db}: rolled back");
        // Dropping an open transaction rolls it back too.
        {
            let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
            tx.run(&format!("CREATE (:{l})"), None)
                .unwrap()
                .consume()
                .unwrap();
        }
        assert_eq!(
            count(&mut s, &l),
            0,
            "{db}: dropped transaction rolled back"
        );
        let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
        tx.run(&format!("CREATE (:{l})"), None)
            .unwrap()
            .consume()
            .unwrap();
        tx.commit().unwrap();
        assert_eq!(count(&mut s, &l), 1, "{db}: committed");
        s.run(&format!("MATCH (n:{l}) DELETE n"), None)
            .unwrap()
            .consume()
            .unwrap();
    }
}

#[test]
fn the_server_enforces_the_transaction_timeout() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let l = db.label("Timeout");
        let mut s = d.session(SessionConfig::default()).unwrap();
        s.run(&format!("CREATE (:{l} {{v: 0}})"), None)
            .unwrap()
            .consume()
            .unwrap();
        // The holder locks the node; the waiter (timeout 1 s) blocks on that lock until the
        // server terminates it.
        let mut holder = d.session(SessionConfig::default()).unwrap();
        let mut htx = holder
            .begin_transaction(&TransactionConfig::default())
            .unwrap();
        htx.run(&format!("MATCH (n:{l}) SET n.v = 1"), None)
            .unwrap()
            .consume()
            .unwrap();
        let mut waiter = d.session(SessionConfig::default()).unwrap();
        let config = TransactionConfig {
            timeout: Some(Duration::from_secs(1)),
            metadata: None,
        };
        let started = Instant::now();
        let err = (|| -> boltc::Result<()> {
            let mut wtx = waiter.begin_transaction(&config)?;
            wtx.run(&format!("MATCH (n:{l}) SET n.v = 2"), None)?
                .consume()?;
            wtx.commit()
        })()
        .expect_err("the server must end the blocked transaction");
        let took = started.elapsed();
        eprintln!("{db}: timed out after {took:?}: {err:?}");
        assert_eq!(err.kind(), ErrorKind::ClientError, "{db}: {err:?}");
        // Blocked on a lock, the timeout ends the lock wait: both lines answer
        // LockClientStopped there (as after an operator's kill), not TransactionTimedOut.
        assert!(
            err.server_code().is_some_and(|c| c
                .starts_with("Neo.ClientError.Transaction.TransactionTimedOut")
                || c == "Neo.ClientError.Transaction.LockClientStopped"),
            "{db}: {err:?}"
        );
        assert!(!err.is_retryable(), "{db}: a timeout is not retried");
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(20),
            "{db}: {took:?}"
        );
        htx.rollback().unwrap();
        // A long computation, no locks: the server stops it with a timeout error.
        let started = Instant::now();
        let err = (|| -> boltc::Result<()> {
            let mut wtx = waiter.begin_transaction(&config)?;
            wtx.run(
                "UNWIND range(1, 2000000000) AS x WITH x WHERE x < 0 RETURN count(x)",
                None,
            )?
            .consume()?;
            wtx.commit()
        })()
        .expect_err("the server must end the long transaction");
        eprintln!(
            "{db}: long query timed out after {:?}: {err:?}",
            started.elapsed()
        );
        assert!(
            err.server_code()
                .is_some_and(|c| c.starts_with("Neo.ClientError.Transaction.TransactionTimedOut")),
            "{db}: {err:?}"
        );
        assert!(!err.is_retryable(), "{db}");
        assert!(started.elapsed() < Duration::from_secs(20), "{db}");
        // Both sessions work afterwards.
        assert_eq!(count(&mut waiter, &l), 1, "{db}");
        s.run(&format!("MATCH (n:{l}) DELETE n"), None)
            .unwrap()
            .consume()
            .unwrap();
    }
}

#[test]
fn transaction_metadata_shows_in_show_transactions() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let tag = db.label("meta");
        let mut meta = Map::new();
        meta.insert("app".into(), Value::String(tag.clone()));
        meta.insert("n".into(), Value::Int(7));
        let mut s = d.session(SessionConfig::default()).unwrap();
        let mut tx = s
            .begin_transaction(&TransactionConfig {
                metadata: Some(meta.clone()),
                timeout: None,
            })
            .unwrap();
        tx.run("RETURN 1", None).unwrap().consume().unwrap();
        let mut other = d.session(SessionConfig::default()).unwrap();
        let rows = other
            .run(
                "SHOW TRANSACTIONS YIELD metaData, username WHERE metaData.app = $tag \
                 RETURN metaData, username",
                params([("tag", Value::String(tag.clone()))]),
            )
            .unwrap()
            .collect_records()
            .unwrap();
        assert_eq!(rows.len(), 1, "{db}: {rows:?}");
        assert_eq!(rows[0].value("metaData"), Some(&Value::Map(meta)), "{db}");
        assert_eq!(
            rows[0].value("username"),
            Some(&Value::String("neo4j".into())),
            "{db}"
        );
        tx.commit().unwrap();
    }
}

#[test]
fn bookmarks_chain_causal_reads_across_sessions_and_drivers() {
    for db in Neo4j::servers() {
        let l = db.label("Bookmarked");
        let writer = db.driver();
        let mut w = writer.session(SessionConfig::default()).unwrap();
        assert!(w.last_bookmarks().is_empty());
        w.run(&format!("CREATE (:{l} {{v: 1}})"), None)
            .unwrap()
            .consume()
            .unwrap();
        let b1 = w.last_bookmarks();
        assert_eq!(b1.len(), 1, "{db}: {b1:?}");
        w.execute_write(|tx| tx.run(&format!("CREATE (:{l} {{v: 2}})"), None)?.consume())
            .unwrap();
        let b2 = w.last_bookmarks();
        assert_eq!(b2.len(), 1, "{db}: {b2:?}");
        assert_ne!(b1, b2, "{db}: each commit moves the bookmark");
        // Another driver, starting from the bookmark, reads both writes.
        let reader = db.driver();
        let mut r = reader
            .session(
                SessionConfig::default()
                    .with_bookmarks(b2.clone())
                    .with_access_mode(AccessMode::Read),
            )
            .unwrap();
        let n: i64 = r
            .execute_read(|tx| {
                tx.run(&format!("MATCH (n:{l}) RETURN count(n) AS c"), None)?
                    .single()?
                    .get("c")
            })
            .unwrap();
        assert_eq!(n, 2, "{db}");
        w.run(&format!("MATCH (n:{l}) DELETE n"), None)
            .unwrap()
            .consume()
            .unwrap();
    }
}

#[test]
fn execute_write_retries_a_real_deadlock_from_two_threads() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let l = db.label("Deadlock");
        let mut s = d.session(SessionConfig::default()).unwrap();
        s.run(
            &format!("CREATE (:{l} {{k: 'a', v: 0}}), (:{l} {{k: 'b', v: 0}})"),
            None,
        )
        .unwrap()
        .consume()
        .unwrap();
        let arrived = Arc::new(AtomicUsize::new(0));
        let attempts = Arc::new(AtomicUsize::new(0));
        let errors = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let threads: Vec<_> = [("a", "b"), ("b", "a")]
            .into_iter()
            .map(|(first, second)| {
                let (d, l) = (d.clone(), l.clone());
                let (arrived, attempts) = (arrived.clone(), attempts.clone());
                std::thread::spawn(move || {
                    let mut s = d.session(SessionConfig::default()).unwrap();
                    let mut mine = 0;
                    s.execute_write(|tx| {
                        mine += 1;
                        attempts.fetch_add(1, Ordering::SeqCst);
                        let lock = |tx: &mut boltc::ManagedTransaction<'_>, k: &str| {
                            tx.run(
                                &format!("MATCH (n:{l} {{k: $k}}) SET n.v = n.v + 1"),
                                params([("k", Value::String(k.into()))]),
                            )?
                            .consume()
                        };
                        lock(tx, first)?;
                        if mine == 1 {
                            // Both hold their first lock before either asks for its second.
                            arrived.fetch_add(1, Ordering::SeqCst);
                            let t = Instant::now();
                            while arrived.load(Ordering::SeqCst) < 2
                                && t.elapsed() < Duration::from_secs(10)
                            {
                                std::thread::sleep(Duration::from_millis(5));
                            }
                        }
                        lock(tx, second)
                    })
                    .map(|_| mine)
                })
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        for r in &results {
            if let Err(e) = r {
                errors.lock().unwrap().push(format!("{e:?}"));
            }
        }
        assert!(errors.lock().unwrap().is_empty(), "{db}: {errors:?}");
        let total = attempts.load(Ordering::SeqCst);
        eprintln!("{db}: {results:?}, {total} attempts");
        assert!(
            total >= 3,
            "{db}: one of the two must have hit the deadlock and retried"
        );
        // Each thread's work counted exactly once per node: 2 increments on each.
        let rows = s
            .run(&format!("MATCH (n:{l}) RETURN n.v AS v"), None)
            .unwrap()
            .collect_records()
            .unwrap();
        for r in rows {
            assert_eq!(r.value("v"), Some(&Value::Int(2)), "{db}");
        }
        s.run(&format!("MATCH (n:{l}) DELETE n"), None)
            .unwrap()
            .consume()
            .unwrap();
    }
}

#[test]
fn a_wrong_password_is_a_typed_auth_error_and_not_retried() {
    for db in Neo4j::servers() {
        let d = Driver::new(
            db.config(&db.bolt_uri())
                .auth(AuthToken::basic(db.user(), "not-the-password"))
                .max_transaction_retry_time(Duration::from_secs(30))
                .build()
                .unwrap(),
        )
        .unwrap();
        let err = d.verify_connectivity().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{db}: {err:?}");
        assert_eq!(
            err.server_code(),
            Some("Neo.ClientError.Security.Unauthorized"),
            "{db}: {err:?}"
        );
        assert!(!err.is_retryable(), "{db}");
        assert!(
            !format!("{err:?} {err}").contains("not-the-password"),
            "{db}: {err:?}"
        );
        // A transaction function gives up at once instead of retrying for 30 s.
        let mut s = d.session(SessionConfig::default()).unwrap();
        let started = Instant::now();
        let err = s
            .execute_read(|tx| tx.run("RETURN 1", None)?.consume())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Authentication, "{db}: {err:?}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{db}: {:?}",
            started.elapsed()
        );
        // verify_authentication says no without an error.
        let good = db.driver();
        assert!(good.verify_authentication(None).unwrap(), "{db}");
        assert!(
            !good
                .verify_authentication(Some(AuthToken::basic(db.user(), "wrong")))
                .unwrap(),
            "{db}"
        );
    }
}

#[test]
fn a_second_user_created_through_the_system_database_and_session_auth() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let user = TempUser::create(&db, &d, "second");
        // Its own driver.
        let d2 = Driver::new(db.config(&db.bolt_uri()).auth(user.auth()).build().unwrap()).unwrap();
        let mut s2 = d2.session(SessionConfig::default()).unwrap();
        assert_eq!(current_user(&mut s2), user.name, "{db}");
        // Session-level auth on the neo4j driver: the same pooled connection re-authenticates
        // (LOGOFF/LOGON, Bolt 5.1+), then serves the driver's own user again.
        let mut s = d.session(SessionConfig::default()).unwrap();
        assert_eq!(current_user(&mut s), "neo4j", "{db}");
        drop(s);
        let mut as_user = d
            .session(SessionConfig::default().with_auth(user.auth()))
            .unwrap();
        assert_eq!(current_user(&mut as_user), user.name, "{db}");
        drop(as_user);
        let mut s = d.session(SessionConfig::default()).unwrap();
        assert_eq!(current_user(&mut s), "neo4j", "{db}");
        drop(s);
        let m = d.pool_metrics();
        assert_eq!(
            (m.len(), m[0].1.created),
            (1, 1),
            "{db}: one connection did it all: {m:?}"
        );
        // Wrong session credentials: a typed error for that session only.
        let mut bad = d
            .session(
                SessionConfig::default().with_auth(AuthToken::basic(&user.name, "wrong-password")),
            )
            .unwrap();
        let err = bad.run("RETURN 1", None).err().expect("wrong session auth");
        assert_eq!(err.kind(), ErrorKind::Authentication, "{db}: {err:?}");
        drop(bad);
        let mut s = d.session(SessionConfig::default()).unwrap();
        assert_eq!(current_user(&mut s), "neo4j", "{db}");
    }
}

#[test]
fn a_user_whose_password_must_change_gets_credentials_expired() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let name = db.label("expired");
        let mut sys = d.session(SessionConfig::database("system")).unwrap();
        sys.run(
            &format!("CREATE USER {name} SET PASSWORD 'initial-pw-1' CHANGE REQUIRED"),
            None,
        )
        .unwrap()
        .consume()
        .unwrap();
        let d2 = Driver::new(
            db.config(&db.bolt_uri())
                .auth(AuthToken::basic(&name, "initial-pw-1"))
                .build()
                .unwrap(),
        )
        .unwrap();
        let mut s = d2.session(SessionConfig::default()).unwrap();
        let err = s
            .run("RETURN 1", None)
            .err()
            .expect("must change password first");
        eprintln!("{db}: {err:?}");
        assert_eq!(
            err.server_code(),
            Some("Neo.ClientError.Security.CredentialsExpired"),
            "{db}: {err:?}"
        );
        assert!(!err.is_retryable(), "{db}");
        sys.run(&format!("DROP USER {name}"), None)
            .unwrap()
            .consume()
            .unwrap();
    }
}

#[test]
fn neo4j_scheme_routes_through_the_single_instance() {
    for db in Neo4j::servers() {
        let d = Driver::new(db.config(&db.uri("neo4j", "127.0.0.1")).build().unwrap()).unwrap();
        d.verify_connectivity().unwrap();
        let mut s = d.session(SessionConfig::default()).unwrap();
        let sum = s
            .run("CREATE () WITH 1 AS x RETURN x", None)
            .unwrap()
            .consume()
            .unwrap();
        // The home database was resolved to `neo4j`.
        assert_eq!(sum.database.as_deref(), Some("neo4j"), "{db}");
        let t = d
            .routing_table(Some("neo4j"))
            .expect("a routing table for neo4j");
        let me = format!("127.0.0.1:{}", db.port());
        for role in [&t.routers, &t.readers, &t.writers] {
            let addrs: Vec<String> = role.iter().map(ToString::to_string).collect();
            assert_eq!(addrs, [me.as_str()], "{db}: {t:?}");
        }
        assert!(t.ttl >= Duration::from_secs(1), "{db}: {t:?}");
        let n: i64 = s
            .execute_read(|tx| {
                tx.run("MATCH () RETURN count(*) AS c", None)?
                    .single()?
                    .get("c")
            })
            .unwrap();
        assert!(n >= 1, "{db}");
        s.run(
            "MATCH (n) WHERE size(labels(n)) = 0 AND size(keys(n)) = 0 DELETE n",
            None,
        )
        .unwrap()
        .consume()
        .unwrap();
        // The system database routes too.
        let mut sys = d.session(SessionConfig::database("system")).unwrap();
        let rows = sys
            .run("SHOW DATABASES YIELD name", None)
            .unwrap()
            .collect_records()
            .unwrap();
        let mut names: Vec<String> = rows.iter().map(|r| r.get("name").unwrap()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names, ["neo4j", "system"], "{db}");
    }
}

#[test]
fn the_background_refresher_renews_the_routing_table_before_its_ttl() {
    for db in Neo4j::servers() {
        // scripts/neo4j.sh gives routing tables a short TTL (BOLTC_NEO4J_ROUTING_TTL, 5 s).
        let ttl: u64 = db
            .get("ROUTING_TTL")
            .and_then(|t| t.parse().ok())
            .unwrap_or(300);
        if ttl > 10 {
            eprintln!("{db}: routing TTL {ttl} s is too long to watch a refresh");
            continue;
        }
        let d = Driver::new(db.config(&db.uri("neo4j", "127.0.0.1")).build().unwrap()).unwrap();
        d.session(SessionConfig::default())
            .unwrap()
            .run("RETURN 1", None)
            .unwrap()
            .consume()
            .unwrap();
        let first = d.routing_table(Some("neo4j")).expect("a table");
        assert_eq!(
            first.ttl,
            Duration::from_secs(ttl),
            "{db}: the server's TTL is used"
        );
        // Nobody uses the driver meanwhile: the refresher fetches again on its own (at 70 % of
        // the TTL), so the table is fresh when the TTL has passed.
        std::thread::sleep(Duration::from_secs(ttl) + Duration::from_millis(500));
        let later = d.routing_table(Some("neo4j")).expect("still a table");
        assert!(
            later.fetched > first.fetched,
            "{db}: not refreshed: {first:?} {later:?}"
        );
        assert!(later.is_fresh(true, Instant::now()), "{db}: {later:?}");
        assert_eq!(later.writers, first.writers, "{db}");
    }
}

#[test]
fn system_database_admin_commands() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let mut sys = d.session(SessionConfig::database("system")).unwrap();
        let rows = sys
            .run("SHOW DATABASES YIELD name, currentStatus, home", None)
            .unwrap()
            .collect_records()
            .unwrap();
        let home: Vec<String> = rows
            .iter()
            .filter(|r| r.value("home") == Some(&Value::Bool(true)))
            .map(|r| r.get("name").unwrap())
            .collect();
        assert_eq!(home, ["neo4j"], "{db}: {rows:?}");
        for r in &rows {
            assert_eq!(
                r.value("currentStatus"),
                Some(&Value::String("online".into())),
                "{db}"
            );
        }
        let users = sys
            .run("SHOW USERS YIELD user", None)
            .unwrap()
            .collect_records()
            .unwrap();
        assert!(
            users
                .iter()
                .any(|r| r.value("user") == Some(&Value::String("neo4j".into()))),
            "{db}: {users:?}"
        );
        // Community has one user database: creating another is refused with a typed error.
        let err = sys
            .run("CREATE DATABASE boltcextra", None)
            .err()
            .expect("refused");
        assert_eq!(err.kind(), ErrorKind::ClientError, "{db}: {err:?}");
        eprintln!("{db}: CREATE DATABASE: {:?}", err.server_code());
    }
}

#[test]
fn a_database_that_does_not_exist_is_a_typed_error() {
    for db in Neo4j::servers() {
        for uri in [db.bolt_uri(), db.uri("neo4j", "127.0.0.1")] {
            let d = Driver::new(db.config(&uri).build().unwrap()).unwrap();
            let mut s = d.session(SessionConfig::database("boltcnosuchdb")).unwrap();
            let started = Instant::now();
            let err = s.run("RETURN 1", None).err().expect("no such database");
            assert_eq!(err.kind(), ErrorKind::ClientError, "{db} {uri}: {err:?}");
            assert_eq!(
                err.server_code(),
                Some("Neo.ClientError.Database.DatabaseNotFound"),
                "{db} {uri}: {err:?}"
            );
            assert!(!err.is_retryable(), "{db}");
            let mut s = d.session(SessionConfig::database("boltcnosuchdb")).unwrap();
            let err = s
                .execute_write(|tx| tx.run("RETURN 1", None)?.consume())
                .unwrap_err();
            assert_eq!(
                err.server_code(),
                Some("Neo.ClientError.Database.DatabaseNotFound"),
                "{db} {uri}: {err:?}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{db}: not retried"
            );
            // The driver is fine for the database that exists.
            let mut s = d.session(SessionConfig::default()).unwrap();
            s.run("RETURN 1", None).unwrap().consume().unwrap();
        }
    }
}

#[test]
fn tls_with_the_generated_ca_self_signed_trust_and_a_wrong_host_name() {
    for db in Neo4j::servers() {
        let ca = db.tls_ca();
        assert!(ca.exists(), "{db}: {ca:?}");
        let host = db.tls_host().to_owned();
        let query = |d: &Driver| -> boltc::Result<i64> {
            d.session(SessionConfig::default())?
                .run("RETURN 41 + 1 AS n", None)?
                .single()?
                .get("n")
        };
        // bolt:// + encrypted + the CA, to the name in the certificate.
        let d = Driver::new(
            db.config(&db.uri("bolt", &host))
                .encrypted(true)
                .trust(TrustStrategy::CustomCa(vec![ca.clone()]))
                .build()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(query(&d).unwrap(), 42, "{db}");
        // bolt+ssc: any certificate, no name check.
        let d = Driver::new(db.config(&db.uri("bolt+ssc", "127.0.0.1")).build().unwrap()).unwrap();
        assert_eq!(query(&d).unwrap(), 42, "{db}");
        // neo4j+ssc: routing over TLS to the advertised 127.0.0.1.
        let d = Driver::new(
            db.config(&db.uri("neo4j+ssc", "127.0.0.1"))
                .build()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(query(&d).unwrap(), 42, "{db}");
        // bolt+s: the system roots do not know the test CA.
        let d = Driver::new(db.config(&db.uri("bolt+s", &host)).build().unwrap()).unwrap();
        let err = query(&d).unwrap_err();
        eprintln!("{db}: unknown CA: {err:?}");
        assert_eq!(err.kind(), ErrorKind::Tls, "{db}: {err:?}");
        // The right CA but a name the certificate is not for (127.0.0.1): rejected.
        let d = Driver::new(
            db.config(&db.uri("bolt", "127.0.0.1"))
                .encrypted(true)
                .trust(TrustStrategy::CustomCa(vec![ca.clone()]))
                .build()
                .unwrap(),
        )
        .unwrap();
        let err = query(&d).unwrap_err();
        eprintln!("{db}: wrong host name: {err:?}");
        assert_eq!(err.kind(), ErrorKind::Tls, "{db}: {err:?}");
        assert!(
            format!("{err:?}").to_lowercase().contains("name")
                || format!("{err:?}").contains("NotValidForName"),
            "{db}: the error should say the name does not match: {err:?}"
        );
    }
}

#[test]
fn an_expiring_token_from_an_auth_manager_is_renewed() {
    for db in Neo4j::servers() {
        let admin = db.driver();
        let user = TempUser::create(&db, &admin, "rotated");
        // The provider gives neo4j's token for 1.5 s, then the second user's.
        let calls = Arc::new(AtomicUsize::new(0));
        let (first, second) = (db.auth(), user.auth());
        let c = calls.clone();
        let manager = boltc::AuthManagers::basic_expiring(move || {
            let n = c.fetch_add(1, Ordering::SeqCst);
            Ok(boltc::ExpiringAuth {
                token: if n == 0 {
                    first.clone()
                } else {
                    second.clone()
                },
                expires_at: Some(Instant::now() + Duration::from_millis(1500)),
            })
        });
        let d = Driver::new(
            db.config(&db.bolt_uri())
                .auth_manager(manager)
                .build()
                .unwrap(),
        )
        .unwrap();
        let mut s = d.session(SessionConfig::default()).unwrap();
        assert_eq!(current_user(&mut s), "neo4j", "{db}");
        drop(s);
        std::thread::sleep(Duration::from_millis(1700));
        let mut s = d.session(SessionConfig::default()).unwrap();
        assert_eq!(
            current_user(&mut s),
            user.name,
            "{db}: the renewed token is used"
        );
        drop(s);
        assert!(calls.load(Ordering::SeqCst) >= 2, "{db}");
        // Re-authenticated in place (LOGOFF/LOGON), not a second connection.
        let m = d.pool_metrics();
        assert_eq!((m.len(), m[0].1.created), (1, 1), "{db}: {m:?}");
    }
}

#[test]
fn list_connections_shows_this_driver_with_its_user_agent() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let mut s = d.session(SessionConfig::default()).unwrap();
        let tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
        let mine = tx.connection_info().unwrap();
        let rows = d.list_connections().unwrap();
        let row = rows
            .iter()
            .find(|c| c.connection_id == mine.connection_id)
            .unwrap_or_else(|| panic!("{db}: {mine:?} not in {rows:?}"));
        assert_eq!(
            row.user_agent,
            format!("boltc/{}", env!("CARGO_PKG_VERSION")),
            "{db}: {row:?}"
        );
        assert_eq!(row.username.as_deref(), Some("neo4j"), "{db}: {row:?}");
        assert_eq!(row.connector, "bolt", "{db}: {row:?}");
        assert_eq!(
            row.server_address,
            format!("127.0.0.1:{}", db.port()),
            "{db}: {row:?}"
        );
        assert!(
            row.client_address.starts_with("127.0.0.1:"),
            "{db}: {row:?}"
        );
        assert!(!row.connect_time.is_empty(), "{db}: {row:?}");
        tx.rollback().unwrap();
        // An unknown id is no error.
        let k = d.kill_connection("bolt-999999999").unwrap();
        assert!(!k.found(), "{db}: {k:?}");
    }
}

#[test]
fn mutual_tls_a_trusted_client_certificate_works_an_untrusted_one_is_refused() {
    for db in Neo4j::servers() {
        let tls = |cert: (std::path::PathBuf, std::path::PathBuf)| {
            Driver::new(
                db.config(&db.uri("bolt", db.tls_host()))
                    .encrypted(true)
                    .trust(TrustStrategy::CustomCa(vec![db.tls_ca()]))
                    .client_certificate(cert.0, cert.1)
                    .build()
                    .unwrap(),
            )
            .unwrap()
        };
        let d = tls(db.tls_client_cert());
        let n: i64 = d
            .session(SessionConfig::default())
            .unwrap()
            .run("RETURN 5 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get("n")
            .unwrap();
        assert_eq!(n, 5, "{db}");
        // The same certificate with its key encrypted, and the key's password.
        let (cert, key, password) = db.tls_client_cert_encrypted();
        let d = Driver::new(
            db.config(&db.uri("bolt", db.tls_host()))
                .encrypted(true)
                .trust(TrustStrategy::CustomCa(vec![db.tls_ca()]))
                .client_certificate_with_password(cert, key, password)
                .build()
                .unwrap(),
        )
        .unwrap();
        let n: i64 = d
            .session(SessionConfig::default())
            .unwrap()
            .run("RETURN 6 AS n", None)
            .unwrap()
            .single()
            .unwrap()
            .get("n")
            .unwrap();
        assert_eq!(n, 6, "{db}");
        // The server checks what it is shown: a certificate not from its CA ends the handshake.
        let d = tls(db.tls_untrusted_cert());
        let err = d.verify_connectivity().unwrap_err();
        eprintln!("{db}: untrusted client certificate: {err:?}");
        assert_eq!(err.kind(), ErrorKind::Tls, "{db}: {err:?}");
    }
}

#[test]
fn execute_query_and_a_bookmark_manager_shared_by_two_drivers() {
    for db in Neo4j::servers() {
        let l = db.label("Managed");
        let manager: Arc<dyn boltc::BookmarkManager> =
            Arc::new(boltc::DefaultBookmarkManager::new(vec![]));
        let with_manager = |routing| boltc::QueryConfig {
            routing,
            bookmark_manager: boltc::QueryBookmarkManager::Custom(manager.clone()),
            ..boltc::QueryConfig::default()
        };
        let a = Driver::new(db.config(&db.uri("neo4j", "127.0.0.1")).build().unwrap()).unwrap();
        let b = db.driver();
        let res = a
            .execute_query(
                &format!("CREATE (n:{l} {{v: $v}}) RETURN n.v AS v"),
                params([("v", Value::Int(9))]),
                &with_manager(boltc::RoutingControl::Write),
            )
            .unwrap();
        assert_eq!(res.keys, ["v"], "{db}");
        assert_eq!(res.records[0].value("v"), Some(&Value::Int(9)), "{db}");
        assert_eq!(res.summary.counters.nodes_created, 1, "{db}");
        assert_eq!(
            manager.get_bookmarks().len(),
            1,
            "{db}: the write's bookmark is kept"
        );
        let res = b
            .execute_query(
                &format!("MATCH (n:{l}) RETURN count(n) AS c"),
                None,
                &with_manager(boltc::RoutingControl::Read),
            )
            .unwrap();
        assert_eq!(res.records[0].value("c"), Some(&Value::Int(1)), "{db}");
        // The driver's own manager chains execute_query calls of one driver.
        a.execute_query(
            &format!("MATCH (n:{l}) DELETE n"),
            None,
            &boltc::QueryConfig::default(),
        )
        .unwrap();
        assert!(
            !a.execute_query_bookmark_manager()
                .get_bookmarks()
                .is_empty(),
            "{db}"
        );
    }
}

#[test]
fn impersonation_is_refused_by_community_with_a_typed_error() {
    for db in Neo4j::servers() {
        let d = db.driver();
        let mut s = d
            .session(SessionConfig::default().with_impersonated_user("someone"))
            .unwrap();
        let err = s
            .run("RETURN 1", None)
            .err()
            .expect("Community has no impersonation");
        assert_eq!(err.kind(), ErrorKind::ClientError, "{db}: {err:?}");
        assert_eq!(
            err.server_code(),
            Some("Neo.ClientError.Statement.ArgumentError"),
            "{db}: {err:?}"
        );
        assert!(err.message().contains("community"), "{db}: {err:?}");
        assert!(!err.is_retryable(), "{db}");
        drop(s);
        let mut s = d.session(SessionConfig::default()).unwrap();
        assert_eq!(current_user(&mut s), "neo4j", "{db}");
    }
}
