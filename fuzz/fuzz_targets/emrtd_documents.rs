//! The eMRTD document parsers and passive authentication (`mitid_emrtd::sod::Sod::parse`,
//! `lds::dg1_mrz`, `lds::dg2_face`, `Mrz::parse`, `verify`), as the server runs them on what
//! an app sends.
//!
//! Every key is fixed: the country signing CA and the document signer
//! (`TestAuthority::from_rng`), the chips' active authentication keys (RSA and ECDSA,
//! `ActiveAuthenticationKey::rsa_from_rng` and `ecdsa_from_rng`) and the RSA chip's nonce are
//! drawn from a ChaCha20 generator with a constant seed, and every signature is deterministic
//! (RFC 6979 ECDSA, raw RSA), so the genuine documents are the same bytes in every process: a
//! crashing input replays, and the committed seeds carry genuine signatures (the target
//! writes them; see `write_seeds`).
//! Input: the first byte selects (modulo 10):
//! - 0: the input is the SOD, with the genuine DG1 and DG2: never a panic;
//! - 1: the input is DG1, 2: the input is DG2, with the genuine SOD: accepted only when it is
//!   the genuine data group byte for byte (a changed data group never verifies); then the
//!   document signer signs a SOD over the input, so that the checks and parsers behind the
//!   signature (data group hashes, the MRZ, the face) run on it: an accepted document's face
//!   is the one `lds::dg2_face` reads;
//! - 3: the input, as text, is a machine-readable zone;
//! - 4: the input is the chip's answer to active authentication (a genuine RSA key in DG15,
//!   ISO/IEC 9796-2): accepted only when it is the chip's own answer byte for byte;
//! - 5: the input is DG15 with that answer: never a panic;
//! - 6: the input is DG14 beside a genuine ECDSA key in DG15 and its answer (SHA-384, which
//!   the genuine DG14 names): never a panic;
//! - 7: the input is DG14 as `POST /v1/document/chip-authentication` takes it, unchecked from
//!   anyone: its chip authentication key (P-256, or DH in a group DG14 writes out or
//!   numbers), the server's key and command in that key's group, and an answer checked
//!   against it: never a panic, and the input's tail as the answer never verifies;
//! - 8: the input is the SOD's signed content (the LDS security object), which the document
//!   signer signs here, so that what lies behind the signature check (the hash algorithm, the
//!   data group hashes, then DG1 and DG2) is reached: never a panic;
//! - 9: the input is the message block an RSA chip signs (ISO/IEC 9796-2, `6A ‖ M1 ‖ hash ‖
//!   trailer`, left-padded to the key's size), which the chip's fixed key signs here, so that
//!   the verifier's message recovery behind the RSA operation is fuzzed: accepted only when
//!   the block starts with 6A and its hash, of the trailer's algorithm, is that of
//!   `M1 ‖ challenge`.
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
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rustls_pki_types::UnixTime;

/// The seed of every key of this target.
const SEED: [u8; 32] = *b"mitid fuzz emrtd_documents seed1";

/// The issuing state of the documents (the genuine DG1's, and the master list's).
const STATE: &str = "UTO";

struct Genuine {
    authority: TestAuthority,
    master_list: MasterList,
    files: ChipFiles,
    /// A document whose chip has an RSA active-authentication key (1,024 bits, ISO/IEC
    /// 9796-2 with SHA-1 and the implicit trailer, as most RSA chips sign), and its answer to
    /// `CHALLENGE`.
    rsa: ChipFiles,
    rsa_key: ActiveAuthenticationKey,
    /// The message block the RSA chip signed for its answer.
    rsa_block: Vec<u8>,
    /// The same with an ECDSA key that signs SHA-384, as its DG14 says.
    ecdsa: ChipFiles,
}

const CHALLENGE: [u8; 8] = [7; 8];

fn genuine() -> &'static Genuine {
    static GENUINE: OnceLock<Genuine> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let rng = &mut ChaCha20Rng::from_seed(SEED);
        let authority = TestAuthority::from_rng(STATE, rng);
        let master_list = authority.master_list();
        let holder = TestHolder::specimen();
        let face = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0x42; 64], &[0xFF, 0xD9]].concat();
        let files = authority.issue(&holder, &face);

        let rsa_key = ActiveAuthenticationKey::rsa_from_rng(1024, TrailerHash::Sha1Implicit, rng);
        let rsa_block = rsa_key
            .message_block(&CHALLENGE, rng)
            .expect("an RSA key's block");
        let answer = rsa_key.sign_block(&rsa_block);
        let (mut rsa, rsa_key) =
            authority.issue_with_active_authentication_key(&holder, &face, rsa_key);
        rsa.active_authentication = answer;

        let ecdsa_key = ActiveAuthenticationKey::ecdsa_from_rng(Some(EcdsaHash::Sha384), rng);
        let answer = ecdsa_key.sign(&CHALLENGE);
        let (mut ecdsa, _) =
            authority.issue_with_active_authentication_key(&holder, &face, ecdsa_key);
        ecdsa.active_authentication = Some(answer);

        // A fixture that no longer verifies would leave every check behind the signatures
        // unreached, silently: refuse to fuzz with it.
        verify(&files, &master_list, now()).expect("the genuine document verifies");
        for document in [&rsa, &ecdsa] {
            verify(document, &master_list, now()).expect("the genuine chip's files verify");
            verify_active_authentication(document, &CHALLENGE)
                .expect("the genuine answer verifies");
        }
        let genuine = Genuine {
            authority,
            master_list,
            files,
            rsa,
            rsa_key,
            rsa_block,
            ecdsa,
        };
        if let Some(dir) = std::env::var_os("MITID_FUZZ_EMRTD_SEEDS") {
            write_seeds(&genuine, std::path::Path::new(&dir));
        }
        genuine
    })
}

