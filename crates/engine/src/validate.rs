//! Validators: the checks a regex cannot express (checksums, number ranges, reserved domains),
//! and the normalisations that make two spellings of one value the same value.
//!
//! A validator answers with a [`Verdict`] rather than a bool because some values are valid by
//! their checksum and still look like test data (`4111 1111 1111 1111`); the engine lowers the
//! confidence of those instead of dropping them, so a real card that happens to look tidy is
//! still reported.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::checksum::digits;
use super::normalize::Normalization;
use super::phone::{self, Region};
use super::{
    checksum, ids_apac, ids_europe, ids_latam, obfuscated, password_hash, structure, token_checks,
};

/// A named check that a rule's value must pass (`validator = "luhn"` in a rule file).
/// Written as its name, and a phone number's as `phone` (international: the number carries its
/// country code) or `phone:DE` (written nationally in that region).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validator {
    /// Luhn mod-10 over the digits of the value (payment cards).
    Luhn,
    /// US Social Security Number ranges (area, group, serial) and numbers the SSA voided.
    Ssn,
    /// US National Provider Identifier: Luhn over `80840` followed by the ten digits.
    Npi,
    /// GitHub token checksum: the last 6 characters are the base62 CRC32 of the random part.
    GithubCrc32,
    /// E-mail address whose domain is not reserved for documentation or testing.
    EmailDomain,
    /// IBAN: country code with its registered length, ISO 7064 mod-97 check digits.
    Iban,
    /// UK NHS number: mod-11 check digit.
    Nhs,
    /// Canadian Social Insurance Number: Luhn over nine digits, first digit 1-7 or 9.
    CaSin,
    /// Indian Aadhaar number: twelve digits, Verhoeff check digit.
    Aadhaar,
    /// US DEA registration number: weighted check digit.
    Dea,
    /// US ABA routing transit number: Federal Reserve prefix, 3-7-1 weighted checksum.
    AbaRouting,
    /// French social security number (NIR): 97 - (number mod 97) key.
    FrNir,
    /// JSON Web Token: header and payload are base64url JSON, the header names an `alg`.
    Jwt,
    /// PEM-armoured block: matching BEGIN/END labels around a base64 body.
    Pem,
    /// Brazilian CPF: two mod-11 check digits.
    BrCpf,
    /// Brazilian CNPJ, numeric or alphanumeric (2026): two weighted mod-11 check digits.
    BrCnpj,
    /// Mexican CURP: structure, birth date and check digit over RENAPO's 37-symbol alphabet.
    MxCurp,
    /// Spanish DNI or NIE: mod-23 control letter.
    EsDni,
    /// Italian codice fiscale: check letter, omocodia, month and day.
    ItCodiceFiscale,
    /// Dutch BSN: the eleven test (last digit weighted -1).
    NlBsn,
    /// Singapore NRIC/FIN: weighted check letter per series (S, T, F, G, M).
    SgNric,
    /// Australian tax file number: weighted mod 11.
    AuTfn,
    /// Australian Medicare card number: weighted check digit at position nine.
    AuMedicare,
    /// Korean resident registration number issued before October 2020: date and check digit.
    KrRrn,
    /// Korean resident registration number of any date: birth date only.
    KrRrnDate,
    /// Docker's `auth`: base64 of `user:password`, the password no stand-in.
    DockerAuth,
    /// Grafana service account token: the hex suffix is the little-endian CRC32 of the rest.
    GrafanaCrc32,
    /// Discord bot token: the first part is the bot's user id in base64.
    DiscordBotToken,
    /// Token whose body from `eyJ` on is a base64 JSON object.
    Base64Json,
    /// Password hash: the fields its scheme fixes (cost, rounds, lengths, padding bits).
    PasswordHash,
    /// Cisco type 7 password: an offset and hex pairs that decode to printable text.
    CiscoType7,
    /// Group Policy Preferences `cpassword`: base64 of whole AES blocks.
    GppCpassword,
    /// Elasticsearch API key: base64 of `<id>:<key>`.
    ElasticApiKey,
    /// Telephone number in libphonenumber's ranges, not reserved for fiction, not a service
    /// line: with its country code (`None`), or written nationally in a region.
    Phone(Option<Region>),
}

