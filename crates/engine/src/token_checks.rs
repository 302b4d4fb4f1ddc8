//! Checks that a provider builds into its own tokens, so that a token-shaped string a person
//! typed, truncated or made up fails where a regex cannot tell: Grafana's CRC32 suffix,
//! the user id at the head of a Discord bot token, the JSON inside base64 tokens.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

use super::validate::{Verdict, crc32};

/// Grafana service account tokens are `glsa_<32 random>_<8 hex>`: the suffix is the CRC32 of
/// everything before its `_` (prefix included), its four bytes little-endian, in lower-case hex
/// (Grafana's `satokengen`).
pub fn grafana_checksum(value: &str) -> Verdict {
    let Some((key, checksum)) = value.rsplit_once('_') else {
        return Verdict::Invalid;
    };
    if checksum.len() != 8 || !key.is_ascii() {
        return Verdict::Invalid;
    }
    let expected = hex::encode(crc32(key.as_bytes()).to_le_bytes());
    if checksum.eq_ignore_ascii_case(&expected) {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

/// A Discord bot token is `<user id>.<timestamp>.<hmac>`, and its first part is the bot's user
/// id (a snowflake: 17 to 20 decimal digits) in base64. Three dotted random words are not.
pub fn discord_bot_token(value: &str) -> Verdict {
    let Some((head, _)) = value.split_once('.') else {
        return Verdict::Invalid;
    };
    match URL_SAFE_NO_PAD.decode(head.trim_end_matches('=')) {
        Ok(id) if (17..=20).contains(&id.len()) && id.iter().all(u8::is_ascii_digit) => {
            Verdict::Valid
        }
        _ => Verdict::Invalid,
    }
}

/// Tokens that carry a base64 JSON object after their prefix (Grafana Cloud `glc_eyJ…`,
/// Grafana's legacy `eyJrIjoi…`, 1Password's `ops_eyJ…`): from the first `eyJ` (`{"` in base64)
/// on, the value decodes to a JSON object. A cut-off or invented body does not.
pub fn base64_json(value: &str) -> Verdict {
    let Some(start) = value.find("eyJ") else {
        return Verdict::Invalid;
    };
    let body = value[start..].trim_end_matches('=');
    let bytes = if body.contains(['-', '_']) {
        URL_SAFE_NO_PAD.decode(body)
    } else {
        STANDARD_NO_PAD.decode(body)
    };
    let object = bytes
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|json| json.is_object());
    if object {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grafana_checksum_matches_grafanas_own_test_vector() {
        // The vector in Grafana's satokengen tests.
        assert_eq!(
            grafana_checksum("glsa_iNValIdinValiDinvalidinvalidinva_5b582697"),
            Verdict::Valid
        );
        assert_eq!(
            grafana_checksum("glsa_iNValIdinValiDinvalidinvalidinvb_5b582697"),
            Verdict::Invalid
        );
        assert_eq!(
            grafana_checksum("glsa_iNValIdinValiDinvalidinvalidinva_97265b58"),
            Verdict::Invalid,
            "big-endian is not Grafana's order"
        );
        assert_eq!(grafana_checksum("glsa_short"), Verdict::Invalid);
    }

    #[test]
    fn grafana_checksum_of_a_built_token() {
        let key = "glsa_Qk7mZp2R9xWv4LcT8nHs3JdF6gYb1aEu";
        let token = format!("{key}_{}", hex::encode(crc32(key.as_bytes()).to_le_bytes()));
        assert_eq!(grafana_checksum(&token), Verdict::Valid);
        assert_eq!(grafana_checksum(&token.to_uppercase()), Verdict::Invalid);
    }

    #[test]
    fn discord_token_head_is_a_user_id() {
        let head = URL_SAFE_NO_PAD.encode("1184720394857261038");
        let token = format!("{head}.GhT4qZ.k3Jd9sLmQwErTyUiOpAsDfGhJkLzXcVbNm1234");
        assert_eq!(discord_bot_token(&token), Verdict::Valid);
        let words = URL_SAFE_NO_PAD.encode("not-a-user-identity");
        assert_eq!(
            discord_bot_token(&format!(
                "{words}.GhT4qZ.k3Jd9sLmQwErTyUiOpAsDfGhJkLzXcVbNm1234"
            )),
            Verdict::Invalid
        );
        let short = URL_SAFE_NO_PAD.encode("1184720394");
        assert_eq!(
            discord_bot_token(&format!(
                "{short}.GhT4qZ.k3Jd9sLmQwErTyUiOpAsDfGhJkLzXcVbNm1234"
            )),
            Verdict::Invalid
        );
        assert_eq!(discord_bot_token("no-dots-here"), Verdict::Invalid);
    }

    #[test]
    fn base64_json_bodies_decode_to_objects() {
        let body = STANDARD_NO_PAD.encode(r#"{"o":"771203","n":"ci-writer","k":"Rt8vXq2L"}"#);
        assert_eq!(base64_json(&format!("glc_{body}")), Verdict::Valid);
        assert_eq!(base64_json(&format!("glc_{body}==")), Verdict::Valid);
        let cut = &body[..body.len() - 12];
        assert_eq!(base64_json(&format!("glc_{cut}")), Verdict::Invalid);
        let array = STANDARD_NO_PAD.encode(r#"["o","n"]"#);
        assert_eq!(base64_json(&format!("glc_{array}")), Verdict::Invalid);
        assert_eq!(base64_json("glc_abcdefghijklmnop"), Verdict::Invalid);
    }
}
