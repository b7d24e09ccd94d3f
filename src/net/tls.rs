//! TLS client configuration with rustls (ring provider, no global state).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::{Error, ErrorKind};

/// Which server certificates a TLS connection accepts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrustStrategy {
    /// The operating system's trust store, with hostname verification (`+s` schemes, and the
    /// default when encryption is turned on): on Unix the OpenSSL-style bundle and directory
    /// (the `SSL_CERT_FILE` / `SSL_CERT_DIR` environment variables replace them), on macOS the
    /// keychain, on Windows the system store; read when the driver is made. Where the system
    /// has no store (no root found, e.g. a minimal container), the bundled Mozilla set
    /// ([`TrustStrategy::MozillaBundled`]) is used instead, with a warning in the log.
    System,
    /// The Mozilla root set compiled into boltc (`webpki-roots`), whatever the system trusts,
    /// with hostname verification.
    MozillaBundled,
    /// Only chains to the CA certificates in these PEM files, with hostname verification.
    CustomCa(Vec<PathBuf>),
    /// Any certificate, e.g. self-signed, without chain or hostname checks (`+ssc` schemes).
    ///
    /// The handshake signature is still verified, so the peer must own the certificate's key,
    /// but nothing ties that key to the server: this does not protect against an active attacker.
    TrustAll,
}

/// A client certificate for mutual TLS: PEM files with the chain and its private key, and the
/// key's password when it is encrypted.
///
/// Only the paths are kept (and printed by `Debug`; the password never is); the key is read by
/// [`client_config`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClientCert {
    /// PEM file with the client certificate, followed by any intermediates.
    pub cert_chain_pem: PathBuf,
    /// PEM file with the private key: PKCS#8, PKCS#1 or SEC1; or an encrypted one, which needs
    /// `key_password`: encrypted PKCS#8 (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, PBES2 with
    /// PBKDF2 or scrypt and AES-CBC, as `openssl pkcs8 -topk8 -v2 aes-256-cbc` and
    /// `openssl genpkey -aes256` write it), or PKCS#1/SEC1 in the legacy OpenSSL encryption
    /// (`Proc-Type: 4,ENCRYPTED` with AES-128/192/256-CBC or DES-EDE3-CBC).
    pub key_pem: PathBuf,
    /// The password of an encrypted key. An unencrypted key is used as it is whatever this
    /// says (as OpenSSL's `SSL_CTX_use_PrivateKey_file` and Python's `load_cert_chain` do).
    pub key_password: Option<String>,
}

impl std::fmt::Debug for ClientCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientCert")
            .field("cert_chain_pem", &self.cert_chain_pem)
            .field("key_pem", &self.key_pem)
            .field(
                "key_password",
                &self.key_password.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Supplies the client certificate for mutual TLS and, when it changes, the new one
/// (certificate rotation; as the official drivers' `ClientCertificateProvider`).
///
/// The driver asks before every new connection; connections already open keep the certificate
/// they were opened with. The first call must return a certificate. The files are read, and a
/// key decrypted, when a new certificate is returned. It may run on any driver thread (also
/// the routing thread), so it must be thread-safe, and should return quickly.
pub trait ClientCertificateProvider: Send + Sync {
    /// `Some(certificate)` when the certificate changed since the last call (and on the first
    /// call), `None` to keep using the last one.
    ///
    /// # Errors
    /// An error fails the connection attempt that asked, with that error.
    fn get_certificate(&self) -> Result<Option<ClientCert>, Error>;
}

/// A [`ClientCertificateProvider`] whose certificate the application replaces with
/// [`RotatingClientCertificate::update_certificate`] (as the official drivers'
/// `ClientCertificateProviders.rotating`): new connections use the new certificate.
///
/// ```
/// use boltc::net::{ClientCert, RotatingClientCertificate};
///
/// let cert = |n: u32| ClientCert {
///     cert_chain_pem: format!("client{n}.pem").into(),
///     key_pem: format!("client{n}.key").into(),
///     key_password: None,
/// };
/// let provider = RotatingClientCertificate::new(cert(1));
/// // ... Config::builder(uri).client_certificate_provider(provider.clone()) ...
/// provider.update_certificate(cert(2));
/// ```
pub struct RotatingClientCertificate {
    /// The certificate not yet handed to the driver, if any.
    pending: Mutex<Option<ClientCert>>,
}

impl RotatingClientCertificate {
    /// A provider that starts with `initial`.
    pub fn new(initial: ClientCert) -> Arc<RotatingClientCertificate> {
        Arc::new(RotatingClientCertificate {
            pending: Mutex::new(Some(initial)),
        })
    }

    /// Replaces the certificate: connections opened from now on use `cert`.
    pub fn update_certificate(&self, cert: ClientCert) {
        *self.pending.lock().unwrap_or_else(|p| p.into_inner()) = Some(cert);
    }
}

impl ClientCertificateProvider for RotatingClientCertificate {
    fn get_certificate(&self) -> Result<Option<ClientCert>, Error> {
        Ok(self
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take())
    }
}

impl std::fmt::Debug for RotatingClientCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotatingClientCertificate")
            .finish_non_exhaustive()
    }
}