/// Writes the seeds that carry the genuine (fixed-key) documents' files into `dir`
/// (`fuzz/corpus/emrtd_documents`): run once after a change to this harness's documents or
/// to the test kit's,
///
/// `MITID_FUZZ_EMRTD_SEEDS=$PWD/corpus/emrtd_documents cargo fuzz run emrtd_documents /tmp/empty -- -runs=0`
///
/// (libFuzzer's first run, the empty input, makes the documents).
fn write_seeds(genuine: &Genuine, dir: &std::path::Path) {
    let files = &genuine.files;
    let answer = genuine
        .rsa
        .active_authentication
        .clone()
        .unwrap_or_default();
    let lds = TestAuthority::security_object(&[(1, &files.dg1), (2, &files.dg2)]);
    let seeds: [(&str, u8, &[u8]); 8] = [
        ("sod", 0, &files.sod),
        ("dg1", 1, &files.dg1),
        ("dg2", 2, &files.dg2),
        ("aa_answer", 4, &answer),
        (
            "dg15_rsa",
            5,
            genuine.rsa.dg15.as_deref().unwrap_or_default(),
        ),
        (
            "dg14_aa_info",
            6,
            genuine.ecdsa.dg14.as_deref().unwrap_or_default(),
        ),
        ("lds", 8, &lds),
        ("aa_block", 9, &genuine.rsa_block),
    ];
    for (name, selector, bytes) in seeds {
        let seed = [&[selector][..], bytes].concat();
        std::fs::write(dir.join(name), seed).unwrap_or_else(|e| panic!("seed {name}: {e}"));
    }
}

fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_796_083_200))
}

fuzz_target!(|data: &[u8]| {
    let genuine = genuine();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut files = genuine.files.clone();
    match selector % 10 {
        0 => {
            let _ = Sod::parse(rest);
            files.sod = rest.to_vec();
            let _ = verify(&files, &genuine.master_list, now());
        }
        mode @ (1 | 2) => {
            let _ = lds::dg1_mrz(rest);
            let _ = lds::dg2_face(rest);
            let group = if mode == 1 {
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
            // Signed as it is: the checks and parsers behind the signature run on it.
            files.sod = genuine.authority.sign(&[(1, &files.dg1), (2, &files.dg2)]);
            if let Ok(document) = verify(&files, &genuine.master_list, now()) {
                assert_eq!(
                    lds::dg2_face(&files.dg2).as_ref(),
                    Ok(&document.face),
                    "the verified face is not DG2's"
                );
            }
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
        8 => {
            files.sod = genuine.authority.sign_security_object(rest);
            if verify(&files, &genuine.master_list, now()).is_ok() {
                let sod = Sod::parse(&files.sod).expect("a verified SOD parses");
                assert!(
                    sod.hash_of(1).is_some() && sod.hash_of(2).is_some(),
                    "verified without DG1's and DG2's hashes"
                );
            }
        }
        9 => rsa_block(genuine, rest),
        _ => {
            let mut ecdsa = genuine.ecdsa.clone();
            ecdsa.dg14 = Some(rest.to_vec());
            let _ = verify_active_authentication(&ecdsa, &CHALLENGE);
        }
    }
});

/// The verifier's recovery of an RSA chip's message block, signed here by the chip's key.
fn rsa_block(genuine: &Genuine, block: &[u8]) {
    let Some(answer) = genuine.rsa_key.sign_block(block) else {
        return;
    };
    // The block as the key's size long, as the signature is.
    let size = answer.len();
    let block = [vec![0u8; size - block.len()], block.to_vec()].concat();
    let mut rsa = genuine.rsa.clone();
    rsa.active_authentication = Some(answer);
    if verify_active_authentication(&rsa, &CHALLENGE).is_err() {
        return;
    }
    // ISO/IEC 9796-2 scheme 1, recomputed here: 6A, M1, the hash the trailer names of
    // M1 ‖ challenge, the trailer.
    let (hash, trailer_len) = match block.as_slice() {
        [.., 0xBC] => (EcdsaHash::Sha1, 1),
        [.., 0x33, 0xCC] => (EcdsaHash::Sha1, 2),
        [.., 0x34, 0xCC] => (EcdsaHash::Sha256, 2),
        [.., 0x36, 0xCC] => (EcdsaHash::Sha384, 2),
        [.., 0x35, 0xCC] => (EcdsaHash::Sha512, 2),
        _ => panic!("accepted a block with an unknown trailer"),
    };
    let hash_len = hash.digest(b"").as_ref().len();
    assert!(block[0] == 0x6A, "accepted a block without the 6A header");
    let hash_at = size - trailer_len - hash_len;
    let m1 = &block[1..hash_at];
    assert_eq!(
        &block[hash_at..size - trailer_len],
        hash.digest(&[m1, &CHALLENGE[..]].concat()).as_ref(),
        "accepted a block whose hash is not of M1 and the challenge"
    );
}

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
