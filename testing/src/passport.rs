//! Passports for test citizens: a Danish passport office (a test double for the state's
//! document authority: its own country signing CA and document signer), the chip of each
//! passport it issues ([`SimulatedChip`], a test double for the real chip the phone reads
//! over NFC), and the server's document check trusting that office with the face-matching
//! test double. A deployment trusts the real master list and plugs in a face vendor.

use std::sync::{Arc, OnceLock};

use mitid_core::error::MitidError;
use mitid_core::flows::{
    ActivationFlow, ActivationStep, DocumentOrigin, NewPinFlow, NewPinStep, UserIdFlow, UserIdStep,
};
use mitid_emrtd::iso9796::TrailerHash;
use mitid_emrtd::pace::Protocol;
use mitid_emrtd::testing::{
    ActiveAuthenticationKey, ChipAuthenticationKey, SimulatedChip, TestAuthority, TestHolder, Ymd,
};
use mitid_emrtd::ChipFiles;
use mitid_protocol::b64::B64;
use mitid_protocol::wire::app::{DocumentChallenge, DocumentEvidence, DOCUMENT_TERMS_VERSION};
use mitid_protocol::wire::{Secret, SecretBytes};
use mitid_server::documents::face::{FacePolicy, FaceVerifierDouble};
use mitid_server::documents::DocumentCheck;
use rand_core::{RngCore, SeedableRng};

use crate::people::Person;

/// The date of expiry of every test passport (`YYMMDD`), after every test world's clock.
pub const EXPIRY: &str = "310101";

/// A state's passport office for tests.
pub struct PassportOffice {
    authority: TestAuthority,
}

