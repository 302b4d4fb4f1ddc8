//! Check digits of Latin American identifiers: Brazil's CPF (people) and CNPJ (companies,
//! numeric and the alphanumeric form issued from July 2026), and Mexico's CURP.

use super::calendar::valid_date;
use super::validate::Verdict;

/// Up to `N` characters of `value` that are ASCII letters or digits, upper-cased; other
/// bytes (dots, dashes, slashes, spaces) are separators. `None` when there are more.
fn alphanumerics<const N: usize>(value: &str) -> Option<([u8; N], usize)> {
    let mut out = [0u8; N];
    let mut len = 0;
    for b in value.bytes().filter(u8::is_ascii_alphanumeric) {
        *out.get_mut(len)? = b.to_ascii_uppercase();
        len += 1;
    }
    Some((out, len))
}

fn all_same(chars: &[u8]) -> bool {
    chars.iter().all(|&c| c == chars[0])
}

/// CPF: nine digits and two check digits, each `10 * (weighted sum) mod 11` (10 counts as
/// 0), weights 10..2 over the nine, then 11..2 over the nine and the first check digit.
/// Numbers of one repeated digit pass and are never issued (Receita rejects them);
/// 123.456.789-09 is the number every form and tutorial shows.
pub fn br_cpf(value: &str) -> Verdict {
    let Some((d, 11)) = alphanumerics::<11>(value) else {
        return Verdict::Invalid;
    };
    if !d.iter().all(u8::is_ascii_digit) || all_same(&d) {
        return Verdict::Invalid;
    }
    let digit = |i: usize| u32::from(d[i] - b'0');
    let check = |len: usize| {
        let sum: u32 = (0..len)
            .map(|i| digit(i) * (len as u32 + 1 - i as u32))
            .sum();
        sum * 10 % 11 % 10
    };
    if check(9) != digit(9) || check(10) != digit(10) {
        Verdict::Invalid
    } else if &d == b"12345678909" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// CNPJ: twelve characters (eight of the company, four of the branch) and two check digits,
/// weighted mod 11 (weights 2..9 from the right, repeating; a remainder below 2 gives 0).
/// From July 2026 the twelve may hold upper-case letters, each worth its ASCII code less 48
/// (so digits keep their value and `A` is 17); the check digits stay digits. 12.ABC.345/01DE-35
/// is the Receita's own example of the new form.
pub fn br_cnpj(value: &str) -> Verdict {
    let Some((c, 14)) = alphanumerics::<14>(value) else {
        return Verdict::Invalid;
    };
    if !c[12..].iter().all(u8::is_ascii_digit) || all_same(&c) {
        return Verdict::Invalid;
    }
    let worth = |i: usize| u32::from(c[i] - b'0');
    let check = |len: usize| {
        let sum: u32 = (0..len)
            .map(|i| worth(i) * (2 + (len - 1 - i) as u32 % 8))
            .sum();
        match sum % 11 {
            0 | 1 => 0,
            r => 11 - r,
        }
    };
    if check(12) != worth(12) || check(13) != worth(13) {
        Verdict::Invalid
    } else if &c == b"12ABC34501DE35" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// RENAPO's alphabet for the CURP check digit: digits, then letters with Ñ after N.
const CURP_ALPHABET: &str = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";

/// Birth states (and NE, born abroad) in CURP positions 12-13.
const CURP_STATES: [&[u8; 2]; 33] = [
    b"AS", b"BC", b"BS", b"CC", b"CL", b"CM", b"CS", b"CH", b"DF", b"DG", b"GT", b"GR", b"HG",
    b"JC", b"MC", b"MN", b"MS", b"NT", b"NL", b"OC", b"PL", b"QT", b"QR", b"SP", b"SL", b"SR",
    b"TC", b"TS", b"TL", b"VZ", b"YN", b"ZS", b"NE",
];

/// CURP: four letters of the name, birth date YYMMDD, sex (H, M, or X since 2022), state,
/// three consonants of the name, a character that is a digit for people born before 2000 and
/// a letter after, and a check digit: `10 - (sum of value * (18 - position)) mod 10` over
/// the first seventeen, values from [`CURP_ALPHABET`]. Names with Ñ are written with X, but
/// the alphabet keeps Ñ, and a value holding it is checked with it. HEGG560427MVZRRL04 is
/// RENAPO's example.
pub fn mx_curp(value: &str) -> Verdict {
    let mut chars = [0u32; 18];
    let mut len = 0;
    for ch in value.chars() {
        let Some(v) = CURP_ALPHABET.chars().position(|a| a == ch) else {
            return Verdict::Invalid;
        };
        let Some(slot) = chars.get_mut(len) else {
            return Verdict::Invalid;
        };
        *slot = v as u32;
        len += 1;
    }
    if len != 18 {
        return Verdict::Invalid;
    }
    let is_digit = |i: usize| chars[i] < 10;
    // Ñ is the 24th symbol; an ASCII byte stands for every other position that matters here.
    let ascii = |i: usize| value.chars().nth(i).map_or(0, |c| c as u32 as u8);
    let sex_ok = matches!(ascii(10), b'H' | b'M' | b'X');
    let state = [ascii(11), ascii(12)];
    let state_ok = CURP_STATES.contains(&&state);
    if !(0..4).all(|i| !is_digit(i))
        || !(4..10).all(is_digit)
        || !sex_ok
        || !state_ok
        || !(13..16).all(|i| !is_digit(i))
        || !is_digit(17)
    {
        return Verdict::Invalid;
    }
    let two = |i: usize| chars[i] * 10 + chars[i + 1];
    let century = if is_digit(16) { 1900 } else { 2000 };
    if !valid_date(century + two(4), two(6), two(8)) {
        return Verdict::Invalid;
    }
    let sum: u32 = chars[..17]
        .iter()
        .enumerate()
        .map(|(i, &v)| v * (18 - i as u32))
        .sum();
    if (10 - sum % 10) % 10 != chars[17] {
        Verdict::Invalid
    } else if value == "HEGG560427MVZRRL04" {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpf_two_mod11_digits() {
        assert_eq!(br_cpf("529.982.247-25"), Verdict::Valid);
        assert_eq!(br_cpf("52998224725"), Verdict::Valid);
        assert_eq!(br_cpf("390.533.447-05"), Verdict::Valid);
        assert_eq!(br_cpf("529.982.247-26"), Verdict::Invalid, "second digit");
        assert_eq!(br_cpf("529.982.247-35"), Verdict::Invalid, "first digit");
        assert_eq!(br_cpf("111.111.111-11"), Verdict::Invalid, "one digit");
        assert_eq!(br_cpf("000.000.000-00"), Verdict::Invalid);
        assert_eq!(br_cpf("123.456.789-09"), Verdict::Suspect);
        assert_eq!(br_cpf("5299822472"), Verdict::Invalid, "length");
        assert_eq!(br_cpf("A29.982.247-25"), Verdict::Invalid);
    }

    #[test]
    fn cnpj_numeric_and_alphanumeric() {
        assert_eq!(br_cnpj("11.222.333/0001-81"), Verdict::Valid);
        assert_eq!(br_cnpj("11222333000181"), Verdict::Valid);
        assert_eq!(br_cnpj("11.222.333/0001-82"), Verdict::Invalid);
        assert_eq!(br_cnpj("11.222.333/0001-91"), Verdict::Invalid);
        assert_eq!(br_cnpj("00.000.000/0000-00"), Verdict::Invalid);
        assert_eq!(br_cnpj("12.ABC.345/01DE-35"), Verdict::Suspect);
        assert_eq!(br_cnpj("12.abc.345/01de-35"), Verdict::Suspect);
        assert_eq!(br_cnpj("12.ABC.345/01DE-36"), Verdict::Invalid);
        assert_eq!(br_cnpj("Q7.M2R.9K4/0001-32"), Verdict::Valid);
        assert_eq!(
            br_cnpj("12.ABC.345/01DE-3A"),
            Verdict::Invalid,
            "check digits"
        );
        assert_eq!(br_cnpj("1122233300018"), Verdict::Invalid, "length");
    }

    #[test]
    fn curp_structure_and_check_digit() {
        assert_eq!(mx_curp("HEGG560427MVZRRL04"), Verdict::Suspect);
        assert_eq!(mx_curp("GOLJ870912HJCNPR02"), Verdict::Valid);
        assert_eq!(mx_curp("MAPR030215MDFRRSA6"), Verdict::Valid);
        assert_eq!(
            mx_curp("GOLJ870912HJCNPR03"),
            Verdict::Invalid,
            "check digit"
        );
        assert_eq!(mx_curp("GOLJ870931HJCNPR02"), Verdict::Invalid, "date");
        assert_eq!(mx_curp("GOLJ870912HXXNPR02"), Verdict::Invalid, "state");
        assert_eq!(mx_curp("GOLJ870912QJCNPR02"), Verdict::Invalid, "sex");
        assert_eq!(mx_curp("GOLJ870912HJCNPR0"), Verdict::Invalid, "length");
        // Ñ is a symbol of its own, between N and O: the same letters with N give another
        // check digit.
        assert_eq!(mx_curp("MUÑO850101HDFXXX06"), Verdict::Valid);
        assert_eq!(mx_curp("MUNO850101HDFXXX06"), Verdict::Invalid);
        assert_eq!(mx_curp("MUNO850101HDFXXX02"), Verdict::Valid);
    }
}
