//! Keyed fingerprints: the one form in which a found value is remembered.
//!
//! HMAC-SHA256 under a server key, not a plain hash: card numbers and SSNs come from small
//! spaces, so an unkeyed hash could be reversed by trying them all. The value is normalised
//! first (see [`Normalization`]), so one card written two ways is one finding.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretSlice};
use sha2::Sha256;

use super::matches::Match;
use super::normalize::Normalization;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, thiserror::Error)]
pub enum FingerprintError {
    #[error("fingerprint key must be at least {min} bytes, got {got}")]
    KeyTooShort { min: usize, got: usize },
}

/// Computes fingerprints under one secret key. `Debug` never shows the key.
pub struct Fingerprinter {
    /// The HMAC keyed once (the key itself is not kept): each fingerprint clones it instead of
    /// deriving the key's pads again, half the work of a short value's fingerprint.
    keyed: HmacSha256,
}

impl Fingerprinter {
    /// Shorter keys would make the fingerprints of small value spaces guessable.
    pub const MIN_KEY_LEN: usize = 16;

    pub fn new(key: SecretSlice<u8>) -> Result<Self, FingerprintError> {
        let got = key.expose_secret().len();
        if got < Self::MIN_KEY_LEN {
            return Err(FingerprintError::KeyTooShort {
                min: Self::MIN_KEY_LEN,
                got,
            });
        }
        let keyed = HmacSha256::new_from_slice(key.expose_secret())
            .expect("HMAC accepts keys of any length");
        Ok(Fingerprinter { keyed })
    }

    /// Hex HMAC-SHA256 of `value` after `normalization`.
    pub fn fingerprint(&self, normalization: Normalization, value: &str) -> String {
        self.fingerprint_normalized(&normalization.apply(value))
    }

    /// Hex HMAC-SHA256 of a value already normalised (the same as [`Self::fingerprint`] of
    /// the raw value): for a caller that fingerprints one value under several
    /// normalizations and skips those that give the same text.
    pub fn fingerprint_normalized(&self, normalized: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(normalized.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// The fingerprint of a match's value, normalised as its rule says.
    pub fn fingerprint_match(&self, m: &Match) -> String {
        self.fingerprint(m.normalization, m.value())
    }
}

impl std::fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fingerprinter")
            .field("key", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(key: &[u8]) -> Fingerprinter {
        Fingerprinter::new(SecretSlice::from(key.to_vec())).unwrap()
    }

    #[test]
    fn formatting_does_not_change_the_fingerprint() {
        let f = fp(b"0123456789abcdef0123");
        let d = Normalization::Digits;
        assert_eq!(
            f.fingerprint(d, "4111-1111-1111-1111"),
            f.fingerprint(d, "4111 1111 1111 1111")
        );
        assert_eq!(
            f.fingerprint(d, "536-22-1234"),
            f.fingerprint(d, "536221234")
        );
        let l = Normalization::Lowercase;
        assert_eq!(
            f.fingerprint(l, "Jane.Doe@Acme.com"),
            f.fingerprint(l, "jane.doe@acme.com")
        );
        let s = Normalization::AsIs;
        assert_ne!(
            f.fingerprint(s, "AbCdEf"),
            f.fingerprint(s, "abcdef"),
            "secrets are case-sensitive"
        );
        assert_eq!(f.fingerprint(d, "1").len(), 64);
    }

    #[test]
    fn fingerprint_depends_on_the_key() {
        let v = "4111111111111111";
        let a = fp(b"key-number-one-0000").fingerprint(Normalization::Digits, v);
        let b = fp(b"key-number-two-0000").fingerprint(Normalization::Digits, v);
        assert_ne!(a, b);
        assert!(!a.contains(v));
    }

    #[test]
    fn short_keys_are_refused_and_debug_hides_the_key() {
        let err = Fingerprinter::new(SecretSlice::from(b"short".to_vec())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fingerprint key must be at least 16 bytes, got 5"
        );
        let printed = format!("{:?}", fp(b"very-secret-key-material"));
        assert!(!printed.contains("very-secret"), "{printed}");
    }
}
