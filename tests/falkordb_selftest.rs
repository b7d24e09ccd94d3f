//! Tests of the FalkorDB launcher: start, a raw Bolt 5.7 handshake, stop, restart.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::FalkorDb;

/// Sends the Bolt preamble with the single proposal 5.7 and returns the server's 4-byte answer.
fn handshake_5_7(address: &str) -> [u8; 4] {
    let mut s = TcpStream::connect(address).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut hello = vec![0x60, 0x60, 0xB0, 0x17, 0x00, 0x00, 0x07, 0x05];
    hello.resize(20, 0);
    s.write_all(&hello).unwrap();
    let mut reply = [0u8; 4];
    s.read_exact(&mut reply).unwrap();
    reply
}

#[test]
fn starts_answers_a_bolt_5_7_handshake_and_stops() {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    assert!(db.bolt_uri().starts_with("bolt://127.0.0.1:"));
    let address = db.bolt_address();
    assert_eq!(handshake_5_7(&address), [0x00, 0x00, 0x07, 0x05]);
    db.stop();
    assert!(!db.is_running());
    assert!(
        TcpStream::connect(&address).is_err(),
        "the Bolt port is still open after stop()"
    );
}

#[test]
fn restart_serves_again_on_the_same_address() {
    let Some(mut db) = FalkorDb::start() else {
        return;
    };
    let uri = db.bolt_uri();
    db.restart();
    assert_eq!(db.bolt_uri(), uri);
    assert_eq!(handshake_5_7(&db.bolt_address()), [0x00, 0x00, 0x07, 0x05]);
}
