//! The machine-readable zone: the access key the citizen types or the camera scans, check
//! digits (ICAO 9303 part 3 §4.9), and the fields of DG1 (part 10 §4.7.1).

use ring::digest;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::MrzError;

/// The three MRZ fields that open a chip with BAC: document number, date of birth and date of
/// expiry. They are the chip's password, so they are wiped on drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AccessKey {
    document_number: String,
    birth_date: String,
    expiry_date: String,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(..)")
    }
}

impl AccessKey {
    /// An access key from the document number and the dates as `YYMMDD`. Lower case is
    /// accepted and spaces are dropped, as a citizen types them.
    pub fn new(
        document_number: &str,
        birth_date: &str,
        expiry_date: &str,
    ) -> Result<Self, MrzError> {
        // Each field is built in a wiping buffer sized once (a growing one leaves copies)
        // and moved into the key only when all three are good.
        let mut number = Zeroizing::new(String::with_capacity(document_number.len().max(9)));
        number.extend(
            document_number
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase()),
        );
        let valid = (1..=22).contains(&number.len())
            && number
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || c == '<');
        if !valid {
            return Err(MrzError::DocumentNumber);
        }
        while number.len() < 9 {
            number.push('<');
        }
        let mut birth = checked_date(birth_date, Parts::MaybeUnknown)?;
        let mut expiry = checked_date(expiry_date, Parts::Known)?;
        Ok(Self {
            document_number: std::mem::take(&mut *number),
            birth_date: std::mem::take(&mut *birth),
            expiry_date: std::mem::take(&mut *expiry),
        })
    }

    /// `K_seed`: the first 16 bytes of SHA-1 over the MRZ information (ICAO 9303 part 11
    /// §9.7.2), BAC's key seed.
    pub fn key_seed(&self) -> Zeroizing<[u8; 16]> {
        let hash = self.password_hash();
        let mut seed = Zeroizing::new([0u8; 16]);
        seed.copy_from_slice(&hash[..16]);
        seed
    }

    /// PACE's password from the MRZ, `f(π)`: all 20 bytes of SHA-1 over the MRZ information
    /// (part 11 §4.4.1 and §9.7.3).
    pub fn pace_password(&self) -> Zeroizing<[u8; 20]> {
        self.password_hash()
    }

    /// SHA-1 over each field followed by its check digit.
    fn password_hash(&self) -> Zeroizing<[u8; 20]> {
        let mut input = Zeroizing::new(String::with_capacity(40));
        for field in [&self.document_number, &self.birth_date, &self.expiry_date] {
            input.push_str(field);
            input.push(char::from(b'0' + check_digit(field)));
        }
        let hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, input.as_bytes());
        let mut out = Zeroizing::new([0u8; 20]);
        out.copy_from_slice(hash.as_ref());
        out
    }
}

/// The check digit of an MRZ field: weights 7, 3, 1 over the character values, modulo 10.
pub fn check_digit(field: &str) -> u8 {
    let sum: u32 = field
        .bytes()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(b, w)| char_value(b) * w)
        .sum();
    (sum % 10) as u8
}

fn char_value(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 0,
    }
}

/// What a date's part (`YY`, `MM`, `DD`) may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    /// Digits only (the date of expiry).
    Known,
    /// Digits, or `<<` for any part the issuing state does not know (a birth date: ICAO 9303
    /// part 3 writes an unknown day, or day and month, or the whole date so; any part is
    /// taken).
    MaybeUnknown,
}

/// A date as the MRZ writes it, `YYMMDD`: any year, a month of 1 to 12, a day of 1 to 31.
fn checked_date(date: &str, parts: Parts) -> Result<Zeroizing<String>, MrzError> {
    let date = date.trim();
    let part = |range: std::ops::Range<usize>, least: u8, most: u8| {
        let field = date.get(range).unwrap_or_default();
        (parts == Parts::MaybeUnknown && field == "<<")
            || (field.len() == 2
                && field.bytes().all(|b| b.is_ascii_digit())
                && field
                    .parse::<u8>()
                    .is_ok_and(|n| (least..=most).contains(&n)))
    };
    if date.len() == 6 && part(0..2, 0, 99) && part(2..4, 1, 12) && part(4..6, 1, 31) {
        Ok(Zeroizing::new(date.to_owned()))
    } else {
        Err(MrzError::Date)
    }
}

