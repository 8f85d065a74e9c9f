//! Multi-factor authentication (NIST SP 800-171 3.5.3): TOTP enrolment,
//! recovery codes, the second step of a sign-in, an organisation's policy
//! and an administrator's reset. The rules (who must, which step a code
//! matches, the form of recovery codes) are `cmmc_domain::mfa`'s; the codes
//! themselves are `totp-rs`'s (RFC 6238, SHA-1, 6 digits, 30 s).
//!
//! The TOTP secret is sealed at rest (`crate::sealed`, bound to the user);
//! recovery codes and challenge tokens are stored as SHA-256 only. A code is
//! accepted once: the last accepted time step is kept, and on PostgreSQL the
//! user's row is locked while a code is checked. Wrong codes at sign-in count
//! toward the same lockout as wrong passwords.

use chrono::{DateTime, Utc};
use cmmc_domain::access::Action;
use cmmc_domain::{MfaPolicy, mfa};
use cmmc_store::entities::{mfa_challenges, mfa_recovery_codes, organizations, users};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use serde_json::json;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::auth::{
    NewSignIn, SignIn, TokenPair, new_token, role_names, token_hash, unauthenticated,
    verify_password,
};
use crate::unit_of_work::UnitOfWork;
use crate::{Actor, ServiceError, Services};

/// The issuer an authenticator app shows.
const ISSUER: &str = "CMMC Tracker";
/// How long the second step of a sign-in may wait.
const CHALLENGE_SECS: i64 = 300;
/// Bytes of a TOTP secret (160 bits, as RFC 4226 recommends).
const SECRET_BYTES: usize = 20;

/// What enrolment hands the user once: the secret in base32 and the
/// `otpauth://` URI an authenticator app reads (as a QR code).
#[derive(Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
}

impl std::fmt::Debug for Enrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Enrolment(***)")
    }
}

fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, ServiceError> {
    // An account name may not hold the URI's separator.
    let account = account.replace(':', "_");
    TOTP::new(Algorithm::SHA1, mfa::DIGITS, 1, mfa::STEP_SECS, secret, Some(ISSUER.into()), account)
        .map_err(|err| ServiceError::Unexpected(anyhow::format_err!("TOTP: {err}")))
}

fn unix_secs(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0)
}

fn wrong_code() -> ServiceError {
    ServiceError::unprocessable("code", "the code does not match (is the device's clock right?)")
}

fn random_bytes<const N: usize>() -> Result<[u8; N], ServiceError> {
    let mut bytes = [0_u8; N];
    getrandom::getrandom(&mut bytes).map_err(|err| anyhow::format_err!("no randomness: {err}"))?;
    Ok(bytes)
}

/// The user's row, locked until commit on PostgreSQL (SQLite's write
/// transaction already excludes other writers).
async fn locked_user<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<users::Model, ServiceError> {
    let mut query = users::Entity::find_by_id(user_id.to_owned());
    if db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        query = query.lock_exclusive();
    }
    query.one(db).await?.ok_or_else(|| ServiceError::not_found("user"))
}

impl Services {
    fn user_totp(&self, user: &users::Model) -> Result<Option<TOTP>, ServiceError> {
        let Some(sealed) = &user.totp_secret else { return Ok(None) };
        let secret = crate::sealed::open(&self.keys, &user.id, sealed, "TOTP secret")?;
        totp(secret, &user.username).map(Some)
    }

    /// The time step `code` matches for `user`, if any (unused steps only).
    fn totp_step(
        &self,
        user: &users::Model,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>, ServiceError> {
        let (Some(totp), Some(code)) = (self.user_totp(user)?, mfa::totp_digits(code)) else {
            return Ok(None);
        };
        let last = user.totp_last_step.and_then(|s| u64::try_from(s).ok());
        Ok(mfa::matching_step(&code, unix_secs(now), last, |step| {
            totp.generate(step * mfa::STEP_SECS)
        }))
    }

    /// Whether `user` must enrol in MFA before doing anything: the
    /// organisation's policy (or `require_admin_mfa`) says so and they have not.
    pub(crate) async fn must_enrol<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &users::Model,
    ) -> Result<bool, ServiceError> {
        if user.totp_enabled {
            return Ok(false);
        }
        let policy = match &user.org_id {
            Some(org_id) => organizations::Entity::find_by_id(org_id.clone())
                .one(db)
                .await?
                .and_then(|org| org.mfa_policy.parse().ok())
                .unwrap_or(MfaPolicy::None),
            None => MfaPolicy::None,
        };
        let roles = role_names(db, &user.id).await?;
        Ok(mfa::must_use_mfa(policy, &roles, self.auth.require_admin_mfa))
    }