/// Where a driver's connections get their TLS configuration: built once, or rebuilt each time
/// a [`ClientCertificateProvider`] hands out a new certificate.
pub(crate) enum TlsSource {
    /// The same configuration for every connection.
    Fixed(Arc<ClientConfig>),
    /// The configuration of the provider's latest certificate.
    Rotating {
        /// The options without the client certificate.
        base: TlsOptions,
        provider: Arc<dyn ClientCertificateProvider>,
        current: Mutex<Option<Arc<ClientConfig>>>,
    },
}

impl TlsSource {
    /// Builds the configuration now (files are read now: errors at driver creation), or, with a
    /// provider, at the first connection.
    pub(crate) fn new(
        opts: &TlsOptions,
        provider: Option<Arc<dyn ClientCertificateProvider>>,
    ) -> Result<TlsSource, Error> {
        Ok(match provider {
            None => TlsSource::Fixed(client_config(opts)?),
            Some(provider) => TlsSource::Rotating {
                base: TlsOptions {
                    client_cert: None,
                    ..opts.clone()
                },
                provider,
                current: Mutex::new(None),
            },
        })
    }

    /// The configuration for a new connection.
    pub(crate) fn config(&self) -> Result<Arc<ClientConfig>, Error> {
        let (base, provider, current) = match self {
            TlsSource::Fixed(c) => return Ok(Arc::clone(c)),
            TlsSource::Rotating {
                base,
                provider,
                current,
            } => (base, provider, current),
        };
        // Asked outside the lock: the provider is the application's code.
        let new = provider.get_certificate()?;
        let mut current = current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cert) = new {
            let opts = TlsOptions {
                client_cert: Some(cert),
                ..base.clone()
            };
            *current = Some(client_config(&opts)?);
        }
        current.clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Config,
                "the client certificate provider gave no certificate on its first call",
            )
        })
    }
}

/// TLS settings for a connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsOptions {
    /// Which server certificates to accept.
    pub trust: TrustStrategy,
    /// A client certificate for mutual TLS, if the server asks for one.
    pub client_cert: Option<ClientCert>,
}

impl TlsOptions {
    /// Options with the given trust strategy and no client certificate.
    pub fn new(trust: TrustStrategy) -> TlsOptions {
        TlsOptions {
            trust,
            client_cert: None,
        }
    }
}

pub(super) fn config_err(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Config, format!("{what} {}: {e}", path.display()))
}

/// Builds a rustls client configuration for `opts`, using the ring provider explicitly (no
/// process-wide default provider is needed or installed).
///
/// # Errors
///
/// [`ErrorKind::Config`] when a CA or client certificate/key file cannot be read, is not valid
/// PEM, or holds no certificate/key (the message names the file); [`ErrorKind::Tls`] when rustls
/// rejects the resulting configuration (e.g. an unsupported key type).
///
/// ```
/// use boltc::net::{client_config, TlsOptions, TrustStrategy};
///
/// let config = client_config(&TlsOptions::new(TrustStrategy::System)).unwrap();
/// # let _ = config;
/// ```
pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(tls_err)?;
    let builder = match &opts.trust {
        TrustStrategy::System => builder.with_root_certificates(system_roots()),
        TrustStrategy::MozillaBundled => builder.with_root_certificates(mozilla_roots()),
        TrustStrategy::CustomCa(paths) => builder.with_root_certificates(load_roots(paths)?),
        TrustStrategy::TrustAll => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCert { provider })),
    };
    let config = match &opts.client_cert {
        None => builder.with_no_client_auth(),
        Some(cc) => {
            let chain = load_certs(&cc.cert_chain_pem, "client certificate file")?;
            let key = super::tls_key::load_key(&cc.key_pem, cc.key_password.as_deref())?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| tls_err(e).context(cc.cert_chain_pem.display()))?
        }
    };
    Ok(Arc::new(config))
}

fn mozilla_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The operating system's roots, or the Mozilla set where it has none.
fn system_roots() -> RootCertStore {
    let found = rustls_native_certs::load_native_certs();
    for e in &found.errors {
        log::debug!("system trust store: {e}");
    }
    roots_or_bundled(found.certs)
}

/// A store of the parsable certificates in `certs`; the Mozilla set if there is none.
fn roots_or_bundled(certs: Vec<CertificateDer<'static>>) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let (added, ignored) = roots.add_parsable_certificates(certs);
    if ignored > 0 {
        log::debug!("system trust store: {ignored} certificate(s) could not be used");
    }
    if added == 0 {
        log::warn!(
            "no root certificate found in the system trust store; using the bundled Mozilla set"
        );
        return mozilla_roots();
    }
    log::debug!("system trust store: {added} root certificate(s)");
    roots
}

fn tls_err(e: rustls::Error) -> Error {
    Error::new(ErrorKind::Tls, format!("TLS configuration rejected: {e}")).with_source(e)
}

