//! A copied chip: active authentication (DG15) over the server's challenge, chip
//! authentication (DG14) with the server as the terminal, and chips with neither.

use super::*;
use mitid_emrtd::chip_auth::{KeyKinds, Protocol};
use mitid_emrtd::pace::Group;
use mitid_emrtd::testing::ChipAuthenticationKey;
#[tokio::test]
async fn a_copied_chip_a_replayed_read_and_a_withheld_dg15_are_refused() {
    let h = unlimited_world().await;
    let (p, mut phone, passport) =
        citizen_with_passport(&h, "copied", PassportOffice::danish()).await;

    // The files of a genuine chip without its signature over a challenge (a copy cannot sign).
    refused_with(
        &mut phone,
        &passport.evidence(&passport.face),
        "copied_chip",
    )
    .await;
    let mut unsigned = phone.passport_evidence(&passport, &passport.face).await;
    unsigned.active_authentication = None;
    refused_with(&mut phone, &unsigned, "copied_chip").await;

    // Another key's signature (the files copied onto a chip with a key of its own).
    another_keys_answer_is_refused(&mut phone, &passport, &PassportOffice::danish().issue(&p))
        .await;

    // A read that was accepted once (its face refused) is never accepted again: its challenge
    // is used up, even with the right face. The app is told to read the chip again (before:
    // `copied_chip`, as if the genuine chip were a copy).
    let challenge = phone.document_challenge().await.unwrap();
    refused_with(
        &mut phone,
        &passport.evidence_for(&passport.other_face(), &challenge),
        "face_not_matched",
    )
    .await;
    refused_with(
        &mut phone,
        &passport.evidence_for(&passport.face, &challenge),
        "challenge_lapsed",
    )
    .await;

    // A challenge that lapsed (5 minutes) before the read was sent: a slow read. A copy's
    // answer under the same lapsed challenge stays a copy: it verifies under no challenge.
    let challenge = phone.document_challenge().await.unwrap();
    h.clock().advance(5 * MINUTE + 1);
    refused_with(
        &mut phone,
        &passport.evidence_for(&passport.face, &challenge),
        "challenge_lapsed",
    )
    .await;
    let other = PassportOffice::danish().issue(&p);
    let mut copied = passport.evidence_for(&passport.face, &challenge);
    copied.active_authentication = other
        .evidence_for(&other.face, &challenge)
        .active_authentication;
    refused_with(&mut phone, &copied, "copied_chip").await;

    // DG15 withheld to skip the check: the SOD signs it.
    let mut withheld = phone.passport_evidence(&passport, &passport.face).await;
    withheld.dg15 = None;
    refused_with(&mut phone, &withheld, "not_genuine").await;

    // Another app's challenge is not this app's.
    let mut other_phone = activate(&h, &h.person("copied").await.unwrap(), "582914").await;
    let foreign = other_phone.document_challenge().await.unwrap();
    refused_with(
        &mut phone,
        &passport.evidence_for(&passport.face, &foreign),
        "copied_chip",
    )
    .await;
    let _ = &mut other_phone;

    // A fresh, signed read works.
    accepted_for(&mut phone, &passport).await;
}

/// Chips whose active authentication is RSA (ISO/IEC 9796-2), or ECDSA with the SHA-384
/// its DG14 names: each proves its key, and a copy with a key of its own is refused.
#[tokio::test]
async fn rsa_and_sha384_chips_prove_their_keys_and_their_copies_are_refused() {
    let h = unlimited_world().await;
    let p = h.person("rsa-aa").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let office = PassportOffice::danish();
    let sha384 = || ActiveAuthenticationKey::generate_ecdsa(EcdsaHash::Sha384);
    for (passport, other) in [
        (
            office.issue_with_rsa_active_authentication(&p),
            office.issue_with_rsa_active_authentication(&p),
        ),
        (
            office.issue_with_active_authentication_key(&p, sha384()),
            office.issue_with_active_authentication_key(&p, sha384()),
        ),
    ] {
        // Another chip's answer to this challenge: a copy with a key of its own.
        another_keys_answer_is_refused(&mut phone, &passport, &other).await;
        // The chip's own answer, to a challenge of its own.
        accepted_for(&mut phone, &passport).await;
    }
}

/// `passport`'s files sent with `other`'s chip's answer to the same challenge (the files
/// copied onto a chip with a key of its own): refused.
async fn another_keys_answer_is_refused(
    phone: &mut Phone,
    passport: &TestPassport,
    other: &TestPassport,
) {
    let challenge = phone.document_challenge().await.unwrap();
    let mut copied = passport.evidence_for(&passport.face, &challenge);
    copied.active_authentication = other
        .evidence_for(&other.face, &challenge)
        .active_authentication;
    refused_with(phone, &copied, "copied_chip").await;
}

