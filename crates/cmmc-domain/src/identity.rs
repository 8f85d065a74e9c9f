//! Values with rules about people and organisations: usernames, emails,
//! passwords, CAGE codes and unique entity identifiers.

use std::fmt;

/// A value that breaks its rule; the message says which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct IdentityError(pub String);

fn err(message: impl Into<String>) -> IdentityError {
    IdentityError(message.into())
}

macro_rules! text_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }

            #[must_use]
            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

text_newtype!(
    /// 3 to 64 characters: letters, digits, `.`, `_`, `-`. Unique case-insensitively.
    Username
);

impl Username {
    /// # Errors
    /// When the rule is broken.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim();
        if !(3..=64).contains(&text.chars().count()) {
            return Err(err("a username has 3 to 64 characters"));
        }
        if !text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
            return Err(err("a username has only letters, digits, '.', '_' and '-'"));
        }
        Ok(Self(text.to_owned()))
    }
}

text_newtype!(
    /// An email address: one `@`, a local part, a domain with a dot; at most 254 characters.
    Email
);

impl Email {
    /// # Errors
    /// When the rule is broken.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim();
        let invalid = || err(format!("{text:?} is not an email address"));
        if text.chars().count() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(invalid());
        }
        Ok(Self(text.to_owned()))
    }
}

/// The password rules (NIST SP 800-171 3.5.7): at least 12 characters, at
/// most 72 bytes (bcrypt ignores anything longer, so a longer one would be a
/// lie), not the username or email, not one character repeated.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_BYTES: usize = 72;

    /// Checks `text` against the rules for the account `username` / `email`.
    ///
    /// # Errors
    /// When a rule is broken; the message names the rule, never the password.
    pub fn parse(text: &str, username: &str, email: &str) -> Result<Self, IdentityError> {
        if text.chars().count() < Self::MIN_CHARS {
            return Err(err(format!("a password has at least {} characters", Self::MIN_CHARS)));
        }
        if text.len() > Self::MAX_BYTES {
            return Err(err(format!("a password has at most {} bytes", Self::MAX_BYTES)));
        }
        let lower = text.to_lowercase();
        if lower == username.to_lowercase() || lower == email.to_lowercase() {
            return Err(err("a password may not be the username or the email address"));
        }
        let mut chars = text.chars();
        if let Some(first) = chars.next()
            && chars.all(|c| c == first)
        {
            return Err(err("a password may not be one character repeated"));
        }
        if text.chars().any(char::is_control) {
            return Err(err("a password may not contain control characters"));
        }
        Ok(Self(text.to_owned()))
    }

    /// Whether `text` keeps the rules a schema can state (length in
    /// characters, no control character), so that a refusal by
    /// [`Self::parse`] comes from a rule that needs more: the byte limit,
    /// the username or email, the repeated character.
    #[must_use]
    pub fn is_well_formed(text: &str) -> bool {
        text.chars().count() >= Self::MIN_CHARS && !text.chars().any(char::is_control)
    }

    /// The password itself, to hash.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

text_newtype!(
    /// A CAGE code: 5 letters and digits, stored in upper case.
    CageCode
);

impl CageCode {
    /// # Errors
    /// When the rule is broken.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim().to_ascii_uppercase();
        if text.len() != 5 || !text.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(err(format!("{text:?} is not a CAGE code: 5 letters and digits")));
        }
        Ok(Self(text))
    }
}

text_newtype!(
    /// A SAM Unique Entity ID (12 letters and digits, not starting with 0,
    /// without the letters I and O), or a legacy 9-digit DUNS number.
    EntityId
);

impl EntityId {
    /// # Errors
    /// When the rule is broken.
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let text = text.trim().to_ascii_uppercase();
        let duns = text.len() == 9 && text.chars().all(|c| c.is_ascii_digit());
        let uei = text.len() == 12
            && text.chars().all(|c| c.is_ascii_alphanumeric() && c != 'I' && c != 'O')
            && !text.starts_with('0');
        if duns || uei {
            Ok(Self(text))
        } else {
            Err(err(format!(
                "{text:?} is neither a UEI (12 letters and digits, no I or O, not starting with 0) nor a 9-digit DUNS number"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_3_to_64_plain_characters() {
        assert_eq!(Username::parse(" alice.o-b_1 ").unwrap().as_str(), "alice.o-b_1");
        for bad in ["", "ab", "has space", "émile", "a/b", &"x".repeat(65)] {
            assert!(Username::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("a@example.com").is_ok());
        for bad in [
            "",
            "a",
            "a@",
            "@example.com",
            "a@example",
            "a@@example.com",
            "a b@example.com",
            "a@example.com.",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_follow_the_rules() {
        assert!(Password::parse("correct horse battery", "alice", "a@example.com").is_ok());
        let too_short = Password::parse("short pass", "alice", "a@example.com").unwrap_err();
        assert!(too_short.to_string().contains("at least 12"));
        assert!(Password::parse(&"x".repeat(73), "alice", "a@example.com").is_err());
        assert!(Password::parse("aaaaaaaaaaaaaa", "alice", "a@example.com").is_err());
        assert!(Password::parse("alice.the.admin", "Alice.The.Admin", "a@example.com").is_err());
        assert!(Password::parse("a@example.com.x", "alice", "a@example.com.x").is_err());
        assert!(Password::parse("tab\tinside password", "alice", "a@example.com").is_err());
    }

    #[test]
    fn passwords_never_print() {
        let password = Password::parse("correct horse battery", "alice", "a@example.com").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }

    #[test]
    fn cage_codes_are_five_letters_and_digits() {
        assert_eq!(CageCode::parse("1abc2").unwrap().as_str(), "1ABC2");
        for bad in ["", "1234", "123456", "12-45", "12 45"] {
            assert!(CageCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn entity_ids_are_ueis_or_legacy_duns_numbers() {
        assert!(EntityId::parse("J7M9HPTGJ1S8").is_ok());
        assert!(EntityId::parse("123456789").is_ok());
        for bad in [
            "",
            "12345678",
            "J7M9HPTGJ1S",
            "OAM9HPTGJ1S8",
            "0J7M9HPTGJ1S",
            "J7M9HPTGJ1S8X",
            "12345678A",
        ] {
            assert!(EntityId::parse(bad).is_err(), "{bad}");
        }
    }
}
