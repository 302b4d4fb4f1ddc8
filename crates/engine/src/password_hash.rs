//! Password hashes, checked against the structure their scheme gives them. A hash pasted
//! into a wiki is as good as the password to anyone with a cracking rig, but hash-shaped
//! strings are also what documentation and random look-alikes are made of: the fields a
//! scheme fixes (cost ranges, field lengths, the bits an encoding leaves unused, a digest's
//! size) tell a real hash from a string typed to look like one.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::validate::Verdict;

/// The alphabet of crypt(3) hashes (md5crypt, sha-crypt, phpass), least significant first.
const CRYPT64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// bcrypt's own order of the same characters.
const BCRYPT64: &[u8; 64] = b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn index_in(alphabet: &[u8; 64], c: u8) -> Option<usize> {
    alphabet.iter().position(|&a| a == c)
}

fn all_in(alphabet: &[u8; 64], s: &str) -> bool {
    s.bytes().all(|b| alphabet.contains(&b))
}

/// A crypt-encoded digest of `len` characters whose last character carries only the bits
/// below `last_below` (the encoding pads the final group with zero bits).
fn crypt_digest(digest: &str, len: usize, last_below: usize) -> bool {
    digest.len() == len
        && all_in(CRYPT64, digest)
        && digest
            .bytes()
            .last()
            .and_then(|c| index_in(CRYPT64, c))
            .is_some_and(|i| i < last_below)
}

fn verdict(ok: bool) -> Verdict {
    if ok { Verdict::Valid } else { Verdict::Invalid }
}

/// Checks a password hash by the scheme its prefix names.
pub fn check(value: &str) -> Verdict {
    let v = value;
    if let Some(rest) = ["$2a$", "$2b$", "$2y$", "$2x$"]
        .iter()
        .find_map(|p| v.strip_prefix(p))
    {
        return verdict(bcrypt(rest));
    }
    if let Some(rest) = v.strip_prefix("$1$").or_else(|| v.strip_prefix("$apr1$")) {
        return verdict(md5crypt(rest));
    }
    if let Some(rest) = v.strip_prefix("$5$") {
        return verdict(sha_crypt(rest, 43, 16));
    }
    if let Some(rest) = v.strip_prefix("$6$") {
        return verdict(sha_crypt(rest, 86, 4));
    }
    if let Some(rest) = v.strip_prefix("$P$").or_else(|| v.strip_prefix("$H$")) {
        return verdict(phpass(rest));
    }
    if let Some(rest) = v.strip_prefix("$argon2") {
        return verdict(argon2(rest));
    }
    if let Some(rest) = v.strip_prefix("pbkdf2_") {
        return verdict(django_pbkdf2(rest));
    }
    if let Some(rest) = v.strip_prefix("SCRAM-SHA-256$") {
        return verdict(scram_sha256(rest));
    }
    if let Some(rest) = v
        .strip_prefix("pbkdf2:")
        .or_else(|| v.strip_prefix("scrypt:"))
    {
        return verdict(werkzeug(v.starts_with("scrypt:"), rest));
    }
    if let Some(rest) = v.strip_prefix('{') {
        return verdict(ldap_scheme(rest));
    }
    Verdict::Invalid
}

/// `$2b$<cost>$<22 salt><31 digest>`: cost 04-31; 16 salt bytes leave 4 unused bits in the
/// 22nd character, 23 digest bytes 2 in the 31st (bcrypt's encoding puts them last).
fn bcrypt(rest: &str) -> bool {
    let Some((cost, body)) = rest.split_once('$') else {
        return false;
    };
    let cost_ok = cost.len() == 2 && cost.parse::<u8>().is_ok_and(|c| (4..=31).contains(&c));
    let b = body.as_bytes();
    cost_ok
        && b.len() == 53
        && all_in(BCRYPT64, body)
        && index_in(BCRYPT64, b[21]).is_some_and(|i| i % 16 == 0)
        && index_in(BCRYPT64, b[52]).is_some_and(|i| i % 4 == 0)
}

/// `$1$<salt>$<22>` (and Apache's `$apr1$`): salt of 1-8 characters, a 16-byte digest.
fn md5crypt(rest: &str) -> bool {
    let Some((salt, digest)) = rest.split_once('$') else {
        return false;
    };
    (1..=8).contains(&salt.len()) && all_in(CRYPT64, salt) && crypt_digest(digest, 22, 4)
}

