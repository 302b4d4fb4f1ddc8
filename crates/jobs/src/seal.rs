//! Sealed job payloads.
//!
//! A full crawl gets page bodies in batches from the list calls, and the worker that classifies
//! a page should not fetch it again. So the body travels inside the job, and the job sits in
//! Redis or the embedded queue's SQLite file, which must never hold raw sensitive values. The
//! body is therefore sealed (XChaCha20-Poly1305 under the seal key, which the service derives
//! from its server key); only processes holding the server key can open it, and tampering is
//! detected.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretBox};
use serde::{Deserialize, Serialize};

/// Ciphertext of a job's content, as it is stored in the queue.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Sealed {
    /// base64 of nonce (24 bytes) followed by ciphertext and tag.
    data: String,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes)", self.data.len())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed job payload is not valid (corrupt, or sealed under another server key)")]
    Invalid,
}

#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sealer(..)")
    }
}

impl Sealer {
    /// A sealer under `key`, which serves no other purpose (the service's `keys` module
    /// derives it from the server key).
    pub fn new(key: &SecretBox<[u8; 32]>) -> Self {
        Sealer {
            cipher: XChaCha20Poly1305::new(key.expose_secret().into()),
        }
    }

    pub fn seal(&self, plaintext: &str) -> Sealed {
        let nonce_bytes: [u8; 24] = rand::random();
        let nonce = XNonce::from_slice(&nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(nonce, plaintext.as_bytes())
            .expect("XChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(24 + ciphertext.len());
        out.extend_from_slice(&nonce_bytes);
        out.extend_from_slice(&ciphertext);
        Sealed {
            data: STANDARD_NO_PAD.encode(out),
        }
    }

    pub fn open(&self, sealed: &Sealed) -> Result<String, SealError> {
        let raw = STANDARD_NO_PAD
            .decode(&sealed.data)
            .map_err(|_| SealError::Invalid)?;
        if raw.len() < 24 {
            return Err(SealError::Invalid);
        }
        let (nonce, ciphertext) = raw.split_at(24);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| SealError::Invalid)?;
        String::from_utf8(plain).map_err(|_| SealError::Invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(b: u8) -> SecretBox<[u8; 32]> {
        SecretBox::new(Box::new([b; 32]))
    }

    #[test]
    fn round_trips_and_hides_the_plaintext() {
        let s = Sealer::new(&key(7));
        let body = "<p>AKIAQWERTYUIOPASDFGH</p>";
        let sealed = s.seal(body);
        let stored = serde_json::to_string(&sealed).unwrap();
        assert!(!stored.contains("AKIA"));
        assert!(!format!("{sealed:?}").contains("AKIA"));
        assert_eq!(s.open(&sealed).unwrap(), body);
        // Fresh nonce every time: equal bodies do not give equal ciphertexts.
        assert_ne!(s.seal(body), sealed);
    }

    #[test]
    fn another_key_or_tampering_is_refused() {
        let sealed = Sealer::new(&key(7)).seal("x");
        assert_eq!(Sealer::new(&key(8)).open(&sealed), Err(SealError::Invalid));
        let mut tampered = sealed.clone();
        tampered.data.replace_range(
            40..41,
            if &tampered.data[40..41] == "A" {
                "B"
            } else {
                "A"
            },
        );
        assert_eq!(
            Sealer::new(&key(7)).open(&tampered),
            Err(SealError::Invalid)
        );
        assert_eq!(
            Sealer::new(&key(7)).open(&Sealed { data: "!!".into() }),
            Err(SealError::Invalid)
        );
    }
}
