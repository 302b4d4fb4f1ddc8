//! Credentials published as examples, in the standards and texts every engineer has read:
//! known to everyone, they open nothing. RFC 7617 (and RFC 2617 before it) explains HTTP Basic
//! authentication with the user `Aladdin` and the password `open sesame`, and proxy and URL
//! libraries test with them; xkcd 936 made `correct horse battery staple` the passphrase of
//! every password-strength example. A documentation name like `example.com` is recognised by
//! its name; these are recognised by their words, however they are written into a value.

/// The passwords, as their words run together in lower case, each with a word of it that any
/// spelling keeps whole: most values hold neither word, and are done by looking for it.
const PASSWORDS: [(&str, &[u8]); 2] = [
    ("opensesame", b"sesame"),
    ("correcthorsebatterystaple", b"horse"),
];

/// RFC 7617's own header value, the base64 of `Aladdin:open sesame`.
const RFC_7617_BASIC: &[u8] = b"QWxhZGRpbjpvcGVuIHNlc2FtZQ";

/// Whether `value` holds a published example password: in any case, with any separators
/// between its words (spaces, `-`, `_`, `+`, or a percent-encoded space), or as RFC 7617's
/// Basic header value.
///
/// Asked of every value a secret rule reports, which on dense text is most of them (an AWS
/// key id on every line): one walk over the value to the bytes a password's word or the
/// Basic value begins with, and nothing allocated unless a word is there.
pub(crate) fn holds_published_password(value: &str) -> bool {
    const fn first_bytes() -> [bool; 256] {
        let mut table = [false; 256];
        let mut i = 0;
        while i < PASSWORDS.len() {
            let first = PASSWORDS[i].1[0];
            table[first as usize] = true;
            table[first.to_ascii_uppercase() as usize] = true;
            i += 1;
        }
        table[RFC_7617_BASIC[0] as usize] = true;
        table
    }
    static FIRST: [bool; 256] = first_bytes();
    let bytes = value.as_bytes();
    (0..bytes.len())
        .filter(|&at| FIRST[usize::from(bytes[at])])
        .any(|at| {
            let rest = &bytes[at..];
            rest.starts_with(RFC_7617_BASIC)
                || PASSWORDS.iter().any(|(password, word)| {
                    rest.get(..word.len())
                        .is_some_and(|w| w.eq_ignore_ascii_case(word))
                        && words_hold(bytes, password)
                })
        })
}

fn words_hold(bytes: &[u8], password: &str) -> bool {
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
    memchr::memmem::find(&letters, password.as_bytes()).is_some()
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