/// The holder's data as DG1 carries it, every check digit verified.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct Mrz {
    /// `P` for a passport, `I`, `A` or `C` for an ID card (with a second letter or `<`).
    pub document_code: String,
    /// The issuing state or organisation, three letters (`DNK`).
    pub issuing_state: String,
    /// The document number without filler.
    pub document_number: String,
    /// The surname(s) (the primary identifier), fillers turned to spaces.
    pub surname: String,
    /// The given names (the secondary identifier), fillers turned to spaces.
    pub given_names: String,
    /// The holder's nationality, three letters.
    pub nationality: String,
    /// Date of birth, `YYMMDD`.
    pub birth_date: String,
    /// `M`, `F` or `<`.
    pub sex: String,
    /// Date of expiry, `YYMMDD`.
    pub expiry_date: String,
}

impl std::fmt::Debug for Mrz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mrz")
            .field("document_code", &self.document_code)
            .field("issuing_state", &self.issuing_state)
            .finish_non_exhaustive()
    }
}

impl Mrz {
    /// Parses a TD3 (passport, 2 × 44) or TD1 (ID card, 3 × 30) zone, without line breaks.
    pub fn parse(zone: &str) -> Result<Self, MrzError> {
        let valid = zone
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'<');
        match zone.len() {
            88 if valid => Self::td3(zone),
            90 if valid => Self::td1(zone),
            _ => Err(MrzError::Format),
        }
    }

    /// The access key this zone's own fields make (for a chip whose MRZ was scanned).
    pub fn access_key(&self) -> Result<AccessKey, MrzError> {
        AccessKey::new(&self.document_number, &self.birth_date, &self.expiry_date)
    }

    fn td3(z: &str) -> Result<Self, MrzError> {
        verify(&z[44..53], &z[53..54])?;
        verify(&z[57..63], &z[63..64])?;
        verify(&z[65..71], &z[71..72])?;
        let composite = [&z[44..54], &z[57..64], &z[65..87]].concat();
        verify(&composite, &z[87..88])?;
        let (surname, given_names) = names(&z[5..44]);
        Ok(Self {
            document_code: z[0..2].to_string(),
            issuing_state: z[2..5].to_string(),
            document_number: unfill(&z[44..53]),
            surname,
            given_names,
            nationality: z[54..57].to_string(),
            birth_date: z[57..63].to_string(),
            sex: z[64..65].to_string(),
            expiry_date: z[65..71].to_string(),
        })
    }

    fn td1(z: &str) -> Result<Self, MrzError> {
        let document_number = td1_number(z)?;
        verify(&z[30..36], &z[36..37])?;
        verify(&z[38..44], &z[44..45])?;
        let composite = [&z[5..30], &z[30..37], &z[38..45], &z[48..59]].concat();
        verify(&composite, &z[59..60])?;
        let (surname, given_names) = names(&z[60..90]);
        Ok(Self {
            document_code: z[0..2].to_string(),
            issuing_state: z[2..5].to_string(),
            document_number,
            surname,
            given_names,
            nationality: z[45..48].to_string(),
            birth_date: z[30..36].to_string(),
            sex: z[37..38].to_string(),
            expiry_date: z[38..44].to_string(),
        })
    }
}

/// A TD1 zone's document number, its check digit verified. A number over nine characters
/// (part 5 §4.2.2, note j) shows its first nine in the field and `<` as the check digit;
/// the rest, then the check digit of the whole number, open the optional data.
fn td1_number(z: &str) -> Result<String, MrzError> {
    let principal = &z[5..14];
    if &z[14..15] == "<" && !principal.contains('<') {
        // The rest, its check digit, then a filler: all within positions 16 to 30.
        let rest = z[15..30].split('<').next().unwrap_or_default();
        let Some(split) = rest.len().checked_sub(1).filter(|&n| n > 0 && n < 14) else {
            return Err(MrzError::CheckDigit);
        };
        let (extension, digit) = rest.split_at(split);
        let number = format!("{principal}{extension}");
        verify(&number, digit)?;
        return Ok(number);
    }
    verify(principal, &z[14..15])?;
    Ok(unfill(principal))
}

fn verify(field: &str, digit: &str) -> Result<(), MrzError> {
    // A field left empty may carry `<` as its check digit (part 3 §4.9).
    let expected = char::from(b'0' + check_digit(field));
    let empty_ok = digit == "<" && field.bytes().all(|b| b == b'<');
    if digit.starts_with(expected) || empty_ok {
        Ok(())
    } else {
        Err(MrzError::CheckDigit)
    }
}

fn unfill(field: &str) -> String {
    field.trim_end_matches('<').to_string()
}

fn names(field: &str) -> (String, String) {
    let (primary, secondary) = field.split_once("<<").unwrap_or((field, ""));
    let clean = |s: &str| s.trim_end_matches('<').replace('<', " ");
    (clean(primary), clean(secondary))
}
