//! Citizens in the registry: their details as the registry records them and as the support
//! desk asks for them.

use std::sync::atomic::{AtomicU32, Ordering};

use mitid_protocol::wire::staff::{CreatePersonRequest, DocumentKind, IdentifyRequest};

/// A citizen, as a test (or the demo) knows them. Test data, not secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The registry's id (empty until created).
    pub person_id: String,
    /// The MitID user ID.
    pub user_id: String,
    /// The CPR number.
    pub cpr: String,
    /// The full name.
    pub name: String,
    /// The birth date, `YYYY-MM-DD`.
    pub birth_date: String,
    /// The mobile number (where the SMS go).
    pub mobile: String,
    /// The e-mail address.
    pub email: String,
    /// The passport number (the support desk identifies with it).
    pub passport: String,
    /// The driver's licence number, if any.
    pub driver_licence: Option<String>,
}

/// A distinct number per citizen made in this process.
static NEXT: AtomicU32 = AtomicU32::new(1);

impl Person {
    /// A new citizen with every detail on file, numbered uniquely in this process; the
    /// user ID is `<tag>.user<n>`.
    pub fn fresh(tag: &str) -> Self {
        Self::numbered(tag, NEXT.fetch_add(1, Ordering::SeqCst))
    }

    /// Citizen number `n` of `tag` (the same `n` gives the same details: a reused data
    /// directory finds them again).
    pub fn numbered(tag: &str, n: u32) -> Self {
        let year = 60 + n % 40;
        Self {
            person_id: String::new(),
            user_id: format!("{tag}.user{n}"),
            cpr: format!("0101{year:02}{:04}", n % 10_000),
            name: format!("Test Person {n}"),
            birth_date: format!("19{year:02}-01-01"),
            mobile: format!("+45{:08}", 20_000_000 + n),
            email: format!("{tag}{n}@example.dk"),
            passport: format!("P{n:08}"),
            driver_licence: Some(format!("D{n:07}")),
        }
    }

    /// The registry's request creating this citizen.
    pub fn create_request(&self) -> CreatePersonRequest {
        CreatePersonRequest {
            cpr: Some(self.cpr.clone()),
            name: self.name.clone(),
            birth_date: self.birth_date.clone(),
            mobile: Some(self.mobile.clone()),
            email: Some(self.email.clone()),
            passport_number: Some(self.passport.clone()),
            driver_licence_number: self.driver_licence.clone(),
            user_id: self.user_id.clone(),
        }
    }

    /// The support desk's identification: passport number, name and birth date.
    pub fn identify_request(&self) -> IdentifyRequest {
        IdentifyRequest {
            document_kind: DocumentKind::Passport,
            document_number: self.passport.clone(),
            name: Some(self.name.clone()),
            birth_date: Some(self.birth_date.clone()),
            cpr_last4: None,
        }
    }
}
