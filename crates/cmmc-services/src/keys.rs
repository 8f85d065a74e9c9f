//! Keys derived from the server secret (`CMMC_SECRET_KEY`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The keys every server of a deployment shares.
#[derive(Clone)]
pub struct Keys {
    /// Keys the audit trail's HMAC chain.
    pub(crate) audit: [u8; 32],
    /// Encrypts secrets at rest (AES-256-GCM, for stored API keys).
    pub encryption: [u8; 32],
    /// Signs the manifest of an assessment package (HMAC-SHA256).
    pub(crate) package: [u8; 32],
    /// Names the secret without revealing it (stored in `server_secrets`).
    fingerprint: [u8; 32],
    /// Signs the web interface's form tokens (CSRF), bound to a browser's cookie.
    web_form: [u8; 32],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(***)")
    }
}

/// A secret too short to derive keys from.
#[derive(Debug, thiserror::Error)]
#[error("the server secret must be at least 32 characters")]
pub struct WeakSecret;

impl Keys {
    /// Derives one key per purpose from `secret` (HMAC-SHA256 of a label),
    /// so no two purposes share a key.
    ///
    /// # Errors
    /// [`WeakSecret`] when `secret` has fewer than 32 characters.
    pub fn derive(secret: &str) -> Result<Self, WeakSecret> {
        if secret.chars().count() < 32 {
            return Err(WeakSecret);
        }
        Ok(Self {
            audit: derive_one(secret, "cmmc-tracker audit-chain v1"),
            encryption: derive_one(secret, "cmmc-tracker secrets-at-rest v1"),
            package: derive_one(secret, "cmmc-tracker package-manifest v1"),
            fingerprint: derive_one(secret, "cmmc-tracker secret-fingerprint v1"),
            web_form: derive_one(secret, "cmmc-tracker web-form-token v1"),
        })
    }

    /// The secret's fingerprint: an HMAC of a fixed label under it, in hex.
    /// Equal for equal secrets; tells nothing about the secret.
    #[must_use]
    pub fn fingerprint(&self) -> String {
        hex(&self.fingerprint)
    }
}

impl Keys {
    /// The form token (against cross-site request forgery) that goes with
    /// `binding`, a browser's random form cookie: an HMAC of it, in hex, so
    /// only this deployment can make one and only for that browser.
    #[must_use]
    pub fn form_token(&self, binding: &str) -> String {
        hex(&form_mac(&self.web_form, binding).finalize().into_bytes())
    }

    /// Whether `token` is the form token of `binding`, compared in constant time.
    #[must_use]
    pub fn form_token_matches(&self, binding: &str, token: &str) -> bool {
        let Some(bytes) = unhex(token) else { return false };
        form_mac(&self.web_form, binding).verify_slice(&bytes).is_ok()
    }
}

fn form_mac(key: &[u8; 32], binding: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"form:");
    mac.update(binding.as_bytes());
    mac
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

fn derive_one(secret: &str, label: &str) -> [u8; 32] {
    let mut out = [0_u8; 32];
    if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        mac.update(label.as_bytes());
        out.copy_from_slice(&mac.finalize().into_bytes());
    }
    out
}

/// A new random secret (256 bits, base64url), for deployments that have none yet.
///
/// # Errors
/// When the operating system offers no randomness.
pub fn generate_secret() -> anyhow::Result<String> {
    use base64::Engine as _;
    let mut bytes = [0_u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|err| anyhow::format_err!("no randomness: {err}"))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _infallible = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_refused() {
        assert!(Keys::derive("too short").is_err());
    }

    #[test]
    fn each_purpose_gets_its_own_key_and_the_same_secret_the_same_keys() {
        let a = Keys::derive("0123456789abcdef0123456789abcdef").unwrap();
        let b = Keys::derive("0123456789abcdef0123456789abcdef").unwrap();
        assert_ne!(a.audit, a.encryption);
        assert_eq!(a.audit, b.audit);
        assert_eq!(format!("{a:?}"), "Keys(***)");
    }

    #[test]
    fn a_form_token_matches_its_own_binding_only() {
        let keys = Keys::derive("0123456789abcdef0123456789abcdef").unwrap();
        let other = Keys::derive("fedcba9876543210fedcba9876543210").unwrap();
        let token = keys.form_token("browser-1");
        assert_eq!(token.len(), 64);
        assert!(keys.form_token_matches("browser-1", &token));
        assert!(!keys.form_token_matches("browser-2", &token));
        assert!(!other.form_token_matches("browser-1", &token));
        assert!(!keys.form_token_matches("browser-1", &token[..62]));
        assert!(!keys.form_token_matches("browser-1", "zz"));
        assert!(!keys.form_token_matches("browser-1", ""));
    }
}