/// `$5$`/`$6$` `[rounds=N$]<salt>$<digest>`: rounds 1000-999999999, salt of 1-16.
fn sha_crypt(rest: &str, len: usize, last_below: usize) -> bool {
    let rest = match rest.strip_prefix("rounds=") {
        Some(r) => {
            let Some((rounds, after)) = r.split_once('$') else {
                return false;
            };
            let in_range = rounds.len() <= 9
                && rounds
                    .parse::<u32>()
                    .is_ok_and(|n| (1000..=999_999_999).contains(&n));
            if !in_range {
                return false;
            }
            after
        }
        None => rest,
    };
    let Some((salt, digest)) = rest.split_once('$') else {
        return false;
    };
    (1..=16).contains(&salt.len()) && all_in(CRYPT64, salt) && crypt_digest(digest, len, last_below)
}

/// phpass (WordPress `$P$`, phpBB `$H$`): a count character naming 2^7..2^30 rounds, eight
/// salt characters, a 16-byte digest.
fn phpass(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() == 31
        && index_in(CRYPT64, b[0]).is_some_and(|i| (7..=30).contains(&i))
        && all_in(CRYPT64, &rest[..9])
        && crypt_digest(&rest[9..], 22, 4)
}

/// Base64 as the PHC string format writes it: standard alphabet, no padding, the unused
/// bits of the last character zero.
fn phc_b64(s: &str) -> Option<Vec<u8>> {
    STANDARD_NO_PAD.decode(s).ok()
}

/// `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>`: memory at least 8 KiB per lane, one
/// pass or more, a salt of 8 bytes or more and a tag of 4 or more.
fn argon2(rest: &str) -> bool {
    let mut fields = rest.split('$');
    if !matches!(fields.next(), Some("id" | "i" | "d")) {
        return false;
    }
    let mut params = fields.next();
    if let Some(version) = params.and_then(|p| p.strip_prefix("v=")) {
        if version != "19" && version != "16" {
            return false;
        }
        params = fields.next();
    }
    let (Some(params), Some(salt), Some(hash), None) =
        (params, fields.next(), fields.next(), fields.next())
    else {
        return false;
    };
    let (mut m, mut t, mut p) = (None, None, None);
    for pair in params.split(',') {
        let Some((key, n)) = pair.split_once('=') else {
            return false;
        };
        let n = n.parse::<u32>().ok();
        match key {
            "m" => m = n,
            "t" => t = n,
            "p" => p = n,
            _ => return false,
        }
    }
    let (Some(m), Some(t), Some(p)) = (m, t, p) else {
        return false;
    };
    (1..=0x00FF_FFFF).contains(&p)
        && t >= 1
        && u64::from(m) >= 8 * u64::from(p)
        && phc_b64(salt).is_some_and(|s| s.len() >= 8)
        && phc_b64(hash).is_some_and(|h| h.len() >= 4)
}

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64 digest>`: the digest is as long as
/// the hash function's output.
fn django_pbkdf2(rest: &str) -> bool {
    let Some((algorithm, rest)) = rest.split_once('$') else {
        return false;
    };
    let size = match algorithm {
        "sha256" => 32,
        "sha1" => 20,
        _ => return false,
    };
    let mut fields = rest.split('$');
    let (Some(iterations), Some(salt), Some(digest), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return false;
    };
    iterations.parse::<u32>().is_ok_and(|n| n >= 1)
        && !salt.is_empty()
        && salt.bytes().all(|b| b.is_ascii_alphanumeric())
        && STANDARD.decode(digest).is_ok_and(|d| d.len() == size)
}

/// PostgreSQL's `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, both keys
/// 32 bytes (RFC 7677).
fn scram_sha256(rest: &str) -> bool {
    let Some((iterations_salt, keys)) = rest.split_once('$') else {
        return false;
    };
    let (Some((iterations, salt)), Some((stored, server))) =
        (iterations_salt.split_once(':'), keys.split_once(':'))
    else {
        return false;
    };
    let key = |k: &str| STANDARD.decode(k).is_ok_and(|d| d.len() == 32);
    iterations.parse::<u32>().is_ok_and(|n| n >= 1)
        && STANDARD.decode(salt).is_ok_and(|s| !s.is_empty())
        && key(stored)
        && key(server)
}

