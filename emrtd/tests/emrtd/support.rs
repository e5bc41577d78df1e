//! Test holders, an injected clock and seeded randomness.

use std::time::Duration;

use mitid_emrtd::testing::{SimulatedChip, TestAuthority, TestHolder};
use mitid_emrtd::ChipFiles;
use rand::rngs::StdRng;
use rand::SeedableRng;
use rustls_pki_types::UnixTime;

/// 2026-12-01: the fake clock passive authentication runs at.
pub fn now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(1_796_083_200))
}

/// Seeded randomness (reader and chip).
pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A Danish holder.
pub fn holder() -> TestHolder {
    TestHolder {
        document_number: "208123456".into(),
        surname: "HANSEN".into(),
        given_names: "KAREN MARIE".into(),
        nationality: "DNK".into(),
        birth_date: "850412".into(),
        sex: "F".into(),
        expiry_date: "310101".into(),
    }
}

/// A face image: a JPEG start-of-image marker and some bytes (the verifier never decodes it).
pub fn face() -> Vec<u8> {
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend((0..6000u32).map(|i| (i % 251) as u8));
    jpeg.extend([0xFF, 0xD9]);
    jpeg
}

/// A document issued by a fresh Danish authority, with the authority.
pub fn passport() -> (TestAuthority, ChipFiles) {
    let authority = TestAuthority::new("DNK");
    let files = authority.issue(&holder(), &face());
    (authority, files)
}

/// The chip of `files`, opened by the holder's MRZ.
pub fn chip(files: &ChipFiles) -> SimulatedChip {
    SimulatedChip::new(files, &holder().access_key(), Box::new(rng(7)))
}
