//! Credentials published as examples, in the standards and texts every engineer has read:
//! known to everyone, they open nothing. RFC 7617 (and RFC 2617 before it) explains HTTP Basic
//! authentication with the user `Aladdin` and the password `open sesame`, and proxy and URL
//! libraries test with them; xkcd 936 made `correct horse battery staple` the passphrase of
//! every password-strength example. A documentation name like `example.com` is recognised by
//! its name; these are recognised by their words, however they are written into a value.

use base64::Engine as _;

/// The passwords, as their words run together in lower case.
const PASSWORDS: [&str; 2] = ["opensesame", "correcthorsebatterystaple"];

/// Whether `value` holds a published example password: in any case, with any separators
/// between its words (spaces, `-`, `_`, `+`, or a percent-encoded space), or as the base64 of
/// an HTTP Basic `user:password` pair.
pub(crate) fn holds_published_password(value: &str) -> bool {
    if words_hold_a_password(value.as_bytes()) {
        return true;
    }
    // `Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==`, the RFC's own header.
    let base64 = value.trim_end_matches('=');
    base64.len() >= 12
        && base64
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(base64)
            .is_ok_and(|decoded| words_hold_a_password(&decoded))
}

fn words_hold_a_password(bytes: &[u8]) -> bool {
    // Only the letters, lower-cased; a percent-encoded byte (`%20`) counts as a separator.
    let mut letters = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if bytes
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) =>
            {
                i += 3;
                continue;
            }
            b if b.is_ascii_alphabetic() => letters.push(b.to_ascii_lowercase()),
            _ => {}
        }
        i += 1;
    }
    PASSWORDS
        .iter()
        .any(|p| memchr::memmem::find(&letters, p.as_bytes()).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_passwords_are_known_however_they_are_written() {
        for value in [
            "http://Aladdin:opensesame@proxy.internal:3128",
            "Aladdin:open sesame",
            "postgresql://user:correct%20horse%20battery%20staple@localhost",
            "Correct-Horse-Battery-Staple",
            "correct_horse_battery_staple!",
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        ] {
            assert!(holds_published_password(value), "{value}");
        }
    }

    #[test]
    fn other_passwords_and_other_base64_are_not() {
        for value in [
            "https://deploy-bot:Pg45Y67gn86Ggb62JZ@git.acme-corp.com",
            // Words of the examples, not the examples.
            "open-door-sesame-seed",
            "correct horse battery",
            "horse battery staple correct",
            // The base64 of `ops:Fk9ynPNxtnUNtHPx`.
            "b3BzOkZrOXluUE54dG5VTnRIUHg=",
            "",
        ] {
            assert!(!holds_published_password(value), "{value}");
        }
    }
}
