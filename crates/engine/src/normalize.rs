//! How a value is brought to one canonical spelling before it is masked, fingerprinted or
//! compared: each validator's kind of value has its own (digits, lower case, letters and
//! digits), chosen by the rule or by its validator.

use serde::{Deserialize, Serialize};

/// How a value is brought to one canonical spelling before it is fingerprinted, so that
/// `4111-1111-1111-1111` and `4111 1111 1111 1111` are the same finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Normalization {
    /// ASCII digits only (card numbers, SSNs, NPIs).
    Digits,
    /// Lower-cased (e-mail addresses).
    Lowercase,
    /// Exactly as found (secrets are case-sensitive).
    AsIs,
    /// ASCII letters and digits only, upper-cased (`de89 3704…` and `DE893704…` are one IBAN).
    Alphanumeric,
}

impl Normalization {
    /// As [`Normalization::apply`], without allocating: borrowed when `value` is already
    /// canonical, copied to the stack when short. Every value a rule's regex finds is
    /// normalised before its ignore list and entropy are checked, and in dense text that was
    /// an allocation every few dozen bytes.
    pub fn canonical(self, value: &str) -> Canonical<'_> {
        let bytes = value.as_bytes();
        match self {
            Normalization::AsIs => Canonical::Borrowed(value),
            Normalization::Digits if bytes.iter().all(u8::is_ascii_digit) => {
                Canonical::Borrowed(value)
            }
            Normalization::Lowercase
                if value.is_ascii() && !bytes.iter().any(u8::is_ascii_uppercase) =>
            {
                Canonical::Borrowed(value)
            }
            Normalization::Lowercase if !value.is_ascii() => Canonical::Owned(self.apply(value)),
            Normalization::Digits | Normalization::Lowercase | Normalization::Alphanumeric => {
                let kept = bytes.iter().filter_map(|&b| match self {
                    Normalization::Digits => b.is_ascii_digit().then_some(b),
                    Normalization::Alphanumeric => {
                        b.is_ascii_alphanumeric().then(|| b.to_ascii_uppercase())
                    }
                    _ => Some(b.to_ascii_lowercase()),
                });
                let (mut buf, mut len) = ([0u8; INLINE], 0u8);
                for b in kept {
                    let Some(slot) = buf.get_mut(usize::from(len)) else {
                        return Canonical::Owned(self.apply(value));
                    };
                    *slot = b;
                    len += 1;
                }
                Canonical::Inline { bytes: buf, len }
            }
        }
    }

    pub fn apply(self, value: &str) -> String {
        match self {
            Normalization::Digits => value.chars().filter(char::is_ascii_digit).collect(),
            Normalization::Lowercase => value.to_lowercase(),
            Normalization::AsIs => value.to_owned(),
            Normalization::Alphanumeric => value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        }
    }
}

/// Values up to this many bytes are normalised on the stack.
const INLINE: usize = 64;

/// A value in its canonical spelling ([`Normalization::canonical`]).
#[derive(Debug)]
pub enum Canonical<'a> {
    Borrowed(&'a str),
    /// ASCII only.
    Inline {
        bytes: [u8; INLINE],
        len: u8,
    },
    Owned(String),
}

impl std::ops::Deref for Canonical<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Canonical::Borrowed(s) => s,
            Canonical::Inline { bytes, len } => std::str::from_utf8(&bytes[..usize::from(*len)])
                .expect("inline values hold ASCII only"),
            Canonical::Owned(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_spellings_are_what_apply_gives() {
        let long = format!("{}@Example.COM", "A".repeat(70));
        let values = [
            "4111 1111-1111 1111",
            "123456789",
            "Jane.Doe@Acme.IO",
            "jane@acme.io",
            "DE89 3704 0044 0532 0130 00",
            "ÉLODIE@acme.fr",
            "",
            &long,
            "ß",
        ];
        for n in [
            Normalization::Digits,
            Normalization::Lowercase,
            Normalization::AsIs,
            Normalization::Alphanumeric,
        ] {
            for v in values {
                assert_eq!(&*n.canonical(v), n.apply(v), "{n:?} {v:?}");
            }
        }
        assert!(matches!(
            Normalization::Digits.canonical("123"),
            Canonical::Borrowed(_)
        ));
        assert!(matches!(
            Normalization::Digits.canonical("1-23"),
            Canonical::Inline { .. }
        ));
    }

    #[test]
    fn normalization_makes_spellings_equal() {
        assert_eq!(
            Normalization::Digits.apply("4111-1111 1111.1111"),
            "4111111111111111"
        );
        assert_eq!(
            Normalization::Lowercase.apply("Jane.DOE@Acme.com"),
            "jane.doe@acme.com"
        );
        assert_eq!(Normalization::AsIs.apply("AbC"), "AbC");
    }
}