fn load_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| config_err(path, &format!("cannot read {what}"), e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| config_err(path, &format!("invalid PEM in {what}"), e))?;
    if certs.is_empty() {
        return Err(config_err(path, what, "contains no certificate"));
    }
    Ok(certs)
}

fn load_roots(paths: &[PathBuf]) -> Result<RootCertStore, Error> {
    if paths.is_empty() {
        return Err(Error::new(
            ErrorKind::Config,
            "custom CA trust needs at least one CA certificate file",
        ));
    }
    let mut roots = RootCertStore::empty();
    for path in paths {
        for cert in load_certs(path, "CA file")? {
            roots
                .add(cert)
                .map_err(|e| config_err(path, "invalid CA certificate in", e))?;
        }
    }
    Ok(roots)
}

/// Accepts any server certificate but still checks handshake signatures.
#[derive(Debug)]
struct AcceptAnyCert {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Writes `contents` to a file `name` in this process's scratch folder; returns its path.
    pub(in crate::net) fn tmp(name: &str, contents: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("boltc-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }

    #[test]
    fn builds_system_mozilla_and_trust_all() {
        client_config(&TlsOptions::new(TrustStrategy::System)).unwrap();
        client_config(&TlsOptions::new(TrustStrategy::MozillaBundled)).unwrap();
        client_config(&TlsOptions::new(TrustStrategy::TrustAll)).unwrap();
    }

    #[test]
    fn a_system_without_roots_falls_back_to_the_mozilla_set() {
        let bundled = mozilla_roots();
        assert!(bundled.len() > 100, "{}", bundled.len());
        assert_eq!(roots_or_bundled(Vec::new()).len(), bundled.len());
        let garbage = vec![CertificateDer::from(vec![1u8, 2, 3])];
        assert_eq!(roots_or_bundled(garbage).len(), bundled.len());
    }

    #[test]
    fn missing_ca_file_names_path() {
        let p = PathBuf::from("/nonexistent/boltc/ca.pem");
        let e = client_config(&TlsOptions::new(TrustStrategy::CustomCa(vec![p]))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains("/nonexistent/boltc/ca.pem"), "{e}");
    }

    #[test]
    fn empty_or_garbage_ca_file() {
        let empty = tmp("empty.pem", "");
        let e = client_config(&TlsOptions::new(TrustStrategy::CustomCa(vec![
            empty.clone()
        ])))
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.message().contains(&*empty.to_string_lossy()), "{e}");
        let bad = tmp(
            "bad.pem",
            "-----BEGIN CERTIFICATE-----\n!!!notbase64!!!\n-----END CERTIFICATE-----\n",
        );
        let e = client_config(&TlsOptions::new(TrustStrategy::CustomCa(vec![bad]))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config, "{e}");
        let e = client_config(&TlsOptions::new(TrustStrategy::CustomCa(vec![]))).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn a_provider_must_give_a_certificate_first_and_its_errors_pass_through() {
        struct Never;
        impl ClientCertificateProvider for Never {
            fn get_certificate(&self) -> Result<Option<ClientCert>, Error> {
                Ok(None)
            }
        }
        struct Failing;
        impl ClientCertificateProvider for Failing {
            fn get_certificate(&self) -> Result<Option<ClientCert>, Error> {
                Err(Error::new(ErrorKind::Config, "vault unreachable"))
            }
        }
        let opts = TlsOptions::new(TrustStrategy::TrustAll);
        let e = TlsSource::new(&opts, Some(Arc::new(Never)))
            .unwrap()
            .config()
            .err()
            .unwrap();
        assert!(e.to_string().contains("first call"), "{e}");
        let e = TlsSource::new(&opts, Some(Arc::new(Failing)))
            .unwrap()
            .config()
            .err()
            .unwrap();
        assert!(e.to_string().contains("vault unreachable"), "{e}");
        // A rotating provider hands each certificate out once.
        let cert = ClientCert {
            cert_chain_pem: "c.pem".into(),
            key_pem: "k.pem".into(),
            key_password: None,
        };
        let p = RotatingClientCertificate::new(cert.clone());
        assert_eq!(p.get_certificate().unwrap(), Some(cert.clone()));
        assert_eq!(p.get_certificate().unwrap(), None);
        p.update_certificate(cert.clone());
        assert_eq!(p.get_certificate().unwrap(), Some(cert));
    }

    #[test]
    fn debug_shows_paths_only() {
        let opts = TlsOptions {
            trust: TrustStrategy::TrustAll,
            client_cert: Some(ClientCert {
                cert_chain_pem: "c.pem".into(),
                key_pem: "k.pem".into(),
                key_password: Some("s3cret-pass".into()),
            }),
        };
        let s = format!("{opts:?}");
        assert!(s.contains("k.pem") && !s.contains("PRIVATE"), "{s}");
        assert!(s.contains("<redacted>") && !s.contains("s3cret"), "{s}");
    }
}
