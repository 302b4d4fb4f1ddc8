//! Telephone numbers, judged by libphonenumber's metadata (from the `phonenumber` crate): the
//! lengths and number ranges each country assigns. A rule's regex finds what is written the
//! way people write a telephone number; this says whether a country could have given it out.
//!
//! It runs only on what a phone rule's pattern matched next to its prefilter hit, never on
//! digit runs at large: a check costs under a microsecond (release build) once its
//! country's patterns are compiled (`plans`); the first number of a country pays for
//! compiling them, about 10 ms.

mod plans;

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::metadata::DATABASE;

use self::plans::{Line, calling_code};
use super::validate::Verdict;

/// The country whose national numbering plan a number written without its country code
/// belongs to (`validator = "phone:DE"`): `030 12345678` means nothing without it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(Id);

impl FromStr for Region {
    type Err = ();

    /// A CLDR region code libphonenumber has metadata for, in upper case (`DE`, `US`). The
    /// crate names exactly the regions it has metadata for (a test checks every code), so
    /// its metadata, a fifth of a second to load, waits for the first number to check rather
    /// than for the rule pack to load.
    fn from_str(code: &str) -> Result<Self, ()> {
        Id::from_str(code).map(Region).map_err(|_| ())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_ref())
    }
}

/// Longest national significant number libphonenumber knows (E.164 allows 15 digits with the
/// country code; a few plans hold 17).
const MAX_NATIONAL: usize = 17;

/// Whether `written` is a telephone number someone could hold. With a region, it is written
/// nationally (with or without the trunk prefix) and must be valid in that country's plan;
/// without one, it must carry its country code (`+44 20 …`, or `0044 20 …` as Europe dials).
pub fn check(written: &str, region: Option<Region>) -> Verdict {
    let written = written.trim();
    let punctuation = |b: u8| b.is_ascii_digit() || b" +-./()".contains(&b);
    if !written.bytes().all(punctuation) {
        return Verdict::Invalid;
    }
    let Some((code, national)) = (match region {
        None => international(written),
        Some(region) => national(written, region),
    }) else {
        return Verdict::Invalid;
    };
    let national = national.as_str();
    if national.len() < 4
        || national.len() > MAX_NATIONAL
        || filler(national)
        || fictional(code, national)
    {
        return Verdict::Invalid;
    }
    if region.is_some() && fictional_anywhere(&digits(written)) {
        return Verdict::Invalid;
    }
    let Some(plans) = calling_code(code) else {
        return Verdict::Invalid;
    };
    let Some(plan) = plans.plan_of(national) else {
        return Verdict::Invalid;
    };
    match plan.line(national) {
        Some(Line::Personal) if plan.is_example(national) => Verdict::Suspect,
        Some(Line::Personal) => Verdict::Valid,
        Some(Line::Service) | None => Verdict::Invalid,
    }
}

/// One digit over and over, or the digits counting up (`1234567890`): what a form is filled
/// with, whatever plan happens to hold it.
fn filler(national: &str) -> bool {
    let bytes = national.as_bytes();
    let same = bytes.windows(2).all(|w| w[0] == w[1]);
    let counting = bytes
        .windows(2)
        .all(|w| w[1] == if w[0] == b'9' { b'0' } else { w[0] + 1 });
    same || counting
}

fn digits(written: &str) -> String {
    written.chars().filter(char::is_ascii_digit).collect()
}

/// The calling code and national significant number of a number written with its country
/// code. "00" is how much of the world dials out of the country; a trunk 0 in parentheses
/// (`+44 (0)20 …`) is what a caller at home would add, and is no part of the number. Calling
/// codes are prefix-free, so the first of one to three digits that is one is the one.
fn international(written: &str) -> Option<(u16, String)> {
    let rest = written
        .strip_prefix('+')
        .or_else(|| written.strip_prefix("00"))?;
    let all = digits(&rest.replacen("(0)", "", 1));
    let (code, national) = (1..=3).find_map(|len| {
        let code: u16 = all.get(..len)?.parse().ok()?;
        calling_code(code).map(|_| (code, &all[len..]))
    })?;
    // Written with the trunk prefix as well ("+44 020 …"): libphonenumber drops it too.
    let plans = calling_code(code)?;
    let national = match plans.main().national_prefix() {
        Some(trunk) if plans.plan_of(national).is_none() => {
            national.strip_prefix(trunk).unwrap_or(national)
        }
        _ => national,
    };
    Some((code, national.to_owned()))
}

