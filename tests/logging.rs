//! Logging: every line is captured at trace level while HELLO/LOGON (basic and bearer, Bolt 4.4
//! and 5.4) and a re-authentication run, and no password or token ever shows up — neither in
//! a log line nor in the `Debug` output of configs, tokens, drivers, sessions and errors.

mod support;

use boltc::{AuthToken, Config, Driver, SessionConfig};
use parking_lot::Mutex;
use std::sync::OnceLock;
use std::time::Duration;
use support::StubServer;

const PASSWORD: &str = "pw-Very-Secret-1";
const TOKEN: &str = "tok-Very-Secret-2";
const TOKEN2: &str = "tok-Very-Secret-3";
const SECRETS: [&str; 3] = [PASSWORD, TOKEN, TOKEN2];

struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        self.0
            .lock()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

/// Installs the capturing logger once per test binary and returns it.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let c: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        log::set_logger(c).expect("no other logger in this binary");
        log::set_max_level(log::LevelFilter::Trace);
        c
    })
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows a secret: {text}");
    }
}

fn assert_log_clean(lines_wanted: &[&str]) {
    let lines = capture().0.lock().clone();
    for l in &lines {
        assert_no_secret("a log line", l);
    }
    for want in lines_wanted {
        assert!(
            lines.iter().any(|l| l.contains(want)),
            "no log line contains {want:?}:\n{}",
            lines.join("\n")
        );
    }
}

const QUERY: &str = "C: RUN \"RETURN 1 AS x\" {} {}\nC: PULL {\"n\": 1000}\n\
    S: SUCCESS {\"fields\": [\"x\"]}\nS: RECORD [1]\nS: SUCCESS {\"type\": \"r\"}\n";

fn config(uri: &str, auth: AuthToken) -> Config {
    Config::builder(uri)
        .auth(auth)
        .connection_timeout(Duration::from_secs(3))
        .read_timeout(Some(Duration::from_secs(3)))
        .build()
        .unwrap()
}

