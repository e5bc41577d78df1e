//! TLS with the server's public key pinned.
//!
//! The app trusts exactly the keys it was configured with (a primary and a backup pin), not
//! the Web PKI: a certificate from any CA, however valid, is refused unless its key is
//! pinned. The handshake signatures are still verified with rustls's ring provider, so a
//! pinned key also has to be *used* by the peer.

use std::sync::Arc;

use mitid_protocol::key_pin::key_pin_of_spki;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, OtherError, SignatureScheme};

/// The handshake's failure when the server's key is none of the pinned ones: carried inside
/// the request's own error, so that the client tells a pin mismatch (an attack or a
/// misconfiguration) from an unreachable server for each request apart.
#[derive(Debug, thiserror::Error)]
#[error("the server's key is not pinned")]
pub(crate) struct KeyPinMismatch;

impl KeyPinMismatch {
    /// Whether `error`, or an error it was caused by, is a pin mismatch. I/O errors hide
    /// the error they wrap from `source()`, so each is opened with `get_ref`.
    pub(crate) fn caused(error: &(dyn std::error::Error + 'static)) -> bool {
        let mut next = Some(error);
        while let Some(e) = next {
            if let Some(Error::InvalidCertificate(CertificateError::Other(OtherError(inner)))) =
                e.downcast_ref::<Error>()
            {
                if inner.is::<Self>() {
                    return true;
                }
            }
            let wrapped = e
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref());
            if wrapped.is_some_and(|inner| Self::caused(inner)) {
                return true;
            }
            next = e.source();
        }
        false
    }
}

/// Verifies the server by its key pin.
#[derive(Debug)]
pub struct PinnedKeyVerifier {
    key_pins: Vec<String>,
    provider: Arc<CryptoProvider>,
}

impl PinnedKeyVerifier {
    /// A verifier accepting the given `sha256/...` pins.
    pub fn new(key_pins: Vec<String>) -> Self {
        Self {
            key_pins,
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        }
    }
}

impl ServerCertVerifier for PinnedKeyVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let cert = webpki::EndEntityCert::try_from(end_entity)
            .map_err(|_| Error::InvalidCertificate(CertificateError::BadEncoding))?;
        let pin = key_pin_of_spki(cert.subject_public_key_info().as_ref());
        if self
            .key_pins
            .iter()
            .any(|p| mitid_protocol::ct::eq(p.as_bytes(), pin.as_bytes()))
        {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(Error::InvalidCertificate(CertificateError::Other(
                OtherError(Arc::new(KeyPinMismatch)),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
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
    ) -> Result<HandshakeSignatureValid, Error> {
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

/// A rustls client configuration: ring provider, TLS 1.3 and 1.2 only, pinned server key.
pub fn client_config(key_pins: Vec<String>) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedKeyVerifier::new(key_pins)))
        .with_no_client_auth();
    Ok(config)
}