/// The calling code and national significant number of a number written nationally in
/// `region`: the trunk prefix (`0`, North America's `1`) is dropped when written. Whether a
/// country's numbers are written with it (Germany's always, Brazil's seldom) is its rule's
/// pattern's to say.
fn national(written: &str, region: Region) -> Option<(u16, String)> {
    if written.contains('+') {
        return None;
    }
    let plan = DATABASE.by_id(region.0.as_ref())?;
    let all = digits(written);
    let national = match plan.national_prefix() {
        Some(trunk) => all.strip_prefix(trunk).unwrap_or(&all),
        None => &all,
    };
    Some((plan.country_code(), national.to_owned()))
}

/// A block regulators set aside for films, books and documentation: never assigned, so
/// nobody's number, yet inside the ranges libphonenumber holds valid.
struct Fiction {
    code: u16,
    /// The national trunk prefix, as the block is written in the country.
    trunk: &'static str,
    /// Length of the national significant number.
    len: usize,
    /// Prefixes of the national significant number.
    prefixes: &'static [&'static str],
}

const FICTION: [Fiction; 2] = [
    // Ofcom's drama numbers: 020 7946 0xxx, 0113..0118/0121..0161 496 0xxx, 0191 498 0xxx,
    // 028 9649 6xxx, 029 2018 0xxx, 01632 960xxx, 07700 900xxx, 08081 570xxx, 0909 879 0xxx,
    // 03069 990xxx.
    Fiction {
        code: 44,
        trunk: "0",
        len: 10,
        prefixes: &[
            "2079460", "1134960", "1144960", "1154960", "1164960", "1174960", "1184960", "1214960",
            "1314960", "1414960", "1514960", "1614960", "1914980", "2896496", "2920180", "1632960",
            "7700900", "8081570", "9098790", "3069990",
        ],
    },
    // ACMA's: the thirty fictitious mobiles lie in 0491 570 000..0491 579 999, the landlines
    // are 0x 5550 xxxx and 0x 7010 xxxx in every geographic area.
    Fiction {
        code: 61,
        trunk: "0",
        len: 9,
        prefixes: &[
            "49157", "25550", "27010", "35550", "37010", "75550", "77010", "85550", "87010",
        ],
    },
];

impl Fiction {
    fn holds(&self, national: &str) -> bool {
        national.len() == self.len && self.prefixes.iter().any(|p| national.starts_with(p))
    }
}

/// North America's: 555-0100 to 555-0199 in every area code. 555-1212 is no fiction but
/// directory assistance, in every area code too: nobody's line either.
fn nanp_fiction(national: &str) -> bool {
    national.len() == 10 && (&national[3..8] == "55501" || &national[3..] == "5551212")
}

fn fictional(code: u16, national: &str) -> bool {
    match code {
        1 => nanp_fiction(national),
        _ => FICTION.iter().any(|f| f.code == code && f.holds(national)),
    }
}

/// Whether digits written nationally are a fiction number of any plan, as written there.
/// `020 7946 0321` is also a number in Pune and `(415) 555-0136` one in San Miguel de
/// Allende, but a page that holds them quotes the film number, not a stranger's line.
fn fictional_anywhere(digits: &str) -> bool {
    nanp_fiction(digits.strip_prefix('1').unwrap_or(digits))
        || FICTION
            .iter()
            .any(|f| digits.strip_prefix(f.trunk).is_some_and(|n| f.holds(n)))
}

/// The two-letter codes of the US states, the District of Columbia and the territories.
const US_STATES: [&[u8; 2]; 56] = [
    b"AL", b"AK", b"AZ", b"AR", b"CA", b"CO", b"CT", b"DE", b"FL", b"GA", b"HI", b"ID", b"IL",
    b"IN", b"IA", b"KS", b"KY", b"LA", b"ME", b"MD", b"MA", b"MI", b"MN", b"MS", b"MO", b"MT",
    b"NE", b"NV", b"NH", b"NJ", b"NM", b"NY", b"NC", b"ND", b"OH", b"OK", b"OR", b"PA", b"RI",
    b"SC", b"SD", b"TN", b"TX", b"UT", b"VT", b"VA", b"WA", b"WV", b"WI", b"WY", b"DC", b"AS",
    b"GU", b"MP", b"PR", b"VI",
];

