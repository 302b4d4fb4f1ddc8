use super::*;

/// Builds a GitHub-style token the way GitHub does, for tests and rule examples.
pub(crate) fn github_token(prefix: &str, random30: &str) -> String {
    let sum = base62_crc(crc32(random30.as_bytes()));
    format!("{prefix}_{random30}{}", std::str::from_utf8(&sum).unwrap())
}

#[test]
fn crc32_matches_the_standard_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    assert_eq!(crc32(b""), 0);
}

#[test]
fn base62_pads_and_uses_githubs_alphabet() {
    assert_eq!(&base62_crc(0), b"000000");
    assert_eq!(&base62_crc(61), b"00000z");
    assert_eq!(&base62_crc(62), b"000010");
    assert_eq!(&base62_crc(u32::MAX), b"4gfFC3");
}

#[test]
fn github_checksum_accepts_built_tokens_and_rejects_altered_ones() {
    let token = github_token("ghp", "R4nd0mB4se62Str1ngOfThirtyChrs");
    assert_eq!(token.len(), 40);
    assert_eq!(Validator::GithubCrc32.check(&token), Verdict::Valid);
    let mut flipped = token.clone().into_bytes();
    flipped[10] = if flipped[10] == b'a' { b'b' } else { b'a' };
    let flipped = String::from_utf8(flipped).unwrap();
    assert_eq!(Validator::GithubCrc32.check(&flipped), Verdict::Invalid);
    // The variant that includes the prefix in the CRC is not what GitHub does.
    let random = "R4nd0mB4se62Str1ngOfThirtyChrs";
    let with_prefix = base62_crc(crc32(format!("ghp_{random}").as_bytes()));
    let wrong = format!("ghp_{random}{}", std::str::from_utf8(&with_prefix).unwrap());
    assert_eq!(Validator::GithubCrc32.check(&wrong), Verdict::Invalid);
    assert_eq!(Validator::GithubCrc32.check("ghp_short"), Verdict::Invalid);
    assert_eq!(Validator::GithubCrc32.check("ghp_ümlaut"), Verdict::Invalid);
}

#[test]
fn luhn_accepts_valid_cards_and_flags_test_shapes() {
    assert_eq!(Validator::Luhn.check("4539 1488 0343 6467"), Verdict::Valid);
    assert_eq!(
        Validator::Luhn.check("4539-1488-0343-6468"),
        Verdict::Invalid
    );
    assert_eq!(
        Validator::Luhn.check("4111 1111 1111 1111"),
        Verdict::Suspect
    );
    assert_eq!(Validator::Luhn.check("5555555555554444"), Verdict::Suspect);
    assert_eq!(Validator::Luhn.check("378282246310005"), Verdict::Valid);
    assert_eq!(
        Validator::Luhn.check("12345678903"),
        Verdict::Invalid,
        "too short"
    );
    assert_eq!(
        Validator::Luhn.check("41111111111111111111"),
        Verdict::Invalid,
        "too long"
    );
    assert!(luhn_valid(&[7, 9, 9, 2, 7, 3, 9, 8, 7, 1, 3]));
    assert!(!luhn_valid(&[0]));
}

#[test]
fn ssn_ranges_and_voided_numbers() {
    assert_eq!(Validator::Ssn.check("536-22-1234"), Verdict::Valid);
    assert_eq!(Validator::Ssn.check("536 22 1234"), Verdict::Valid);
    for bad in [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-12-3456",
        "536-00-1234",
    ] {
        assert_eq!(Validator::Ssn.check(bad), Verdict::Invalid, "{bad}");
    }
    assert_eq!(Validator::Ssn.check("536-22-0000"), Verdict::Invalid);
    assert_eq!(Validator::Ssn.check("078-05-1120"), Verdict::Invalid);
    assert_eq!(Validator::Ssn.check("219-09-9999"), Verdict::Invalid);
    assert_eq!(Validator::Ssn.check("123-45-6789"), Verdict::Suspect);
    assert_eq!(Validator::Ssn.check("536-22-123"), Verdict::Invalid);
}

#[test]
fn npi_uses_luhn_over_the_80840_prefix() {
    assert_eq!(Validator::Npi.check("1245319599"), Verdict::Valid);
    assert_eq!(Validator::Npi.check("1234567893"), Verdict::Suspect);
    assert_eq!(Validator::Npi.check("1234567890"), Verdict::Invalid);
    assert_eq!(
        Validator::Npi.check("3245319599"),
        Verdict::Invalid,
        "must start 1 or 2"
    );
    assert_eq!(Validator::Npi.check("124531959"), Verdict::Invalid);
}

#[test]
fn email_domain_drops_reserved_and_file_names() {
    assert_eq!(
        Validator::EmailDomain.check("jane.doe@acme-corp.com"),
        Verdict::Valid
    );
    for bad in [
        "jane@example.com",
        "jane@mail.EXAMPLE.org",
        "jane@corp.example",
        "jane@host.test",
        "jane@x.invalid",
        "root@localhost",
        "logo@2x.png",
        ".jane@acme.com",
        "ja..ne@acme.com",
        "jane@-acme.com",
        "Jane@Host.TEST",
        "a@b.Example.Com.",
        "x@LOCALHOST",
        "icon@3X.PNG",
        "jane.@acme.com",
        "@acme.com",
        "jane@acme..com",
        "jane@acme-.com",
        "jane@",
        "jane@.",
        "no-at-sign.acme.com",
    ] {
        assert_eq!(Validator::EmailDomain.check(bad), Verdict::Invalid, "{bad}");
    }
    assert_eq!(
        Validator::EmailDomain.check("jane@notexample.com"),
        Verdict::Valid
    );
    for real in [
        "m.okafor@example-health.org",
        "ops@examples.io",
        "j.ruiz@test-kitchen.es",
        "a@mail.example.co",
        "jane@acme-corp.com.",
        "first@last@acme-corp.com",
    ] {
        assert_eq!(Validator::EmailDomain.check(real), Verdict::Valid, "{real}");
    }
    assert_eq!(
        Validator::EmailDomain.placeholder_part("your-name@example-health.org"),
        "your-name"
    );
}

#[test]
fn validators_read_and_write_their_names() {
    for name in [
        "luhn",
        "github-crc32",
        "fr-nir",
        "phone",
        "phone:DE",
        "phone:US",
    ] {
        let v: Validator = name.parse().unwrap();
        assert_eq!(v.to_string(), name);
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Validator>(&json).unwrap(), v);
    }
    assert_eq!(Validator::Phone(None).as_str(), "phone");
    assert_eq!("phone:FR".parse::<Validator>().unwrap().as_str(), "phone");
    for bad in [
        "crc64",
        "phone:",
        "phone:de",
        "phone:XX",
        "Luhn",
        "phone:DE:x",
    ] {
        let err = bad.parse::<Validator>().unwrap_err();
        assert!(
            err.contains(bad.trim_start_matches("phone:")),
            "{bad}: {err}"
        );
    }
}