#[tokio::test]
async fn a_chip_without_active_authentication_is_refused_unless_the_operator_allows_it() {
    let h = World::start().await.unwrap();
    let p = h.person("no-aa").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let passport = PassportOffice::danish().issue_without_active_authentication(&p);
    // By default: nothing binds such a read to the challenge, so it may be a copy or a replay,
    // and no read of it is ever taken: `not_supported`, another document or route (before:
    // `copied_chip`, which sends the app back to read the same chip again).
    refused_for(&mut phone, &passport, &passport.face, "not_supported").await;

    let h = world_taking_chips_without_proof().await;
    let p = h.person("no-aa").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let passport = PassportOffice::danish().issue_without_active_authentication(&p);
    accepted_with(&mut phone, &passport.evidence(&passport.face)).await;
}

/// A chip whose key is a DH one is proven only by a read that gave it the command's key
/// (`key_from_command`): a read without it (an older app's, or a copy's that leaves it out)
/// is `not_supported` even where the operator takes chips without a proof. Before (a review
/// of the DH change), leaving the flag out judged the chip as one without a key this server
/// runs, and with `require_chip_proof` off a copy of it was accepted.
#[tokio::test]
async fn a_dh_chip_read_without_the_commands_key_is_never_taken() {
    let h = world_taking_chips_without_proof().await;
    let p = h.person("dh-copy").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let passport = PassportOffice::danish().issue_with_dh_chip_authentication(&p);
    let mut copy = phone.passport_evidence(&passport, &passport.face).await;
    refused_with(&mut phone, &copy, "not_supported").await;
    copy = phone.passport_evidence(&passport, &passport.face).await;
    copy.key_from_command = true;
    refused_with(&mut phone, &copy, "copied_chip").await;
}

/// A world whose operator takes chips without a proof of their key
/// (`require_chip_proof` off).
async fn world_taking_chips_without_proof() -> World {
    let mut check = PassportOffice::danish().document_check();
    check.require_chip_proof = false;
    let options = ServerOptions {
        documents: Some(check),
        ..ServerOptions::default()
    };
    World::start_with(options).await.unwrap()
}

/// How an app gives the chip the server's key.
#[derive(Clone, Copy, PartialEq)]
enum KeyFrom {
    /// The command's answer, in the chip key's group (apps since `key_in_answer`).
    Answer,
    /// The challenge's P-256 key, during the read (older apps, which do not set
    /// `key_in_answer`).
    Challenge,
}

/// What the app sends after reading `chip` of `passport` under a fresh challenge, chip
/// authentication included: the server makes its key and command from DG14, the chip gets
/// the key (from where `from` says), then the command, and answers it.
async fn chip_authenticated_evidence(
    h: &World,
    phone: &Phone,
    passport: &TestPassport,
    mut chip: SimulatedChip,
    from: KeyFrom,
) -> DocumentEvidence {
    let challenge = phone
        .document_challenge()
        .await
        .unwrap_or_else(|a| panic!("{}", a.body));
    let signed: [u8; 8] = challenge.challenge.0.clone().try_into().unwrap_or([0; 8]);
    let (files, channel) = mitid_emrtd::read_document_open(
        &mut chip,
        &passport.holder.access_key(),
        &mitid_emrtd::ReaderRandom::from_rng(&mut rand::rngs::OsRng),
        Some(&signed),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dg14 = files.dg14.clone().unwrap_or_default();
    let mut body = json!({ "challenge_id": challenge.challenge_id, "dg14": B64(dg14.clone()) });
    if from == KeyFrom::Answer {
        body["key_in_answer"] = json!(true);
    }
    let command: ChipAuthenticationCommand = h
        .post(paths::DOCUMENT_CHIP_AUTHENTICATION, &body, Auth::None)
        .await
        .ok();
    let key = match from {
        KeyFrom::Answer => command
            .key
            .unwrap_or_else(|| panic!("no key in the answer")),
        KeyFrom::Challenge => {
            assert_eq!(
                command.key, None,
                "an older app is sent no field it does not know"
            );
            challenge.chip_authentication_key.clone()
        }
    };
    let kinds = KeyKinds::with_dh(from == KeyFrom::Answer);
    let chip_key = mitid_emrtd::chip_auth::chip_key(&dg14, kinds)
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("DG14 names no key"));
    channel
        .start_chip_authentication(&mut chip, &chip_key, &key.0)
        .unwrap_or_else(|e| panic!("{e}"));
    let answer = chip
        .transceive(&command.command.0)
        .unwrap_or_else(|e| panic!("{e}"));
    DocumentEvidence {
        chip_authentication: Some(B64(answer)),
        key_from_command: from == KeyFrom::Answer,
        ..passport.evidence_for(&passport.face, &challenge)
    }
}