impl PassportOffice {
    /// The Danish office every test world's server trusts (one per process).
    pub fn danish() -> &'static PassportOffice {
        static OFFICE: OnceLock<PassportOffice> = OnceLock::new();
        OFFICE.get_or_init(|| Self::of("DNK"))
    }

    /// A foreign (Swedish) office, one per process: the bindings' test server trusts it
    /// beside the Danish one, for the P-code route.
    pub fn foreign() -> &'static PassportOffice {
        static OFFICE: OnceLock<PassportOffice> = OnceLock::new();
        OFFICE.get_or_init(|| Self::of("SWE"))
    }

    /// A new office of `state` (three letters) that no test server trusts unless told to.
    pub fn of(state: &str) -> Self {
        Self {
            authority: TestAuthority::new(state),
        }
    }

    /// The three letters of the state this office issues for.
    pub fn state(&self) -> &str {
        self.authority.state()
    }

    /// The server's document check trusting this office, with the face-matching test double.
    pub fn document_check(&self) -> DocumentCheck {
        self.document_check_with(&[])
    }

    /// The document check trusting this office and `others`.
    pub fn document_check_with(&self, others: &[&PassportOffice]) -> DocumentCheck {
        let master_list = others
            .iter()
            .fold(self.authority.master_list(), |list, office| {
                list.merged(office.authority.master_list())
            });
        DocumentCheck {
            master_list,
            face: Arc::new(FaceVerifierDouble),
            face_policy: FacePolicy::default(),
            require_chip_proof: true,
        }
    }

    /// A revocation list this office's CSCA signs, current from `this_update` to
    /// `next_update` (year, month, day), naming its document signer when `signer_revoked`.
    pub fn revocation_list(
        &self,
        signer_revoked: bool,
        this_update: Ymd,
        next_update: Ymd,
    ) -> Vec<u8> {
        self.authority
            .revocation_list(signer_revoked, this_update, next_update)
    }

    /// The passport of `person` (their registered passport number and birth date); its chip
    /// has active authentication (DG15), as Danish passports' chips do.
    pub fn issue(&self, person: &Person) -> TestPassport {
        self.issue_with(person, |_| {})
    }

    /// A passport as `issue` makes it, with `change` made to the data page first (another
    /// document number, a past date of expiry).
    pub fn issue_with(
        &self,
        person: &Person,
        change: impl FnOnce(&mut TestHolder),
    ) -> TestPassport {
        let mut holder = holder_of(person);
        change(&mut holder);
        let key = ActiveAuthenticationKey::generate();
        self.issued(holder, &person.cpr, ChipProof::Active(key))
    }

    /// The passport of `person` whose chip has an RSA active-authentication key (1024 bits,
    /// ISO/IEC 9796-2 with SHA-1's implicit trailer), as many passports issued before the
    /// ECDSA ones have.
    pub fn issue_with_rsa_active_authentication(&self, person: &Person) -> TestPassport {
        let key = ActiveAuthenticationKey::generate_rsa(1024, TrailerHash::Sha1Implicit);
        self.issue_with_active_authentication_key(person, key)
    }

    /// The passport of `person` whose chip has the active-authentication `key`.
    pub fn issue_with_active_authentication_key(
        &self,
        person: &Person,
        key: ActiveAuthenticationKey,
    ) -> TestPassport {
        self.issued(holder_of(person), &person.cpr, ChipProof::Active(key))
    }

    /// The passport of `person` whose chip proves its key by chip authentication (DG14)
    /// instead of active authentication, as many EU passports' chips do.
    pub fn issue_with_chip_authentication(&self, person: &Person) -> TestPassport {
        self.issue_with_chip_authentication_key(person, ChipAuthenticationKey::generate())
    }

    /// The passport of `person` whose chip proves its key by chip authentication with DH
    /// (`id-CA-DH-AES-CBC-CMAC-128`) in RFC 5114's 2,048-bit group with a 256-bit subgroup,
    /// the group's parameters written out in DG14.
    pub fn issue_with_dh_chip_authentication(&self, person: &Person) -> TestPassport {
        let key = ChipAuthenticationKey::generate_dh(
            mitid_emrtd::pace::Group::Modp2048Q256,
            mitid_emrtd::chip_auth::Protocol::DhAes128,
        );
        self.issue_with_chip_authentication_key(person, key)
    }

    /// The passport of `person` whose chip proves `key` by chip authentication (a key for
    /// 3DES, say).
    pub fn issue_with_chip_authentication_key(
        &self,
        person: &Person,
        key: ChipAuthenticationKey,
    ) -> TestPassport {
        self.issued(holder_of(person), &person.cpr, ChipProof::Chip(key))
    }

    /// `passport` with its DG14 and DG15 replaced by `dg14` and `dg15` (absent where `None`)
    /// and its SOD signed again over them: a state's files this office really signed, such
    /// as one the server cannot read.
    pub fn with_data_groups(
        &self,
        mut passport: TestPassport,
        dg14: Option<Vec<u8>>,
        dg15: Option<Vec<u8>>,
    ) -> TestPassport {
        let files = &mut passport.files;
        (files.dg14, files.dg15) = (dg14, dg15);
        let mut groups = vec![(1, files.dg1.as_slice()), (2, files.dg2.as_slice())];
        groups.extend(files.dg14.as_deref().map(|g| (14, g)));
        groups.extend(files.dg15.as_deref().map(|g| (15, g)));
        files.sod = self.authority.sign(&groups);
        passport
    }

    /// A passport whose chip has no active authentication (no DG15): the route still works,
    /// without the check against copied chips.
    pub fn issue_without_active_authentication(&self, person: &Person) -> TestPassport {
        self.issued(holder_of(person), &person.cpr, ChipProof::None)
    }

    /// The passport of `holder`, with the face of the person whose CPR number is `cpr`, and
    /// the chip's `proof`.
    fn issued(&self, holder: TestHolder, cpr: &str, proof: ChipProof) -> TestPassport {
        let face = face_of(cpr);
        let a = &self.authority;
        let (files, key, chip_key) = match proof {
            ChipProof::Active(key) => {
                let (files, key) = a.issue_with_active_authentication_key(&holder, &face, key);
                (files, Some(Arc::new(key)), None)
            }
            ChipProof::Chip(key) => {
                let (files, key) = a.issue_with_chip_authentication_key(&holder, &face, key);
                (files, None, Some(Arc::new(key)))
            }
            ChipProof::None => (a.issue(&holder, &face), None, None),
        };
        TestPassport {
            holder,
            files,
            face,
            key,
            chip_key,
            extended_length: false,
        }
    }
}