    /// The first step of a sign-in with MFA on: a single-use challenge token.
    pub(crate) async fn mfa_challenge(
        &self,
        txn: UnitOfWork,
        user: &users::Model,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<SignIn, ServiceError> {
        let mfa_token = new_token("cmmc_mfa_")?;
        let id = Uuid::new_v4().to_string();
        // The user's spent challenges (used or expired) go, so the table
        // holds only live ones.
        mfa_challenges::Entity::delete_many()
            .filter(mfa_challenges::Column::UserId.eq(user.id.as_str()))
            .filter(
                Condition::any()
                    .add(mfa_challenges::Column::ExpiresAt.lte(now))
                    .add(mfa_challenges::Column::UsedAt.is_not_null()),
            )
            .exec(&txn)
            .await?;
        mfa_challenges::ActiveModel {
            id: Set(id.clone()),
            user_id: Set(user.id.clone()),
            token_hash: Set(token_hash(&mfa_token)),
            ip_address: Set(ip.clone()),
            expires_at: Set(now + chrono::Duration::seconds(CHALLENGE_SECS)),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let author = Author { user_id: Some(user.id.clone()), ip_address: ip };
        let event = AuditEvent::new(
            "auth.mfa_challenge",
            "user",
            Some(&user.id),
            json!({ "username": user.username }),
        );
        txn.commit(&author, user.org_id.as_deref(), event).await?;
        Ok(SignIn::MfaRequired { mfa_token, expires_in: CHALLENGE_SECS })
    }

    /// The second step of a sign-in: the challenge token from
    /// [`Services::login`] and a TOTP code or a recovery code. Audited as
    /// `auth.login` (with the factor used) or `auth.login_failed`.
    ///
    /// # Errors
    /// [`ServiceError::Unauthenticated`] for an unknown, used or expired
    /// token, a wrong code (which counts toward the lockout), or a locked account.
    pub async fn verify_mfa(
        &self,
        mfa_token: &str,
        code: &str,
        ip: Option<String>,
    ) -> Result<TokenPair, ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let refused = || {
            ServiceError::Unauthenticated(
                "the MFA token is invalid, used or expired; sign in again".into(),
            )
        };
        let challenge = mfa_challenges::Entity::find()
            .filter(mfa_challenges::Column::TokenHash.eq(token_hash(mfa_token)))
            .one(&txn)
            .await?
            .ok_or_else(refused)?;
        let user = locked_user(&txn, &challenge.user_id).await?;
        // Read again under the user's lock: a parallel verify may have used it.
        let challenge = mfa_challenges::Entity::find_by_id(challenge.id)
            .one(&txn)
            .await?
            .ok_or_else(refused)?;
        if challenge.used_at.is_some() || challenge.expires_at <= now {
            return Err(refused());
        }
        if self.locked_meanwhile(&txn, &user, now).await? {
            drop(txn);
            self.record_failed_login(Some(&user), &user.username, ip, "locked", now).await?;
            return Err(unauthenticated());
        }
        let Some(factor) = self.spend_code(&txn, &user, code, now).await? else {
            drop(txn);
            self.record_failed_login(Some(&user), &user.username, ip, "wrong_mfa_code", now)
                .await?;
            return Err(ServiceError::Unauthenticated("the code is wrong".into()));
        };
        let mut used = challenge.into_active_model();
        used.used_at = Set(Some(now));
        used.update(&txn).await?;
        let sign_in =
            NewSignIn { login: &user.username, ip, enrol_only: false, factor: Some(factor) };
        self.start_session(txn, &user, sign_in, now).await
    }

    /// Spends `code` for `user`: a TOTP code of an unused step, or an unused
    /// recovery code. Answers which it was, or None when it is neither.
    async fn spend_code<C: ConnectionTrait>(
        &self,
        db: &C,
        user: &users::Model,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<&'static str>, ServiceError> {
        if let Some(step) = self.totp_step(user, code, now)? {
            let mut active = user.clone().into_active_model();
            active.totp_last_step = Set(i64::try_from(step).ok());
            active.update(db).await?;
            return Ok(Some("totp"));
        }
        let Some(normal) = mfa::normalize_recovery_code(code) else { return Ok(None) };
        let found = mfa_recovery_codes::Entity::find()
            .filter(mfa_recovery_codes::Column::UserId.eq(&user.id))
            .filter(mfa_recovery_codes::Column::CodeHash.eq(token_hash(&normal)))
            .filter(mfa_recovery_codes::Column::UsedAt.is_null())
            .one(db)
            .await?;
        let Some(found) = found else { return Ok(None) };
        let mut active = found.into_active_model();
        active.used_at = Set(Some(now));
        active.update(db).await?;
        Ok(Some("recovery_code"))
    }

    /// Starts TOTP enrolment: a new secret, shown once, not yet in force.
    /// Audited as `auth.mfa_enrol`.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when MFA is on already.
    pub async fn start_totp_enrolment(&self, actor: &Actor) -> Result<Enrolment, ServiceError> {
        let txn = self.begin_change().await?;
        let user = locked_user(&txn, &actor.user_id).await?;
        if user.totp_enabled {
            return Err(ServiceError::Conflict(
                "MFA is on already; turn it off first to enrol again".into(),
            ));
        }
        let secret = random_bytes::<SECRET_BYTES>()?;
        let sealed = crate::sealed::seal(&self.keys, &user.id, &secret)?;
        let totp = totp(secret.to_vec(), &user.username)?;
        let enrolment = Enrolment { secret: totp.get_secret_base32(), otpauth_uri: totp.get_url() };
        let mut active = user.into_active_model();
        active.totp_secret = Set(Some(sealed));
        active.totp_last_step = Set(None);
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
        let event = AuditEvent::new("auth.mfa_enrol", "user", Some(&actor.user_id), json!({}));
        txn.commit(&Author::from(actor), actor.org_id.as_deref(), event).await?;
        Ok(enrolment)
    }

    /// Turns MFA on with a first code from the enrolled secret, and answers
    /// ten recovery codes, shown this once. Audited as `auth.mfa_enabled`.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when MFA is on already or enrolment has
    /// not started; 422 naming `code` when it does not match.
    pub async fn confirm_totp(
        &self,
        actor: &Actor,
        code: &str,
    ) -> Result<Vec<String>, ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let user = locked_user(&txn, &actor.user_id).await?;
        if user.totp_enabled || user.totp_secret.is_none() {
            return Err(ServiceError::Conflict(
                "nothing to confirm: start enrolment (POST /api/auth/mfa/totp) first, with MFA off"
                    .into(),
            ));
        }
        let step = self.totp_step(&user, code, now)?.ok_or_else(wrong_code)?;
        let user_id = user.id.clone();
        let mut active = user.into_active_model();
        active.totp_enabled = Set(true);
        active.totp_last_step = Set(i64::try_from(step).ok());
        active.updated_at = Set(now);
        active.update(&txn).await?;
        let codes = replace_recovery_codes(&txn, &user_id, now).await?;
        let event = AuditEvent::new(
            "auth.mfa_enabled",
            "user",
            Some(&user_id),
            json!({ "recovery_codes": codes.len() }),
        );
        txn.commit(&Author::from(actor), actor.org_id.as_deref(), event).await?;
        Ok(codes)
    }

