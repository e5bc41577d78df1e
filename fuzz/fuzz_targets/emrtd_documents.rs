//! The eMRTD document parsers and passive authentication (`mitid_emrtd::sod::Sod::parse`,
//! `lds::dg1_mrz`, `lds::dg2_face`, `Mrz::parse`, `verify`), as the server runs them on what
//! an app sends.
//!
//! A genuine test document (its own CSCA, document signer and SOD) is made once per process.
//! Input: the first byte selects:
//! - 0: the input is the SOD, with the genuine DG1 and DG2: never a panic;
//! - 1: the input is DG1, 2: the input is DG2, with the genuine SOD: accepted only when it is
//!   the genuine data group byte for byte (a changed data group never verifies);
//! - 3: the input, as text, is a machine-readable zone;
//! - 4: the input is the chip's answer to active authentication (a genuine RSA key in DG15,
//!   ISO/IEC 9796-2): accepted only when it is the chip's own answer byte for byte;
//! - 5: the input is DG15 with that answer: never a panic;
//! - 6: the input is DG14 beside a genuine ECDSA key in DG15 and its answer (SHA-384, which
//!   the genuine DG14 names): never a panic;
//! - 7: the input is DG14 as `POST /v1/document/chip-authentication` takes it, unchecked from
//!   anyone: its chip authentication key (P-256, or DH in a group DG14 writes out or
//!   numbers), the server's key and command in that key's group, and an answer checked
//!   against it: never a panic, and the input's tail as the answer never verifies.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mitid_emrtd::active_auth::EcdsaHash;
use mitid_emrtd::chip_auth::{self, KeyKinds};
use mitid_emrtd::iso9796::TrailerHash;
use mitid_emrtd::sod::Sod;
use mitid_emrtd::testing::{ActiveAuthenticationKey, TestAuthority, TestHolder};
use mitid_emrtd::{lds, verify, verify_active_authentication, ChipFiles, MasterList, Mrz};
use rustls_pki_types::UnixTime;

struct Genuine {
    files: ChipFiles,
    master_list: MasterList,
    /// A document whose chip has an RSA active-authentication key, and its answer to
    /// `CHALLENGE`.
    rsa: ChipFiles,
    /// The same with an ECDSA key that signs SHA-384, as its DG14 says.
    ecdsa: ChipFiles,
}

const CHALLENGE: [u8; 8] = [7; 8];

fn genuine() -> &'static Genuine {
    static GENUINE: OnceLock<Genuine> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let authority = TestAuthority::new("UTO");
        let holder = TestHolder::specimen();
        let face = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0x42; 64], &[0xFF, 0xD9]].concat();
        let answered = |key| {
            let (mut files, key) =
                authority.issue_with_active_authentication_key(&holder, &face, key);
            files.active_authentication = Some(key.sign(&CHALLENGE));
            files
        };
        let rsa = answered(ActiveAuthenticationKey::generate_rsa(
            1024,
            TrailerHash::Sha1Implicit,
        ));
        let ecdsa = answered(ActiveAuthenticationKey::generate_ecdsa(EcdsaHash::Sha384));
        Genuine {
            files: authority.issue(&holder, &face),
            master_list: authority.master_list(),
            rsa,
            ecdsa,
        }
    })
}

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_796_083_200))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let genuine = genuine();
    let mut files = genuine.files.clone();
    match selector % 8 {
        0 => {
            let _ = Sod::parse(rest);
            files.sod = rest.to_vec();
            let _ = verify(&files, &genuine.master_list, now());
        }
        1 | 2 => {
            let _ = lds::dg1_mrz(rest);
            let _ = lds::dg2_face(rest);
            let group = if selector % 8 == 1 {
                &mut files.dg1
            } else {
                &mut files.dg2
            };
            let changed = group.as_slice() != rest;
            *group = rest.to_vec();
            let verdict = verify(&files, &genuine.master_list, now());
            assert!(
                !(changed && verdict.is_ok()),
                "a changed data group verified"
            );
        }
        3 => {
            let _ = Mrz::parse(&String::from_utf8_lossy(rest));
        }
        4 => {
            let mut rsa = genuine.rsa.clone();
            let changed = rsa.active_authentication.as_deref() != Some(rest);
            rsa.active_authentication = Some(rest.to_vec());
            let verdict = verify_active_authentication(&rsa, &CHALLENGE);
            assert!(!(changed && verdict.is_ok()), "a changed answer verified");
        }
        5 => {
            let mut rsa = genuine.rsa.clone();
            rsa.dg15 = Some(rest.to_vec());
            let _ = verify_active_authentication(&rsa, &CHALLENGE);
        }
        7 => chip_authentication(rest),
        _ => {
            let mut ecdsa = genuine.ecdsa.clone();
            ecdsa.dg14 = Some(rest.to_vec());
            let _ = verify_active_authentication(&ecdsa, &CHALLENGE);
        }
    }
});

/// The server's side of chip authentication on a DG14 from anyone.
fn chip_authentication(dg14: &[u8]) {
    let Ok(Some(key)) = chip_auth::chip_key(dg14, KeyKinds::EcdhAndDh) else {
        return;
    };
    let ephemeral = [7u8; 32];
    let _ = chip_auth::verifier_public_key(&key.group, &ephemeral);
    if chip_auth::verifier_command(&ephemeral, &key).is_ok() {
        let tail = &dg14[dg14.len().saturating_sub(40)..];
        let verdict = chip_auth::verify_answer(&ephemeral, &key, tail);
        assert!(verdict.is_err(), "an answer that no chip made verified");
    }
}
