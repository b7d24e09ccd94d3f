//! TLS and connect behaviour against in-process servers on 127.0.0.1 only.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use boltc::net::{
    client_config, connect, Address, ClientCert, ConnectOptions, Stream, TlsOptions, TrustStrategy,
};
use boltc::ErrorKind;
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

/// A CA, a server certificate it signed for localhost/127.0.0.1, a client certificate it
/// signed, and a self-signed server certificate; PEM files in a per-test directory.
struct Pki {
    dir: PathBuf,
    ca: Certificate,
    server: (Certificate, KeyPair),
    self_signed: (Certificate, KeyPair),
}

fn leaf(
    names: &[&str],
    eku: ExtendedKeyUsagePurpose,
    issuer: Option<(&Certificate, &KeyPair)>,
) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut p =
        CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap();
    p.distinguished_name.push(DnType::CommonName, names[0]);
    p.extended_key_usages = vec![eku];
    let cert = match issuer {
        Some((ca, ca_key)) => p.signed_by(&key, ca, ca_key).unwrap(),
        None => p.self_signed(&key).unwrap(),
    };
    (cert, key)
}

impl Pki {
    fn new(test: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("boltc-tls-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca_key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, "boltc test CA");
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = p.self_signed(&ca_key).unwrap();
        let names = ["localhost", "127.0.0.1"];
        let server = leaf(
            &names,
            ExtendedKeyUsagePurpose::ServerAuth,
            Some((&ca, &ca_key)),
        );
        let client = leaf(
            &["client"],
            ExtendedKeyUsagePurpose::ClientAuth,
            Some((&ca, &ca_key)),
        );
        let self_signed = leaf(&names, ExtendedKeyUsagePurpose::ServerAuth, None);
        std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
        std::fs::write(dir.join("client.pem"), client.0.pem()).unwrap();
        std::fs::write(dir.join("client.key"), client.1.serialize_pem()).unwrap();
        Pki {
            dir,
            ca,
            server,
            self_signed,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn custom_ca(&self) -> TlsOptions {
        TlsOptions::new(TrustStrategy::CustomCa(vec![self.path("ca.pem")]))
    }

    fn client_cert(&self) -> ClientCert {
        ClientCert {
            cert_chain_pem: self.path("client.pem"),
            key_pem: self.path("client.key"),
            key_password: None,
        }
    }
}

fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()))
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
    let chain: Vec<CertificateDer<'static>> = vec![cert.der().clone()];
    Arc::new(builder.with_single_cert(chain, key_der(key)).unwrap())
}