/// Validators without a parameter, by the name a rule file gives them.
const NAMED: [(&str, Validator); 34] = [
    ("luhn", Validator::Luhn),
    ("ssn", Validator::Ssn),
    ("npi", Validator::Npi),
    ("github-crc32", Validator::GithubCrc32),
    ("email-domain", Validator::EmailDomain),
    ("iban", Validator::Iban),
    ("nhs", Validator::Nhs),
    ("ca-sin", Validator::CaSin),
    ("aadhaar", Validator::Aadhaar),
    ("dea", Validator::Dea),
    ("aba-routing", Validator::AbaRouting),
    ("fr-nir", Validator::FrNir),
    ("jwt", Validator::Jwt),
    ("pem", Validator::Pem),
    ("br-cpf", Validator::BrCpf),
    ("br-cnpj", Validator::BrCnpj),
    ("mx-curp", Validator::MxCurp),
    ("es-dni", Validator::EsDni),
    ("it-codice-fiscale", Validator::ItCodiceFiscale),
    ("nl-bsn", Validator::NlBsn),
    ("sg-nric", Validator::SgNric),
    ("au-tfn", Validator::AuTfn),
    ("au-medicare", Validator::AuMedicare),
    ("kr-rrn", Validator::KrRrn),
    ("kr-rrn-date", Validator::KrRrnDate),
    ("docker-auth", Validator::DockerAuth),
    ("grafana-crc32", Validator::GrafanaCrc32),
    ("discord-bot-token", Validator::DiscordBotToken),
    ("base64-json", Validator::Base64Json),
    ("password-hash", Validator::PasswordHash),
    ("cisco-type7", Validator::CiscoType7),
    ("gpp-cpassword", Validator::GppCpassword),
    ("elastic-api-key", Validator::ElasticApiKey),
    ("phone", Validator::Phone(None)),
];

impl Validator {
    /// The validator's name, without a phone region.
    pub fn as_str(self) -> &'static str {
        let same_kind = |v: &Validator| std::mem::discriminant(v) == std::mem::discriminant(&self);
        NAMED
            .iter()
            .find(|(_, v)| same_kind(v))
            .map(|(name, _)| *name)
            .expect("every validator has a name")
    }

    /// The normalisation a value checked by this validator gets when no rule says otherwise:
    /// numbers are compared by their digits, addresses case-insensitively.
    pub fn default_normalization(self) -> Normalization {
        match self {
            Validator::Luhn
            | Validator::Ssn
            | Validator::Npi
            | Validator::Nhs
            | Validator::CaSin
            | Validator::Aadhaar
            | Validator::AbaRouting
            | Validator::BrCpf
            | Validator::NlBsn
            | Validator::AuTfn
            | Validator::AuMedicare
            | Validator::KrRrn
            | Validator::KrRrnDate
            | Validator::Phone(_) => Normalization::Digits,
            Validator::EmailDomain => Normalization::Lowercase,
            Validator::Iban
            | Validator::FrNir
            | Validator::BrCnpj
            | Validator::EsDni
            | Validator::ItCodiceFiscale
            | Validator::SgNric => Normalization::Alphanumeric,
            // A CURP may hold Ñ, which the alphanumeric spelling would drop.
            Validator::GithubCrc32
            | Validator::Dea
            | Validator::Jwt
            | Validator::Pem
            | Validator::MxCurp
            | Validator::DockerAuth
            | Validator::GrafanaCrc32
            | Validator::DiscordBotToken
            | Validator::Base64Json
            | Validator::PasswordHash
            | Validator::CiscoType7
            | Validator::GppCpassword
            | Validator::ElasticApiKey => Normalization::AsIs,
        }
    }

    /// The part of a value where a stand-in word (`example`, `test`, `your-`) says the value
    /// is not real. In an address that is the mailbox: whether a domain is one nobody owns is
    /// this validator's to say (RFC 2606 and 6761 list them), and `example-health.org` or
    /// `samplefoods.com` belong to someone.
    pub fn placeholder_part(self, value: &str) -> &str {
        match self {
            Validator::EmailDomain => value.rsplit_once('@').map_or(value, |(local, _)| local),
            _ => value,
        }
    }

    /// Whether the text around the value at `span` says it is no value of this kind, which
    /// the value alone cannot: five and four digits after a state's code are a ZIP+4 code,
    /// not a phone number; an address right after `scheme://` (or `scheme://user:`) is a URL's
    /// login or password before its host, nobody's mailbox.
    pub fn refuted_by_surroundings(self, text: &str, span: std::ops::Range<usize>) -> bool {
        match self {
            Validator::Phone(_) => phone::is_zip_plus_four(text, span),
            Validator::EmailDomain => super::score::in_url_userinfo(text.as_bytes(), span.start),
            _ => false,
        }
    }

    pub fn check(self, value: &str) -> Verdict {
        match self {
            Validator::Luhn => luhn_card(value),
            Validator::Ssn => us_ssn(value),
            Validator::Npi => us_npi(value),
            Validator::GithubCrc32 => github_checksum(value),
            Validator::EmailDomain => email_domain(value),
            Validator::Iban => checksum::iban(value),
            Validator::Nhs => checksum::nhs(value),
            Validator::CaSin => checksum::ca_sin(value),
            Validator::Aadhaar => checksum::aadhaar(value),
            Validator::Dea => checksum::dea(value),
            Validator::AbaRouting => checksum::aba_routing(value),
            Validator::FrNir => checksum::fr_nir(value),
            Validator::Jwt => structure::jwt(value),
            Validator::Pem => structure::pem(value),
            Validator::BrCpf => ids_latam::br_cpf(value),
            Validator::BrCnpj => ids_latam::br_cnpj(value),
            Validator::MxCurp => ids_latam::mx_curp(value),
            Validator::EsDni => ids_europe::es_dni(value),
            Validator::ItCodiceFiscale => ids_europe::it_codice_fiscale(value),
            Validator::NlBsn => ids_europe::nl_bsn(value),
            Validator::SgNric => ids_apac::sg_nric(value),
            Validator::AuTfn => ids_apac::au_tfn(value),
            Validator::AuMedicare => ids_apac::au_medicare(value),
            Validator::KrRrn => ids_apac::kr_rrn(value),
            Validator::KrRrnDate => ids_apac::kr_rrn_date(value),
            Validator::DockerAuth => structure::docker_auth(value),
            Validator::GrafanaCrc32 => token_checks::grafana_checksum(value),
            Validator::DiscordBotToken => token_checks::discord_bot_token(value),
            Validator::Base64Json => token_checks::base64_json(value),
            Validator::PasswordHash => password_hash::check(value),
            Validator::CiscoType7 => obfuscated::cisco_type7(value),
            Validator::GppCpassword => obfuscated::gpp_cpassword(value),
            Validator::ElasticApiKey => structure::elastic_api_key(value),
            Validator::Phone(region) => phone::check(value, region),
        }
    }
}

