//! Secrets at rest (a DataPact API key, a TOTP secret): sealed with
//! AES-256-GCM under the key derived from the server secret, with a random
//! nonce, and bound to what they belong to (the organisation or user id, as
//! associated data), so a sealed value copied to another row does not open.
//! Stored as `v1:` and the base64 of nonce and ciphertext.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;

use crate::{Keys, ServiceError};

const PREFIX: &str = "v1:";

/// Seals `secret` for `owner`.
///
/// # Errors
/// When the operating system offers no randomness.
pub(crate) fn seal(keys: &Keys, owner: &str, secret: &[u8]) -> Result<String, ServiceError> {
    let cipher = Aes256Gcm::new_from_slice(&keys.encryption)
        .map_err(|err| anyhow::format_err!("cipher: {err}"))?;
    let mut nonce = [0_u8; 12];
    getrandom::getrandom(&mut nonce).map_err(|err| anyhow::format_err!("no randomness: {err}"))?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), Payload { msg: secret, aad: owner.as_bytes() })
        .map_err(|err| anyhow::format_err!("encrypting: {err}"))?;
    let mut out = nonce.to_vec();
    out.extend(sealed);
    Ok(format!("{PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(out)))
}

/// Opens a value [`seal`] made for `owner`; `what` names it in the error.
///
/// # Errors
/// [`ServiceError::Unexpected`] when it does not open (another server
/// secret, another owner, or a damaged value).
pub(crate) fn open(
    keys: &Keys,
    owner: &str,
    stored: &str,
    what: &str,
) -> Result<Vec<u8>, ServiceError> {
    let unreadable = || {
        ServiceError::Unexpected(anyhow::format_err!(
            "the stored {what} cannot be decrypted (was the server secret changed?)"
        ))
    };
    let body = stored.strip_prefix(PREFIX).ok_or_else(unreadable)?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(body).map_err(|_| unreadable())?;
    if bytes.len() < 12 {
        return Err(unreadable());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let cipher = Aes256Gcm::new_from_slice(&keys.encryption).map_err(|_| unreadable())?;
    cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: owner.as_bytes() })
        .map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_for_its_owner_only() {
        let keys = Keys::derive("a server secret of at least thirty-two characters").unwrap();
        let sealed = seal(&keys, "user-1", b"JBSWY3DPEHPK3PXP").unwrap();
        assert!(sealed.starts_with("v1:") && !sealed.contains("JBSWY3DP"));
        assert_eq!(open(&keys, "user-1", &sealed, "secret").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(open(&keys, "user-2", &sealed, "secret").is_err(), "bound to its owner");
        let other = Keys::derive("another server secret of thirty-two characters").unwrap();
        assert!(open(&other, "user-1", &sealed, "secret").is_err());
    }
}