/// With AES, and with 3DES (MSE:Set KAT; before, a DG14 naming it named no key the server
/// runs, and the chip went without a proof); on P-256, and in MODP groups (DH: before, such
/// a chip had no proof the server ran, and was refused as `not_supported`), the group
/// written out or named by its number.
#[tokio::test]
async fn chip_authentication_proves_a_chip_without_active_authentication() {
    let h = World::start().await.unwrap();
    let keys = [
        ChipAuthenticationKey::generate().for_protocol(Protocol::EcdhAes128),
        ChipAuthenticationKey::generate().for_protocol(Protocol::EcdhTdes),
        ChipAuthenticationKey::generate_dh(Group::Modp1024, Protocol::DhAes128),
        ChipAuthenticationKey::generate_dh(Group::Modp2048Q256, Protocol::DhTdes).by_group_number(),
    ];
    for key in keys {
        chip_authentication_case(&h, key, KeyFrom::Answer).await;
    }
}

/// An older app, which gives the chip the challenge's P-256 key during the read, still
/// proves a P-256 chip; for a DH chip it is given no command (it would hand the chip a key
/// of the wrong group), and its read of that chip, which has no answer and no
/// `key_from_command`, is judged as before DH: `not_supported`, not a copy (a first version
/// of this change said `copied_chip`, and the app asked for the same chip again).
#[tokio::test]
async fn an_older_app_proves_a_p256_chip_and_is_given_no_command_for_a_dh_one() {
    let h = World::start().await.unwrap();
    chip_authentication_case(&h, ChipAuthenticationKey::generate(), KeyFrom::Challenge).await;
    let key = ChipAuthenticationKey::generate_dh(Group::Modp2048Q224, Protocol::DhAes256);
    let dg14 = key.dg14();
    let p = h.person("older-app-dh").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let passport = PassportOffice::danish().issue_with_chip_authentication_key(&p, key);
    refused_for(&mut phone, &passport, &passport.face, "not_supported").await;
    let body = json!({ "challenge_id": "dc_x", "dg14": B64(dg14.clone()) });
    h.post(paths::DOCUMENT_CHIP_AUTHENTICATION, &body, Auth::None)
        .await
        .err("bad_request");
    let body = json!({ "challenge_id": "dc_x", "dg14": B64(dg14), "key_in_answer": true });
    let command: ChipAuthenticationCommand = h
        .post(paths::DOCUMENT_CHIP_AUTHENTICATION, &body, Auth::None)
        .await
        .ok();
    // A DH public value goes as an unsigned integer without leading zero bytes (TR-03110
    // part 3, D.2.1.2): as wide as p but for about 1 in 173 of them, whose first byte is
    // zero (p's is 0xAD; once asserted to be exactly 256 bytes, which failed such runs),
    // never a 65-byte P-256 point.
    let width = command.key.map(|k| k.0.len()).unwrap_or_default();
    assert!(
        (240..=256).contains(&width),
        "a key of p's group: {width} bytes"
    );
}

async fn chip_authentication_case(h: &World, key: ChipAuthenticationKey, from: KeyFrom) {
    let p = h.person("chip-auth").await.unwrap();
    let mut phone = activate(h, &p, "582914").await;
    let passport = PassportOffice::danish()
        .issue_with_chip_authentication_key(&p, key)
        .with_extended_length();
    // Without the chip's answer, nothing binds the read to this check (an app that took
    // the key from the command says so; for one that did not, only P-256 keys count).
    let mut unanswered = phone.passport_evidence(&passport, &passport.face).await;
    unanswered.key_from_command = from == KeyFrom::Answer;
    refused_with(&mut phone, &unanswered, "copied_chip").await;
    // A copy of the files cannot answer under the keys the chip and the server share.
    let copy =
        chip_authenticated_evidence(h, &phone, &passport, passport.copied_chip(3), from).await;
    refused_with(&mut phone, &copy, "copied_chip").await;
    // A genuine answer, moved to another check, is not that check's.
    let mut moved = chip_authenticated_evidence(h, &phone, &passport, passport.chip(4), from).await;
    let fresh = phone
        .document_challenge()
        .await
        .unwrap_or_else(|a| panic!("{}", a.body));
    moved.challenge_id = Some(fresh.challenge_id);
    refused_with(&mut phone, &moved, "copied_chip").await;
    // The genuine chip, answering for its own check.
    let genuine = chip_authenticated_evidence(h, &phone, &passport, passport.chip(5), from).await;
    accepted_with(&mut phone, &genuine).await;
    // The same evidence again: its challenge is used up.
    refused_with(&mut phone, &genuine, "challenge_lapsed").await;
}

