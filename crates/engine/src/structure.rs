//! Validators for secrets that have a structure a regex can only approximate: a JWT whose
//! header is JSON naming an algorithm, a PEM block whose labels agree and whose body is
//! base64, a Docker `auth` that decodes to a user and a password. Look-alikes (three dotted
//! words, a truncated key in a how-to, `user:changeme`) fail here.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use super::score::PLACEHOLDER_MARKERS;
use super::validate::Verdict;

/// The header of a JWT (`header.payload.signature`) is base64url JSON with an `alg`; the
/// payload is base64url JSON too. `alg: none` tokens carry no signature and prove nothing,
/// but they still leak claims: suspect, not dropped.
pub fn jwt(value: &str) -> Verdict {
    let mut parts = value.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return Verdict::Invalid;
    };
    let decode = |part: &str| -> Option<serde_json::Value> {
        let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
        let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        json.is_object().then_some(json)
    };
    let Some(header) = decode(header) else {
        return Verdict::Invalid;
    };
    let Some(alg) = header.get("alg").and_then(serde_json::Value::as_str) else {
        return Verdict::Invalid;
    };
    if decode(payload).is_none() {
        return Verdict::Invalid;
    }
    if alg.eq_ignore_ascii_case("none") {
        Verdict::Suspect
    } else {
        Verdict::Valid
    }
}

/// A PEM private key block: `-----BEGIN <label>-----`, optional RFC 1421 headers
/// (`Proc-Type`, `DEK-Info` of encrypted keys), a base64 body of some length, and an
/// `-----END <label>-----` with the same label, and a body that decodes to the key its label
/// names ([`super::der_key`]). OpenSSH and PGP armour follow the same shape.
pub fn pem(value: &str) -> Verdict {
    let Some(rest) = value.trim().strip_prefix("-----BEGIN ") else {
        return Verdict::Invalid;
    };
    let Some((label, rest)) = rest.split_once("-----") else {
        return Verdict::Invalid;
    };
    let end_marker = format!("-----END {label}-----");
    let Some(body) = rest.trim_end().strip_suffix(end_marker.as_str()) else {
        return Verdict::Invalid;
    };
    // A key quoted in a comment (`/// -----BEGIN ...`) carries the comment's marker on every
    // line; the END line's shows what it is.
    let prefix = body.rsplit_once('\n').map_or("", |(_, last)| last);
    let prefix = prefix.trim();
    let mut base64_body = String::with_capacity(body.len());
    let mut in_headers = true;
    let mut encrypted = false;
    for line in body.lines().map(str::trim) {
        let line = if prefix.is_empty() {
            line
        } else {
            line.strip_prefix(prefix).unwrap_or(line).trim()
        };
        if line.is_empty() {
            continue;
        }
        if in_headers && line.contains(':') {
            encrypted |= line.starts_with("Proc-Type:") && line.contains("ENCRYPTED");
            continue;
        }
        in_headers = false;
        // PGP armour ends its body with a CRC line `=abcd`.
        if line.starts_with('=') && line.len() == 5 {
            continue;
        }
        base64_body.push_str(line);
    }
    let compact: String = base64_body.chars().filter(|c| !c.is_whitespace()).collect();
    // Real keys are hundreds of bytes; a "..." in a how-to is not a key.
    if compact.len() < 64 {
        return Verdict::Invalid;
    }
    match STANDARD.decode(&compact) {
        Ok(bytes) if bytes.len() >= 48 => {
            match super::der_key::holds_key(label, encrypted, &bytes) {
                Some(false) => Verdict::Invalid,
                Some(true) | None => Verdict::Valid,
            }
        }
        _ => Verdict::Invalid,
    }
}

/// The `auth` of a Docker `config.json` (`auths.<registry>.auth`): base64 of
/// `username:password`, as `docker login` writes it. The password is the secret, so one that is
/// empty, a stand-in (`changeme`, `REPLACE_ME`, `<password>`, `${REGISTRY_PASSWORD}`) or a run of one
/// character leaves nothing to report; the engine's placeholder check reads only the base64.
pub fn docker_auth(value: &str) -> Verdict {
    const PADDING_OPTIONAL: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let Ok(bytes) = PADDING_OPTIONAL.decode(value) else {
        return Verdict::Invalid;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Verdict::Invalid;
    };
    let Some((user, password)) = text.split_once(':') else {
        return Verdict::Invalid;
    };
    let printable = |s: &str| !s.is_empty() && !s.chars().any(char::is_control);
    if !printable(user) || !printable(password) || password.len() < 4 {
        return Verdict::Invalid;
    }
    let lower = password.to_ascii_lowercase();
    let stand_in = PLACEHOLDER_MARKERS.iter().any(|m| lower.contains(m))
        || ["replace", "change_me", "fixme", "todo"]
            .iter()
            .any(|m| lower.contains(m))
        || ["${", "{{", "<", "$("]
            .iter()
            .any(|m| password.starts_with(m))
        || ["password", "secret", "token", "pass"].contains(&lower.as_str())
        || password
            .chars()
            .all(|c| c == password.chars().next().unwrap_or('*'));
    if stand_in {
        Verdict::Invalid
    } else {
        Verdict::Valid
    }
}

