//! The real Neo4j servers `scripts/neo4j.sh start` left running, for end-to-end tests.
//!
//! ```ignore
//! for db in Neo4j::servers() {   // prints "SKIPPED: ..." and yields none when none runs
//!     let d = db.driver();        // bolt://127.0.0.1:<port>, user neo4j, its password
//!     ...
//! }
//! ```
//!
//! # Where the servers are found
//!
//! `BOLTC_NEO4J_ENV`: a `:`-separated list of env files written by `scripts/neo4j.sh start`;
//! otherwise every `target/neo4j/*.env` of this checkout (one per server line: `lts`, `latest`).
//! An env file whose server process (`BOLTC_NEO4J_PID`) is gone is ignored. With none found:
//! under `BOLTC_REQUIRE_NEO4J=1` (CI) [`Neo4j::servers`] panics; otherwise it prints
//! `SKIPPED: no Neo4j running (...)` and returns an empty list, so the test does nothing.
//!
//! The servers are shared by every test (and by the Python and C tests): tests keep their data
//! apart with labels of their own ([`Neo4j::label`]) and clean up users they create.

use boltc::{AuthToken, Config, ConfigBuilder, Driver};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// One running Neo4j server, as its env file describes it.
#[derive(Debug, Clone)]
pub struct Neo4j {
    vars: HashMap<String, String>,
    /// The env file it was read from.
    pub env_file: PathBuf,
}

impl Neo4j {
    /// Every running server (one per line), or none (after printing why) when none runs and
    /// `BOLTC_REQUIRE_NEO4J` is not `1`.
    ///
    /// # Panics
    /// When none runs and `BOLTC_REQUIRE_NEO4J=1`.
    pub fn servers() -> Vec<Neo4j> {
        let files: Vec<PathBuf> = match std::env::var("BOLTC_NEO4J_ENV") {
            Ok(list) if !list.is_empty() => list.split(':').map(PathBuf::from).collect(),
            _ => {
                let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/neo4j");
                let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .map(|rd| {
                        rd.filter_map(|e| e.ok().map(|e| e.path()))
                            .filter(|p| p.extension().is_some_and(|x| x == "env"))
                            .collect()
                    })
                    .unwrap_or_default();
                v.sort();
                v
            }
        };
        let mut found = Vec::new();
        let mut why = Vec::new();
        for f in &files {
            match Neo4j::read(f) {
                Ok(db) => found.push(db),
                Err(e) => why.push(format!("{}: {e}", f.display())),
            }
        }
        if found.is_empty() {
            let why = if why.is_empty() {
                "no env file; start one with scripts/neo4j.sh start".to_owned()
            } else {
                why.join("; ")
            };
            if std::env::var("BOLTC_REQUIRE_NEO4J").as_deref() == Ok("1") {
                panic!("no Neo4j running and BOLTC_REQUIRE_NEO4J=1: {why}");
            }
            eprintln!("SKIPPED: no Neo4j running ({why})");
        }
        found
    }

    fn read(path: &Path) -> Result<Neo4j, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        let vars: HashMap<String, String> = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let db = Neo4j {
            vars,
            env_file: path.to_owned(),
        };
        for key in ["URI", "PORT", "USER", "PASSWORD", "VERSION", "PID"] {
            if db.get(key).is_none() {
                return Err(format!("BOLTC_NEO4J_{key} missing"));
            }
        }
        if !Path::new(&format!("/proc/{}", db.var("PID"))).exists() {
            return Err(format!(
                "server pid {} is gone (stale env file)",
                db.var("PID")
            ));
        }
        Ok(db)
    }

    /// `BOLTC_NEO4J_<key>` from the env file.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars
            .get(&format!("BOLTC_NEO4J_{key}"))
            .map(String::as_str)
    }

    fn var(&self, key: &str) -> &str {
        self.get(key).unwrap_or_default()
    }

    /// The server line (`lts`, `latest`).
    pub fn line(&self) -> &str {
        self.var("LINE")
    }

    /// The server version, e.g. `5.26.30` or `2026.08.1`.
    pub fn version(&self) -> &str {
        self.var("VERSION")
    }

    /// (major, minor) of the version: `(5, 26)`, `(2026, 8)`.
    pub fn version_tuple(&self) -> (u32, u32) {
        let mut it = self.version().split('.').map(|p| p.parse().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    }

    /// The Bolt port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.var("PORT").parse().expect("BOLTC_NEO4J_PORT")
    }

    /// `bolt://127.0.0.1:<port>`.
    pub fn bolt_uri(&self) -> String {
        format!("bolt://127.0.0.1:{}", self.port())
    }

    /// `<scheme>://<host>:<port>`, e.g. `uri("neo4j", "127.0.0.1")`.
    pub fn uri(&self, scheme: &str, host: &str) -> String {
        format!("{scheme}://{host}:{}", self.port())
    }

    /// The user `neo4j`.
    pub fn user(&self) -> &str {
        self.var("USER")
    }

    /// Its password.
    pub fn password(&self) -> &str {
        self.var("PASSWORD")
    }

    /// Basic auth as `neo4j`.
    pub fn auth(&self) -> AuthToken {
        AuthToken::basic(self.user(), self.password())
    }

    /// PEM file of the CA that signed the server certificate.
    pub fn tls_ca(&self) -> PathBuf {
        PathBuf::from(self.var("TLS_CA"))
    }

    /// The host name the server certificate is for (`localhost`).
    pub fn tls_host(&self) -> &str {
        self.var("TLS_HOST")
    }

    /// `(certificate, key)` PEM files of a client certificate signed by the test CA.
    pub fn tls_client_cert(&self) -> (PathBuf, PathBuf) {
        (
            PathBuf::from(self.var("TLS_CLIENT_CERT")),
            PathBuf::from(self.var("TLS_CLIENT_KEY")),
        )
    }

    /// `(certificate, encrypted key, key password)`: the client certificate of
    /// [`Neo4j::tls_client_cert`] with its key as encrypted PKCS#8.
    pub fn tls_client_cert_encrypted(&self) -> (PathBuf, PathBuf, String) {
        (
            PathBuf::from(self.var("TLS_CLIENT_CERT")),
            PathBuf::from(self.var("TLS_CLIENT_ENC_KEY")),
            self.var("TLS_CLIENT_KEY_PASSWORD").to_owned(),
        )
    }

    /// `(certificate, key)` PEM files of a self-signed client certificate the server does not
    /// trust.
    pub fn tls_untrusted_cert(&self) -> (PathBuf, PathBuf) {
        (
            PathBuf::from(self.var("TLS_UNTRUSTED_CERT")),
            PathBuf::from(self.var("TLS_UNTRUSTED_KEY")),
        )
    }

    /// A config builder for `uri` with this server's auth and test-friendly timeouts.
    pub fn config(&self, uri: &str) -> ConfigBuilder {
        Config::builder(uri)
            .auth(self.auth())
            .connection_timeout(Duration::from_secs(10))
            .read_timeout(Some(Duration::from_secs(60)))
            .connection_acquisition_timeout(Duration::from_secs(30))
    }

    /// A driver on `bolt://` as `neo4j`.
    pub fn driver(&self) -> Driver {
        Driver::new(self.config(&self.bolt_uri()).build().unwrap()).unwrap()
    }

    /// A label no other test (or run) uses: `<prefix>_<pid>_<n>`.
    pub fn label(&self, prefix: &str) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        format!(
            "{prefix}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        )
    }
}

impl std::fmt::Display for Neo4j {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Neo4j {} ({})", self.version(), self.line())
    }
}
