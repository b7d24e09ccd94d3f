//! A tiny cypher-shell: runs one query given on the command line and prints the rows.
//!
//! Usage: `cargo run --example cypher_shell -- URI QUERY [USER [PASSWORD]]`
//! e.g. `cargo run --example cypher_shell -- bolt://127.0.0.1:7687 "RETURN 1 AS x" falkordb`

use boltc::{AuthToken, Config, Driver, Value};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: cypher_shell URI QUERY [USER [PASSWORD]]");
        std::process::exit(2);
    }
    if let Err(e) = run(&args) {
        eprintln!("error ({:?}): {e}", e.kind());
        std::process::exit(1);
    }
}

fn run(args: &[String]) -> boltc::Result<()> {
    let auth = match args.get(2) {
        Some(user) => AuthToken::basic(user.clone(), args.get(3).cloned().unwrap_or_default()),
        None => AuthToken::none(),
    };
    let driver = Driver::new(Config::builder(&args[0]).auth(auth).build()?)?;
    let mut session = driver.session(Default::default())?;
    let started = Instant::now();
    let mut result = session.run(&args[1], None)?;
    println!("{}", result.keys()?.join("\t"));
    let mut rows = 0u64;
    for record in result.by_ref() {
        let record = record?;
        let cells: Vec<String> = record.values().iter().map(show).collect();
        println!("{}", cells.join("\t"));
        rows += 1;
    }
    let summary = result.consume()?;
    eprintln!(
        "{rows} row(s) in {:?} from {} ({}, Bolt {}.{})",
        started.elapsed(),
        summary.server.address,
        summary.server.agent,
        summary.server.protocol_version.0,
        summary.server.protocol_version.1
    );
    Ok(())
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::List(l) => format!("[{}]", l.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Map(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Node(n) => format!(
            "({}:{} {})",
            n.element_id,
            n.labels.join(":"),
            show(&Value::Map(n.properties.clone()))
        ),
        other => format!("{other:?}"),
    }
}
