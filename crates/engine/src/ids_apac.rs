//! Check characters of Asia-Pacific identifiers: Singapore's NRIC/FIN, Australia's tax file
//! number and Medicare card number, South Korea's resident registration number.

use super::calendar::valid_date;
use super::checksum::digits;
use super::validate::Verdict;

fn weighted(d: &[u8], weights: &[u32]) -> u32 {
    d.iter().zip(weights).map(|(&x, w)| u32::from(x) * w).sum()
}

/// Singapore NRIC (S born before 2000, T after) and FIN (F, G; M from 2022): seven digits
/// weighted 2,7,6,5,4,3,2, plus 4 for T and G and 3 for M, mod 11 picks the check letter
/// from the series' table. S1234567D is the number every form shows.
pub fn sg_nric(value: &str) -> Verdict {
    let bytes = value.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return Verdict::Invalid;
    };
    let Some((d, 7)) = digits::<7>(value) else {
        return Verdict::Invalid;
    };
    if bytes.len() != 9 {
        return Verdict::Invalid;
    }
    let (offset, table): (u32, &[u8; 11]) = match first {
        b'S' => (0, b"JZIHGFEDCBA"),
        b'T' => (4, b"JZIHGFEDCBA"),
        b'F' => (0, b"XWUTRQPNMLK"),
        b'G' => (4, b"XWUTRQPNMLK"),
        // ICA's M series: `11 - r` indexes KLJNPQRTUWX from 1, i.e. its reverse by `r`.
        b'M' => (3, b"XWUTRQPNJLK"),
        _ => return Verdict::Invalid,
    };
    let r = (offset + weighted(&d, &[2, 7, 6, 5, 4, 3, 2])) % 11;
    if table[r as usize] != last {
        Verdict::Invalid
    } else if value == "S1234567D" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// Australian tax file number: nine digits weighted 1,4,3,7,5,8,6,9,10 (older eight-digit
