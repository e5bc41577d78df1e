//! Reading a passport chip (issue 13): the APDUs and bytes of a read of EF.COM, EF.SOD, DG1,
//! DG2 (an 18 KiB face image) and DG15 with active authentication, opened with BAC (3DES) or
//! PACE (AES-128; ECDH on P-256, DH on the 1024- and 2048-bit MODP groups), with short and
//! with extended-length APDUs; the time of the reader's
//! own work (BAC or PACE, secure messaging, parsing: the simulated chip's time, and its
//! set-up before each read, are taken out);
//! and the server's passive and active authentication of the files, and its active
//! authentication alone for an ECDSA and two RSA keys.
//!
//! `cargo bench -p mitid-bench --bench chip_read [filter]`. The radio is not measured: on a
//! phone each APDU adds its NFC round trip (commonly 5 to 20 ms), so the APDU count is the
//! figure that decides how long the citizen holds the phone to the passport.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use mitid_bench::measure::{self, Budget};
use std::sync::Arc;

use mitid_emrtd::active_auth::EcdsaHash;
use mitid_emrtd::iso9796::TrailerHash;
use mitid_emrtd::pace::{Group, Protocol};
use mitid_emrtd::testing::{ActiveAuthenticationKey, SimulatedChip, TestAuthority, TestHolder};
use mitid_emrtd::{
    read_document, verify, verify_active_authentication, ChipFiles, NfcLink, ReaderRandom,
};
use rand_core::{OsRng, SeedableRng};
use rustls_pki_types::UnixTime;

const FACE_BYTES: usize = 18 * 1024;

/// A link that counts APDUs and bytes and the time spent inside the chip.
struct Counting {
    chip: SimulatedChip,
    apdus: usize,
    sent: usize,
    received: usize,
    in_chip: Duration,
}

impl NfcLink for Counting {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        let start = Instant::now();
        let answer = self.chip.transceive(apdu)?;
        self.in_chip += start.elapsed();
        self.apdus += 1;
        self.sent += apdu.len();
        self.received += answer.len();
        Ok(answer)
    }

    fn supports_extended_length(&self) -> bool {
        self.chip.supports_extended_length()
    }
}

fn holder() -> TestHolder {
    TestHolder::specimen()
}

/// How the read opens the chip and how long its APDUs may be.
#[derive(Clone, Copy)]
struct Mode {
    /// PACE with this protocol in this group, or BAC.
    pace: Option<(Protocol, Group)>,
    extended: bool,
}

const P256: Option<(Protocol, Group)> = Some((Protocol::EcdhGmAes128, Group::NistP256));

const MODES: [(&str, Mode); 6] = [
    (
        "BAC, short",
        Mode {
            pace: None,
            extended: false,
        },
    ),
    (
        "BAC, extended length",
        Mode {
            pace: None,
            extended: true,
        },
    ),
    (
        "PACE, short",
        Mode {
            pace: P256,
            extended: false,
        },
    ),
    (
        "PACE, extended length",
        Mode {
            pace: P256,
            extended: true,
        },
    ),
    (
        "PACE DH-1024, short",
        Mode {
            pace: Some((Protocol::DhGmAes128, Group::Modp1024)),
            extended: false,
        },
    ),
    (
        "PACE DH-2048/256, ext.",
        Mode {
            pace: Some((Protocol::DhGmAes128, Group::Modp2048Q256)),
            extended: true,
        },
    ),
];

fn link(files: &ChipFiles, key: &Arc<ActiveAuthenticationKey>, mode: Mode) -> Counting {
    let rng = rand::rngs::StdRng::seed_from_u64(5);
    let chip = SimulatedChip::new(files, &holder().access_key(), Box::new(rng));
    let chip = match mode.pace {
        Some((protocol, group)) => chip.with_pace_in(protocol, group).without_bac(),
        None => chip,
    };
    let extended = mode.extended;
    let chip = chip.with_active_authentication(Arc::clone(key));
    let chip = if extended {
        chip.with_extended_length()
    } else {
        chip
    };
    Counting {
        chip,
        apdus: 0,
        sent: 0,
        received: 0,
        in_chip: Duration::ZERO,
    }
}

