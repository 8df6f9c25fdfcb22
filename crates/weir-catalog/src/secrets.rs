//! Encryption at rest for secret connection properties (AES-256-GCM).
//!
//! The key is 32 bytes, kept in a file in the data dir or given by configuration. Each value is
//! sealed with a fresh random nonce; the stored form is `v1:` + base64(nonce ‖ ciphertext).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;
use weir_model::{GlueError, Result};

/// Seals and opens secret values with one key.
pub struct SecretBox {
    cipher: Aes256Gcm,
}

impl SecretBox {
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key)),
        }
    }

    /// A new random key.
    pub fn generate_key() -> [u8; 32] {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        key
    }

    pub fn seal(&self, plaintext: &str) -> Result<String> {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .map_err(|_| GlueError::internal("encrypting a secret failed"))?;
        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(format!("v1:{}", STANDARD.encode(sealed)))
    }

    pub fn open(&self, sealed: &str) -> Result<String> {
        let fail = || {
            GlueError::internal("a stored secret cannot be decrypted: was the secrets key changed?")
        };
        let bytes = sealed
            .strip_prefix("v1:")
            .and_then(|b| STANDARD.decode(b).ok())
            .ok_or_else(fail)?;
        if bytes.len() < 12 {
            return Err(fail());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| fail())?;
        String::from_utf8(plain).map_err(|_| fail())
    }
}

#[cfg(test)]
mod tests {
    use super::SecretBox;

    #[test]
    fn seal_then_open_round_trips_and_hides_the_value() {
        let sb = SecretBox::new(&SecretBox::generate_key());
        let sealed = sb.seal("hunter2").unwrap();
        assert!(!sealed.contains("hunter2"));
        assert_ne!(sealed, sb.seal("hunter2").unwrap(), "fresh nonce per value");
        assert_eq!(sb.open(&sealed).unwrap(), "hunter2");
        let other = SecretBox::new(&SecretBox::generate_key());
        assert!(other.open(&sealed).is_err());
    }
}
