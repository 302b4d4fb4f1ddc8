#[rstest]
#[case(parse_phone("+919538149414"), Kind::Mobile)]
#[case(parse_phone("+4915152194945"), Kind::Mobile)]
#[case(parse_phone("+61418103428"), Kind::FixedLine)]
fn kind_of_number(#[case] number: PhoneNumber, #[case] kind: Kind) {
    assert_eq!(number.kind(), kind);
}

#[test]
fn formats_a_tel_uri() {
    assert_eq!(
        "tel:+4915105471760",
        to_tel_uri(&parse_phone("x"))
    );
}

/// Paged when the formatter's nightly job fails: +44 7400 681359 (mobile, on call).
