//! Secrets at rest (OAuth client secrets, actions' per-app secrets): AES-256-GCM with a random 96-bit nonce per
//! value, stored as hex of `nonce || ciphertext+tag`. The key comes from
//! `APPBOX_SECRET_KEY` or `DATA_DIR/secret_key` (see `server.rs`).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};

const NONCE_BYTES: usize = 12;

/// Encrypts and decrypts stored secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (was APPBOX_SECRET_KEY changed?)")]
pub struct SecretError;

impl SecretBox {
    /// A key from configuration: 64 hex characters are the key itself; any
    /// other text is hashed (SHA-256) into one.
    pub fn from_config(text: &str) -> SecretBox {
        let text = text.trim();
        let key: [u8; 32] = match hex::decode(text) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                key
            }
            _ => Sha256::digest(text.as_bytes()).into(),
        };
        SecretBox {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key)),
        }
    }

    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_BYTES];
        rand::rng().fill_bytes(&mut nonce);
        // Encrypting into a Vec cannot fail for inputs under 64 GiB.
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        hex::encode(out)
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, SecretError> {
        let bytes = hex::decode(stored).map_err(|_| SecretError)?;
        if bytes.len() <= NONCE_BYTES {
            return Err(SecretError);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| SecretError)?;
        String::from_utf8(plain).map_err(|_| SecretError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_resist_tampering() {
        let key = SecretBox::from_config(&"ab".repeat(32));
        let sealed = key.encrypt("client-secret");
        assert_ne!(
            sealed,
            key.encrypt("client-secret"),
            "a fresh nonce each time"
        );
        assert!(!sealed.contains(&hex::encode("client-secret")));
        assert_eq!(key.decrypt(&sealed).unwrap(), "client-secret");
        let mut tampered = sealed.into_bytes();
        let last = tampered.len() - 1;
        tampered[last] = if tampered[last] == b'0' { b'1' } else { b'0' };
        assert!(key.decrypt(&String::from_utf8(tampered).unwrap()).is_err());
        let other = SecretBox::from_config("another key");
        assert!(other.decrypt(&key.encrypt("x")).is_err());
    }
}
