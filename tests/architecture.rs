//! The layering rules of docs/ARCHITECTURE.md, checked on the source: no import cycle between
//! the top-level modules of `src/` (unit-test code excluded), and the lower layers (`routing`,
//! `pool`, `bolt`, `auth`, `net`, `packstream`, `value`) never reach up into `driver` or `ffi`
//! (whose leaf `ffi/fork.rs`, the `fork` hook of `process`, is a node of its own).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its unit tests (`tests.rs` files, and everything from a
/// `#[cfg(test)]` at the start of a line on).
fn code(p: &Path) -> String {
    if p.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = std::fs::read_to_string(p).unwrap();
    match text.find("\n#[cfg(test)]") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

/// The one file of `ffi` that other modules may use, a node of its own (`ffi::fork`): the
/// `fork` hook of `process`, whose `pthread_atfork` call is `unsafe` and so must live in
/// `src/ffi/`. It imports nothing from the crate (checked below), so it closes no cycle.
const FFI_LEAF: &str = "ffi/fork.rs";
const FFI_LEAF_NODE: &str = "ffi::fork";

/// Top-level module -> the top-level modules its code names through `crate::` (and
/// [`FFI_LEAF_NODE`]).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    // Items the crate root re-exports (`pub use error::{Error, ...};`), named as `crate::Error`.
    let mut root_items: BTreeMap<String, String> = BTreeMap::new();
    for stmt in lib.split(';') {
        let stmt = stmt.trim();
        if let Some(rest) = stmt.strip_prefix("pub use ") {
            let module = rest.split("::").next().unwrap().trim().to_owned();
            let items = rest.split_once("::").map_or("", |(_, i)| i);
            for item in items.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
                if !item.is_empty() {
                    root_items.insert(item.to_owned(), module.clone());
                }
            }
        }
    }
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&src).unwrap();
            let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
            Some(first.trim_end_matches(".rs").to_owned())
        })
        .filter(|m| m != "lib")
        .collect();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let mut top = top.trim_end_matches(".rs").to_owned();
        if top == "lib" {
            continue;
        }
        if rel == Path::new(FFI_LEAF) {
            top = FFI_LEAF_NODE.to_owned();
        }
        let text = code(f);
        let mut rest = text.as_str();
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                group[..end].split(',').map(str::trim).collect()
            } else {
                vec![rest]
            };
            if rest.starts_with("ffi::fork::") {
                g.entry(top.clone())
                    .or_default()
                    .insert(FFI_LEAF_NODE.into());
                continue;
            }
            for name in names {
                let word: String = name
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let target = if modules.contains(&word) {
                    Some(word)
                } else {
                    root_items.get(&word).cloned()
                };
                if let Some(t) = target {
                    if t != top {
                        g.entry(top.clone()).or_default().insert(t);
                    }
                }
            }
        }
        g.entry(top).or_default();
    }
    g
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let g = graph();
    // Depth-first search for a back edge, reporting the cycle.
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == n) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(n.to_owned());
            return Some(cycle);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_owned());
        for m in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, g, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for n in g.keys() {
        if let Some(cycle) = visit(n, &g, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}\ngraph: {g:#?}", cycle.join(" -> "));
        }
    }
    // The check sees the edges it should: a few known ones.
    assert!(
        g["driver"].contains("pool") && g["pool"].contains("bolt"),
        "{g:#?}"
    );
    assert!(g["error"].contains("value"), "{g:#?}");
    assert!(g["process"].contains(FFI_LEAF_NODE), "{g:#?}");
    assert!(g[FFI_LEAF_NODE].is_empty(), "{g:#?}");
}

#[test]
fn lower_layers_do_not_reach_into_the_driver_or_the_c_api() {
    let g = graph();
    for low in [
        "routing",
        "pool",
        "bolt",
        "auth",
        "net",
        "packstream",
        "value",
        "error",
    ] {
        let deps = &g[low];
        assert!(
            !deps.contains("driver") && !deps.contains("ffi"),
            "{low} imports {deps:?}"
        );
    }
}

fn src_files() -> (PathBuf, Vec<PathBuf>) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    files.sort();
    (src, files)
}

/// A file of `src/` longer than about 600 lines says why at its top (a `//! File length:` line
/// in its module documentation).
#[test]
fn long_files_say_why_at_their_top() {
    let (src, files) = src_files();
    let mut silent = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = text.lines().count();
        let doc: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
        if lines > 610 && !doc.iter().any(|l| l.starts_with("//! File length:")) {
            silent.push(format!(
                "{} ({lines})",
                f.strip_prefix(&src).unwrap().display()
            ));
        }
    }
    assert!(silent.is_empty(), "long files without a reason: {silent:?}");
}

/// Version-dependent rules live in `bolt/` (its `compat.rs`, `version.rs`, the request shapes):
/// outside it, no code (unit tests aside) asks for a version's feature set or compares
/// versions.
#[test]
fn version_rules_live_in_bolt() {
    let (src, files) = src_files();
    let mut found = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.starts_with("bolt") {
            continue;
        }
        for (n, line) in code(&f).lines().enumerate() {
            let l = line.trim_start();
            if l.starts_with("//") {
                continue;
            }
            let hit = [
                ".features()",
                "Version::new(",
                ".version() <",
                ".version() >",
                ".version() ==",
            ]
            .iter()
            .any(|p| l.contains(p));
            if hit {
                found.push(format!("{}:{}: {l}", rel.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "version rules outside bolt/: {found:#?}");
}

/// One retry loop: `driver/retry.rs` decides whether a transaction function runs again and how
/// long to wait. The Python package calls it through the C API (no loop, backoff or sleep of
/// its own, no closing and reopening a session to change access mode), and the TestKit
/// backend drives `RetryLoop` rather than waiting by itself.
#[test]
fn one_retry_loop() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let py = root.join("bindings/python/boltc");
    for e in std::fs::read_dir(&py).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "py") {
            let text = std::fs::read_to_string(&p).unwrap();
            for banned in [
                "_switch_mode",
                "time.sleep(",
                "random.",
                "BACKOFF",
                "backoff =",
            ] {
                assert!(!text.contains(banned), "{} has {banned:?}", p.display());
            }
        }
    }
    let backend = std::fs::read_to_string(root.join("testkit-backend/src/handler.rs")).unwrap();
    assert!(
        backend.contains("RetryLoop"),
        "the TestKit backend's retries"
    );
    assert!(
        !backend.contains("thread::sleep"),
        "the TestKit backend waits by itself"
    );
    // Only retry.rs sleeps between attempts in the driver.
    let (src, files) = src_files();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.starts_with("driver") && !rel.ends_with("retry.rs") {
            assert!(!code(&f).contains("sleep("), "{} sleeps", rel.display());
        }
    }
}
