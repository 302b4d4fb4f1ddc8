#[rstest]
#[case(parse_phone("+4915160583062"), Kind::Mobile)]
#[case(parse_phone("+13369938982"), Kind::Mobile)]
#[case(parse_phone("+919179604320"), Kind::FixedLine)]
fn kind_of_number(#[case] number: PhoneNumber, #[case] kind: Kind) {
    assert_eq!(number.kind(), kind);
}

#[test]
fn formats_a_tel_uri() {
    assert_eq!(
        "tel:+4915109457328",
        to_tel_uri(&parse_phone("x"))
    );
}

/// Paged when the formatter's nightly job fails: +44 7400 028917 (mobile, on call).
