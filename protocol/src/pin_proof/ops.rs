//! The OPAQUE operations of each suite over `opaque-ke`, written once by a macro: the
//! library's message lengths are type-level, so each suite gets concrete functions rather
//! than one generic function with a page of length bounds.

use opaque_ke::{
    CipherSuite, ClientLogin, ClientLoginFinishParameters, ClientRegistration,
    ClientRegistrationFinishParameters, CredentialFinalization, CredentialRequest,
    CredentialResponse, Identifiers, RegistrationRequest, RegistrationResponse, RegistrationUpload,
    Ristretto255, ServerLogin, ServerLoginParameters, ServerRegistration, ServerSetup, TripleDh,
};
use rand_core::OsRng;
use zeroize::{Zeroize, Zeroizing};

use super::PinProofError;

/// P-256 OPRF and 3DH with SHA-256, Argon2id (19 MiB, t=2, p=1) as the key-stretching
/// function: the suite of every record made before suites were versioned.
#[derive(Debug, Clone, Copy)]
pub struct P256Sha256;

impl CipherSuite for P256Sha256 {
    type OprfCs = p256::NistP256;
    type KeyExchange = TripleDh<p256::NistP256, sha2::Sha256>;
    type Ksf = argon2::Argon2<'static>;
}

/// ristretto255 OPRF and 3DH with SHA-512, the same Argon2id: RFC 9807's first recommended
/// configuration.
#[derive(Debug, Clone, Copy)]
pub struct Ristretto255Sha512;

impl CipherSuite for Ristretto255Sha512 {
    type OprfCs = Ristretto255;
    type KeyExchange = TripleDh<Ristretto255, sha2::Sha512>;
    type Ksf = argon2::Argon2<'static>;
}

macro_rules! suite_ops {
    ($module:ident, $cs:ty) => {
        /// The operations of one suite; messages here are the suite's own, untagged.
        pub mod $module {
            use super::*;

            /// A registration request and the client's state.
            pub fn client_registration_start(
                password: &[u8],
            ) -> Result<(Vec<u8>, ClientRegistration<$cs>), PinProofError> {
                let start = ClientRegistration::<$cs>::start(&mut OsRng, password)
                    .map_err(|_| PinProofError::Malformed)?;
                Ok((start.message.serialize().to_vec(), start.state))
            }

            /// The registration upload for the server's response.
            pub fn client_registration_finish(
                state: ClientRegistration<$cs>,
                password: &[u8],
                response: &[u8],
                identifiers: Identifiers<'_>,
            ) -> Result<Vec<u8>, PinProofError> {
                let response = RegistrationResponse::<$cs>::deserialize(response)
                    .map_err(|_| PinProofError::Malformed)?;
                let params = ClientRegistrationFinishParameters::new(identifiers, None);
                let mut finish = state
                    .finish(&mut OsRng, password, response, params)
                    .map_err(|_| PinProofError::Malformed)?;
                finish.export_key.zeroize();
                Ok(finish.message.serialize().to_vec())
            }

            /// KE1 and the client's state.
            pub fn client_login_start(
                password: &[u8],
            ) -> Result<(Vec<u8>, ClientLogin<$cs>), PinProofError> {
                let start = ClientLogin::<$cs>::start(&mut OsRng, password)
                    .map_err(|_| PinProofError::Malformed)?;
                Ok((start.message.serialize().to_vec(), start.state))
            }

            /// KE3 and the session key for the server's KE2.
            pub fn client_login_finish(
                state: ClientLogin<$cs>,
                password: &[u8],
                response: &[u8],
                identifiers: Identifiers<'_>,
                context: &[u8],
            ) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), PinProofError> {
                let response = CredentialResponse::<$cs>::deserialize(response)
                    .map_err(|_| PinProofError::Malformed)?;
                let params = ClientLoginFinishParameters::new(Some(context), identifiers, None);
                let mut finish = state
                    .finish(&mut OsRng, password, response, params)
                    .map_err(|e| match e {
                        opaque_ke::errors::ProtocolError::InvalidLoginError => {
                            PinProofError::InvalidProof
                        }
                        _ => PinProofError::Malformed,
                    })?;
                finish.export_key.zeroize();
                Ok((
                    finish.message.serialize().to_vec(),
                    Zeroizing::new(finish.session_key.to_vec()),
                ))
            }

            /// The server's answer to a registration request.
            pub fn server_registration_start(
                setup: &ServerSetup<$cs>,
                request: &[u8],
                credential_id: &[u8],
            ) -> Result<Vec<u8>, PinProofError> {
                let request = RegistrationRequest::<$cs>::deserialize(request)
                    .map_err(|_| PinProofError::Malformed)?;
                let start = ServerRegistration::<$cs>::start(setup, request, credential_id)
                    .map_err(|_| PinProofError::Malformed)?;
                Ok(start.message.serialize().to_vec())
            }

            /// The record the server keeps for a registration upload.
            pub fn server_registration_finish(upload: &[u8]) -> Result<Vec<u8>, PinProofError> {
                let upload = RegistrationUpload::<$cs>::deserialize(upload)
                    .map_err(|_| PinProofError::Malformed)?;
                Ok(ServerRegistration::<$cs>::finish(upload)
                    .serialize()
                    .to_vec())
            }

            /// KE2 and the server's state for KE1 against `record`.
            pub fn server_login_start(
                setup: &ServerSetup<$cs>,
                record: &[u8],
                request: &[u8],
                credential_id: &[u8],
                params: ServerLoginParameters<'_, '_>,
            ) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), PinProofError> {
                let record = ServerRegistration::<$cs>::deserialize(record)
                    .map_err(|_| PinProofError::CorruptKeyMaterial)?;
                let request = CredentialRequest::<$cs>::deserialize(request)
                    .map_err(|_| PinProofError::Malformed)?;
                let start = ServerLogin::start(
                    &mut OsRng,
                    setup,
                    Some(record),
                    request,
                    credential_id,
                    params,
                )
                .map_err(|_| PinProofError::Malformed)?;
                Ok((
                    start.message.serialize().to_vec(),
                    Zeroizing::new(start.state.serialize().to_vec()),
                ))
            }

            /// The session key, only if KE3 proves the registered password.
            pub fn server_login_finish(
                state: &[u8],
                finalization: &[u8],
                params: ServerLoginParameters<'_, '_>,
            ) -> Result<Zeroizing<Vec<u8>>, PinProofError> {
                let state = ServerLogin::<$cs>::deserialize(state)
                    .map_err(|_| PinProofError::CorruptKeyMaterial)?;
                let finalization = CredentialFinalization::<$cs>::deserialize(finalization)
                    .map_err(|_| PinProofError::Malformed)?;
                let finish = state
                    .finish(finalization, params)
                    .map_err(|_| PinProofError::InvalidProof)?;
                Ok(Zeroizing::new(finish.session_key.to_vec()))
            }
        }
    };
}

suite_ops!(p256_sha256, P256Sha256);
suite_ops!(ristretto255_sha512, Ristretto255Sha512);
