//! The boltc TestKit backend.
//!
//! TestKit (the Neo4j driver conformance suite) drives this process over TCP: it sends one JSON
//! request per block, and the backend performs it with boltc and answers with one JSON response.
//! Each TestKit connection is served by its own thread with its own registry of drivers,
//! sessions, transactions and results; when the connection closes, all of them are dropped.
//!
//! Usage: `testkit-backend [ADDRESS]` (default `127.0.0.1:9876`; the `TESTKIT_BACKEND_ADDR`
//! environment variable is used when no argument is given).

mod connection;
mod cypher;
mod features;
mod framing;
mod handler;
mod managers;
mod registry;
mod requests;
mod responses;
mod routing;
mod tls_env;

use std::net::TcpListener;

const DEFAULT_ADDRESS: &str = "127.0.0.1:9876";

fn main() {
    let address = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("TESTKIT_BACKEND_ADDR").ok())
        .unwrap_or_else(|| DEFAULT_ADDRESS.to_owned());
    let listener = match TcpListener::bind(&address) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("testkit-backend: cannot listen on {address}: {e}");
            std::process::exit(1);
        }
    };
    println!("testkit-backend: listening on {address}");
    for (n, stream) in listener.incoming().enumerate() {
        match stream {
            Ok(stream) => {
                let spawned = std::thread::Builder::new()
                    .name(format!("testkit-conn-{n}"))
                    .spawn(move || connection::serve(stream));
                if let Err(e) = spawned {
                    eprintln!("testkit-backend: cannot spawn a connection thread: {e}");
                }
            }
            Err(e) => eprintln!("testkit-backend: accept failed: {e}"),
        }
    }
}
