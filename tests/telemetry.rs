//! Bolt 5.4+ telemetry against the stub: which API number each kind of call announces, that it
//! leaves in the same write as the call's first request, that a retried transaction function
//! announces itself once, and when nothing is sent (driver switch, no server hint, Bolt 5.3).

mod common;
mod support;

use boltc::{ErrorKind, QueryConfig, RetryPolicy, SessionConfig, TransactionConfig};
use common::{assert_kind, driver, driver_with};
use std::time::Duration;
use support::StubServer;

fn hello(version: &str, telemetry_hint: bool) -> String {
    let hints = if telemetry_hint {
        ", \"hints\": {\"telemetry.enabled\": true}"
    } else {
        ""
    };
    format!(
        "!: BOLT {version}\n!: AUTO RESET\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/5.20.0\", \"connection_id\": \"bolt-1\"{hints}}}\n\
         C: LOGON {{\"scheme\": \"basic\", ..}}\n\
         S: SUCCESS {{}}\n"
    )
}

/// RUN + PULL for `RETURN 1 AS n` (the client's side).
const RUN_C: &str = "C: RUN \"RETURN 1 AS n\" {} {..}\nC: PULL {\"n\": 1000}\n";
/// The replies to [`RUN_C`].
const RUN_S: &str =
    "S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {\"type\": \"r\"}\n";
/// RUN + PULL and their replies.
const RUN_PULL: &str = concat!(
    "C: RUN \"RETURN 1 AS n\" {} {..}\nC: PULL {\"n\": 1000}\n",
    "S: SUCCESS {\"fields\": [\"n\"]}\nS: RECORD [1]\nS: SUCCESS {\"type\": \"r\"}\n"
);

fn auto_commit(d: &boltc::Driver) -> boltc::Result<i64> {
    let mut s = d.session(SessionConfig::default())?;
    let n = s.run("RETURN 1 AS n", None)?.single()?.get::<i64, _>(0)?;
    Ok(n)
}

#[test]
fn auto_commit_run_announces_api_2_in_the_same_write_as_run_and_pull() {
    let stub = StubServer::start(&format!(
        "{}C: TELEMETRY 2\nC: RUN \"RETURN 1 AS n\" {{}} {{..}}\nC: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{}}\nS: SUCCESS {{\"fields\": [\"n\"]}}\nS: RECORD [1]\n\
         S: SUCCESS {{\"type\": \"r\"}}\n",
        hello("5.4", true)
    ));
    let d = driver(&stub.uri());
    assert_eq!(auto_commit(&d).unwrap(), 1);
    drop(d);
    stub.finish();
}

