//! The machine-readable zone read off a passport's or ID card's data page by the phone's
//! text recognition: found among the recognised lines, evened out where recognition often
//! miscounts, and parsed with its check digits. Every line is held in a buffer wiped on drop.

use mitid_emrtd::Mrz;
use zeroize::Zeroizing;

/// The machine-readable zone in recognised text, parsed. Only the lines that carry check
/// digits must be read exactly (a passport's second line of 44 characters, an ID card's first
/// two of 30); the name line, which no check digit covers and whose runs of `<` recognition
/// often miscounts, is evened out with `<` to its length. Spaces are dropped and letters
/// upper-cased (recognition adds the one and misses the other); the last zone that parses wins.
pub(crate) fn zone_in(text: &str) -> Option<Mrz> {
    let lines: Vec<Zeroizing<String>> = text
        .lines()
        .map(normalised)
        .filter(|line| {
            !line.is_empty()
                && line
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<')
        })
        .collect();
    let parse = |parts: &[&str]| Mrz::parse(&Zeroizing::new(parts.concat())).ok();
    // A passport (TD3): a line of 44 with check digits, after the name line.
    for i in (1..lines.len()).rev() {
        if lines[i].len() == 44 {
            let name = evened(&lines[i - 1], 44);
            if let Some(mrz) = parse(&[&name, &lines[i]]) {
                return Some(mrz);
            }
        }
    }
    // An ID card (TD1): two lines of 30 with check digits, then the name line.
    for i in (0..lines.len().saturating_sub(1)).rev() {
        if lines[i].len() == 30 && lines[i + 1].len() == 30 {
            let name = evened(lines.get(i + 2).map_or("", |l| l.as_str()), 30);
            if let Some(mrz) = parse(&[&lines[i], &lines[i + 1], &name]) {
                return Some(mrz);
            }
        }
    }
    // A zone given in one piece.
    lines.iter().rev().find_map(|line| parse(&[line]))
}

/// A recognised line without whitespace, upper-cased, in a buffer wiped on drop.
fn normalised(line: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(line.len()));
    for c in line.chars().filter(|c| !c.is_whitespace()) {
        out.push(c.to_ascii_uppercase());
    }
    out
}

/// `line` cut or filled with `<` to `length` characters (it is ASCII by then).
fn evened(line: &str, length: usize) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(length));
    out.push_str(&line[..line.len().min(length)]);
    while out.len() < length {
        out.push('<');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::zone_in;

    // ICAO 9303's specimens (part 4 and part 5).
    const LINE1: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<";
    const LINE2: &str = "L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    const CARD: [&str; 3] = [
        "I<UTOD231458907<<<<<<<<<<<<<<<",
        "7408122F1204159UTO<<<<<<<<<<<6",
        "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
    ];

    #[test]
    fn the_zone_is_found_among_what_text_recognition_read_off_the_page() {
        let page = format!(
            "PASS / PASSPORT\nKingdom of Denmark\n{} \n{}\n",
            LINE1.replace('<', "< ").to_lowercase(),
            LINE2
        );
        let mrz = zone_in(&page).unwrap();
        assert_eq!(
            (mrz.document_number.as_str(), mrz.birth_date.as_str()),
            ("L898902C3", "740812")
        );
        let card = zone_in(&CARD.join("\n")).unwrap();
        assert_eq!(card.document_number, "D23145890");
        assert_eq!(
            zone_in(&[LINE1, LINE2].concat()).unwrap().expiry_date,
            "120415"
        );
    }

    #[test]
    fn a_miscounted_name_line_does_not_hide_the_zone() {
        // Recognition read four `<` too few, or too many, in the line no check digit covers.
        for name in [&LINE1[..40], &format!("{LINE1}<<<<")] {
            let mrz = zone_in(&format!("{name}\n{LINE2}")).unwrap();
            assert_eq!(mrz.document_number, "L898902C3");
        }
        let card = format!("{}\n{}\nERIKSSON<<ANNA", CARD[0], CARD[1]);
        assert_eq!(zone_in(&card).unwrap().document_number, "D23145890");
    }

    #[test]
    fn text_without_a_valid_zone_has_none() {
        let misread = LINE2.replacen('L', "X", 1);
        let broken = format!("{LINE1}\n{misread}");
        for text in ["", "not a zone", LINE1, &LINE2[..40], "ÆØÅ<<<<", &broken] {
            assert!(zone_in(text).is_none(), "{text:?}");
        }
    }
}
