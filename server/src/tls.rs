//! TLS: rustls with the ring provider, TLS 1.3 and 1.2 only (rustls implements nothing
//! older, so TLS 1.0/1.1 and SSL are refused by construction). Without configured files, a
//! self-signed certificate is created in the data directory on first start; its public-key
//! pin (`sha256/...`) is what the app pins.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::keys::write_private;

/// File name of the generated certificate (PEM) in the data directory.
pub const CERT_FILE: &str = "tls-cert.pem";
/// File name of the generated private key (PEM, mode 0600) in the data directory.
pub const KEY_FILE: &str = "tls-key.pem";
/// File name of the generated backup key (PEM, mode 0600): the key the server moves to when
/// the current one is lost or compromised. Apps pin it beside the current key; a deployment
/// keeps it offline and configures only its pin (`--backup-key-pin`).
pub const BACKUP_KEY_FILE: &str = "tls-backup-key.pem";

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Reading or writing a file failed.
    #[error("TLS file I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A certificate or key file holds no usable PEM.
    #[error("TLS file {0} holds no usable certificate or key")]
    BadPem(PathBuf),
    /// Generating the self-signed certificate failed.
    #[error("certificate generation failed")]
    Generate,
    /// rustls refused the configuration.
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// Configured certificate and key files (PEM). Both or neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, end entity first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, SEC1 or PKCS#1).
    pub key: PathBuf,
}

/// A ready TLS configuration and the pins of its public key and of the backup key.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// The rustls server configuration.
    pub config: Arc<rustls::ServerConfig>,
    /// `sha256/<base64>` of the end-entity certificate's SubjectPublicKeyInfo.
    pub spki_pin: String,
    /// The backup key's pin, when known (generated, or configured).
    pub backup_key_pin: Option<String>,
}

/// The pin of a DER certificate's public key (what the app's pinned verifier computes).
pub fn spki_pin_of_cert(cert_der: &[u8]) -> Option<String> {
    let der = CertificateDer::from(cert_der);
    let cert = webpki::EndEntityCert::try_from(&der).ok()?;
    Some(mitid_protocol::key_pin::key_pin_of_spki(
        cert.subject_public_key_info().as_ref(),
    ))
}

/// Loads the configured files, or the generated ones in `data_dir` (creating them first,
/// with a backup key).
pub fn setup(
    data_dir: &Path,
    files: Option<&TlsFiles>,
    backup_key_pin: Option<&str>,
) -> Result<TlsSetup, TlsError> {
    let (files, backup_key_pin) = match files {
        Some(f) => (f.clone(), backup_key_pin.map(str::to_owned)),
        None => {
            let generated = TlsFiles {
                cert: data_dir.join(CERT_FILE),
                key: data_dir.join(KEY_FILE),
            };
            if !generated.cert.exists() || !generated.key.exists() {
                generate(&generated)?;
            }
            let backup = match backup_key_pin {
                Some(pin) => pin.to_owned(),
                None => generated_backup_key_pin(&data_dir.join(BACKUP_KEY_FILE))?,
            };
            (generated, Some(backup))
        }
    };
    let cert_pem = fs::read(&files.cert)?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|_| TlsError::BadPem(files.cert.clone()))?;
    let key_pem = zeroize::Zeroizing::new(fs::read(&files.key)?);
    let key =
        PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::BadPem(files.key.clone()))?;
    let first = certs
        .first()
        .ok_or_else(|| TlsError::BadPem(files.cert.clone()))?;
    let spki_pin = spki_pin_of_cert(first).ok_or_else(|| TlsError::BadPem(files.cert.clone()))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsSetup {
        config: Arc::new(config),
        spki_pin,
        backup_key_pin,
    })
}

/// The pin of the backup key in `path`, generating the key first when there is none.
fn generated_backup_key_pin(path: &Path) -> Result<String, TlsError> {
    if !path.exists() {
        let key = rcgen::KeyPair::generate().map_err(|_| TlsError::Generate)?;
        let der = zeroize::Zeroizing::new(key.serialize_der());
        write_private(path, pem("PRIVATE KEY", &der).as_bytes())?;
    }
    let pem_bytes = zeroize::Zeroizing::new(fs::read(path)?);
    let bad = || TlsError::BadPem(path.into());
    let der =
        rustls::pki_types::PrivatePkcs8KeyDer::from_pem_slice(&pem_bytes).map_err(|_| bad())?;
    let key = rcgen::KeyPair::try_from(&der).map_err(|_| bad())?;
    Ok(mitid_protocol::key_pin::key_pin_of_spki(
        &rcgen::PublicKeyData::subject_public_key_info(&key),
    ))
}

fn generate(files: &TlsFiles) -> Result<(), TlsError> {
    let names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|_| TlsError::Generate)?;
    let key_der = zeroize::Zeroizing::new(certified.signing_key.serialize_der());
    let key_pem = zeroize::Zeroizing::new(pem("PRIVATE KEY", &key_der));
    write_private(&files.key, key_pem.as_bytes())?;
    let cert_pem = pem("CERTIFICATE", certified.cert.der());
    fs::write(&files.cert, cert_pem)?;
    Ok(())
}

/// `der` as PEM text with the `label` (`CERTIFICATE`, `PRIVATE KEY`).
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let b64 = zeroize::Zeroizing::new(STANDARD.encode(der));
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_and_the_pin_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = setup(dir.path(), None, None).unwrap();
        let b = setup(dir.path(), None, None).unwrap();
        assert_eq!(a.spki_pin, b.spki_pin);
        assert!(mitid_protocol::key_pin::is_valid_key_pin(&a.spki_pin));
        // A backup key beside it, stable too, and not the current key.
        let backup = a.backup_key_pin.clone().unwrap();
        assert_eq!(b.backup_key_pin.as_deref(), Some(backup.as_str()));
        assert!(mitid_protocol::key_pin::is_valid_key_pin(&backup));
        assert_ne!(backup, a.spki_pin);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
