//! Passwords stored reversibly under a published key: Cisco's type 7 and the `cpassword` of
//! Windows Group Policy Preferences. Whoever reads them has the password, so the check is
//! only that the value is what the scheme writes, not a look-alike.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::validate::Verdict;

/// The translation string every IOS release uses for type 7 (a Vigenère-style XOR).
const CISCO_TYPE7_KEY: &[u8] = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87";

/// Cisco type 7: two decimal digits (the offset into the key, 0-15 as IOS writes them),
/// then hex pairs that XOR with the key to printable ASCII.
pub fn cisco_type7(value: &str) -> Verdict {
    let (offset, hex) = value.split_at_checked(2).unwrap_or(("", ""));
    let Ok(offset) = offset.parse::<usize>() else {
        return Verdict::Invalid;
    };
    if offset > 15 || hex.len() < 2 || !hex.len().is_multiple_of(2) {
        return Verdict::Invalid;
    }
    let printable = hex.as_bytes().chunks(2).enumerate().all(|(i, pair)| {
        std::str::from_utf8(pair)
            .ok()
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .map(|b| b ^ CISCO_TYPE7_KEY[(offset + i) % CISCO_TYPE7_KEY.len()])
            .is_some_and(|c| c.is_ascii_graphic() || c == b' ')
    });
    if printable {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// A GPP `cpassword`: AES-256-CBC ciphertext (Microsoft published the key in MS-GPPREF),
/// base64 with its padding removed. Whole blocks of 16 bytes.
pub fn gpp_cpassword(value: &str) -> Verdict {
    match STANDARD_NO_PAD.decode(value.trim_end_matches('=')) {
        Ok(bytes) if !bytes.is_empty() && bytes.len().is_multiple_of(16) => Verdict::Valid,
        _ => Verdict::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    #[test]
    fn type7_decodes_to_printable_text() {
        // "cisco", the value Cisco's own documentation decodes
        assert_eq!(cisco_type7("0822455D0A16"), Verdict::Valid);
        // built with the published key at offsets 5 and 12
        assert_eq!(cisco_type7("05390D58605A5B0428570716"), Verdict::Valid);
        assert_eq!(cisco_type7("122E144E5F091E0D2E2C21656761"), Verdict::Valid);
        assert_eq!(cisco_type7("0822455D0A1"), Verdict::Invalid, "odd length");
        assert_eq!(
            cisco_type7("2922455D0A16"),
            Verdict::Invalid,
            "offset past 15"
        );
        assert_eq!(cisco_type7("08FFFFFFFFFF"), Verdict::Invalid, "not text");
        assert_eq!(cisco_type7("08"), Verdict::Invalid);
    }

    #[test]
    fn cpassword_is_whole_aes_blocks() {
        let one_block = STANDARD.encode([0x5au8; 32]);
        assert_eq!(
            gpp_cpassword(one_block.trim_end_matches('=')),
            Verdict::Valid
        );
        assert_eq!(gpp_cpassword(&STANDARD.encode([1u8; 20])), Verdict::Invalid);
        assert_eq!(gpp_cpassword(""), Verdict::Invalid);
        assert_eq!(gpp_cpassword("not base64!"), Verdict::Invalid);
    }
}
