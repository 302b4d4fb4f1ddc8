//! Check digits of national and financial identifiers: IBAN mod-97, NHS mod-11, Canadian SIN
//! (Luhn), Aadhaar (Verhoeff), DEA registration numbers. Each answers a [`Verdict`]; none
//! allocates.

use super::validate::{Verdict, luhn_valid};

/// IBAN length per ISO 13616 country code (SWIFT IBAN registry). A country missing here is
/// not an IBAN country, so `XX..` strings that happen to pass mod-97 are turned away.
const IBAN_LENGTHS: &[(&[u8; 2], usize)] = &[
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// ISO 13616: the country's length, then mod 97 of the rearranged number (letters as 10..35)
/// must be 1. Separators (spaces, dashes) are skipped.
pub fn iban(value: &str) -> Verdict {
    let mut chars = [0u8; 34];
    let mut len = 0;
    for b in value.bytes().filter(u8::is_ascii_alphanumeric) {
        let Some(slot) = chars.get_mut(len) else {
            return Verdict::Invalid;
        };
        *slot = b.to_ascii_uppercase();
        len += 1;
    }
    let chars = &chars[..len];
    if len < 15 || !chars[..2].iter().all(u8::is_ascii_uppercase) {
        return Verdict::Invalid;
    }
    let country = [chars[0], chars[1]];
    match IBAN_LENGTHS.iter().find(|(c, _)| **c == country) {
        Some((_, expected)) if *expected == len => {}
        _ => return Verdict::Invalid,
    }
    let rearranged = chars[4..].iter().chain(&chars[..4]);
    let mut rem: u32 = 0;
    for &b in rearranged {
        rem = if b.is_ascii_digit() {
            (rem * 10 + u32::from(b - b'0')) % 97
        } else {
            (rem * 100 + u32::from(b - b'A') + 10) % 97
        };
    }
    if rem == 1 {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// Up to `N` ASCII digits of `value`; `None` when there are more.
pub(crate) fn digits<const N: usize>(value: &str) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    let mut len = 0;
    for b in value.bytes().filter(u8::is_ascii_digit) {
        *out.get_mut(len)? = b - b'0';
        len += 1;
    }
    Some((out, len))
}

/// NHS number: ten digits, weights 10..2 over the first nine, `11 - sum % 11` is the check
/// digit (11 means 0, 10 means the number is never issued). All-same-digit numbers pass the
/// check and are never issued either.
pub fn nhs(value: &str) -> Verdict {
    let Some((d, 10)) = digits::<10>(value) else {
        return Verdict::Invalid;
    };
    let sum: u32 = d[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(&x, w)| u32::from(x) * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return Verdict::Invalid,
        c => c,
    };
    if u32::from(d[9]) != check || d.iter().all(|&x| x == d[0]) {
        Verdict::Invalid
    } else {
        Verdict::Valid
    }
}

/// Canadian Social Insurance Number: nine digits, Luhn. A first digit of 0 is never issued
/// and 8 is not assigned to people; 046 454 286 is the number Service Canada prints on its
/// own sample card.
pub fn ca_sin(value: &str) -> Verdict {
    let Some((d, 9)) = digits::<9>(value) else {
        return Verdict::Invalid;
    };
    if d == [0, 4, 6, 4, 5, 4, 2, 8, 6] {
        Verdict::Suspect
    } else if d[0] == 0 || d[0] == 8 || !luhn_valid(&d) {
        Verdict::Invalid
    } else if d.iter().all(|&x| x == d[0]) {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

const VERHOEFF_D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const VERHOEFF_P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff dihedral-group check over a digit sequence (rightmost digit is the check digit).
pub fn verhoeff_valid(digits: &[u8]) -> bool {
    let c = digits.iter().rev().enumerate().fold(0u8, |c, (i, &d)| {
        VERHOEFF_D[usize::from(c)][usize::from(VERHOEFF_P[i % 8][usize::from(d)])]
    });
    !digits.is_empty() && c == 0
}

/// Aadhaar: twelve digits, never starting with 0 or 1, Verhoeff check digit.
pub fn aadhaar(value: &str) -> Verdict {
    let Some((d, 12)) = digits::<12>(value) else {
        return Verdict::Invalid;
    };
    if d[0] < 2 || !verhoeff_valid(&d) {
        Verdict::Invalid
    } else if d.iter().all(|&x| x == d[0]) {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// DEA registration number: two letters (registrant type, then the first letter of the
/// registrant's name or 9) and seven digits; `d1+d3+d5 + 2*(d2+d4+d6)` ends in `d7`.
pub fn dea(value: &str) -> Verdict {
    let bytes = value.as_bytes();
    if bytes.len() != 9
        || !bytes[0].is_ascii_alphabetic()
        || !(bytes[1].is_ascii_alphabetic() || bytes[1] == b'9')
    {
        return Verdict::Invalid;
    }
    let Some((d, 7)) = digits::<7>(&value[2..]) else {
        return Verdict::Invalid;
    };
    let sum = u32::from(d[0] + d[2] + d[4]) + 2 * u32::from(d[1] + d[3] + d[5]);
    if sum % 10 == u32::from(d[6]) {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// ABA routing transit number: nine digits, weights 3-7-1 repeated, sum divisible by 10.
/// The first two digits are a Federal Reserve district (00-12, 21-32) or a thrift/electronic
/// range (61-72, 80).
pub fn aba_routing(value: &str) -> Verdict {
    let Some((d, 9)) = digits::<9>(value) else {
        return Verdict::Invalid;
    };
    let prefix = d[0] * 10 + d[1];
    let prefix_ok = matches!(prefix, 0..=12 | 21..=32 | 61..=72 | 80);
    let sum: u32 = d
        .iter()
        .zip([3u32, 7, 1].iter().cycle())
        .map(|(&x, &w)| u32::from(x) * w)
        .sum();
    if prefix_ok && sum.is_multiple_of(10) && d.iter().any(|&x| x != 0) {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// French social security number (NIR, "numéro de sécu"): 13 digits and a two-digit key,
/// `97 - (number mod 97)`. Corsican departments 2A and 2B count as 19 and 18.
pub fn fr_nir(value: &str) -> Verdict {
    let mut number: u64 = 0;
    let mut key: u32 = 0;
    let mut seen = 0usize;
    for b in value.bytes().filter(u8::is_ascii_alphanumeric) {
        let (digit, extra) = match b.to_ascii_uppercase() {
            d @ b'0'..=b'9' => (u64::from(d - b'0'), None),
            // 2A -> 19, 2B -> 18: the preceding '2' was already taken as a digit.
            b'A' if seen == 6 => (9, Some(1)),
            b'B' if seen == 6 => (8, Some(1)),
            _ => return Verdict::Invalid,
        };
        if let Some(carry) = extra {
            number = number - 2 + carry;
        }
        if seen < 13 {
            number = number * 10 + digit;
        } else if seen < 15 {
            key = key * 10 + digit as u32;
        } else {
            return Verdict::Invalid;
        }
        seen += 1;
    }
    if seen != 15 || number == 0 {
        return Verdict::Invalid;
    }
    if u64::from(key) == 97 - number % 97 {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_checks_country_length_and_mod97() {
        assert_eq!(iban("DE89370400440532013000"), Verdict::Valid);
        assert_eq!(iban("DE89 3704 0044 0532 0130 00"), Verdict::Valid);
        assert_eq!(iban("GB82WEST12345698765432"), Verdict::Valid);
        assert_eq!(iban("gb82 west 1234 5698 7654 32"), Verdict::Valid);
        assert_eq!(iban("FR1420041010050500013M02606"), Verdict::Valid);
        assert_eq!(iban("DE89370400440532013001"), Verdict::Invalid, "mod 97");
        assert_eq!(iban("DE8937040044053201300"), Verdict::Invalid, "length");
        assert_eq!(iban("XX89370400440532013000"), Verdict::Invalid, "country");
        assert_eq!(
            iban("DE893704004405320130001234567890123456"),
            Verdict::Invalid
        );
    }

    #[test]
    fn nhs_mod11() {
        assert_eq!(nhs("943 476 5919"), Verdict::Valid);
        assert_eq!(nhs("9434765918"), Verdict::Invalid);
        assert_eq!(nhs("1111111111"), Verdict::Invalid);
        assert_eq!(nhs("943476591"), Verdict::Invalid);
    }

    #[test]
    fn canadian_sin_luhn_and_ranges() {
        assert_eq!(ca_sin("130 692 544"), Verdict::Valid);
        assert_eq!(ca_sin("130-692-545"), Verdict::Invalid);
        assert_eq!(ca_sin("046 454 286"), Verdict::Suspect);
        assert_eq!(ca_sin("000000000"), Verdict::Invalid);
    }

    #[test]
    fn verhoeff_and_aadhaar() {
        assert!(verhoeff_valid(&[2, 3, 6, 3]));
        assert!(!verhoeff_valid(&[2, 3, 6, 4]));
        assert_eq!(aadhaar("2345 6789 0124"), Verdict::Valid);
        assert_eq!(aadhaar("2345 6789 0123"), Verdict::Invalid);
        assert_eq!(aadhaar("1345 6789 0124"), Verdict::Invalid, "starts with 1");
    }

    #[test]
    fn aba_routing_weights() {
        assert_eq!(aba_routing("011000015"), Verdict::Valid);
        assert_eq!(aba_routing("021000021"), Verdict::Valid);
        assert_eq!(aba_routing("021000022"), Verdict::Invalid);
        assert_eq!(aba_routing("991000026"), Verdict::Invalid, "prefix");
    }

    #[test]
    fn french_nir_key() {
        assert_eq!(fr_nir("1 84 12 76 451 089 46"), Verdict::Valid);
        assert_eq!(fr_nir("184127645108947"), Verdict::Invalid);
        assert_eq!(fr_nir("2 69 05 2A 123 456 88"), Verdict::Valid);
        assert_eq!(fr_nir("18412764510894"), Verdict::Invalid);
    }

    #[test]
    fn dea_checksum() {
        assert_eq!(dea("AB1234563"), Verdict::Valid);
        assert_eq!(dea("AB1234564"), Verdict::Invalid);
        assert_eq!(dea("A91234563"), Verdict::Valid);
        assert_eq!(dea("AB123456"), Verdict::Invalid);
    }
}