fn run_one(d: &Driver, session: SessionConfig) {
    let mut s = d.session(session).unwrap();
    let n: i64 = s
        .run("RETURN 1 AS x", None)
        .unwrap()
        .single()
        .unwrap()
        .get("x")
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn bolt5_basic_logon_and_bearer_reauth_are_redacted() {
    capture();
    let stub = StubServer::start(&format!(
        "!: BOLT 5.4\n!: AUTO RESET\n\
         C: HELLO {{..}}\nS: SUCCESS {{\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-51\"}}\n\
         C: LOGON {{\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"{PASSWORD}\", ..}}\n\
         S: SUCCESS {{}}\n{QUERY}\
         C: LOGOFF\nS: SUCCESS {{}}\n\
         C: LOGON {{\"scheme\": \"bearer\", \"credentials\": \"{TOKEN}\"}}\nS: SUCCESS {{}}\n{QUERY}\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    let cfg = config(&stub.uri(), AuthToken::basic("neo4j", PASSWORD));
    assert_no_secret("Debug of Config", &format!("{cfg:?}"));
    let d = Driver::new(cfg).unwrap();
    assert_no_secret("Debug of Driver", &format!("{d:?}"));
    run_one(&d, SessionConfig::default());
    let bearer = SessionConfig::default().with_auth(AuthToken::bearer(TOKEN));
    assert_no_secret("Debug of SessionConfig", &format!("{bearer:?}"));
    let s = d.session(bearer.clone()).unwrap();
    assert_no_secret("Debug of Session", &format!("{s:?}"));
    drop(s);
    run_one(&d, bearer);
    d.close();
    stub.finish();
    assert_log_clean(&[
        "[bolt-51@",
        "C: LOGON",
        "C: LOGOFF",
        "C: RUN",
        "S: SUCCESS",
        "pool:",
    ]);
}

#[test]
fn bolt4_hello_with_credentials_is_redacted() {
    capture();
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n!: AUTO RESET\n\
         C: HELLO {{\"user_agent\": \"*\", \"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"{PASSWORD}\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/4.4.0\", \"connection_id\": \"bolt-44\"}}\n{QUERY}\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    let d = Driver::new(config(&stub.uri(), AuthToken::basic("neo4j", PASSWORD))).unwrap();
    run_one(&d, SessionConfig::default());
    d.close();
    stub.finish();
    assert_log_clean(&["[bolt-44@", "C: HELLO"]);
}

#[test]
fn bearer_tokens_on_4_4_and_5_4_are_redacted() {
    capture();
    let stub4 = StubServer::start(&format!(
        "!: BOLT 4.4\n!: AUTO RESET\n\
         C: HELLO {{\"user_agent\": \"*\", \"scheme\": \"bearer\", \"credentials\": \"{TOKEN2}\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/4.4.0\", \"connection_id\": \"bolt-4b\"}}\n{QUERY}\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    let stub5 = StubServer::start(&format!(
        "!: BOLT 5.4\n!: AUTO RESET\n\
         C: HELLO {{..}}\nS: SUCCESS {{\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-5b\"}}\n\
         C: LOGON {{\"scheme\": \"bearer\", \"credentials\": \"{TOKEN2}\"}}\nS: SUCCESS {{}}\n{QUERY}\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    for stub in [&stub4, &stub5] {
        let token = AuthToken::bearer(TOKEN2);
        assert_no_secret("Debug of AuthToken", &format!("{token:?}"));
        let d = Driver::new(config(&stub.uri(), token)).unwrap();
        run_one(&d, SessionConfig::default());
        d.close();
    }
    stub4.finish();
    stub5.finish();
    assert_log_clean(&["[bolt-4b@", "[bolt-5b@"]);
}

#[test]
fn a_rejected_logon_error_does_not_show_the_password() {
    capture();
    let stub = StubServer::start(&format!(
        "!: BOLT 5.4\n\
         C: HELLO {{..}}\nS: SUCCESS {{\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-x\"}}\n\
         C: LOGON {{\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"{PASSWORD}\", ..}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Security.Unauthorized\", \"message\": \"The client is unauthorized due to authentication failure.\"}}\n\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    let d = Driver::new(config(&stub.uri(), AuthToken::basic("neo4j", PASSWORD))).unwrap();
    let e = d.verify_connectivity().unwrap_err();
    assert_no_secret("Debug of Error", &format!("{e:?}"));
    assert_no_secret("Display of Error", &e.to_string());
    d.close();
    stub.finish();
    assert_log_clean(&["S: FAILURE"]);
}

/// The example block of docs/LOGGING.md: the lines after the `<!-- checked by
/// tests/logging.rs -->` marker's fenced block, one log line each.
fn doc_example_lines() -> Vec<String> {
    let doc = include_str!("../docs/LOGGING.md");
    let start = doc
        .find("<!-- checked by tests/logging.rs -->")
        .expect("the marker in docs/LOGGING.md");
    let block = &doc[start..];
    let open = block
        .find("```text\n")
        .expect("a text block after the marker")
        + 8;
    let close = block[open..].find("```").expect("the block's end") + open;
    block[open..close].lines().map(str::to_owned).collect()
}

/// Seed 001's transcript syntax (`C: HELLO {"scheme": "basic", ...}` / `S: SUCCESS {...}`):
/// the real lines for HELLO, RUN, PULL, SUCCESS, RECORD and FAILURE equal the examples in
/// docs/LOGGING.md, character for character (with the stub's address written as the doc's).
#[test]
fn log_lines_match_the_documented_examples() {
    capture();
    let stub = StubServer::start(&format!(
        "!: BOLT 4.4\n\
         C: HELLO {{\"user_agent\": \"MyClient/1.0\", \"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"{PASSWORD}\", ..}}\n\
         S: SUCCESS {{\"server\": \"Neo4j/4.4.0\", \"connection_id\": \"bolt-7\"}}\n\
         C: RUN \"UNWIND $xs AS x RETURN x, $s AS s\" {{\"xs\": *, \"s\": *}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: SUCCESS {{\"fields\": [\"x\", \"s\"], \"t_first\": 2}}\n\
         S: RECORD [1, \"short\"]\n\
         S: SUCCESS {{\"type\": \"r\", \"t_last\": 0, \"db\": \"neo4j\"}}\n\
         C: RUN \"RETURN 1 +\" {{}} {{}}\n\
         C: PULL {{\"n\": 1000}}\n\
         S: FAILURE {{\"code\": \"Neo.ClientError.Statement.SyntaxError\", \"message\": \"Invalid input\"}}\n\
         S: IGNORED\n\
         C: RESET\nS: SUCCESS {{}}\n\
         ?{{\nC: GOODBYE\n}}\n"
    ));
    let cfg = Config::builder(&stub.uri())
        .auth(AuthToken::basic("neo4j", PASSWORD))
        .user_agent("MyClient/1.0")
        .connection_timeout(Duration::from_secs(3))
        .read_timeout(Some(Duration::from_secs(3)))
        .build()
        .unwrap();
    let d = Driver::new(cfg).unwrap();
    let mut s = d.session(SessionConfig::default()).unwrap();
    let xs = boltc::Value::List((1..=30).map(boltc::Value::Int).collect());
    let params: boltc::Map = [
        ("xs".to_owned(), xs),
        ("s".to_owned(), boltc::Value::String("short".into())),
    ]
    .into_iter()
    .collect();
    let rows = s
        .run("UNWIND $xs AS x RETURN x, $s AS s", Some(params))
        .unwrap()
        .count();
    assert_eq!(rows, 1);
    assert!(s.run("RETURN 1 +", None).is_err());
    drop(s);
    d.close();
    let addr = stub.address();
    stub.finish();

    let mine: Vec<String> = capture()
        .0
        .lock()
        .iter()
        .filter(|l| l.contains(&format!("@{addr}] ")))
        // "LEVEL line": the doc shows the line.
        .filter_map(|l| {
            l.split_once(' ')
                .map(|(_, line)| line.replace(&addr, "localhost:7687"))
        })
        .collect();
    let doc = doc_example_lines();
    assert!(doc.len() >= 6, "{doc:?}");
    for want in &doc {
        assert!(
            mine.iter().any(|l| l == want),
            "docs/LOGGING.md shows\n  {want}\nbut the driver logged:\n  {}",
            mine.join("\n  ")
        );
    }
    for kind in [
        "C: HELLO ",
        "C: RUN ",
        "C: PULL ",
        "S: SUCCESS ",
        "S: RECORD ",
        "S: FAILURE ",
    ] {
        assert!(doc.iter().any(|l| l.contains(kind)), "no {kind} example");
    }
}
