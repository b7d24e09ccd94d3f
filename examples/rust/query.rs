//! Connects, runs a parameterised query and prints the rows.
//!
//! Usage: `cargo run --example query -- [URI] [USER] [PASSWORD]`
//! (defaults: `bolt://127.0.0.1:7687`, `falkordb`, empty password).

use boltc::{AuthToken, Config, Driver, Map, Value};

fn main() -> boltc::Result<()> {
    let mut args = std::env::args().skip(1);
    let uri = args
        .next()
        .unwrap_or_else(|| "bolt://127.0.0.1:7687".into());
    let user = args.next().unwrap_or_else(|| "falkordb".into());
    let password = args.next().unwrap_or_default();

    let driver = Driver::new(
        Config::builder(&uri)
            .auth(AuthToken::basic(user, password))
            .build()?,
    )?;
    let mut session = driver.session(Default::default())?;

    let mut params = Map::new();
    params.insert("limit".into(), Value::Int(5));
    let mut result = session.run(
        "UNWIND range(1, $limit) AS n RETURN n, n * n AS square",
        Some(params),
    )?;
    println!("{:?}", result.keys()?);
    for record in result.by_ref() {
        let record = record?;
        let n: i64 = record.get("n")?;
        let square: i64 = record.get("square")?;
        println!("{n}\t{square}");
    }
    let summary = result.consume()?;
    println!(
        "server {} ({}), Bolt {}.{}",
        summary.server.agent,
        summary.server.address,
        summary.server.protocol_version.0,
        summary.server.protocol_version.1
    );
    driver.close();
    Ok(())
}