/// How a test passport's chip proves it is not a copy.
enum ChipProof {
    /// Active authentication (DG15) with this key.
    Active(ActiveAuthenticationKey),
    /// Chip authentication (DG14) with this key.
    Chip(ChipAuthenticationKey),
    /// Neither.
    None,
}

fn holder_of(person: &Person) -> TestHolder {
    let birth = person.birth_date.replace('-', "");
    let (surname, given) = person.name.rsplit_once(' ').unwrap_or(("", &person.name));
    TestHolder {
        document_number: person.passport.clone(),
        surname: given.to_uppercase(),
        given_names: surname.to_uppercase(),
        nationality: "DNK".into(),
        birth_date: birth.get(2..).unwrap_or("000101").to_owned(),
        sex: "<".into(),
        expiry_date: EXPIRY.into(),
    }
}

/// A stand-in for a face photo: a JPEG start marker and bytes derived from the person (the
/// face-matching double compares bytes; nothing decodes them).
fn face_of(seed: &str) -> Vec<u8> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(
        seed.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))),
    );
    let mut face = vec![0xFF, 0xD8, 0xFF, 0xE0];
    // About the size of a real DG2 image; the capture and DG2 together exceed the usual
    // 64 KiB body limit, as real ones do.
    let mut body = vec![0u8; 24 * 1024];
    rng.fill_bytes(&mut body);
    face.extend(body);
    face.extend([0xFF, 0xD9]);
    face
}

/// A flow with the passport's first steps (activation and the new PIN by passport, "View
/// user ID"): the terms, where the document is from, the data page.
#[allow(async_fn_in_trait)]
pub trait DocumentSteps {
    /// The flow's step.
    type Step;
    /// The flow's `accept_terms`.
    async fn accept_terms(&self) -> Result<Self::Step, MitidError>;
    /// The flow's `choose_document_origin`.
    async fn choose_document_origin(
        &self,
        origin: DocumentOrigin,
    ) -> Result<Self::Step, MitidError>;
    /// The flow's `submit_document_details`.
    async fn submit_document_details(
        &self,
        document_number: String,
        birth_date: String,
        expiry_date: String,
    ) -> Result<Self::Step, MitidError>;
}

/// Implements [`DocumentSteps`] for a flow by its own methods of the same names.
macro_rules! document_steps {
    ($($flow:ident => $step:ident),*) => {$(
        impl DocumentSteps for $flow {
            type Step = $step;
            async fn accept_terms(&self) -> Result<$step, MitidError> {
                $flow::accept_terms(self).await
            }
            async fn choose_document_origin(
                &self,
                origin: DocumentOrigin,
            ) -> Result<$step, MitidError> {
                $flow::choose_document_origin(self, origin).await
            }
            async fn submit_document_details(
                &self,
                document_number: String,
                birth_date: String,
                expiry_date: String,
            ) -> Result<$step, MitidError> {
                $flow::submit_document_details(self, document_number, birth_date, expiry_date)
                    .await
            }
        }
    )*};
}

document_steps!(
    NewPinFlow => NewPinStep,
    ActivationFlow => ActivationStep,
    UserIdFlow => UserIdStep
);

/// One test passport: its holder, its chip's files and the holder's face.
pub struct TestPassport {
    /// The MRZ data printed on the data page.
    pub holder: TestHolder,
    /// The chip's files.
    pub files: ChipFiles,
    /// The holder's face: a capture the face-matching double matches to the chip's image.
    pub face: Vec<u8>,
    /// The chip's active-authentication key, where it has one.
    key: Option<Arc<ActiveAuthenticationKey>>,
    /// The chip's chip-authentication key, where it has one.
    chip_key: Option<Arc<ChipAuthenticationKey>>,
    /// The chip takes extended-length APDUs.
    extended_length: bool,
}

