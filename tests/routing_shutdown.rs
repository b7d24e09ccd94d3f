//! The `boltc-routing` refresher thread stops on `Driver::close` and on the last drop.
//! (Its own test binary, so no other test's driver owns a refresher thread.)

use boltc::{Config, Driver};
use std::time::{Duration, Instant};

/// How many threads of this process are named `boltc-routing` (Linux: /proc/self/task).
fn routing_threads() -> usize {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "boltc-routing")
        .count()
}

/// The thread names itself once it runs, so wait a little for a new one to show up.
fn wait_for_one() {
    let t0 = Instant::now();
    while routing_threads() != 1 && t0.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(routing_threads(), 1);
}

fn routing_driver() -> Driver {
    Driver::new(Config::builder("neo4j://127.0.0.1:1").build().unwrap()).unwrap()
}

#[test]
fn refresher_stops_on_close_and_on_drop() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("skipped: no /proc/self/task on this platform");
        return;
    }
    let d = routing_driver();
    wait_for_one();
    let t0 = Instant::now();
    d.close();
    assert!(t0.elapsed() < Duration::from_secs(1), "close is prompt");
    assert_eq!(routing_threads(), 0, "joined on close");

    let d = routing_driver();
    let clone = d.clone();
    wait_for_one();
    drop(d);
    assert_eq!(routing_threads(), 1, "a clone keeps it alive");
    drop(clone);
    // Joined by the last drop; but if the thread itself held the last reference for a moment
    // (it holds one while it checks the tables), it was the last owner and exits on its own
    // right after, as it cannot join itself.
    let t0 = Instant::now();
    while routing_threads() != 0 && t0.elapsed() < Duration::from_secs(2) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(routing_threads(), 0, "gone after the last drop");

    let direct = Driver::new(Config::builder("bolt://127.0.0.1:1").build().unwrap()).unwrap();
    assert_eq!(routing_threads(), 0, "bolt:// has no refresher");
    drop(direct);
}
