//! Reading a document from the simulated chip over BAC and secure messaging.

use mitid_emrtd::testing::SimulatedChip;
use mitid_emrtd::{read_document, AccessKey, NfcLink, ReadError, ReaderRandom};

use crate::support::{chip, holder, passport, rng};

#[test]
fn reads_every_file_over_bac_with_short_apdus() {
    let (_, files) = passport();
    let mut chip = chip(&files);
    let read = read_document(
        &mut chip,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(1)),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read, files);
    // 1 select, 2 for BAC, then per file a select, a header read and 223-byte chunks.
    let chunks: usize = [&files.com, &files.sod, &files.dg1, &files.dg2]
        .iter()
        .map(|f| f.len().div_ceil(0xDF) + 2)
        .sum();
    assert!(chip.commands <= 3 + chunks + 4, "{} APDUs", chip.commands);
}

#[test]
fn extended_length_reads_take_fewer_commands() {
    let (_, files) = passport();
    let mut short = chip(&files);
    read_document(
        &mut short,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(1)),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut long = chip(&files).with_extended_length();
    let read = read_document(
        &mut long,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(1)),
        None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read, files);
    assert!(
        long.commands * 2 < short.commands,
        "{} vs {}",
        long.commands,
        short.commands
    );
}

#[test]
fn a_wrong_birth_date_does_not_open_the_chip() {
    let (_, files) = passport();
    let wrong = AccessKey::new("208123456", "850413", "310101").unwrap_or_else(|e| panic!("{e}"));
    let result = read_document(
        &mut chip(&files),
        &wrong,
        &ReaderRandom::from_rng(&mut rng(1)),
        None,
    );
    assert_eq!(result, Err(ReadError::AccessDenied));
}

#[test]
fn the_chip_refuses_files_without_secure_messaging() {
    let (_, files) = passport();
    let mut chip = chip(&files);
    let ok = chip.transceive(&[
        0x00, 0xA4, 0x04, 0x0C, 0x07, 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01,
    ]);
    assert_eq!(ok, Ok(vec![0x90, 0x00]));
    let select_dg1 = chip.transceive(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x01]);
    assert_eq!(select_dg1, Ok(vec![0x69, 0x82]));
}

#[test]
fn a_lost_tag_is_a_typed_link_error() {
    let (_, files) = passport();
    let mut chip = chip(&files).losing_link_after(10);
    let result = read_document(
        &mut chip,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(1)),
        None,
    );
    assert_eq!(result, Err(ReadError::Link("tag was lost".into())));
}

#[test]
fn an_answer_altered_on_the_link_fails_its_mac() {
    let (_, files) = passport();
    let mut inner = chip(&files);
    let mut link = Tampering {
        inner: &mut inner,
        seen: 0,
    };
    let result = read_document(
        &mut link,
        &holder().access_key(),
        &ReaderRandom::from_rng(&mut rng(1)),
        None,
    );
    assert!(
        matches!(result, Err(ReadError::SecureMessaging(_))),
        "{result:?}"
    );
}

/// A man in the middle flipping one bit of the sixth answer (a protected one).
struct Tampering<'a> {
    inner: &'a mut SimulatedChip,
    seen: usize,
}

impl NfcLink for Tampering<'_> {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, String> {
        let mut answer = self.inner.transceive(apdu)?;
        self.seen += 1;
        if self.seen == 6 {
            answer[3] ^= 0x01;
        }
        Ok(answer)
    }
}

#[test]
fn the_access_key_never_prints() {
    let key = holder().access_key();
    let printed = format!("{key:?}");
    assert!(
        !printed.contains("208123456") && !printed.contains("850412"),
        "{printed}"
    );
}

/// A chip (or a reader between) that answers in parts, with `61xx` for "more waits": the
/// reader fetches the rest with GET RESPONSE and reads every file, over BAC and PACE, with
/// short and extended APDUs (before: `61xx` was an error and nothing was read).
#[test]
fn an_answer_in_parts_is_gathered_with_get_response() {
    use mitid_emrtd::pace::Protocol;
    let (_, files) = passport();
    let read = |chip: &mut SimulatedChip| {
        read_document(
            chip,
            &holder().access_key(),
            &ReaderRandom::from_rng(&mut rng(3)),
            None,
        )
    };
    for part in [1, 100, 256] {
        let mut bac = chip(&files).answering_in_parts(part);
        assert_eq!(read(&mut bac), Ok(files.clone()), "BAC, parts of {part}");
        let mut pace = chip(&files)
            .with_pace(Protocol::EcdhGmAes128)
            .with_extended_length()
            .answering_in_parts(part);
        assert_eq!(read(&mut pace), Ok(files.clone()), "PACE, parts of {part}");
    }
}
