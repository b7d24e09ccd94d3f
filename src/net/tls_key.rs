//! Reading a client certificate's private key, decrypting it when it is encrypted: PKCS#8
//! with PBES2 (`-----BEGIN ENCRYPTED PRIVATE KEY-----`), or the legacy OpenSSL PEM encryption
//! (`Proc-Type: 4,ENCRYPTED` and `DEK-Info` headers on a PKCS#1 or SEC1 key).
//!
//! Errors name the file and never contain the password or key material.

use std::path::Path;

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, KeyIvInit};
use base64ct::{Base64, Encoding};
use md5::{Digest, Md5};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::PrivateKeyDer;

use super::tls::config_err;
use crate::Error;

const ENCRYPTED_PKCS8: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
const LEGACY: &str = "Proc-Type: 4,ENCRYPTED";

/// Reads the private key in `path`; an encrypted key is decrypted with `password`. An
/// unencrypted key is used as it is, whatever `password` says (as OpenSSL does).
pub(super) fn load_key(
    path: &Path,
    password: Option<&str>,
) -> Result<PrivateKeyDer<'static>, Error> {
    let pem = std::fs::read_to_string(path)
        .map_err(|e| config_err(path, "cannot load private key from", e))?;
    let encrypted = pem.find(ENCRYPTED_PKCS8).map(|at| (at, true));
    let encrypted = encrypted.or_else(|| pem.contains(LEGACY).then_some((0, false)));
    let Some((start, pkcs8)) = encrypted else {
        return PrivateKeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| config_err(path, "cannot load private key from", e));
    };
    let Some(password) = password else {
        return Err(config_err(
            path,
            "cannot load private key from",
            "the key is encrypted and no key password was given",
        ));
    };
    if pkcs8 {
        decrypt_pkcs8(path, &pem[start..], password)
    } else {
        decrypt_legacy(path, &pem, password)
    }
}

fn decrypt_pkcs8(path: &Path, pem: &str, password: &str) -> Result<PrivateKeyDer<'static>, Error> {
    let (_, doc) = pkcs8::SecretDocument::from_pem(pem)
        .map_err(|e| config_err(path, "invalid encrypted private key in", e))?;
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes())
        .map_err(|e| config_err(path, "invalid encrypted private key in", e))?;
    let plain = info.decrypt(password).map_err(|e| {
        config_err(
            path,
            "cannot decrypt private key",
            format_args!("wrong password or unsupported encryption ({e})"),
        )
    })?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// The ciphers of the legacy PEM encryption boltc reads: (DEK-Info name, key length, IV length).
const LEGACY_CIPHERS: [(&str, usize, usize); 4] = [
    ("AES-128-CBC", 16, 16),
    ("AES-192-CBC", 24, 16),
    ("AES-256-CBC", 32, 16),
    ("DES-EDE3-CBC", 24, 8),
];