#[test]
fn explicit_transaction_announces_api_1_before_begin() {
    let stub = StubServer::start(&format!(
        "{}C: TELEMETRY 1\nC: BEGIN {{}}\n{RUN_C}S: SUCCESS {{}}\nS: SUCCESS {{}}\n{RUN_S}\
         C: COMMIT\nS: SUCCESS {{}}\n",
        hello("5.4", true)
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut tx = s.begin_transaction(&TransactionConfig::default()).unwrap();
    let n: i64 = tx
        .run("RETURN 1 AS n", None)
        .unwrap()
        .single()
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(n, 1);
    tx.commit().unwrap();
    drop(s);
    drop(d);
    stub.finish();
}

#[test]
fn a_retried_transaction_function_announces_api_0_once() {
    // The first attempt's BEGIN fails with a transient error after TELEMETRY was acknowledged:
    // the retry begins again without a second TELEMETRY.
    let stub = StubServer::start(&format!(
        "{}C: TELEMETRY 0\nC: BEGIN {{..}}\n{RUN_C}\
         S: SUCCESS {{}}\n\
         S: FAILURE {{\"code\": \"Neo.TransientError.General.PleaseRetry\", \"message\": \"again\"}}\n\
         S: IGNORED\nS: IGNORED\n\
         C: RESET\nS: SUCCESS {{}}\n\
         C: BEGIN {{..}}\n{RUN_C}S: SUCCESS {{}}\n{RUN_S}\
         C: COMMIT\nS: SUCCESS {{}}\n",
        hello("5.4", true)
    ));
    let d = driver(&stub.uri());
    let mut s = d.session(SessionConfig::default()).unwrap();
    let mut attempts = 0;
    let n = s
        .execute_read(|tx| {
            attempts += 1;
            tx.run("RETURN 1 AS n", None)?.single()?.get::<i64, _>(0)
        })
        .unwrap();
    assert_eq!((n, attempts), (1, 2));
    drop(s);
    drop(d);
    stub.finish();
}

#[test]
fn a_transaction_function_whose_telemetry_went_unanswered_announces_again_on_retry() {
    // The connection dies right after TELEMETRY + BEGIN + RUN + PULL: nothing was acknowledged,
    // so the second connection carries TELEMETRY 0 again.
    let mut stub = StubServer::start(&format!(
        "!: CONNECTIONS 2..8\n{}\
         C: TELEMETRY 0\nC: BEGIN {{..}}\n\
         ?{{\nC: RUN \"RETURN 1 AS n\" {{}} {{..}}\nC: PULL {{\"n\": 1000}}\nS: <EXIT>\n}}\n\
         S: <EXIT>\n",
        hello("5.4", true)
    ));
    stub.set_finish_timeout(Duration::from_secs(5));
    // Every connection dies the same way; the retries (10, 20, 40, 80, 160 ms apart, until
    // the 200 ms of retry time are spent: at most 6 attempts) give two or more connections,
    // each of which must announce the call. The retry time leaves a slow machine room for a
    // second attempt.
    let d = driver_with(&stub.uri(), |b| {
        b.retry_policy(
            RetryPolicy::new()
                .with_initial_delay(Duration::from_millis(10))
                .with_multiplier(2.0)
                .with_jitter(0.0),
        )
        .max_transaction_retry_time(Duration::from_millis(200))
    });
    let mut s = d.session(SessionConfig::default()).unwrap();
    let e = s
        .execute_read(|tx| tx.run("RETURN 1 AS n", None)?.single()?.get::<i64, _>(0))
        .unwrap_err();
    assert!(e.is_retryable(), "{e}");
    drop(s);
    drop(d);
    let telemetry: Vec<String> = stub
        .transcripts()
        .iter()
        .map(|t| {
            t.iter()
                .filter(|l| l.contains("TELEMETRY"))
                .cloned()
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect();
    assert!(telemetry.len() >= 2, "{telemetry:?}");
    assert!(
        telemetry.iter().all(|t| t.contains("TELEMETRY 0")),
        "{telemetry:?}"
    );
}

#[test]
fn execute_query_announces_api_3() {
    let stub = StubServer::start(&format!(
        "{}C: TELEMETRY 3\nC: BEGIN {{..}}\n{RUN_C}S: SUCCESS {{}}\nS: SUCCESS {{}}\n{RUN_S}\
         C: COMMIT\nS: SUCCESS {{\"bookmark\": \"bm1\"}}\n",
        hello("5.4", true)
    ));
    let d = driver(&stub.uri());
    let res = d
        .execute_query("RETURN 1 AS n", None, &QueryConfig::default())
        .unwrap();
    assert_eq!(res.records.len(), 1);
    drop(d);
    stub.finish();
}

#[test]
fn nothing_is_sent_when_the_driver_turns_telemetry_off() {
    let stub = StubServer::start(&format!("{}{RUN_PULL}", hello("5.4", true)));
    let d = driver_with(&stub.uri(), |b| b.telemetry_disabled(true));
    assert_eq!(auto_commit(&d).unwrap(), 1);
    drop(d);
    stub.finish();
}

#[test]
fn nothing_is_sent_without_the_server_hint_or_before_bolt_5_4() {
    for (version, hint) in [("5.4", false), ("5.3", true)] {
        let stub = StubServer::start(&format!("{}{RUN_PULL}", hello(version, hint)));
        let d = driver(&stub.uri());
        assert_eq!(auto_commit(&d).unwrap(), 1, "Bolt {version}");
        drop(d);
        stub.finish();
    }
}

#[test]
fn a_failed_telemetry_fails_the_call_with_the_server_error() {
    let stub = StubServer::start(&format!(
        "{}C: TELEMETRY 2\nC: RUN \"RETURN 1 AS n\" {{}} {{..}}\nC: PULL {{\"n\": 1000}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Request.Invalid\", \"message\": \"no telemetry here\"}}\n\
         S: IGNORED\nS: IGNORED\n\
         C: RESET\nS: SUCCESS {{}}\n",
        hello("5.4", true)
    ));
    let d = driver(&stub.uri());
    let e = auto_commit(&d).unwrap_err();
    assert_kind(&e, ErrorKind::ClientError);
    assert_eq!(e.server_code(), Some("Neo.ClientError.Request.Invalid"));
    drop(d);
    stub.finish();
}