/// Whether the number at `span` of `text` is a ZIP+4 code: five digits, a dash and four,
/// after a state's code in an address (`Boston, MA 02110-1301`). No North American number is
/// written so, yet the shape fits other countries' plans (a German area code and a line), and
/// New England's codes begin with the 0 of a trunk prefix.
pub(crate) fn is_zip_plus_four(text: &str, span: std::ops::Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let value = &bytes[span.clone()];
    let shape = value.len() == 10
        && value[5] == b'-'
        && value[..5].iter().chain(&value[6..]).all(u8::is_ascii_digit);
    let Some(state) = span.start.checked_sub(3).map(|at| &bytes[at..span.start]) else {
        return false;
    };
    let after_a_state = state[2] == b' ' && US_STATES.iter().any(|code| state[..2] == code[..]);
    let state_stands_alone = span
        .start
        .checked_sub(4)
        .is_none_or(|at| !bytes[at].is_ascii_alphanumeric());
    shape && after_a_state && state_stands_alone
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(code: &str) -> Option<Region> {
        Some(code.parse().unwrap())
    }

    #[test]
    fn regions_are_upper_case_cldr_codes_with_metadata() {
        assert_eq!(region("DE").unwrap().to_string(), "DE");
        for bad in ["de", "XX", "001", "", "GER"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
        // Every code that parses has metadata, and every region with metadata parses.
        let mut parsed = 0;
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap();
                let has_metadata = DATABASE.by_id(&code).is_some();
                assert_eq!(code.parse::<Region>().is_ok(), has_metadata, "{code}");
                parsed += usize::from(has_metadata);
            }
        }
        assert!(parsed > 240, "{parsed}");
    }

    #[test]
    fn international_numbers_of_every_country_as_people_write_them() {
        for written in [
            "+55 11 98456 5666",
            "+33 1 42 68 53 00",
            "+44 (20) 7123 4567",
            "+44 (0)20 7123 4567",
            "+49 30 12345678",
            "+49 (0)89 2340-5678",
            "+1 (415) 867-2671",
            "+91-98765-43210",
            "+14155238886",
            "0044 20 7123 4567",
            "+7 (495) 123-45-67",
            "+39 06 6982 1234",
            "+81 3-5412-7788",
            "+61 2 9876 5432",
        ] {
            assert_eq!(check(written, None), Verdict::Valid, "{written}");
        }
        for wrong in [
            "+19999999999",
            "+1 415 86",
            "+49 30",
            "+999 1234 5678",
            "0312345678",
            "030 12345678",
            "+44 800 123 4567",
            "+1 800 723 3456",
        ] {
            assert_eq!(check(wrong, None), Verdict::Invalid, "{wrong}");
        }
    }

    #[test]
    fn national_numbers_need_their_region_and_no_country_code() {
        let cases = [
            ("US", "(415) 867-2671"),
            ("US", "1-212-736-9128"),
            ("GB", "07911 123456"),
            ("GB", "0161 496 1234"),
            ("DE", "030 12345678"),
            ("DE", "030/8847 2210"),
            ("FR", "06 71 23 45 89"),
            ("IT", "06 6982 1234"),
            ("IT", "347 123 4567"),
            ("JP", "090-3377-5821"),
            ("KR", "010-4821-7730"),
            ("BR", "(11) 98456-5666"),
            ("AU", "02 9876 5432"),
        ];
        for (code, written) in cases {
            assert_eq!(
                check(written, region(code)),
                Verdict::Valid,
                "{code} {written}"
            );
        }
        // The same digits in another country's plan, or with a country code, are not it.
        assert_eq!(check("+44 20 7123 4567", region("DE")), Verdict::Invalid);
        assert_eq!(check("07911 123456", region("FR")), Verdict::Invalid);
        assert_eq!(check("0x1F600", region("DE")), Verdict::Invalid);
        assert_eq!(check("1F64F", region("IN")), Verdict::Invalid);
        assert_eq!(check("123 45", region("US")), Verdict::Invalid);
        // Fillers, valid in Brazil's and Germany's plans.
        assert_eq!(check("1234567890", region("BR")), Verdict::Invalid);
        assert_eq!(check("0333 3333333", region("DE")), Verdict::Invalid);
        assert_eq!(check("+49 30 12345678", None), Verdict::Valid);
    }

    #[test]
    fn numbers_reserved_for_fiction_are_nobodys() {
        for (code, written) in [
            ("US", "(415) 555-0136"),
            ("US", "212-555-0100"),
            ("US", "312 555 0199"),
            ("US", "816-555-1212"),
            ("GB", "020 7946 0321"),
            ("GB", "0113 496 0999"),
            ("GB", "0191 498 0123"),
            ("GB", "07700 900123"),
            ("GB", "01632 960000"),
            ("GB", "028 9649 6123"),
            ("AU", "0491 570 156"),
            ("AU", "02 5550 1234"),
            ("AU", "03 7010 9876"),
        ] {
            assert_eq!(check(written, region(code)), Verdict::Invalid, "{written}");
        }
        for written in ["+1 415 555 0136", "+44 20 7946 0999", "+61 491 579 999"] {
            assert_eq!(check(written, None), Verdict::Invalid, "{written}");
        }
        // Other plans' numbers written like a fiction number are taken for it.
        assert_eq!(check("020 7946 0321", region("IN")), Verdict::Invalid);
        assert_eq!(check("(415) 555-0136", region("MX")), Verdict::Invalid);
        assert_eq!(check("020 7946 1321", region("IN")), Verdict::Valid);
        // Just outside the reserved blocks: real ranges.
        for (code, written) in [
            ("US", "(415) 555-0200"),
            ("GB", "020 7946 1321"),
            ("GB", "0161 496 1234"),
            ("AU", "0491 580 156"),
        ] {
            assert_eq!(check(written, region(code)), Verdict::Valid, "{written}");
        }
    }

    #[test]
    fn a_zip_plus_four_after_a_state_is_no_phone_number() {
        let zip = |text: &str| {
            let start = text.find(|c: char| c.is_ascii_digit()).unwrap();
            is_zip_plus_four(text, start..start + 10)
        };
        assert!(zip("Hartford, CT 06103-2204"));
        assert!(zip("PR 00901-1234"));
        // Not after a state's code standing alone, or not five and four digits.
        assert!(!zip("Tel 06103-2204"));
        assert!(!zip("OPTICT 06103-2204"));
        assert!(!zip("ZZ 06103-2204"));
        assert!(!zip("CT 0610-32204"));
        assert!(!zip("06103-2204"));
    }

    #[test]
    fn service_numbers_are_not_a_persons_and_examples_are_suspect() {
        assert_eq!(check("0800 123 4567", region("GB")), Verdict::Invalid);
        assert_eq!(check("1-800-723-3456", region("US")), Verdict::Invalid);
        assert_eq!(check("0900 1234567", region("DE")), Verdict::Invalid);
        // libphonenumber's own example numbers.
        assert_eq!(check("+49 30 123456", None), Verdict::Suspect);
        assert_eq!(check("06 12 34 56 78", region("FR")), Verdict::Suspect);
        assert_eq!(check("+33 6 12 34 56 79", None), Verdict::Valid);
    }

    /// Not a benchmark: prints what one call costs, the figure to weigh against how often a
    /// phone rule's pattern matches (`cargo test --lib phone_cost -- --nocapture`). Numbers
    /// of many countries in turn: the case that made the `phonenumber` crate's own regex
    /// cache recompile on every call.
    #[test]
    fn phone_cost_per_call() {
        let national = [
            ("US", "(415) 867-2671"),
            ("GB", "07911 123456"),
            ("DE", "030 12345678"),
            ("FR", "06 71 23 45 89"),
            ("IN", "98765 43210"),
            ("BR", "(11) 98456-5666"),
            ("ES", "612 34 56 79"),
            ("IT", "06 6982 1234"),
            ("NL", "020 123 4567"),
            ("AU", "0412 345 678"),
            ("JP", "03-5412-7788"),
            ("MX", "55 1234 5679"),
            ("SG", "9123 4568"),
            ("KR", "010-4821-7730"),
            ("ZA", "082 123 4567"),
            ("SE", "070-123 45 67"),
            ("CH", "044 668 18 00"),
            ("PL", "512 345 678"),
            ("IE", "087 123 4567"),
            ("DE", "2024-01-15"),
        ];
        let international = [
            "+55 11 98456 5666",
            "+7 (495) 123-45-67",
            "+86 138 0013 8000",
            "+20 10 1234 5678",
            "+234 803 123 4567",
            "+62 812 3456 7890",
            "+90 532 123 45 67",
            "0044 20 7123 4567",
        ];
        let samples: Vec<(&str, Option<Region>)> = national
            .iter()
            .map(|&(code, written)| (written, region(code)))
            .chain(international.iter().map(|&written| (written, None)))
            .collect();
        let started = std::time::Instant::now();
        for &(written, region) in &samples {
            check(written, region);
        }
        let first = started.elapsed();
        let rounds = 50;
        let started = std::time::Instant::now();
        for _ in 0..rounds {
            for &(written, region) in &samples {
                std::hint::black_box(check(std::hint::black_box(written), region));
            }
        }
        let per_call = started.elapsed() / (rounds * samples.len() as u32);
        println!(
            "phone validator: {per_call:?} per call over {} countries; first pass, compiling \
             their patterns: {first:?}",
            samples.len()
        );
    }
}