/// Werkzeug's `pbkdf2:sha256:600000$<salt>$<hex>` and `scrypt:32768:8:1$<salt>$<hex>`: the
/// hex digest is as long as the hash function's output (scrypt's is 64 bytes).
fn werkzeug(scrypt: bool, rest: &str) -> bool {
    let mut fields = rest.split('$');
    let (Some(method), Some(salt), Some(digest), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return false;
    };
    let size = if scrypt {
        let mut params = method.split(':');
        let numbers = params.by_ref().take(3).map(|n| n.parse::<u32>().ok());
        if numbers.flatten().count() != 3 || params.next().is_some() {
            return false;
        }
        64
    } else {
        let (hash, iterations) = method.split_once(':').unwrap_or((method, "1"));
        if iterations.parse::<u32>().map_or(true, |n| n == 0) {
            return false;
        }
        match hash {
            "sha256" => 32,
            "sha512" => 64,
            "sha1" => 20,
            _ => return false,
        }
    };
    !salt.is_empty()
        && digest.len() == 2 * size
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// RFC 2307 userPassword schemes and Atlassian's `{PKCS5S2}`: the base64 after the scheme
/// decodes to the digest (salted schemes: the digest and at least four salt bytes).
fn ldap_scheme(rest: &str) -> bool {
    let Some((scheme, encoded)) = rest.split_once('}') else {
        return false;
    };
    let Ok(bytes) = STANDARD.decode(encoded) else {
        return false;
    };
    let (digest, salted) = match scheme.to_ascii_uppercase().as_str() {
        "PKCS5S2" => (48, false),
        "SHA" => (20, false),
        "SHA256" => (32, false),
        "SHA512" => (64, false),
        "MD5" => (16, false),
        "SSHA" => (20, true),
        "SSHA256" => (32, true),
        "SSHA512" => (64, true),
        "SMD5" => (16, true),
        _ => return false,
    };
    // A salt of 4 to 64 bytes follows the digest of a salted scheme.
    if salted {
        (digest + 4..=digest + 64).contains(&bytes.len())
    } else {
        bytes.len() == digest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Built with `openssl passwd` (md5crypt, apr1, sha-crypt) from throwaway words.
    const MD5CRYPT: &str = "$1$veGBowML$NpfQlnHf.KKXLJuGMx3b0/";
    const APR1: &str = "$apr1$oLifkULL$hUncQA2eHVPUmuaR9iyOB.";
    const SHA256CRYPT: &str = "$5$kHW/6U1NFOz1HW2D$lmRe5ugtWvHfiBxlfCt9PEgOO6Oyw2qb8Ch6gBfwDBA";
    const SHA512CRYPT: &str = "$6$EkuFzlyzAlyS/zi2$1r1STMqPtonT/xwTZhabdptEQL3NmemsCpzk7YfRykv3Y7r2rXDjx6BSP4eagmXcV1X3V3r2hgruFxutnUuD3.";

    #[test]
    fn crypt_hashes_from_openssl_pass_and_altered_ones_fail() {
        for good in [MD5CRYPT, APR1, SHA256CRYPT, SHA512CRYPT] {
            assert_eq!(check(good), Verdict::Valid, "{good}");
        }
        // The last character carries padding bits that a real encoder leaves zero.
        let padded = format!("{}z", &MD5CRYPT[..MD5CRYPT.len() - 1]);
        assert_eq!(check(&padded), Verdict::Invalid);
        let short = &SHA512CRYPT[..SHA512CRYPT.len() - 1];
        assert_eq!(check(short), Verdict::Invalid);
        let rounds = SHA512CRYPT.replacen("$6$", "$6$rounds=656000$", 1);
        assert_eq!(check(&rounds), Verdict::Valid);
        let too_few = SHA512CRYPT.replacen("$6$", "$6$rounds=999$", 1);
        assert_eq!(check(&too_few), Verdict::Invalid);
        assert_eq!(
            check("$1$toolongsalt$NpfQlnHf.KKXLJuGMx3b0/"),
            Verdict::Invalid
        );
    }

    #[test]
    fn bcrypt_cost_and_padding_characters() {
        let salt = "kVBWb3l0JQ0kSBpjFmWhPu";
        let digest = "Qx7hUq3mTzL0bNkYvD8sWcRjE2pFa9G";
        let good = format!("$2b$12${salt}{digest}");
        assert_eq!(check(&good), Verdict::Valid);
        assert_eq!(check(&good.replace("$2b$12$", "$2y$04$")), Verdict::Valid);
        assert_eq!(check(&good.replace("$2b$12$", "$2b$03$")), Verdict::Invalid);
        assert_eq!(check(&good.replace("$2b$12$", "$2b$32$")), Verdict::Invalid);
        // 'v' is no value with the low four bits clear: no encoder writes it there.
        let bad_salt = format!("$2b$12${}v{digest}", &salt[..21]);
        assert_eq!(check(&bad_salt), Verdict::Invalid);
        let bad_end = format!("$2b$12${salt}{}H", &digest[..30]);
        assert_eq!(check(&bad_end), Verdict::Invalid);
        assert_eq!(check("$2b$12$short"), Verdict::Invalid);
    }

    #[test]
    fn phpass_count_and_digest() {
        assert_eq!(check("$P$BZ8eDpq1kVG7sgw4oJ3cHmTu6Y0yNb/"), Verdict::Valid);
        assert_eq!(check("$H$9Z8eDpq1kVG7sgw4oJ3cHmTu6Y0yNb/"), Verdict::Valid);
        // count character '3' asks for 2^5 rounds, below phpass's minimum
        assert_eq!(
            check("$P$3Z8eDpq1kVG7sgw4oJ3cHmTu6Y0yNb/"),
            Verdict::Invalid
        );
        assert_eq!(
            check("$P$BZ8eDpq1kVG7sgw4oJ3cHmTu6Y0yNbz"),
            Verdict::Invalid
        );
    }

    #[test]
    fn argon2_parameters_and_fields() {
        let good = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$3nQ8rrDgsLV1P1u0u3dyYV7qR1u9tD7mC4cN3jz0Mq0";
        assert_eq!(check(good), Verdict::Valid);
        assert_eq!(
            check(&good.replace("$v=19", "")),
            Verdict::Valid,
            "version is optional"
        );
        assert_eq!(check(&good.replace("m=65536", "m=16")), Verdict::Invalid);
        assert_eq!(check(&good.replace("t=3", "t=0")), Verdict::Invalid);
        assert_eq!(check(&good.replace("v=19", "v=20")), Verdict::Invalid);
        // a salt of fewer than 8 bytes
        assert_eq!(
            check(&good.replace("c2FsdHNhbHRzYWx0", "c2FsdA")),
            Verdict::Invalid
        );
        assert_eq!(
            check("$argon2id$v=19$m=65536,t=3,p=4$...$..."),
            Verdict::Invalid
        );
    }

    #[test]
    fn django_werkzeug_and_scram_digest_sizes() {
        let sha256 = STANDARD.encode([7u8; 32]);
        let good = format!("pbkdf2_sha256$870000$Xq4nT0cRb9wLmZ2s${sha256}");
        assert_eq!(check(&good), Verdict::Valid);
        let sha1 = STANDARD.encode([7u8; 20]);
        assert_eq!(
            check(&format!("pbkdf2_sha1$10000$abc${sha1}")),
            Verdict::Valid
        );
        assert_eq!(
            check(&format!("pbkdf2_sha256$870000$abc${sha1}")),
            Verdict::Invalid
        );

        let hex64 = "9f".repeat(32);
        assert_eq!(
            check(&format!("pbkdf2:sha256:600000$Ab3dE5$g7{}", &hex64[2..])),
            Verdict::Invalid
        );
        assert_eq!(
            check(&format!("pbkdf2:sha256:600000$Ab3dE5${hex64}")),
            Verdict::Valid
        );
        assert_eq!(
            check(&format!("scrypt:32768:8:1$Ab3dE5${}", "0a".repeat(64))),
            Verdict::Valid
        );
        assert_eq!(
            check(&format!("scrypt:32768:8:1$Ab3dE5${hex64}")),
            Verdict::Invalid
        );

        let key = STANDARD.encode([3u8; 32]);
        let salt = STANDARD.encode([9u8; 16]);
        let scram = format!("SCRAM-SHA-256$4096:{salt}${key}:{key}");
        assert_eq!(check(&scram), Verdict::Valid);
        let short = STANDARD.encode([3u8; 20]);
        assert_eq!(
            check(&format!("SCRAM-SHA-256$4096:{salt}${key}:{short}")),
            Verdict::Invalid
        );
    }

    #[test]
    fn ldap_and_atlassian_schemes_decode_to_their_digest() {
        let pkcs = STANDARD.encode([5u8; 48]);
        assert_eq!(check(&format!("{{PKCS5S2}}{pkcs}")), Verdict::Valid);
        assert_eq!(
            check(&format!("{{PKCS5S2}}{}", STANDARD.encode([5u8; 40]))),
            Verdict::Invalid
        );
        assert_eq!(
            check(&format!("{{SHA}}{}", STANDARD.encode([1u8; 20]))),
            Verdict::Valid
        );
        assert_eq!(
            check(&format!("{{SSHA}}{}", STANDARD.encode([1u8; 28]))),
            Verdict::Valid
        );
        assert_eq!(
            check(&format!("{{SSHA}}{}", STANDARD.encode([1u8; 20]))),
            Verdict::Invalid
        );
        assert_eq!(check("{SHA}not-base64!"), Verdict::Invalid);
        assert_eq!(check("{ROT13}abcd"), Verdict::Invalid);
    }
}
