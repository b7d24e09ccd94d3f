//! The limits a client can approach, measured without a driver.
//!
//! - `raw drain ADDR QUERY FETCH`: RUN + PULL FETCH (again while has_more), walking the chunk
//!   framing to each message's tag without decoding anything: the floor for W1/W1b.
//! - `raw rtt ADDR N`: N sequential `RETURN 1 AS n` exchanges (RUN + PULL in one write, read to
//!   the final SUCCESS) without decoding: the floor for W2.
//! - `raw connect ADDR N`: N × connect, handshake, HELLO (+ LOGON) in one write, GOODBYE, close,
//!   with a 4 KiB read buffer: the floor for W4.
//! - `raw pingpong N`: N 16-byte TCP ping-pongs over loopback between two threads of this
//!   process: the floor of any request/response.

use boltc_bench::{message, pull, report, run_pull, start_timer, tag, RawConn, RETURN_1};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> &str {
        args.get(i)
            .map(String::as_str)
            .expect("usage: see the module docs")
    };
    match arg(0) {
        "drain" => drain(arg(1), arg(2), arg(3).parse().expect("FETCH")),
        "rtt" => rtt(arg(1), arg(2).parse().expect("N")),
        "connect" => connect(arg(1), arg(2).parse().expect("N")),
        "pingpong" => pingpong(arg(1).parse().expect("N")),
        other => panic!("unknown mode {other}"),
    }
}

fn drain(addr: &str, query: &str, fetch: i64) {
    let mut c = RawConn::connect(addr).expect("connect");
    let more = pull(fetch);
    let started = start_timer();
    c.stream.write_all(&run_pull(query, fetch)).expect("write");
    let (t, _) = c.next_message_tag().expect("RUN reply");
    assert_eq!(t, tag::SUCCESS, "RUN failed");
    let mut records = 0u64;
    loop {
        match c.next_message_tag().expect("read") {
            (tag::RECORD, _) => records += 1,
            (tag::SUCCESS, true) => c.stream.write_all(&more).expect("write"),
            (tag::SUCCESS, false) => break,
            (t, _) => panic!("unexpected message 0x{t:02X}"),
        }
    }
    report(
        "raw",
        "drain",
        records,
        started,
        &format!(", \"rows\": {records}"),
    );
}

fn rtt(addr: &str, n: u64) {
    let mut c = RawConn::connect(addr).expect("connect");
    let request = run_pull(RETURN_1, 1000);
    // SUCCESS (RUN), RECORD, SUCCESS (PULL): read to the second SUCCESS.
    let once = |c: &mut RawConn| {
        c.stream.write_all(&request).expect("write");
        let mut successes = 0;
        while successes < 2 {
            match c.next_message_tag().expect("read") {
                (tag::RECORD, _) => {}
                (tag::SUCCESS, _) => successes += 1,
                (t, _) => panic!("unexpected message 0x{t:02X}"),
            }
        }
    };
    for _ in 0..n.min(200) {
        once(&mut c);
    }
    let started = start_timer();
    for _ in 0..n {
        once(&mut c);
    }
    report("raw", "rtt", n, started, "");
}

fn connect(addr: &str, n: u64) {
    let mut goodbye = Vec::new();
    message(&mut goodbye, 0, tag::GOODBYE, |_| {});
    let started = start_timer();
    for _ in 0..n {
        let mut c = RawConn::connect_with_buffer(addr, 4096).expect("connect");
        c.stream.write_all(&goodbye).expect("write");
    }
    report("raw", "connect", n, started, "");
}

fn pingpong(n: u64) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("accept");
        s.set_nodelay(true).expect("nodelay");
        let mut buf = [0u8; 16];
        while s.read_exact(&mut buf).is_ok() {
            if s.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_nodelay(true).expect("nodelay");
    let mut buf = [7u8; 16];
    for _ in 0..n.min(1000) {
        c.write_all(&buf).expect("write");
        c.read_exact(&mut buf).expect("read");
    }
    let started = start_timer();
    for _ in 0..n {
        c.write_all(&buf).expect("write");
        c.read_exact(&mut buf).expect("read");
    }
    report("raw", "pingpong", n, started, "");
    drop(c);
    server.join().expect("server thread");
}