/// An Elasticsearch API key as sent in `Authorization: ApiKey <credentials>`: base64 of
/// `<id>:<api_key>`, both URL-safe random strings (an id of 20 characters, a key of 22 in
/// every version so far; a little room either side).
pub fn elastic_api_key(value: &str) -> Verdict {
    let Ok(bytes) = STANDARD.decode(value) else {
        return Verdict::Invalid;
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Verdict::Invalid;
    };
    let Some((id, key)) = text.split_once(':') else {
        return Verdict::Invalid;
    };
    let url_safe = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if (16..=32).contains(&id.len())
        && (20..=64).contains(&key.len())
        && url_safe(id)
        && url_safe(key)
    {
        Verdict::Valid
    } else {
        Verdict::Invalid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_needs_json_header_with_alg_and_json_payload() {
        let good = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        assert_eq!(jwt(good), Verdict::Valid);
        // header {"typ":"JWT"} without alg
        let no_alg = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N";
        assert_eq!(jwt(no_alg), Verdict::Invalid);
        assert_eq!(jwt("eyJhbGciOi.not.json"), Verdict::Invalid);
        // {"alg":"none"}
        let none = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwIn0.";
        assert_eq!(jwt(none), Verdict::Suspect);
    }

    #[test]
    fn docker_auth_needs_a_user_and_a_real_password() {
        let auth = |s: &str| docker_auth(&STANDARD.encode(s));
        assert_eq!(auth("ci-bot:Kq8vT2mXw9Lr"), Verdict::Valid);
        assert_eq!(
            auth("_json_key:{\"type\": \"service_account\"}"),
            Verdict::Valid
        );
        // Padding left off, as some tools write it.
        let unpadded = STANDARD
            .encode("deploy:R7tYp3Lk")
            .trim_end_matches('=')
            .to_owned();
        assert_eq!(docker_auth(&unpadded), Verdict::Valid);
        for stand_in in [
            "user:changeme",
            "user:<password>",
            "user:${REGISTRY_PASSWORD}",
            "jenkins:REPLACE_ME",
            "user:CHANGE_ME_LATER",
            "user:password",
            "user:********",
            "user:",
            ":Kq8vT2mXw9Lr",
            "no-colon-here",
            "user:abc",
        ] {
            assert_eq!(auth(stand_in), Verdict::Invalid, "{stand_in}");
        }
        assert_eq!(docker_auth("not base64!"), Verdict::Invalid);
        assert_eq!(
            docker_auth(&STANDARD.encode([0xff, 0x3a, 0xfe, 0x41])),
            Verdict::Invalid
        );
    }

    #[test]
    fn elastic_api_key_is_base64_of_id_and_key() {
        let good = STANDARD.encode("VuaCfGcBCdbkQm-e5aOx:ui2lp2axTNmsyakw9tvNnw");
        assert_eq!(elastic_api_key(&good), Verdict::Valid);
        assert_eq!(
            elastic_api_key(&STANDARD.encode("id:api_key")),
            Verdict::Invalid
        );
        assert_eq!(
            elastic_api_key(&STANDARD.encode("VuaCfGcBCdbkQm-e5aOxui2lp2axTNmsyakw9tvNnw")),
            Verdict::Invalid
        );
        assert_eq!(elastic_api_key("not base64"), Verdict::Invalid);
    }

    #[test]
    fn pem_needs_matching_labels_and_a_base64_body() {
        // SEQUENCE { INTEGER 0, INTEGER (65 bytes), INTEGER 65537 }: the head of a PKCS#1 key.
        let mut der = vec![0x30, 0x4b, 0x02, 0x01, 0x00, 0x02, 0x41, 0x00];
        der.extend((0..64u8).map(|i| i.wrapping_mul(37) | 1));
        der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let body = STANDARD.encode(&der);
        let key = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
        assert_eq!(pem(&key), Verdict::Valid);
        let quoted = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n/// {}\n/// {}\n/// -----END RSA PRIVATE KEY-----",
            &body[..64],
            &body[64..]
        );
        assert_eq!(pem(&quoted), Verdict::Valid);
        let cut = STANDARD.encode(&der[..60]);
        let cut = format!("-----BEGIN RSA PRIVATE KEY-----\n{cut}\n-----END RSA PRIVATE KEY-----");
        assert_eq!(pem(&cut), Verdict::Invalid);
        let body = STANDARD.encode([0x5au8; 72]);
        let enc = format!(
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,3F17\n\n{body}\n-----END RSA PRIVATE KEY-----"
        );
        assert_eq!(pem(&enc), Verdict::Valid);
        let mismatched =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
        assert_eq!(pem(&mismatched), Verdict::Invalid);
        let elided = "-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----";
        assert_eq!(pem(elided), Verdict::Invalid);
        let not_b64 = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            "*".repeat(80)
        );
        assert_eq!(pem(&not_b64), Verdict::Invalid);
    }
}