impl fmt::Display for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validator::Phone(Some(region)) => write!(f, "phone:{region}"),
            _ => f.write_str(self.as_str()),
        }
    }
}

impl FromStr for Validator {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, String> {
        if let Some(code) = name.strip_prefix("phone:") {
            return code
                .parse()
                .map(|region| Validator::Phone(Some(region)))
                .map_err(|()| {
                    format!("unknown phone region `{code}` (an upper-case CLDR code: DE, US)")
                });
        }
        NAMED
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                let names: Vec<_> = NAMED.iter().map(|(n, _)| *n).collect();
                format!(
                    "unknown validator `{name}`, expected one of {}, phone:<REGION>",
                    names.join(", ")
                )
            })
    }
}

impl Serialize for Validator {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Validator {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

/// What a validator thinks of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    /// Passes the check but looks like test or sample data; reported with lower confidence.
    Suspect,
    Invalid,
}

/// Luhn mod-10 over a digit sequence (rightmost digit is the check digit).
pub fn luhn_valid(digits: &[u8]) -> bool {
    if digits.len() < 2 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A card number passes Luhn; numbers made of at most two distinct digits
/// (`4111 1111 1111 1111`, `5555 5555 5555 4444`) or a straight ascending/descending run are
/// the shapes people type as test data, so they are only suspect.
fn luhn_card(value: &str) -> Verdict {
    let Some((d, len)) = digits::<19>(value) else {
        return Verdict::Invalid;
    };
    let d = &d[..len];
    if len < 12 || !luhn_valid(d) {
        return Verdict::Invalid;
    }
    let mut seen = [false; 10];
    d.iter().for_each(|&x| seen[usize::from(x)] = true);
    let distinct = seen.iter().filter(|&&s| s).count();
    let step = |up: bool| {
        d.windows(2)
            .all(|w| (w[0] + if up { 1 } else { 9 }) % 10 == w[1])
    };
    if distinct <= 2 || step(true) || step(false) {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// SSA rules: area 000, 666 and 900-999 are never issued, nor group 00 or serial 0000.
/// 078-05-1120 (the Woolworth wallet card) and 219-09-9999 (an SSA advertisement) were voided
/// after being published. 123-45-6789 is valid by range but is everybody's sample SSN.
fn us_ssn(value: &str) -> Verdict {
    let Some((d, 9)) = digits::<9>(value) else {
        return Verdict::Invalid;
    };
    let num = |r: std::ops::Range<usize>| d[r].iter().fold(0u32, |n, &x| n * 10 + u32::from(x));
    let (area, group, serial) = (num(0..3), num(3..5), num(5..9));
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return Verdict::Invalid;
    }
    match (area, group, serial) {
        (78, 5, 1120) | (219, 9, 9999) => Verdict::Invalid,
        (123, 45, 6789) => Verdict::Suspect,
        _ => Verdict::Valid,
    }
}

/// NPI check digit: Luhn over the constant prefix 80840 (the ISO health-industry issuer
/// prefix) followed by the ten digits. 1234567893 is CMS's published sample NPI.
fn us_npi(value: &str) -> Verdict {
    let Some((d, 10)) = digits::<10>(value) else {
        return Verdict::Invalid;
    };
    if d[0] != 1 && d[0] != 2 {
        return Verdict::Invalid;
    }
    let mut full = [8, 0, 8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    full[5..].copy_from_slice(&d);
    if !luhn_valid(&full) {
        Verdict::Invalid
    } else if d == [1, 2, 3, 4, 5, 6, 7, 8, 9, 3] {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `n` in base62 (digits, then upper case, then lower case: GitHub's alphabet), left-padded
/// with '0' to 6 characters. 62^6 > 2^32, so every CRC32 fits.
pub fn base62_crc(mut n: u32) -> [u8; 6] {
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

const CRC32_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32/ISO-HDLC (the zlib/PNG CRC), which GitHub uses for its token checksums.
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        CRC32_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

/// GitHub tokens since 2021 are `<prefix>_` + 30 random base62 characters + 6 checksum
/// characters. The checksum is the CRC32 of the 30 random characters only (not the prefix),
/// base62-encoded with GitHub's alphabet and padded with '0'. Checked against published,
/// revoked real tokens; the prefix-included variant matches none of them.
fn github_checksum(value: &str) -> Verdict {
    let body = value.rsplit_once('_').map_or(value, |(_, body)| body);
    if body.len() <= 6 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Verdict::Invalid;
    }
    let (random, checksum) = body.as_bytes().split_at(body.len() - 6);
    if base62_crc(crc32(random)) == checksum {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// Domains and top-level domains that RFC 2606 / RFC 6761 reserve for documentation and
/// testing: an address there cannot belong to anyone.
const RESERVED_DOMAINS: [&str; 3] = ["example.com", "example.org", "example.net"];
const RESERVED_TLDS: [&str; 4] = ["example", "test", "invalid", "localhost"];
/// Image and asset names such as `logo@2x.png` look like addresses; no such TLD exists.
const FILE_EXTENSION_TLDS: [&str; 11] = [
    "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "css", "js", "tiff",
];

/// Asked of every address, which in dense text (a log, a contact list) is every line or so:
/// one walk over the bytes each way, and the domain's last label compared with the reserved
/// ones only by length first.
fn email_domain(value: &str) -> Verdict {
    let bytes = value.as_bytes();
    let Some(at) = memchr::memrchr(b'@', bytes) else {
        return Verdict::Invalid;
    };
    let local = &bytes[..at];
    let mut domain = &bytes[at + 1..];
    while let [rest @ .., b'.'] = domain {
        domain = rest;
    }
    if local.is_empty()
        || local.starts_with(b".")
        || local.ends_with(b".")
        || local.windows(2).any(|w| w == b"..")
    {
        return Verdict::Invalid;
    }
    // No label may be empty or begin or end with a hyphen; the last one is the TLD.
    let mut label = 0;
    for i in 0..=domain.len() {
        if i < domain.len() && domain[i] != b'.' {
            continue;
        }
        let this = &domain[label..i];
        if this.is_empty() || this.starts_with(b"-") || this.ends_with(b"-") {
            return Verdict::Invalid;
        }
        if i < domain.len() {
            label = i + 1;
        }
    }
    let tld = &domain[label..];
    let is = |a: &[u8], b: &str| a.eq_ignore_ascii_case(b.as_bytes());
    let under = |r: &str| {
        domain.len() > r.len()
            && is(&domain[domain.len() - r.len()..], r)
            && domain[domain.len() - r.len() - 1] == b'.'
    };
    let reserved = is(domain, "localhost")
        || RESERVED_TLDS.iter().any(|t| is(tld, t))
        || FILE_EXTENSION_TLDS.iter().any(|t| is(tld, t))
        || RESERVED_DOMAINS.iter().any(|r| is(domain, r) || under(r));
    if reserved {
        Verdict::Invalid
    } else {
        Verdict::Valid
    }
}

#[cfg(test)]
pub(crate) mod tests;
