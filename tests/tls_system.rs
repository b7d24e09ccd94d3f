//! `TrustStrategy::System` reads the operating system's trust store, `MozillaBundled` only the
//! bundled Mozilla set: a private CA put in the system store (here through `SSL_CERT_FILE`,
//! which the store reader honours) is trusted by the first and not by the second, and the
//! `+s` schemes use the first.
//!
//! One test only in this binary: it sets environment variables, which must not change while
//! other threads may read them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use boltc::net::TrustStrategy;
use boltc::net::{client_config, connect, Address, ConnectOptions, Scheme, TlsOptions};
use boltc::ErrorKind;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// A TLS echo server on 127.0.0.1 with a certificate for `localhost` signed by a new CA;
/// returns its address and the CA in PEM.
fn server_with_private_ca() -> (SocketAddr, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.distinguished_name
        .push(DnType::CommonName, "boltc system store test CA");
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = p.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = leaf.signed_by(&key, &ca, &ca_key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(sock) = sock else { return };
            let config = config.clone();
            thread::spawn(move || {
                let _ = sock.set_read_timeout(Some(Duration::from_secs(10)));
                let mut tls = StreamOwned::new(ServerConnection::new(config).unwrap(), sock);
                let mut buf = [0u8; 64];
                while let Ok(n @ 1..) = tls.read(&mut buf) {
                    if tls.write_all(&buf[..n]).and_then(|()| tls.flush()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, ca.pem())
}

fn connect_with(trust: TrustStrategy, addr: SocketAddr) -> boltc::Result<()> {
    let opts = ConnectOptions {
        connect_timeout: Duration::from_secs(10),
        read_timeout: Some(Duration::from_secs(10)),
        tls: Some((
            client_config(&TlsOptions::new(trust))?,
            "localhost".to_string(),
        )),
        ..ConnectOptions::default()
    };
    let mut s = connect(&Address::new("127.0.0.1", addr.port()), &opts)?;
    s.write_all(b"ping").unwrap();
    let mut buf = [0u8; 4];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"ping");
    Ok(())
}

#[test]
fn a_ca_in_the_system_store_is_trusted_by_system_and_not_by_the_mozilla_bundle() {
    let (addr, ca_pem) = server_with_private_ca();
    let dir = std::env::temp_dir().join(format!("boltc-tls-system-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();

    std::env::remove_var("SSL_CERT_DIR");
    std::env::set_var("SSL_CERT_FILE", &ca_file);
    connect_with(TrustStrategy::System, addr).unwrap();
    let e = connect_with(TrustStrategy::MozillaBundled, addr).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert_eq!(Scheme::BoltS.tls_trust(), Some(TrustStrategy::System));
    assert_eq!(Scheme::Neo4jS.tls_trust(), Some(TrustStrategy::System));

    // A system store without any root: the bundled Mozilla set stands in (which does not
    // know the private CA).
    std::env::set_var("SSL_CERT_FILE", &empty);
    let e = connect_with(TrustStrategy::System, addr).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");

    std::env::remove_var("SSL_CERT_FILE");
    let _ = std::fs::remove_dir_all(&dir);
}