impl TestPassport {
    /// The chip, answering the phone's NFC commands (seeded randomness). Like a passport
    /// issued today it offers PACE (AES-128 on NIST P-256), which the app's reader prefers,
    /// beside BAC.
    pub fn chip(&self, seed: u64) -> SimulatedChip {
        let chip = self.copied_chip(seed);
        let chip = match &self.key {
            Some(key) => chip.with_active_authentication(Arc::clone(key)),
            None => chip,
        };
        match &self.chip_key {
            Some(key) => chip.with_chip_authentication(Arc::clone(key)),
            None => chip,
        }
    }

    /// Types this passport's data page into `flow` (the passport route's first step).
    pub async fn enter_details<F: DocumentSteps>(&self, flow: &F) -> Result<F::Step, MitidError> {
        let holder = &self.holder;
        flow.submit_document_details(
            holder.document_number.clone(),
            holder.birth_date.clone(),
            holder.expiry_date.clone(),
        )
        .await
    }

    /// This chip as one that offers PACE only on brainpoolP256r1 and refuses BAC: a chip
    /// the app's reader does not open (docs/passport.md).
    pub fn brainpool_only_chip(&self, seed: u64) -> SimulatedChip {
        let brainpool_p256r1 = 13;
        let card_access =
            mitid_emrtd::pace::card::card_access(Protocol::EcdhGmAes128, brainpool_p256r1);
        self.chip(seed).with_card_access(card_access).without_bac()
    }

    /// A copy of this chip: the same files on a chip without the private keys (it cannot
    /// answer active or chip authentication).
    pub fn copied_chip(&self, seed: u64) -> SimulatedChip {
        let rng = rand::rngs::StdRng::seed_from_u64(seed);
        let chip = SimulatedChip::new(&self.files, &self.holder.access_key(), Box::new(rng))
            .with_pace(Protocol::EcdhGmAes128);
        if self.extended_length {
            chip.with_extended_length()
        } else {
            chip
        }
    }

    /// The same passport, whose chip (and its copies) takes extended-length APDUs, as a
    /// chip with a 2,048-bit DH chip authentication key must for its key to reach it.
    pub fn with_extended_length(mut self) -> Self {
        self.extended_length = true;
        self
    }

    /// What an app sends after reading this chip with the server's `challenge` (the chip
    /// signs it) and capturing `capture`.
    pub fn evidence_for(&self, capture: &[u8], challenge: &DocumentChallenge) -> DocumentEvidence {
        DocumentEvidence {
            challenge_id: Some(challenge.challenge_id.clone()),
            active_authentication: self
                .key
                .as_ref()
                .map(|k| B64(k.sign(&challenge.challenge.0))),
            ..self.evidence(capture)
        }
    }

    /// What an app sends after reading this chip without a challenge (so without active
    /// authentication: a chip with DG15 is then refused as copied) and capturing `capture`.
    pub fn evidence(&self, capture: &[u8]) -> DocumentEvidence {
        DocumentEvidence {
            sod: B64(self.files.sod.clone()),
            dg1: SecretBytes::new(self.files.dg1.clone()),
            dg2: SecretBytes::new(self.files.dg2.clone()),
            dg14: self.files.dg14.clone().map(B64),
            dg15: self.files.dg15.clone().map(B64),
            face_capture: SecretBytes::new(capture.to_vec()),
            terms_version: DOCUMENT_TERMS_VERSION.to_owned(),
            challenge_id: None,
            active_authentication: None,
            chip_authentication: None,
            key_from_command: false,
            p_code: None,
        }
    }

    /// The same evidence with the P-code citizen service gave for this document.
    pub fn with_p_code(mut evidence: DocumentEvidence, p_code: &str) -> DocumentEvidence {
        evidence.p_code = Some(Secret::new(p_code));
        evidence
    }

    /// Someone else's face (the double refuses it).
    pub fn other_face(&self) -> Vec<u8> {
        let mut other = self.face.clone();
        other[100] ^= 0xFF;
        other
    }
}
