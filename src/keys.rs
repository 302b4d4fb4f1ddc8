//! Key material, in one place: the server key and the keys derived from it.
//!
//! A deployment has one secret, the server key (`DLP_SERVER_KEY`, or generated once into
//! `DATA_DIR/server.key`, mode 0600). Every process of a deployment must share it: it decides
//! what a value fingerprints to and who can open a sealed job. Each use gets a key of its own,
//! derived as HMAC-SHA256(server key, purpose label), so that no bytes serve two purposes: were
//! the server key itself the fingerprint key, the fingerprint of a value that happened to equal
//! a purpose label would be that purpose's key.
//!
//! Purposes to come (webhook replay protection) get their label here too.

use dlp_engine::Fingerprinter;
use dlp_jobs::Sealer;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretSlice};
use sha2::Sha256;

use crate::config::{ConfigError, Settings, write_private};

/// What a derived key is for; the label is part of the derivation, so it never changes.
#[derive(Debug, Clone, Copy)]
enum Purpose {
    /// HMAC key of value fingerprints.
    Fingerprint,
    /// XChaCha20-Poly1305 key of job payloads and OCR cache entries.
    Seal,
    /// HMAC key of API token hashes: the store keeps only these, so a copy of it lets no one
    /// call the API, and without the server key its hashes cannot be tested against guesses.
    ApiToken,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Fingerprint => b"confluence-dlp value fingerprint v1",
            Purpose::Seal => b"confluence-dlp job payload seal v1",
            Purpose::ApiToken => b"confluence-dlp api token hash v1",
        }
    }
}

/// The server key; `Debug` never shows it.
pub struct Keys {
    server: SecretBox<[u8]>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    /// The configured server key, or the one generated on first use and kept (mode 0600) in
    /// the data directory.
    pub fn load(settings: &Settings) -> Result<Keys, ConfigError> {
        if let Some(hex_key) = &settings.server_key {
            return Keys::from_hex(hex_key.expose_secret()).map_err(|reason| {
                ConfigError::Invalid {
                    name: "server_key",
                    reason,
                }
            });
        }
        settings.ensure_data_dir()?;
        let path = settings.data_dir.join("server.key");
        let io_err = |source| ConfigError::DataDir {
            path: path.clone(),
            source,
        };
        let from_file = |text: &str| {
            Keys::from_hex(text).map_err(|reason| ConfigError::Invalid {
                name: "server.key file",
                reason,
            })
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => from_file(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key: [u8; 32] = rand::random();
                write_private(&path, hex::encode(key).as_bytes()).map_err(io_err)?;
                // Another process may have won the race to create it: read back what is there.
                from_file(&std::fs::read_to_string(&path).map_err(io_err)?)
            }
            Err(e) => Err(io_err(e)),
        }
    }

    /// A server key given as hex, at least 32 bytes.
    pub fn from_hex(hex_key: &str) -> Result<Keys, String> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| "must be hex".to_owned())?;
        if bytes.len() < 32 {
            return Err("must be at least 32 bytes (64 hex characters)".to_owned());
        }
        Ok(Keys {
            server: SecretBox::new(bytes.into_boxed_slice()),
        })
    }

    fn derive(&self, purpose: Purpose) -> SecretBox<[u8; 32]> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.server.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(purpose.label());
        SecretBox::new(Box::new(mac.finalize().into_bytes().into()))
    }

    /// Fingerprints of found values.
    pub fn fingerprinter(&self) -> Fingerprinter {
        let key = SecretSlice::from(self.derive(Purpose::Fingerprint).expose_secret().to_vec());
        Fingerprinter::new(key).expect("a derived key is 32 bytes, above the minimum")
    }

    /// Seals job payloads and cached OCR text.
    pub fn sealer(&self) -> Sealer {
        Sealer::new(&self.derive(Purpose::Seal))
    }

    /// Hashes API tokens for the store.
    pub fn token_hasher(&self) -> TokenHasher {
        TokenHasher {
            key: std::sync::Arc::new(self.derive(Purpose::ApiToken)),
        }
    }
}

/// HMAC-SHA256 of API tokens under their purpose key, as hex: what the store keeps and looks
/// a request's token up by. `Debug` never shows the key.
#[derive(Clone)]
pub struct TokenHasher {
    key: std::sync::Arc<SecretBox<[u8; 32]>>,
}

impl std::fmt::Debug for TokenHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHasher(..)")
    }
}

impl TokenHasher {
    pub fn hash(&self, token: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.expose_secret())
            .expect("HMAC accepts keys of any length");
        mac.update(token.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dlp_engine::Normalization;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn generated_server_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let s = Settings {
            data_dir: dir.path().join("d"),
            ..Settings::default()
        };
        let a = Keys::load(&s).unwrap();
        let b = Keys::load(&s).unwrap();
        assert_eq!(a.server.expose_secret(), b.server.expose_secret());
        assert_eq!(a.server.expose_secret().len(), 32);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("d/server.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn short_or_non_hex_keys_are_refused() {
        let s = Settings {
            server_key: Some("abcd".to_string().into()),
            ..Settings::default()
        };
        assert!(
            Keys::load(&s)
                .unwrap_err()
                .to_string()
                .contains("server_key")
        );
        assert!(Keys::from_hex("zz").is_err());
    }

    #[test]
    fn each_purpose_has_its_own_key() {
        let keys = Keys::from_hex(HEX).unwrap();
        let fingerprint = keys.derive(Purpose::Fingerprint);
        let seal = keys.derive(Purpose::Seal);
        assert_ne!(fingerprint.expose_secret(), seal.expose_secret());
        assert_ne!(
            &fingerprint.expose_secret()[..],
            keys.server.expose_secret()
        );
        let token = keys.derive(Purpose::ApiToken);
        assert_ne!(token.expose_secret(), fingerprint.expose_secret());
        assert_ne!(token.expose_secret(), seal.expose_secret());
        // A token hash depends on the server key, and is not the token's fingerprint.
        let hash = keys.token_hasher().hash("dlp_x");
        assert_eq!(hash.len(), 64);
        assert_ne!(
            hash,
            Keys::from_hex(&HEX.replace("00", "ff"))
                .unwrap()
                .token_hasher()
                .hash("dlp_x")
        );
        assert_ne!(
            hash,
            keys.fingerprinter()
                .fingerprint(Normalization::AsIs, "dlp_x")
        );
        // The flaw derivation closes: a value equal to a purpose label fingerprints to
        // something other than that purpose's key.
        let label = std::str::from_utf8(Purpose::Seal.label()).unwrap();
        let fp = keys.fingerprinter().fingerprint(Normalization::AsIs, label);
        assert_ne!(fp, hex::encode(seal.expose_secret()));
        // Sealed under the derived key, opened by the same keys only.
        let sealed = keys.sealer().seal("x");
        assert_eq!(keys.sealer().open(&sealed).unwrap(), "x");
        assert!(
            Keys::from_hex(&HEX.replace("00", "ff"))
                .unwrap()
                .sealer()
                .open(&sealed)
                .is_err()
        );
        assert!(!format!("{keys:?}").contains("0001"));
    }
}
