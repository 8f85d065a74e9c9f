//! Multi-factor authentication (NIST SP 800-171 3.5.3) as pure rules: who
//! must use it, which time step a TOTP code matches (RFC 6238: 30-second
//! steps, one step of clock drift either way, each step accepted once), and
//! how recovery codes are written and read.

use crate::{MfaPolicy, RoleName};

/// Seconds in a TOTP time step.
pub const STEP_SECS: u64 = 30;
/// Digits in a TOTP code.
pub const DIGITS: usize = 6;
/// Steps of clock drift accepted either way.
pub const DRIFT_STEPS: u64 = 1;
/// Recovery codes given at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (without its dash).
pub const RECOVERY_CODE_LEN: usize = 10;

/// Whether the roles are privileged for an MFA policy: an organisation's
/// administrators and the system's.
#[must_use]
pub fn is_privileged(roles: &[RoleName]) -> bool {
    roles.iter().any(|r| matches!(r, RoleName::OrgAdmin | RoleName::SystemAdmin))
}

/// Whether a user with `roles`, in an organisation with `policy` (none for
/// a system administrator outside any), must sign in with a second factor.
/// `require_admin_mfa` (`CMMC_REQUIRE_ADMIN_MFA`) makes it so for every
/// system administrator.
#[must_use]
pub fn must_use_mfa(policy: MfaPolicy, roles: &[RoleName], require_admin_mfa: bool) -> bool {
    let admin = require_admin_mfa && roles.contains(&RoleName::SystemAdmin);
    admin
        || match policy {
            MfaPolicy::None => false,
            MfaPolicy::Privileged => is_privileged(roles),
            MfaPolicy::All => true,
        }
}

/// Whether `code` has the form of a TOTP code: six digits, spaces allowed.
#[must_use]
pub fn totp_digits(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| *c != ' ').collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The time step `code` matches at `now` (seconds since the epoch), with
/// one step of drift either way, and only a step after `last_used` (so no
/// code is accepted twice). `code_at(step)` is the code of a step.
#[must_use]
pub fn matching_step(
    code: &str,
    now: u64,
    last_used: Option<u64>,
    code_at: impl Fn(u64) -> String,
) -> Option<u64> {
    let current = now / STEP_SECS;
    let first = current.saturating_sub(DRIFT_STEPS);
    (first..=current + DRIFT_STEPS)
        .filter(|step| last_used.is_none_or(|last| *step > last))
        .find(|step| constant_time_eq(code_at(*step).as_bytes(), code.as_bytes()))
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0_u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The alphabet of recovery codes: lowercase letters and digits without
/// the ones people confuse (0/o, 1/l/i).
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A recovery code as shown: `xxxxx-xxxxx`, from ten random bytes.
#[must_use]
pub fn recovery_code(random: &[u8; RECOVERY_CODE_LEN]) -> String {
    let chars: String = random
        .iter()
        .map(|b| char::from(RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()]))
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as typed, in the form it is stored under: lowercase,
/// without dashes or spaces; None when it cannot be one.
#[must_use]
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let code: String =
        typed.chars().filter(|c| *c != '-' && *c != ' ').map(|c| c.to_ascii_lowercase()).collect();
    let ok =
        code.len() == RECOVERY_CODE_LEN && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
    ok.then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_must_use_mfa_follows_the_policy() {
        let officer = [RoleName::ComplianceOfficer];
        let admin = [RoleName::OrgAdmin];
        let root = [RoleName::SystemAdmin];
        assert!(!must_use_mfa(MfaPolicy::None, &admin, false));
        assert!(must_use_mfa(MfaPolicy::Privileged, &admin, false));
        assert!(!must_use_mfa(MfaPolicy::Privileged, &officer, false));
        assert!(must_use_mfa(MfaPolicy::All, &officer, false));
        assert!(!must_use_mfa(MfaPolicy::None, &root, false));
        assert!(must_use_mfa(MfaPolicy::None, &root, true), "CMMC_REQUIRE_ADMIN_MFA");
        assert!(!must_use_mfa(MfaPolicy::None, &admin, true), "only system administrators");
    }

    #[test]
    fn a_code_matches_its_step_with_one_step_of_drift_and_only_once() {
        let code_at = |step: u64| format!("{:06}", step % 1_000_000);
        let now = 1_000 * STEP_SECS + 7;
        assert_eq!(matching_step("001000", now, None, code_at), Some(1_000));
        assert_eq!(matching_step("000999", now, None, code_at), Some(999), "a step behind");
        assert_eq!(matching_step("001001", now, None, code_at), Some(1_001), "a step ahead");
        assert_eq!(matching_step("000998", now, None, code_at), None, "two steps behind");
        assert_eq!(matching_step("001000", now, Some(1_000), code_at), None, "replayed");
        assert_eq!(matching_step("000999", now, Some(1_000), code_at), None, "older than the last");
        assert_eq!(matching_step("001001", now, Some(1_000), code_at), Some(1_001));
        assert_eq!(totp_digits("123 456").as_deref(), Some("123456"));
        assert_eq!(totp_digits("12345a"), None);
    }

    #[test]
    fn recovery_codes_read_back_however_they_are_typed() {
        let code = recovery_code(&[0, 1, 2, 3, 4, 250, 251, 252, 253, 254]);
        assert_eq!(code.len(), RECOVERY_CODE_LEN + 1);
        let typed = code.to_uppercase().replace('-', " ");
        assert_eq!(normalize_recovery_code(&typed), Some(code.replace('-', "")));
        assert_eq!(normalize_recovery_code("abc"), None);
        assert_eq!(normalize_recovery_code("00000-00000"), None, "0 is not in the alphabet");
    }
}
