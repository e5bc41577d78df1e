//! The eMRTD document parsers and passive authentication (`mitid_emrtd::sod::Sod::parse`,
//! `lds::dg1_mrz`, `lds::dg2_face`, `Mrz::parse`, `verify`), as the server runs them on what
//! an app sends.
//!
//! A genuine test document (its own CSCA, document signer and SOD) is made once per process.
//! Input: the first byte selects:
//! - 0: the input is the SOD, with the genuine DG1 and DG2: never a panic;
//! - 1: the input is DG1, 2: the input is DG2, with the genuine SOD: accepted only when it is
//!   the genuine data group byte for byte (a changed data group never verifies);
//! - 3: the input, as text, is a machine-readable zone.
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use mitid_emrtd::sod::Sod;
use mitid_emrtd::testing::{TestAuthority, TestHolder};
use mitid_emrtd::{lds, verify, ChipFiles, MasterList, Mrz};
use rustls_pki_types::UnixTime;

struct Genuine {
    files: ChipFiles,
    master_list: MasterList,
}

fn genuine() -> &'static Genuine {
    static GENUINE: OnceLock<Genuine> = OnceLock::new();
    GENUINE.get_or_init(|| {
        let authority = TestAuthority::new("UTO");
        let holder = TestHolder::specimen();
        let face = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[0x42; 64], &[0xFF, 0xD9]].concat();
        Genuine {
            files: authority.issue(&holder, &face),
            master_list: authority.master_list(),
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
    match selector % 4 {
        0 => {
            let _ = Sod::parse(rest);
            files.sod = rest.to_vec();
            let _ = verify(&files, &genuine.master_list, now());
        }
        1 | 2 => {
            let _ = lds::dg1_mrz(rest);
            let _ = lds::dg2_face(rest);
            let group = if selector % 4 == 1 {
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
        _ => {
            let _ = Mrz::parse(&String::from_utf8_lossy(rest));
        }
    }
});