/// numbers 10,7,8,4,6,3,5,1), the sum a multiple of 11. 123 456 782 is the ATO's example.
pub fn au_tfn(value: &str) -> Verdict {
    let (d, len) = match digits::<9>(value) {
        Some((d, len @ (8 | 9))) => (d, len),
        _ => return Verdict::Invalid,
    };
    let weights: &[u32] = if len == 9 {
        &[1, 4, 3, 7, 5, 8, 6, 9, 10]
    } else {
        &[10, 7, 8, 4, 6, 3, 5, 1]
    };
    let d = &d[..len];
    if !weighted(d, weights).is_multiple_of(11) || d.iter().all(|&x| x == d[0]) {
        Verdict::Invalid
    } else if d == [1, 2, 3, 4, 5, 6, 7, 8, 2] {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// Australian Medicare card number: eight digits starting 2-6, a check digit (weights
/// 1,3,7,9,1,3,7,9, mod 10), the card's issue number, and optionally the person's number on
/// the card (1-9). 2123 45670 1 is Services Australia's example.
pub fn au_medicare(value: &str) -> Verdict {
    let (d, len) = match digits::<11>(value) {
        Some((d, len @ (10 | 11))) => (d, len),
        _ => return Verdict::Invalid,
    };
    let check = weighted(&d[..8], &[1, 3, 7, 9, 1, 3, 7, 9]) % 10;
    if !(2..=6).contains(&d[0]) || u32::from(d[8]) != check || (len == 11 && d[10] == 0) {
        Verdict::Invalid
    } else if d[..10] == [2, 1, 2, 3, 4, 5, 6, 7, 0, 1] {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// The birth date of a Korean resident registration number (`YYMMDD-S...`), with the century
/// its seventh digit gives (1, 2, 5, 6: 1900s; 3, 4, 7, 8: 2000s; 9, 0: 1800s).
fn kr_rrn_born(d: &[u8; 13]) -> bool {
    let century = match d[6] {
        1 | 2 | 5 | 6 => 1900,
        3 | 4 | 7 | 8 => 2000,
        _ => 1800,
    };
    let two = |i: usize| u32::from(d[i]) * 10 + u32::from(d[i + 1]);
    valid_date(century + two(0), two(2), two(4))
}

/// Korean resident registration number issued before October 2020: a valid birth date and
/// the check digit `(11 - sum mod 11) mod 10`, weights 2..9,2..5 over the first twelve.
pub fn kr_rrn(value: &str) -> Verdict {
    let Some((d, 13)) = digits::<13>(value) else {
        return Verdict::Invalid;
    };
    let check = (11 - weighted(&d[..12], &[2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]) % 11) % 10;
    if kr_rrn_born(&d) && u32::from(d[12]) == check {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// Korean resident registration number of any date of issue: since October 2020 the digits
/// after the seventh are random and carry no check digit, so only the birth date is checked.
pub fn kr_rrn_date(value: &str) -> Verdict {
    match digits::<13>(value) {
        Some((d, 13)) if kr_rrn_born(&d) => Verdict::Valid,
        _ => Verdict::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nric_series_and_offsets() {
        assert_eq!(sg_nric("S1234567D"), Verdict::Suspect);
        assert_eq!(sg_nric("S8273041I"), Verdict::Valid);
        assert_eq!(sg_nric("S8273041C"), Verdict::Invalid);
        assert_eq!(sg_nric("T0391826I"), Verdict::Valid);
        assert_eq!(sg_nric("S0391826I"), Verdict::Invalid, "T adds 4");
        assert_eq!(sg_nric("F4710395U"), Verdict::Valid);
        assert_eq!(sg_nric("G4710395P"), Verdict::Valid);
        assert_eq!(sg_nric("G4710395U"), Verdict::Invalid, "G adds 4");
        assert_eq!(sg_nric("M5126803W"), Verdict::Valid);
        assert_eq!(sg_nric("M5126803X"), Verdict::Invalid);
        assert_eq!(sg_nric("A1234567D"), Verdict::Invalid);
        assert_eq!(sg_nric("S123456D"), Verdict::Invalid);
    }

    #[test]
    fn tfn_weights_for_nine_and_eight_digits() {
        assert_eq!(au_tfn("123 456 782"), Verdict::Suspect);
        assert_eq!(au_tfn("459 821 378"), Verdict::Valid);
        assert_eq!(au_tfn("459 821 370"), Verdict::Invalid);
        assert_eq!(au_tfn("3852 4104"), Verdict::Valid);
        assert_eq!(au_tfn("3852 4106"), Verdict::Invalid);
        assert_eq!(au_tfn("000 000 000"), Verdict::Invalid);
        assert_eq!(au_tfn("1234 5678 20"), Verdict::Invalid, "length");
    }

    #[test]
    fn medicare_check_digit_and_issue_numbers() {
        assert_eq!(au_medicare("2123 45670 1"), Verdict::Suspect);
        assert_eq!(au_medicare("3950 12844 2"), Verdict::Valid);
        assert_eq!(au_medicare("3950 12844 2-3"), Verdict::Valid);
        assert_eq!(au_medicare("3950 12845 2"), Verdict::Invalid, "check digit");
        assert_eq!(au_medicare("3950 12844 2-0"), Verdict::Invalid, "person 0");
        assert_eq!(au_medicare("7950 12844 2"), Verdict::Invalid, "first digit");
        assert_eq!(au_medicare("3950 12844"), Verdict::Invalid, "length");
    }

    #[test]
    fn rrn_check_digit_and_birth_date() {
        assert_eq!(kr_rrn("850315-1234566"), Verdict::Valid);
        assert_eq!(kr_rrn("8503151234566"), Verdict::Valid);
        assert_eq!(kr_rrn("850315-1234563"), Verdict::Invalid, "check digit");
        assert_eq!(kr_rrn("850345-1234566"), Verdict::Invalid, "date");
        assert_eq!(kr_rrn_date("850315-1234564"), Verdict::Valid);
        assert_eq!(
            kr_rrn_date("210229-3123456"),
            Verdict::Invalid,
            "2021 not leap"
        );
        assert_eq!(kr_rrn_date("000229-3123456"), Verdict::Valid, "2000 leap");
        assert_eq!(kr_rrn_date("001329-3123456"), Verdict::Invalid);
        assert_eq!(kr_rrn_date("850315-123456"), Verdict::Invalid, "length");
    }
}