#[tokio::test]
async fn the_chip_authentication_command_needs_a_dg14_key() {
    let h = World::start().await.unwrap();
    let body = json!({ "challenge_id": "dc_x", "dg14": B64(vec![0x6E, 0x02, 0x31, 0x00]) });
    h.post(paths::DOCUMENT_CHIP_AUTHENTICATION, &body, Auth::None)
        .await
        .err("bad_request");
}

/// A genuine chip whose signed active-authentication key this server does not run (RSA of
/// 768 bits, below the 1,024 it takes) is `not_supported`, not a copy: the citizen is sent
/// to another document or route, not told the chip was copied (before: `copied_chip`).
#[tokio::test]
async fn a_chip_key_the_server_does_not_run_is_not_supported_rather_than_copied() {
    let h = unlimited_world().await;
    let p = h.person("rsa-768").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let key = ActiveAuthenticationKey::generate_rsa(768, mitid_emrtd::iso9796::TrailerHash::Sha256);
    let passport = PassportOffice::danish().issue_with_active_authentication_key(&p, key);
    refused_for(&mut phone, &passport, &passport.face, "not_supported").await;
    // The same person's supported passport still resets the PIN.
    let supported = PassportOffice::danish().issue(&p);
    accepted_for(&mut phone, &supported).await;
}

/// A DG15 or DG14 that the state signed (its hash verifies) and this server cannot read is
/// `not_supported`: a copy cannot alter either file, so the reason is the state's. Before,
/// an unreadable DG15 was `copied_chip` (the app asked for the same chip again, which
/// could never pass) and an unreadable DG14 `not_genuine` (the holder was told the
/// document was forged).
#[tokio::test]
async fn a_signed_dg14_or_dg15_the_server_cannot_read_is_not_supported() {
    let h = unlimited_world().await;
    let office = PassportOffice::danish();
    let p = h.person("unreadable").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    // A DG15 whose key is no SubjectPublicKeyInfo; a DG14 whose set holds no SEQUENCE.
    let dg15 = vec![0x6F, 0x03, 0x30, 0x01, 0x00];
    let dg14 = vec![0x6E, 0x04, 0x31, 0x02, 0x04, 0x00];
    let cases = [
        (None, Some(dg15.clone())),
        (Some(dg14.clone()), office.issue(&p).files.dg15.clone()),
        (Some(dg14), None),
    ];
    for (dg14, dg15) in cases {
        let passport = office.with_data_groups(office.issue(&p), dg14, dg15);
        refused_for(&mut phone, &passport, &passport.face, "not_supported").await;
    }
    // The same DG15 unsigned stays a forgery.
    let mut forged = office.issue(&p);
    forged.files.dg15 = Some(dg15);
    refused_for(&mut phone, &forged, &forged.face, "not_genuine").await;
}

/// A chip whose signed DG15 key this server does not run is `not_supported` whatever the
/// challenge it was read under: before, a read under a lapsed challenge was `copied_chip`
/// (the key was looked at only under a live one), and the app asked for the same chip again.
#[tokio::test]
async fn an_unsupported_dg15_key_is_not_supported_under_a_lapsed_challenge_too() {
    let h = unlimited_world().await;
    let p = h.person("rsa-768-lapsed").await.unwrap();
    let mut phone = activate(&h, &p, "582914").await;
    let key = ActiveAuthenticationKey::generate_rsa(768, mitid_emrtd::iso9796::TrailerHash::Sha256);
    let passport = PassportOffice::danish().issue_with_active_authentication_key(&p, key);
    let challenge = phone.document_challenge().await.unwrap();
    h.clock().advance(5 * MINUTE + 1);
    let read = passport.evidence_for(&passport.face, &challenge);
    refused_with(&mut phone, &read, "not_supported").await;
    let mut unanswered = read;
    unanswered.active_authentication = None;
    refused_with(&mut phone, &unanswered, "not_supported").await;
}
