//! Passports for the Kotlin and Swift suites: the data page, the simulated chip (a test
//! double for the chip the phone reads over NFC) of a Danish passport and of a foreign one,
//! and citizen service's P-code for the foreign one.

use mitid_testing::{PassportOffice, Person};

use crate::{Citizen, TestServer, TestkitError};

#[uniffi::export]
impl TestServer {
    /// The data page of a foreign (Swedish) passport of the citizen, with the same document
    /// number as their Danish one; the test server trusts that office too. Without a P-code
    /// from citizen service the server answers `p_code_needed`.
    pub fn foreign_passport(&self, citizen: Citizen) -> PassportPage {
        let office = PassportOffice::foreign();
        page_of(&office.issue(&Person::from(citizen)), office.state())
    }

    /// The chip of the citizen's foreign passport (`foreign_passport`).
    pub fn foreign_passport_chip(&self, citizen: Citizen) -> std::sync::Arc<TestChip> {
        let passport = PassportOffice::foreign().issue(&Person::from(citizen));
        std::sync::Arc::new(TestChip(std::sync::Mutex::new(passport.chip(23))))
    }

    /// Citizen service identifies the citizen, sees their foreign passport and hands out
    /// the 8-digit P-code for it on paper.
    pub fn issue_p_code(&self, citizen: Citizen) -> Result<String, TestkitError> {
        let (world, person) = (self.world(), Person::from(citizen));
        let code = world.p_code(&person, PassportOffice::foreign().state(), &person.passport);
        Ok(self.block_on(code)??)
    }

    /// The data page of the citizen's passport from the test passport office every test
    /// server trusts, with the holder's face (a capture the face-matching double accepts)
    /// and someone else's.
    pub fn passport(&self, citizen: Citizen) -> PassportPage {
        let office = PassportOffice::danish();
        page_of(&office.issue(&Person::from(citizen)), office.state())
    }

    /// The chip of the citizen's passport (a test double of a real chip), for the test's
    /// `PlatformNfcLink` to forward APDUs to.
    pub fn passport_chip(&self, citizen: Citizen) -> std::sync::Arc<TestChip> {
        let passport = PassportOffice::danish().issue(&Person::from(citizen));
        std::sync::Arc::new(TestChip(std::sync::Mutex::new(passport.chip(21))))
    }

    /// The chip of a passport of the citizen whose chip proves its key by chip
    /// authentication (DG14, no DG15): the app runs it with the server as the terminal, and
    /// the command the server makes crosses the FFI to this chip too.
    pub fn passport_chip_with_chip_authentication(
        &self,
        citizen: Citizen,
    ) -> std::sync::Arc<TestChip> {
        let passport =
            PassportOffice::danish().issue_with_chip_authentication(&Person::from(citizen));
        std::sync::Arc::new(TestChip(std::sync::Mutex::new(passport.chip(22))))
    }

    /// The chip of a passport of the citizen whose chip proves its key by chip
    /// authentication with DH in a 2,048-bit group: the server's key, made in that group
    /// after DG14 is read, reaches the chip in extended-length APDUs, which this chip takes.
    pub fn passport_chip_with_dh_chip_authentication(
        &self,
        citizen: Citizen,
    ) -> std::sync::Arc<TestChip> {
        let passport = PassportOffice::danish()
            .issue_with_dh_chip_authentication(&Person::from(citizen))
            .with_extended_length();
        std::sync::Arc::new(TestChip(std::sync::Mutex::new(passport.chip(24))))
    }
}

/// A test passport's data page and faces (test data, not secrets).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PassportPage {
    /// The document number.
    pub document_number: String,
    /// Date of birth, `YYMMDD`.
    pub birth_date: String,
    /// Date of expiry, `YYMMDD`.
    pub expiry_date: String,
    /// The machine-readable zone at the bottom of the page, its two lines of 44 characters
    /// joined by a line break, as a camera's text recognition reads it.
    pub mrz: String,
    /// The holder's face, as the camera would capture it.
    pub face: Vec<u8>,
    /// Someone else's face.
    pub other_face: Vec<u8>,
}

/// A simulated passport chip (a test double for the chip the phone reads over NFC): the
/// card side of BAC and secure messaging, answering each APDU as a real chip does.
#[derive(uniffi::Object)]
pub struct TestChip(std::sync::Mutex<mitid_emrtd::testing::SimulatedChip>);

#[uniffi::export]
impl TestChip {
    /// The chip's answer to one command APDU.
    pub fn transceive(&self, apdu: Vec<u8>) -> Result<Vec<u8>, TestkitError> {
        use mitid_emrtd::NfcLink;
        let mut chip = self
            .0
            .lock()
            .map_err(|_| TestkitError::failed("chip lock"))?;
        chip.transceive(&apdu).map_err(TestkitError::failed)
    }

    /// Whether the chip takes extended-length APDUs.
    pub fn supports_extended_length(&self) -> bool {
        use mitid_emrtd::NfcLink;
        self.0
            .lock()
            .map(|c| c.supports_extended_length())
            .unwrap_or(false)
    }
}

fn page_of(passport: &mitid_testing::TestPassport, state: &str) -> PassportPage {
    let zone = passport.holder.td3_zone(state);
    PassportPage {
        mrz: format!("{}\n{}", &zone[..44], &zone[44..]),
        document_number: passport.holder.document_number.clone(),
        birth_date: passport.holder.birth_date.clone(),
        expiry_date: passport.holder.expiry_date.clone(),
        other_face: passport.other_face(),
        face: passport.face.clone(),
    }
}