    /// Turns MFA off, with a current code and the password. Audited as
    /// `auth.mfa_disabled`.
    ///
    /// # Errors
    /// 422 naming `code` or `password` when wrong; [`ServiceError::Conflict`]
    /// when MFA is off, or the organisation's policy requires it.
    pub async fn disable_totp(
        &self,
        actor: &Actor,
        code: &str,
        password: &str,
    ) -> Result<(), ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let user = locked_user(&txn, &actor.user_id).await?;
        if !user.totp_enabled {
            return Err(ServiceError::Conflict("MFA is off".into()));
        }
        let mut off = user.clone();
        off.totp_enabled = false;
        if self.must_enrol(&txn, &off).await? {
            return Err(ServiceError::Conflict(
                "your organisation requires MFA; it cannot be turned off".into(),
            ));
        }
        if !verify_password(password, &user.password_hash).await? {
            return Err(ServiceError::unprocessable("password", "the password is wrong"));
        }
        if self.spend_code(&txn, &user, code, now).await?.is_none() {
            return Err(wrong_code());
        }
        clear_mfa(&txn, &user, now).await?;
        let event = AuditEvent::new("auth.mfa_disabled", "user", Some(&user.id), json!({}));
        txn.commit(&Author::from(actor), actor.org_id.as_deref(), event).await
    }

    /// Sets whom the organisation requires to use MFA. Audited as
    /// `organization.mfa_policy`, before and after.
    ///
    /// # Errors
    /// 400 for a policy that is not `none`, `privileged` or `all`;
    /// [`ServiceError::NotFound`] for another organisation; 403 without `organization.update`.
    pub async fn set_mfa_policy(
        &self,
        actor: &Actor,
        org_id: &str,
        require: &str,
    ) -> Result<MfaPolicy, ServiceError> {
        actor.authorize(Action::OrganizationUpdate, org_id, "organization")?;
        let policy: MfaPolicy = require.parse().map_err(|e| ServiceError::invalid("require", e))?;
        let txn = self.begin_change().await?;
        let org = organizations::Entity::find_by_id(org_id.to_owned())
            .one(&txn)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization"))?;
        let before = org.mfa_policy.clone();
        let mut active = org.into_active_model();
        active.mfa_policy = Set(policy.as_str().to_owned());
        active.updated_at = Set(Utc::now());
        active.update(&txn).await?;
        let details = json!({ "before": before, "after": policy.as_str() });
        let event =
            AuditEvent::new("organization.mfa_policy", "organization", Some(org_id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(policy)
    }

    /// An administrator's reset of another user's MFA (a lost device): the
    /// secret and recovery codes go, and the user's sign-ins end. Audited as
    /// `user.mfa_reset`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a user outside the organisation;
    /// [`ServiceError::Conflict`] for one's own (turn it off with a code instead).
    pub async fn reset_mfa(
        &self,
        actor: &Actor,
        org_id: &str,
        user_id: &str,
    ) -> Result<(), ServiceError> {
        actor.authorize(Action::UserUpdate, org_id, "user")?;
        if user_id == actor.user_id {
            return Err(ServiceError::Conflict(
                "you cannot reset your own MFA; turn it off with a code and your password".into(),
            ));
        }
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let user = locked_user(&txn, user_id).await?;
        if user.org_id.as_deref() != Some(org_id) {
            return Err(ServiceError::not_found("user"));
        }
        clear_mfa(&txn, &user, now).await?;
        crate::auth::revoke_sessions_of(&txn, &user.id, None, "mfa_reset", now).await?;
        let details = json!({ "username": user.username, "was_enabled": user.totp_enabled });
        let event = AuditEvent::new("user.mfa_reset", "user", Some(user_id), details);
        txn.commit(&Author::from(actor), Some(org_id), event).await
    }
}

/// Takes MFA off `user`: no secret, no recovery codes.
async fn clear_mfa<C: ConnectionTrait>(
    db: &C,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut active = user.clone().into_active_model();
    active.totp_enabled = Set(false);
    active.totp_secret = Set(None);
    active.totp_last_step = Set(None);
    active.updated_at = Set(now);
    active.update(db).await?;
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(&user.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes with new ones; answers them as shown.
async fn replace_recovery_codes<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, ServiceError> {
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let mut codes = Vec::with_capacity(mfa::RECOVERY_CODES);
    let mut rows = Vec::with_capacity(mfa::RECOVERY_CODES);
    while codes.len() < mfa::RECOVERY_CODES {
        let code = mfa::recovery_code(&random_bytes::<{ mfa::RECOVERY_CODE_LEN }>()?);
        if codes.contains(&code) {
            continue;
        }
        let normal = mfa::normalize_recovery_code(&code)
            .ok_or_else(|| anyhow::format_err!("a recovery code that does not read back"))?;
        rows.push(mfa_recovery_codes::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            user_id: Set(user_id.to_owned()),
            code_hash: Set(token_hash(&normal)),
            used_at: Set(None),
            created_at: Set(now),
        });
        codes.push(code);
    }
    mfa_recovery_codes::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(codes)
}