/// Reads the document through `link` (a freshly set-up chip), checks the face it read, and
/// returns the files read and the reader's own time: the read alone, without the chip's set-up
/// (its files, BAC and PACE keys, made before the clock starts) or the chip's own work.
fn read_on(link: &mut Counting, files: &ChipFiles) -> (ChipFiles, Duration) {
    let access_key = holder().access_key();
    let random = ReaderRandom::from_rng(&mut OsRng);
    let in_chip = link.in_chip;
    let start = Instant::now();
    let read = read_document(link, &access_key, &random, Some(&CHALLENGE)).unwrap();
    let took = start.elapsed().saturating_sub(link.in_chip - in_chip);
    assert_eq!(read.dg2, files.dg2);
    (read, took)
}

fn read(
    files: &ChipFiles,
    key: &Arc<ActiveAuthenticationKey>,
    mode: Mode,
) -> (Counting, ChipFiles) {
    let mut link = link(files, key, mode);
    let (read, _) = read_on(&mut link, files);
    (link, read)
}

const CHALLENGE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

fn main() {
    let authority = TestAuthority::new("DNK");
    let mut face = vec![0xFF, 0xD8, 0xFF, 0xE0];
    face.resize(FACE_BYTES, 0x5A);
    let (files, key) = authority.issue_with_active_authentication(&holder(), &face);
    let key = Arc::new(key);
    let dg15 = files.dg15.as_ref().map_or(0, Vec::len);
    let size = files.com.len() + files.sod.len() + files.dg1.len() + files.dg2.len() + dg15;

    println!("\n## One read: EF.COM, EF.SOD, DG1, DG2, DG15, INTERNAL AUTHENTICATE ({size} bytes of files)");
    println!(
        "{:<22} {:>6} {:>12} {:>14}",
        "APDUs", "count", "bytes sent", "bytes received"
    );
    for (name, mode) in MODES {
        let (link, _) = read(&files, &key, mode);
        println!(
            "{name:<22} {:>6} {:>12} {:>14}",
            link.apdus, link.sent, link.received
        );
        measure::record(&serde_json::json!({
            "name": format!("chip read apdus ({name})"),
            "apdus": link.apdus, "bytes_sent": link.sent, "bytes_received": link.received,
        }));
    }

    measure::header("The reader's own work per read (the chip's time taken out)");
    for (name, mode) in MODES {
        measure::run_timed(&format!("read, {name}"), Budget::standard(), || {
            // A fresh chip per read (a read changes its session state), set up untimed.
            let mut link = link(&files, &key, mode);
            read_on(&mut link, &files).1
        });
    }
    let master_list = authority.master_list();
    let now = UnixTime::since_unix_epoch(Duration::from_secs(1_796_083_200));
    let (_, signed) = read(&files, &key, MODES[0].1);
    measure::run(
        "passive + active authentication (server)",
        Budget::standard(),
        || {
            verify(&signed, &master_list, now).unwrap();
            verify_active_authentication(&signed, &CHALLENGE).unwrap();
        },
    );

    measure::header("The server's active authentication alone, by the chip's key");
    for (name, key) in [
        ("ECDSA P-256, SHA-256", ActiveAuthenticationKey::generate()),
        (
            "ECDSA P-256, SHA-384",
            ActiveAuthenticationKey::generate_ecdsa(EcdsaHash::Sha384),
        ),
        (
            "RSA-1024, SHA-1",
            ActiveAuthenticationKey::generate_rsa(1024, TrailerHash::Sha1Implicit),
        ),
        (
            "RSA-2048, SHA-256",
            ActiveAuthenticationKey::generate_rsa(2048, TrailerHash::Sha256),
        ),
    ] {
        let (mut files, key) =
            authority.issue_with_active_authentication_key(&holder(), &face, key);
        files.active_authentication = Some(key.sign(&CHALLENGE));
        measure::run(
            &format!("active authentication, {name}"),
            Budget::standard(),
            || {
                verify_active_authentication(&files, &CHALLENGE).unwrap();
            },
        );
    }
}
