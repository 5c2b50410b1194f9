//! Credentials: API tokens (random, stored as their SHA-256) and argon2 password hashes.

use crate::Error;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new random API token: 32 bytes from the OS, as hex, with a recognisable prefix.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("bb_{hex}")
}

/// Tokens are long and random, so a plain SHA-256 is the right hash: fast to check,
/// useless to someone who steals the table.
pub fn hash_token(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// An argon2 hash of `password` (argon2id, the crate's default parameters).
pub fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| Error::Internal(format!("hashing a password: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks a password against a user's hash, or, for a name that has no account, against a
/// hash of nothing in particular: both take one argon2 verification, so the time taken
/// does not tell whether the name exists.
pub fn verify_password_or_dummy(password: &str, hash: Option<&str>) -> bool {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    match hash {
        Some(hash) => verify_password(password, hash),
        None => {
            let dummy = DUMMY
                .get_or_init(|| hash_password("no account has this password").unwrap_or_default());
            let _ = verify_password(password, dummy);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens() {
        let hash = hash_password("流霞里8850").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("流霞里8850", &hash));
        assert!(!verify_password("wrong", &hash));
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 67);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
        assert!(verify_password_or_dummy("流霞里8850", Some(&hash)));
        assert!(!verify_password_or_dummy("流霞里8850", None));
    }
}