/// A PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`) key with `Proc-Type`/`DEK-Info`
/// headers: the key is derived from the password and the IV's first 8 bytes with OpenSSL's
/// `EVP_BytesToKey` (MD5, one round), and the body decrypted with the named cipher in CBC mode.
fn decrypt_legacy(path: &Path, pem: &str, password: &str) -> Result<PrivateKeyDer<'static>, Error> {
    let bad = |what: &str| config_err(path, "invalid encrypted private key in", what);
    let mut lines = pem
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("-----BEGIN "));
    let begin = lines.next().ok_or_else(|| bad("no BEGIN line"))?;
    let label = begin
        .strip_prefix("-----BEGIN ")
        .and_then(|l| l.strip_suffix("-----"))
        .ok_or_else(|| bad("malformed BEGIN line"))?
        .to_owned();
    let mut dek = None;
    let mut body = String::new();
    for line in lines.by_ref() {
        if line.starts_with("-----END ") {
            break;
        }
        if let Some(v) = line.strip_prefix("DEK-Info:") {
            dek = Some(v.trim().to_owned());
        } else if !line.contains(':') {
            body.push_str(line);
        }
    }
    let dek = dek.ok_or_else(|| bad("Proc-Type ENCRYPTED without a DEK-Info header"))?;
    let (cipher, iv_hex) = dek
        .split_once(',')
        .ok_or_else(|| bad("malformed DEK-Info header"))?;
    let Some(&(name, key_len, iv_len)) = LEGACY_CIPHERS
        .iter()
        .find(|(n, ..)| n.eq_ignore_ascii_case(cipher.trim()))
    else {
        return Err(config_err(
            path,
            "unsupported key encryption in",
            format_args!(
                "{}: boltc reads AES-128/192/256-CBC and DES-EDE3-CBC (or encrypted PKCS#8)",
                cipher.trim()
            ),
        ));
    };
    let iv = hex(iv_hex.trim()).filter(|iv| iv.len() == iv_len);
    let iv = iv.ok_or_else(|| bad("malformed IV in the DEK-Info header"))?;
    let data = Base64::decode_vec(&body).map_err(|_| bad("invalid base64"))?;
    let key = bytes_to_key(password.as_bytes(), &iv[..8], key_len);
    let wrong = || {
        config_err(
            path,
            "cannot decrypt private key",
            "wrong password or damaged key",
        )
    };
    let plain = match name {
        "AES-128-CBC" => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
        "AES-192-CBC" => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
        "AES-256-CBC" => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
        _ => cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| wrong())?
            .decrypt_padded_vec_mut::<Pkcs7>(&data),
    }
    .map_err(|_| wrong())?;
    // A wrong password passes the padding check now and then: the result must still be DER
    // (a SEQUENCE whose length matches).
    if !is_der_sequence(&plain) {
        return Err(wrong());
    }
    match label.as_str() {
        "RSA PRIVATE KEY" => Ok(PrivateKeyDer::Pkcs1(plain.into())),
        "EC PRIVATE KEY" => Ok(PrivateKeyDer::Sec1(plain.into())),
        "PRIVATE KEY" => Ok(PrivateKeyDer::Pkcs8(plain.into())),
        other => Err(config_err(
            path,
            "unsupported key type in",
            format_args!("an encrypted {other:?}"),
        )),
    }
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one round: `D_i = MD5(D_{i-1} || password || salt)`,
/// the key the first `len` bytes of `D_1 || D_2 || ...`.
fn bytes_to_key(password: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut prev: Vec<u8> = Vec::new();
    while out.len() < len {
        let mut h = Md5::new();
        h.update(&prev);
        h.update(password);
        h.update(salt);
        prev = h.finalize().to_vec();
        out.extend_from_slice(&prev);
    }
    out.truncate(len);
    out
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Whether `b` is exactly one DER SEQUENCE (tag 0x30 and a length that covers the rest).
fn is_der_sequence(b: &[u8]) -> bool {
    let (Some(&0x30), Some(&first)) = (b.first(), b.get(1)) else {
        return false;
    };
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || b.len() < 2 + n {
            return false;
        }
        let len = b[2..2 + n]
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
        (len, 2 + n)
    };
    header + len == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    use crate::net::tls::tests::tmp;

    /// A P-256 key written by `openssl ecparam -genkey -name prime256v1 -noout`, then by
    /// `openssl ec -aes256` / `-des3` / `-aes128` with the password `legacy-pw`.
    const EC_PLAIN: &str = include_str!("tls_key_fixtures/ec.pem");
    const EC_AES256: &str = include_str!("tls_key_fixtures/ec.aes256.pem");
    const EC_DES3: &str = include_str!("tls_key_fixtures/ec.des3.pem");
    const EC_AES128: &str = include_str!("tls_key_fixtures/ec.aes128.pem");

    fn der(key: PrivateKeyDer<'_>) -> Vec<u8> {
        key.secret_der().to_vec()
    }

    #[test]
    fn legacy_encrypted_keys_decrypt_to_the_plain_key() {
        let plain = der(load_key(&tmp("ec.pem", EC_PLAIN), None).unwrap());
        for (name, pem) in [
            ("aes256", EC_AES256),
            ("des3", EC_DES3),
            ("aes128", EC_AES128),
        ] {
            let p = tmp(&format!("ec.{name}.pem"), pem);
            let key = load_key(&p, Some("legacy-pw")).unwrap();
            assert!(matches!(key, PrivateKeyDer::Sec1(_)), "{name}");
            assert_eq!(der(key), plain, "{name}");
            let e = load_key(&p, Some("not-legacy-pw")).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Config, "{name}");
            let msg = format!("{e} {e:?}");
            assert!(
                msg.contains("cannot decrypt") && !msg.contains("not-legacy-pw"),
                "{msg}"
            );
            let e = load_key(&p, None).unwrap_err();
            assert!(e.to_string().contains("no key password"), "{e}");
        }
        // An unencrypted key is used as it is, with or without a password.
        let p = tmp("ec.pem", EC_PLAIN);
        assert_eq!(der(load_key(&p, Some("ignored")).unwrap()), plain);
    }

    #[test]
    fn unsupported_or_damaged_encryption_is_a_clear_config_error() {
        let unknown = EC_AES256.replace("AES-256-CBC", "CAMELLIA-256-CBC");
        let e = load_key(&tmp("camellia.pem", &unknown), Some("legacy-pw")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("CAMELLIA-256-CBC"), "{e}");
        let no_dek: String = EC_AES256
            .lines()
            .filter(|l| !l.starts_with("DEK-Info"))
            .map(|l| format!("{l}\n"))
            .collect();
        let e = load_key(&tmp("nodek.pem", &no_dek), Some("legacy-pw")).unwrap_err();
        assert!(e.to_string().contains("DEK-Info"), "{e}");
        let garbage = tmp(
            "garbage.key",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        );
        let e = load_key(&garbage, Some("pw-123")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(
            e.to_string().contains("garbage.key") && !e.to_string().contains("pw-123"),
            "{e}"
        );
        let e = load_key(&garbage, None).unwrap_err();
        assert!(e.to_string().contains("no key password"), "{e}");
    }

    #[test]
    fn bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -pass pass:legacy-pw -S 0102030405060708 -md md5 -P`
        let k = bytes_to_key(b"legacy-pw", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        assert_eq!(k.len(), 32);
        assert_eq!(k, hex(OPENSSL_KEY).unwrap());
    }

    const OPENSSL_KEY: &str = "E0CE9948C06D0521478211C0DC83EA4AADC6C87BE6DED0B4777F0790EF133A0B";
}