/// Spawns a TLS echo server on 127.0.0.1:0 serving each accepted connection on its own thread.
fn echo_server(config: Arc<ServerConfig>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(sock) = sock else { return };
            let config = config.clone();
            thread::spawn(move || {
                sock.set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                let conn = ServerConnection::new(config).unwrap();
                let mut tls = StreamOwned::new(conn, sock);
                let mut buf = [0u8; 1024];
                while let Ok(n @ 1..) = tls.read(&mut buf) {
                    if tls.write_all(&buf[..n]).and_then(|_| tls.flush()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn opts(tls: &TlsOptions, server_name: &str) -> ConnectOptions {
    ConnectOptions {
        connect_timeout: Duration::from_secs(10),
        read_timeout: Some(Duration::from_secs(10)),
        tls: Some((client_config(tls).unwrap(), server_name.to_string())),
        ..ConnectOptions::default()
    }
}

fn loopback(addr: SocketAddr) -> Address {
    Address::new("127.0.0.1", addr.port())
}

fn assert_echo(stream: &mut Stream) {
    assert!(stream.is_encrypted());
    stream.write_all(&[0x60, 0x60, 0xB0, 0x17]).unwrap();
    stream.flush().unwrap();
    let mut buf = [0u8; 4];
    stream.read_exact(&mut buf).unwrap();
    assert_eq!(buf, [0x60, 0x60, 0xB0, 0x17]);
}

#[test]
fn custom_ca_accepts_by_name_and_ip() {
    let pki = Pki::new("custom-ca");
    let addr = echo_server(server_config(&pki.server, None));
    for name in ["localhost", "127.0.0.1"] {
        let mut s = connect(&loopback(addr), &opts(&pki.custom_ca(), name)).unwrap();
        assert_echo(&mut s);
        s.shutdown().unwrap();
    }
}

#[test]
fn mozilla_bundle_rejects_private_ca() {
    let pki = Pki::new("mozilla-bundle");
    let addr = echo_server(server_config(&pki.server, None));
    let tls = TlsOptions::new(TrustStrategy::MozillaBundled);
    let e = connect(&loopback(addr), &opts(&tls, "localhost")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(e.message().contains(&addr.port().to_string()), "{e}");
}

#[test]
fn wrong_hostname_rejected() {
    let pki = Pki::new("hostname");
    let addr = echo_server(server_config(&pki.server, None));
    let e = connect(&loopback(addr), &opts(&pki.custom_ca(), "db.example.com")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}

#[test]
fn custom_ca_rejects_self_signed() {
    let pki = Pki::new("custom-ca-ssc");
    let addr = echo_server(server_config(&pki.self_signed, None));
    let e = connect(&loopback(addr), &opts(&pki.custom_ca(), "localhost")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}

#[test]
fn trust_all_accepts_self_signed_any_name() {
    let pki = Pki::new("trust-all");
    let addr = echo_server(server_config(&pki.self_signed, None));
    let tls = TlsOptions::new(TrustStrategy::TrustAll);
    for name in ["localhost", "not-the-cert-name.example"] {
        let mut s = connect(&loopback(addr), &opts(&tls, name)).unwrap();
        assert_echo(&mut s);
    }
}

#[test]
fn mutual_tls() {
    let pki = Pki::new("mtls");
    let addr = echo_server(server_config(&pki.server, Some(&pki.ca)));

    let mut with_cert = pki.custom_ca();
    with_cert.client_cert = Some(pki.client_cert());
    let mut s = connect(&loopback(addr), &opts(&with_cert, "localhost")).unwrap();
    assert_echo(&mut s);

    // Under TLS 1.3 the server checks the client's (empty) certificate after the client has
    // finished its handshake, so the rejection may arrive on the first read instead.
    match connect(&loopback(addr), &opts(&pki.custom_ca(), "localhost")) {
        Err(e) => assert_eq!(e.kind(), ErrorKind::Tls, "{e}"),
        Ok(mut s) => {
            let _ = s.write_all(b"ping").and_then(|_| s.flush());
            let r = s.read(&mut [0u8; 4]);
            assert!(matches!(r, Err(_) | Ok(0)), "{r:?}");
        }
    }
}

#[test]
fn bad_client_key_file_is_config_error() {
    let pki = Pki::new("bad-key");
    let mut tls = pki.custom_ca();
    tls.client_cert = Some(ClientCert {
        cert_chain_pem: pki.path("client.pem"),
        key_pem: pki.path("ca.pem"), // a certificate, not a key
        key_password: None,
    });
    let e = client_config(&tls).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config, "{e}");
    assert!(
        e.message().contains(&*pki.path("ca.pem").to_string_lossy()),
        "{e}"
    );
}

#[test]
fn closed_port_is_service_unavailable_quickly() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let start = Instant::now();
    let e = connect(&Address::new("127.0.0.1", port), &ConnectOptions::default()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ServiceUnavailable, "{e}");
    assert!(e.message().contains(&format!("127.0.0.1:{port}")), "{e}");
    assert!(start.elapsed() < Duration::from_secs(2));
}

/// A server that accepts TCP but never answers the TLS ClientHello.
fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for sock in listener.incoming().flatten() {
            held.push(sock);
        }
    });
    addr
}

#[test]
fn stalled_handshake_times_out_within_bound() {
    let addr = silent_server();
    let tls = TlsOptions::new(TrustStrategy::TrustAll);
    let mut o = opts(&tls, "localhost");
    o.connect_timeout = Duration::from_millis(300);
    let start = Instant::now();
    let e = connect(&loopback(addr), &o).unwrap_err();
    let took = start.elapsed();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert!(
        e.message().contains(&format!("127.0.0.1:{}", addr.port())),
        "{e}"
    );
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn tls_to_plain_server_fails_cleanly() {
    // A server that answers the ClientHello with a Bolt-ish plaintext reply and closes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let _ = s.read(&mut [0u8; 512]);
            let _ = s.write_all(&[0, 0, 0, 0]);
        }
    });
    let tls = TlsOptions::new(TrustStrategy::TrustAll);
    let e = connect(&loopback(addr), &opts(&tls, "localhost")).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Tls | ErrorKind::ServiceUnavailable),
        "{e}"
    );
}

#[test]
fn tls_interrupt_via_shutdown_handle() {
    let pki = Pki::new("interrupt");
    let addr = echo_server(server_config(&pki.server, None));
    let mut s = connect(&loopback(addr), &opts(&pki.custom_ca(), "localhost")).unwrap();
    let handle = s.shutdown_handle().unwrap();
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        handle.shutdown().unwrap();
    });
    let start = Instant::now();
    let r = s.read(&mut [0u8; 4]);
    assert!(matches!(r, Ok(0) | Err(_)), "{r:?}");
    assert!(start.elapsed() < Duration::from_secs(5));
    t.join().unwrap();
}

/// Linux drops SYNs to a listener whose accept queue is full, so connects stall like a
/// black hole; other systems may refuse them instead.
#[cfg(target_os = "linux")]
#[test]
fn full_backlog_times_out_within_bound() {
    use socket2::{Domain, Socket, Type};
    let sock = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    sock.bind(&"127.0.0.1:0".parse::<SocketAddr>().unwrap().into())
        .unwrap();
    sock.listen(0).unwrap();
    let addr = sock.local_addr().unwrap().as_socket().unwrap();
    let o = ConnectOptions {
        connect_timeout: Duration::from_millis(300),
        ..ConnectOptions::default()
    };
    let mut held = Vec::new();
    for _ in 0..16 {
        let start = Instant::now();
        match connect(&loopback(addr), &o) {
            Ok(s) => held.push(s),
            Err(e) => {
                assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
                assert!(start.elapsed() < Duration::from_secs(2));
                return;
            }
        }
    }
    panic!("backlog never filled");
}
