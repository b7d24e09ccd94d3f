//! TLS end to end through the driver: a rustls TLS-terminating proxy (certificates made here with
//! rcgen) in front of a stub Bolt server. `bolt://` with `encrypted(true)` and a custom CA accepts
//! the CA's chain and rejects a self-signed, a wrong-hostname and an expired certificate; `bolt+s`
//! (the OS trust store) rejects the private CA; `bolt+ssc` accepts a self-signed certificate; mutual TLS
//! works with a client certificate and fails without one. No test turns verification off to pass.

mod common;
mod support;

use boltc::{Config, Driver, ErrorKind, SessionConfig, TrustStrategy};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};
use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use support::StubServer;

const SCRIPT: &str = "!: BOLT 5.4\n\
    C: HELLO {\"user_agent\": \"MyClient/1.0\", ..}\n\
    S: SUCCESS {\"server\": \"Neo4j/5.4.0\", \"connection_id\": \"bolt-1\"}\n\
    C: LOGON {\"scheme\": \"basic\", \"principal\": \"neo4j\", \"credentials\": \"secret\"}\n\
    S: SUCCESS {}\n\
    C: RUN \"RETURN 1 AS n\" {} {}\n\
    C: PULL {\"n\": 1000}\n\
    S: SUCCESS {\"fields\": [\"n\"]}\n\
    S: RECORD [1]\n\
    S: SUCCESS {\"type\": \"r\"}\n\
    ?{\n\
    C: GOODBYE\n\
    }\n";

struct Pki {
    dir: PathBuf,
    ca: (Certificate, KeyPair),
}

impl Pki {
    fn new(test: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("boltc-tlsd-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, "boltc driver-test CA");
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = p.self_signed(&key).unwrap();
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        Pki { dir, ca: (ca, key) }
    }

    /// A leaf for `names`, signed by the CA (or self-signed), valid now unless `expired`.
    fn leaf(
        &self,
        names: &[&str],
        eku: ExtendedKeyUsagePurpose,
        signed: bool,
        expired: bool,
    ) -> (Certificate, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.distinguished_name.push(DnType::CommonName, names[0]);
        p.extended_key_usages = vec![eku];
        if expired {
            p.not_before = rcgen::date_time_ymd(2001, 1, 1);
            p.not_after = rcgen::date_time_ymd(2002, 1, 1);
        }
        let cert = if signed {
            p.signed_by(&key, &self.ca.0, &self.ca.1).unwrap()
        } else {
            p.self_signed(&key).unwrap()
        };
        (cert, key)
    }

    fn server(&self, names: &[&str], signed: bool, expired: bool) -> (Certificate, KeyPair) {
        self.leaf(names, ExtendedKeyUsagePurpose::ServerAuth, signed, expired)
    }

    /// Writes a CA-signed client certificate and key; returns their paths.
    fn client_files(&self) -> (PathBuf, PathBuf) {
        let (cert, key) = self.leaf(
            &["client"],
            ExtendedKeyUsagePurpose::ClientAuth,
            true,
            false,
        );
        let (c, k) = (self.dir.join("client.pem"), self.dir.join("client.key"));
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }

    /// As [`Pki::client_files`], the key encrypted (PKCS#8, PBES2: PBKDF2-SHA256 + AES-256-CBC)
    /// with `password`.
    fn client_files_encrypted(&self, password: &str) -> (PathBuf, PathBuf) {
        use pkcs8::pkcs5::pbes2::Parameters;
        use pkcs8::{LineEnding, PrivateKeyInfo};
        let (cert, plain) = self.client_files();
        let key = KeyPair::from_pem(&std::fs::read_to_string(&plain).unwrap()).unwrap();
        let der = key.serialize_der();
        let params =
            Parameters::pbkdf2_sha256_aes256cbc(2048, b"boltc-test-salt!", &[7; 16]).unwrap();
        let doc = PrivateKeyInfo::try_from(der.as_slice())
            .unwrap()
            .encrypt_with_params(params, password)
            .unwrap();
        let pem = doc.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF).unwrap();
        let k = self.dir.join("client.enc.key");
        std::fs::write(&k, pem.as_bytes()).unwrap();
        (cert, k)
    }

    fn ca_path(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }
}

fn server_config(
    (cert, key): &(Certificate, KeyPair),
    client_ca: Option<&Certificate>,
) -> Arc<ServerConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots.add(ca.der().clone()).unwrap();
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    Arc::new(builder.with_single_cert(chain, key).unwrap())
}

/// A TLS-terminating proxy on 127.0.0.1:0: completes the TLS handshake, then connects to
/// `upstream` and copies plaintext both ways. Returns its address.
fn tls_proxy(config: Arc<ServerConfig>, upstream: SocketAddr) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(sock) = sock else { return };
            let config = Arc::clone(&config);
            thread::spawn(move || serve(config, sock, upstream));
        }
    });
    addr
}

