//! Check characters of European personal identifiers: Spain's DNI and NIE, Italy's codice
//! fiscale, the Netherlands' BSN.

use super::validate::Verdict;

/// Upper-cased ASCII letters and digits of `value`, at most `N`; `None` when there are more.
fn alphanumerics<const N: usize>(value: &str) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    let mut len = 0;
    for b in value.bytes().filter(u8::is_ascii_alphanumeric) {
        *out.get_mut(len)? = b.to_ascii_uppercase();
        len += 1;
    }
    Some((out, len))
}

/// The DNI's control letters, by the number's remainder mod 23.
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// Spanish DNI (eight digits) or NIE (X, Y or Z, worth 0, 1 and 2, then seven digits), and
/// the control letter `DNI_LETTERS[number mod 23]`. A number of one repeated digit is none
/// the Ministry issues; 12345678Z and X1234567L are every form's example.
pub fn es_dni(value: &str) -> Verdict {
    let Some((c, 9)) = alphanumerics::<9>(value) else {
        return Verdict::Invalid;
    };
    let lead = match c[0] {
        b'X' => 0,
        b'Y' => 1,
        b'Z' => 2,
        d if d.is_ascii_digit() => u32::from(d - b'0'),
        _ => return Verdict::Invalid,
    };
    let body = &c[1..8];
    if !body.iter().all(u8::is_ascii_digit) {
        return Verdict::Invalid;
    }
    let number = body.iter().fold(lead, |n, &d| n * 10 + u32::from(d - b'0'));
    let digits = if c[0].is_ascii_digit() { &c[..8] } else { body };
    if DNI_LETTERS[(number % 23) as usize] != c[8] || digits.iter().all(|&d| d == digits[0]) {
        Verdict::Invalid
    } else if &c == b"12345678Z" || &c == b"X1234567L" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// What a character of the codice fiscale is worth at an odd position (1st, 3rd, ...):
/// digits 0-9 as A-J, then K-Z. Even positions are worth 0-9 and A=0..Z=25.
const CF_ODD: [u32; 26] = [
    1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];

/// The letters that stand for 0-9 in a codice fiscale's digit positions (omocodia).
const CF_OMOCODIA: &[u8; 10] = b"LMNPQRSTUV";

/// Positions of the codice fiscale's digits, in the order the Agenzia replaces them with
/// letters when two people would get the same code: the rightmost first.
const CF_DIGIT_POSITIONS: [usize; 7] = [14, 13, 12, 10, 9, 7, 6];

/// The month letters of the codice fiscale, January to December.
const CF_MONTHS: &[u8; 12] = b"ABCDEHLMPRST";

/// Italian codice fiscale of a person: six letters of the names, year, month letter, day
/// (plus 40 for women), a place code (letter and three digits), and a check letter: the
/// characters' worth (odd positions by [`CF_ODD`], even ones by their value) summed mod 26.
/// In omocodia the digits are replaced by [`CF_OMOCODIA`] letters from the right, so a
/// replaced position with a digit after it in that order is no code. RSSMRA85T10A562S (Mario
/// Rossi) is everybody's example.
pub fn it_codice_fiscale(value: &str) -> Verdict {
    let Some((c, 16)) = alphanumerics::<16>(value) else {
        return Verdict::Invalid;
    };
    let mut replaced_ok = true;
    let mut seen_digit = false;
    let mut decoded = c;
    for &i in &CF_DIGIT_POSITIONS {
        if c[i].is_ascii_digit() {
            seen_digit = true;
        } else if let Some(d) = CF_OMOCODIA.iter().position(|&l| l == c[i]) {
            replaced_ok &= !seen_digit;
            decoded[i] = b'0' + d as u8;
        } else {
            return Verdict::Invalid;
        }
    }
    let letters_ok = [0, 1, 2, 3, 4, 5, 8, 11, 15]
        .iter()
        .all(|&i| c[i].is_ascii_uppercase());
    let day = u32::from(decoded[9] - b'0') * 10 + u32::from(decoded[10] - b'0');
    let day_ok = matches!(day, 1..=31 | 41..=71);
    if !replaced_ok || !letters_ok || !CF_MONTHS.contains(&c[8]) || !day_ok {
        return Verdict::Invalid;
    }
    let worth = |i: usize, ch: u8| -> u32 {
        let index = if ch.is_ascii_digit() {
            ch - b'0'
        } else {
            ch - b'A'
        };
        if i.is_multiple_of(2) {
            CF_ODD[usize::from(index)]
        } else {
            u32::from(index)
        }
    };
    let sum: u32 = c[..15]
        .iter()
        .enumerate()
        .map(|(i, &ch)| worth(i, ch))
        .sum();
    if u32::from(c[15] - b'A') != sum % 26 {
        Verdict::Invalid
    } else if &c == b"RSSMRA85T10A562S" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// Dutch BSN (burgerservicenummer): nine digits (older eight-digit numbers take a leading
/// 0), the "elfproef" with weights 9..2 and -1 on the last digit: the sum is a multiple of
/// 11. 111222333 and 123456782 pass and are the numbers every test suite and form uses.
pub fn nl_bsn(value: &str) -> Verdict {
    let Some((c, 9)) = alphanumerics::<9>(value) else {
        return Verdict::Invalid;
    };
    if !c.iter().all(u8::is_ascii_digit) || c.iter().all(|&d| d == c[0]) {
        return Verdict::Invalid;
    }
    let sum: i32 = c
        .iter()
        .zip([9, 8, 7, 6, 5, 4, 3, 2, -1])
        .map(|(&d, w)| i32::from(d - b'0') * w)
        .sum();
    if sum % 11 != 0 || sum == 0 {
        Verdict::Invalid
    } else if &c == b"111222333" || &c == b"123456782" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dni_and_nie_mod23_letter() {
        assert_eq!(es_dni("48291375T"), Verdict::Valid);
        assert_eq!(es_dni("48291375-T"), Verdict::Valid);
        assert_eq!(es_dni("48.291.375-T"), Verdict::Valid);
        assert_eq!(es_dni("48291375N"), Verdict::Invalid);
        assert_eq!(es_dni("12345678Z"), Verdict::Suspect);
        assert_eq!(es_dni("00000000T"), Verdict::Invalid, "one digit");
        assert_eq!(es_dni("Y7302158V"), Verdict::Valid);
        assert_eq!(es_dni("Z7302158V"), Verdict::Invalid, "Z is worth 2, not 1");
        assert_eq!(es_dni("X1234567L"), Verdict::Suspect);
        assert_eq!(es_dni("W1234567L"), Verdict::Invalid);
        assert_eq!(es_dni("4829137T"), Verdict::Invalid, "length");
    }

    #[test]
    fn codice_fiscale_check_letter_and_omocodia() {
        assert_eq!(it_codice_fiscale("RSSMRA85T10A562S"), Verdict::Suspect);
        assert_eq!(it_codice_fiscale("BNCGLI92E47F205I"), Verdict::Valid);
        assert_eq!(it_codice_fiscale("BNCGLI92E47F205J"), Verdict::Invalid);
        // One omocodia replacement (the last digit, 5 -> R) and the check letter redone.
        assert_eq!(it_codice_fiscale("BNCGLI92E47F20RD"), Verdict::Valid);
        // A letter in a position the Agenzia replaces only after the last one: not a code.
        assert_eq!(it_codice_fiscale("BNCGLI9NE47F205T"), Verdict::Invalid);
        assert_eq!(
            it_codice_fiscale("BNCGLI92E77F205I"),
            Verdict::Invalid,
            "day"
        );
        assert_eq!(
            it_codice_fiscale("BNCGLI92F47F205I"),
            Verdict::Invalid,
            "month"
        );
        assert_eq!(it_codice_fiscale("BNCGLI92E47F205"), Verdict::Invalid);
    }

    #[test]
    fn bsn_eleven_test() {
        assert_eq!(nl_bsn("245 781 043"), Verdict::Valid);
        assert_eq!(nl_bsn("2457.81.043"), Verdict::Valid);
        assert_eq!(nl_bsn("245781049"), Verdict::Invalid);
        assert_eq!(nl_bsn("111222333"), Verdict::Suspect);
        assert_eq!(nl_bsn("123456782"), Verdict::Suspect);
        assert_eq!(nl_bsn("000000000"), Verdict::Invalid);
        assert_eq!(nl_bsn("24578104"), Verdict::Invalid, "length");
    }
}