fn serve(config: Arc<ServerConfig>, sock: TcpStream, upstream: SocketAddr) {
    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), sock);
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return; // the client rejected us, or we rejected it
        }
    }
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    let poll = Some(Duration::from_millis(5));
    tls.sock.set_read_timeout(poll).unwrap();
    up.set_read_timeout(poll).unwrap();
    up.set_nodelay(true).unwrap();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if up.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {}
            Err(_) => return,
        }
        match up.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if tls.write_all(&buf[..n]).and_then(|()| tls.flush()).is_err() {
                    return;
                }
            }
            Err(e) if matches!(e.kind(), IoKind::WouldBlock | IoKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

fn run_one(d: &Driver) -> boltc::Result<i64> {
    let mut s = d.session(SessionConfig::default())?;
    let n = s.run("RETURN 1 AS n", None)?.single()?.get("n")?;
    Ok(n)
}

/// A proxy with `cert` in front of a fresh stub; the driver from `uri_for(port)` and `f`.
fn through_proxy(
    cert: &(Certificate, KeyPair),
    client_ca: Option<&Certificate>,
    scheme: &str,
    host: &str,
    f: impl FnOnce(boltc::ConfigBuilder) -> boltc::ConfigBuilder,
) -> (boltc::Result<i64>, StubServer, Duration) {
    let stub = StubServer::start(&format!("!: CONNECTIONS 0..1\n{SCRIPT}"));
    let proxy = tls_proxy(
        server_config(cert, client_ca),
        stub.address().parse().unwrap(),
    );
    let d = common::driver_with(&format!("{scheme}://{host}:{}", proxy.port()), f);
    let start = Instant::now();
    let r = run_one(&d);
    let took = start.elapsed();
    d.close();
    (r, stub, took)
}

fn custom_ca(pki: &Pki) -> impl FnOnce(boltc::ConfigBuilder) -> boltc::ConfigBuilder {
    let ca = pki.ca_path();
    move |c| c.encrypted(true).trust(TrustStrategy::CustomCa(vec![ca]))
}

#[track_caller]
fn assert_tls_error(r: boltc::Result<i64>, took: Duration, what: &str) {
    let e = r.expect_err(what);
    assert_eq!(e.kind(), ErrorKind::Tls, "{what}: {e:?}");
    assert!(took < Duration::from_secs(3), "{what}: {took:?}");
    eprintln!(
        "TLS | {what:<40} | rejected in {:>4} ms: {e}",
        took.as_millis()
    );
}

#[test]
fn custom_ca_accepts_its_chain_by_name_and_by_ip() {
    let pki = Pki::new("accept");
    let cert = pki.server(&["localhost", "127.0.0.1"], true, false);
    for host in ["localhost", "127.0.0.1"] {
        let (r, stub, took) = through_proxy(&cert, None, "bolt", host, custom_ca(&pki));
        assert_eq!(r.unwrap(), 1);
        stub.finish();
        eprintln!(
            "TLS | custom CA, host {host:<24} | accepted, query in {:>4} ms",
            took.as_millis()
        );
    }
}

#[test]
fn custom_ca_rejects_self_signed() {
    let pki = Pki::new("selfsigned");
    let cert = pki.server(&["localhost", "127.0.0.1"], false, false);
    let (r, _stub, took) = through_proxy(&cert, None, "bolt", "localhost", custom_ca(&pki));
    assert_tls_error(r, took, "custom CA, self-signed server");
}

#[test]
fn custom_ca_rejects_wrong_hostname() {
    let pki = Pki::new("hostname");
    let cert = pki.server(&["db.example.org"], true, false);
    let (r, _stub, took) = through_proxy(&cert, None, "bolt", "localhost", custom_ca(&pki));
    assert_tls_error(r, took, "custom CA, certificate for another host");
}

#[test]
fn custom_ca_rejects_expired() {
    let pki = Pki::new("expired");
    let cert = pki.server(&["localhost", "127.0.0.1"], true, true);
    let (r, _stub, took) = through_proxy(&cert, None, "bolt", "localhost", custom_ca(&pki));
    assert_tls_error(r, took, "custom CA, expired certificate");
}

#[test]
fn bolt_s_with_system_roots_rejects_a_private_ca() {
    let pki = Pki::new("bolts");
    let cert = pki.server(&["localhost", "127.0.0.1"], true, false);
    let (r, _stub, took) = through_proxy(&cert, None, "bolt+s", "localhost", |c| c);
    assert_tls_error(r, took, "bolt+s (OS trust store), private CA");
}

#[test]
fn bolt_ssc_accepts_self_signed() {
    let pki = Pki::new("ssc");
    let cert = pki.server(&["localhost"], false, false);
    let (r, stub, took) = through_proxy(&cert, None, "bolt+ssc", "localhost", |c| c);
    assert_eq!(r.unwrap(), 1);
    stub.finish();
    eprintln!(
        "TLS | bolt+ssc, self-signed                     | accepted, query in {:>4} ms",
        took.as_millis()
    );
}

#[test]
fn mutual_tls_with_and_without_a_client_certificate() {
    let pki = Pki::new("mtls");
    let cert = pki.server(&["localhost", "127.0.0.1"], true, false);
    let (client_pem, client_key) = pki.client_files();
    let ca = pki.ca_path();
    let (r, stub, took) = through_proxy(&cert, Some(&pki.ca.0), "bolt", "localhost", |c| {
        c.encrypted(true)
            .trust(TrustStrategy::CustomCa(vec![ca]))
            .client_certificate(client_pem, client_key)
    });
    assert_eq!(r.unwrap(), 1);
    stub.finish();
    eprintln!(
        "TLS | mutual TLS with a client certificate      | accepted, query in {:>4} ms",
        took.as_millis()
    );
    let (r, _stub, took) =
        through_proxy(&cert, Some(&pki.ca.0), "bolt", "localhost", custom_ca(&pki));
    let e = r.expect_err("a server requiring a client certificate");
    // TLS 1.3 sends the rejection after the client's side of the handshake finished, so it
    // arrives during the Bolt handshake; it must still be a (non-retryable) TLS error.
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    assert!(!e.is_retryable());
    assert!(took < Duration::from_secs(3), "{took:?}");
    eprintln!(
        "TLS | mutual TLS without a client certificate   | rejected in {:>4} ms: {e}",
        took.as_millis()
    );
}

#[test]
fn a_rotated_client_certificate_is_used_for_new_connections() {
    use boltc::net::{ClientCert, RotatingClientCertificate};
    let pki = Pki::new("mtls-rotate");
    let cert = pki.server(&["localhost", "127.0.0.1"], true, false);
    let (good_pem, good_key) = pki.client_files();
    // A self-signed client certificate: not from the CA the server trusts.
    let other = Pki::new("mtls-rotate-other");
    let (bad_pem, bad_key) = other.client_files();
    let good = ClientCert {
        cert_chain_pem: good_pem,
        key_pem: good_key,
        key_password: None,
    };
    let provider = RotatingClientCertificate::new(good.clone());
    let stub = StubServer::start(&format!("!: CONNECTIONS 0..1\n{SCRIPT}"));
    let proxy = tls_proxy(
        server_config(&cert, Some(&pki.ca.0)),
        stub.address().parse().unwrap(),
    );
    let ca = pki.ca_path();
    let d = common::driver_with(&format!("bolt://localhost:{}", proxy.port()), |c| {
        c.encrypted(true)
            .trust(TrustStrategy::CustomCa(vec![ca]))
            .client_certificate_provider(provider.clone())
            // Every acquisition opens a new connection, which asks the provider again.
            .max_connection_lifetime(Some(Duration::ZERO))
    });
    assert_eq!(run_one(&d).unwrap(), 1);
    // The next connection shows the server the new certificate, which it refuses.
    provider.update_certificate(ClientCert {
        cert_chain_pem: bad_pem,
        key_pem: bad_key,
        key_password: None,
    });
    let e = d
        .verify_connectivity()
        .expect_err("an untrusted client certificate");
    assert_eq!(e.kind(), ErrorKind::Tls, "{e:?}");
    d.close();
    stub.finish();
    // Both a certificate and a provider: refused when the configuration is built.
    let e = Config::builder("bolt://localhost:7687")
        .client_certificate(good.cert_chain_pem.clone(), good.key_pem.clone())
        .client_certificate_provider(RotatingClientCertificate::new(good))
        .build()
        .expect_err("both");
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
}

#[test]
fn mutual_tls_with_an_encrypted_client_key() {
    let pki = Pki::new("mtls-enc");
    let cert = pki.server(&["localhost", "127.0.0.1"], true, false);
    let (client_pem, client_key) = pki.client_files_encrypted("k3y-pass");
    assert!(std::fs::read_to_string(&client_key)
        .unwrap()
        .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    let ca = pki.ca_path();
    let (r, stub, _) = through_proxy(&cert, Some(&pki.ca.0), "bolt", "localhost", |c| {
        c.encrypted(true)
            .trust(TrustStrategy::CustomCa(vec![ca.clone()]))
            .client_certificate_with_password(client_pem.clone(), client_key.clone(), "k3y-pass")
    });
    assert_eq!(r.unwrap(), 1);
    stub.finish();
    // A wrong or missing password fails when the driver is made, naming the file, never the
    // password.
    for (password, says) in [
        (Some("wrong-pass"), "cannot decrypt"),
        (None, "no key password"),
    ] {
        let mut b = Config::builder("bolt://localhost:7687")
            .encrypted(true)
            .trust(TrustStrategy::CustomCa(vec![ca.clone()]));
        b = match password {
            Some(p) => {
                b.client_certificate_with_password(client_pem.clone(), client_key.clone(), p)
            }
            None => b.client_certificate(client_pem.clone(), client_key.clone()),
        };
        let e = Driver::new(b.build().unwrap()).expect_err("a bad key password");
        assert_eq!(e.kind(), ErrorKind::Config, "{e:?}");
        let msg = format!("{e} {e:?}");
        assert!(
            msg.contains(says) && msg.contains("client.enc.key"),
            "{msg}"
        );
        assert!(
            !msg.contains("wrong-pass") && !msg.contains("k3y-pass"),
            "{msg}"
        );
    }
}
