//! Signing in and out: passwords, lockout, sessions and their tokens.
//!
//! Access tokens are short-lived and checked against the database on every
//! request, so logout and deactivation take effect at once on every server.
//! Refresh tokens rotate: each is good for one exchange, and presenting a
//! spent one revokes the whole sign-in (the family), since it means the
//! token was copied. Both are random 256-bit values stored only as SHA-256
//! hashes.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use cmmc_domain::{Password, RoleName};
use cmmc_store::entities::{
    access_tokens, auth_sessions, login_attempts, password_history, refresh_tokens, users,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::keys::hex;
use crate::{Actor, ServiceError, Services};

/// What a successful login or refresh hands out.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair").field("expires_in", &self.expires_in).finish_non_exhaustive()
    }
}

/// What a sign-in with a password answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in. With `enrol_only`, the user must enrol in MFA first, and
    /// the tokens allow nothing else (their roles count for nothing).
    Tokens { tokens: TokenPair, enrol_only: bool },
    /// The user has MFA on: `mfa_token` and a code go to
    /// [`Services::verify_mfa`] within `expires_in` seconds.
    MfaRequired { mfa_token: String, expires_in: i64 },
}

/// The one answer to every failed login, whatever the reason, so that it never
/// reveals whether an account exists, is locked or is deactivated.
pub const INVALID_CREDENTIALS: &str =
    "the username or password is incorrect, or the account is locked";

pub(crate) fn unauthenticated() -> ServiceError {
    ServiceError::Unauthenticated(INVALID_CREDENTIALS.to_owned())
}

fn invalid_token() -> ServiceError {
    ServiceError::Unauthenticated("the token is invalid, expired or revoked".to_owned())
}

/// A new random token with a readable prefix.
pub(crate) fn new_token(prefix: &str) -> Result<String, ServiceError> {
    let mut bytes = [0_u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|err| anyhow::format_err!("no randomness: {err}"))?;
    Ok(format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)))
}

/// How a token is stored.
pub(crate) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn to_chrono(duration: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

/// The names of the roles `user_id` holds.
pub(crate) async fn role_names<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
) -> Result<Vec<RoleName>, ServiceError> {
    let mut names: Vec<RoleName> = cmmc_store::auth::role_names(db, user_id)
        .await?
        .iter()
        .filter_map(|name| name.parse().ok())
        .collect();
    names.sort();
    Ok(names)
}

/// Hashes `password` with bcrypt off the async threads.
pub(crate) async fn hash_password(password: &Password, cost: u32) -> Result<String, ServiceError> {
    let password = password.expose().to_owned();
    tokio::task::spawn_blocking(move || bcrypt::hash(password, cost))
        .await
        .map_err(|err| anyhow::format_err!("hashing task failed: {err}"))?
        .map_err(|err| ServiceError::Unexpected(anyhow::format_err!("bcrypt failed: {err}")))
}

/// Checks `password` against a bcrypt hash off the async threads.
pub(crate) async fn verify_password(password: &str, hash: &str) -> Result<bool, ServiceError> {
    let (password, hash) = (password.to_owned(), hash.to_owned());
    tokio::task::spawn_blocking(move || bcrypt::verify(password, &hash).unwrap_or(false))
        .await
        .map_err(|err| {
            ServiceError::Unexpected(anyhow::format_err!("verification task failed: {err}"))
        })
}

/// Finds a user by username or email, case-insensitively.
async fn find_by_login<C: ConnectionTrait>(
    db: &C,
    login: &str,
) -> Result<Option<users::Model>, ServiceError> {
    let login = login.trim().to_lowercase();
    Ok(users::Entity::find()
        .filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(users::Column::Username))).eq(login.clone()))
                .add(Expr::expr(Func::lower(Expr::col(users::Column::Email))).eq(login)),
        )
        .one(db)
        .await?)
}

impl Services {
    /// Signs in with a username or email and a password.
    ///
    /// After `max_failed_logins` failures within `lockout`, the account is
    /// locked for `lockout`. Every failure answers the same, in about the
    /// same time, and leaves an attempt and an audit row.
    ///
    /// # Errors
    /// [`ServiceError::Unauthenticated`] with [`INVALID_CREDENTIALS`].
    pub async fn login(
        &self,
        login: &str,
        password: &str,
        ip: Option<String>,
    ) -> Result<SignIn, ServiceError> {
        let now = Utc::now();
        let user = if login.trim().is_empty() || login.len() > 256 {
            None
        } else {
            find_by_login(&self.db, login).await?
        };
        let Some(user) = user else {
            // The same work as for a real user.
            let _ = verify_password(password, &self.dummy_hash).await?;
            self.record_failed_login(None, login, ip, "unknown_user", now).await?;
            return Err(unauthenticated());
        };
        let password_ok = verify_password(password, &user.password_hash).await?;
        if let Some(reason) = login_refusal(&user, password_ok, now) {
            self.record_failed_login(Some(&user), login, ip, reason, now).await?;
            return Err(unauthenticated());
        }
        let txn = self.begin_change().await?;
        if self.locked_meanwhile(&txn, &user, now).await? {
            drop(txn);
            self.record_failed_login(Some(&user), login, ip, "locked", now).await?;
            return Err(unauthenticated());
        }
        if user.totp_enabled {
            return self.mfa_challenge(txn, &user, ip, now).await;
        }
        let enrol_only = self.must_enrol(&txn, &user).await?;
        let sign_in = NewSignIn { login, ip, enrol_only, factor: None };
        let tokens = self.start_session(txn, &user, sign_in, now).await?;
        Ok(SignIn::Tokens { tokens, enrol_only })
    }

    /// Opens a sign-in of `user` in `txn` and commits it: the session and its
    /// tokens, a successful attempt, the account unlocked, an `auth.login`
    /// audit row (with the second factor used, if any).
    pub(crate) async fn start_session(
        &self,
        txn: crate::unit_of_work::UnitOfWork,
        user: &users::Model,
        sign_in: NewSignIn<'_>,
        now: DateTime<Utc>,
    ) -> Result<TokenPair, ServiceError> {
        let NewSignIn { login, ip, enrol_only, factor } = sign_in;
        let session_id = Uuid::new_v4().to_string();
        let expires_at = now + to_chrono(self.auth.refresh_token_ttl);
        let mut session = session_row(&session_id, &user.id, ip.clone(), expires_at, now);
        session.enrol_only = Set(enrol_only);
        session.insert(&txn).await?;
        let tokens = self.issue_tokens(&txn, &session_id, now).await?;
        attempt_row(Some(user.id.clone()), login, true, ip.clone(), now).insert(&txn).await?;
        if user.locked_until.is_some() {
            let mut active = user.clone().into_active_model();
            active.locked_until = Set(None);
            active.update(&txn).await?;
        }
        let author = Author { user_id: Some(user.id.clone()), ip_address: ip };
        let details = json!({ "username": user.username, "mfa": factor, "enrol_only": enrol_only });
        let event = AuditEvent::new("auth.login", "session", Some(&session_id), details);
        txn.commit(&author, user.org_id.as_deref(), event).await?;
        Ok(tokens)
    }

    /// Whether `user`, who passed the first checks, may no longer sign in,
    /// re-checked inside the change `txn`: parallel guesses that all passed
    /// the first check cannot sign in once the account has been locked.
    /// A user gone meanwhile is unauthenticated.
    pub(crate) async fn locked_meanwhile<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: &users::Model,
        now: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        let current = users::Entity::find_by_id(user.id.clone())
            .one(txn)
            .await?
            .ok_or_else(unauthenticated)?;
        let limit = u64::from(self.auth.max_failed_logins);
        let failures = self.recent_failures(txn, &user.id, limit, now).await?;
        Ok(current.locked_until.is_some_and(|until| until > Utc::now())
            || !current.is_active
            || failures >= self.auth.max_failed_logins as usize)
    }

    /// How many of `user_id`'s newest `limit` login attempts are failures
    /// within the lockout window before `now`: consecutive failures, back to
    /// the last success.
    async fn recent_failures<C: ConnectionTrait>(
        &self,
        db: &C,
        user_id: &str,
        limit: u64,
        now: DateTime<Utc>,
    ) -> Result<usize, ServiceError> {
        let window_start = now - to_chrono(self.auth.lockout);
        let recent = login_attempts::Entity::find()
            .filter(login_attempts::Column::UserId.eq(user_id))
            .order_by_desc(login_attempts::Column::CreatedAt)
            .limit(limit)
            .all(db)
            .await?;
        Ok(recent.iter().take_while(|a| !a.succeeded && a.created_at > window_start).count())
    }

    async fn issue_tokens<C: ConnectionTrait>(
        &self,
        txn: &C,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TokenPair, ServiceError> {
        let access_token = new_token("cmmc_at_")?;
        let refresh_token = new_token("cmmc_rt_")?;
        let access_ttl = to_chrono(self.auth.access_token_ttl);
        access_tokens::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            session_id: Set(session_id.to_owned()),
            token_hash: Set(token_hash(&access_token)),
            expires_at: Set(now + access_ttl),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        refresh_tokens::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            session_id: Set(session_id.to_owned()),
            token_hash: Set(token_hash(&refresh_token)),
            expires_at: Set(now + to_chrono(self.auth.refresh_token_ttl)),
            used_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(txn)
        .await?;
        Ok(TokenPair { access_token, refresh_token, expires_in: access_ttl.num_seconds() })
    }

    /// Records a failed login (attempt and audit row) and locks the account
    /// when this failure reaches the limit.
    pub(crate) async fn record_failed_login(
        &self,
        user: Option<&users::Model>,
        login: &str,
        ip: Option<String>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let txn = self.begin_change().await?;
        attempt_row(user.map(|u| u.id.clone()), login, false, ip.clone(), now).insert(&txn).await?;
        let author = Author { user_id: user.map(|u| u.id.clone()), ip_address: ip };
        let org_id = user.and_then(|u| u.org_id.as_deref());
        txn.record(&author, org_id, failed_login_event(user, login, reason)).await?;
        if let Some(user) = user
            && (reason == "wrong_password" || reason == "wrong_mfa_code")
            && let Some(event) = self.lock_if_limit_reached(&txn, user, now).await?
        {
            txn.record(&author, org_id, event).await?;
        }
        txn.commit_recorded().await?;
        Ok(())
    }

    /// Locks `user` for the lockout period when their consecutive failures
    /// within the window (this one included) reach the limit; the event to
    /// record when it does.
    async fn lock_if_limit_reached<C: ConnectionTrait>(
        &self,
        txn: &C,
        user: &users::Model,
        now: DateTime<Utc>,
    ) -> Result<Option<AuditEvent>, ServiceError> {
        let limit = u64::from(self.auth.max_failed_logins) + 1;
        let failures = self.recent_failures(txn, &user.id, limit, now).await?;
        if failures < self.auth.max_failed_logins as usize {
            return Ok(None);
        }
        let until = now + to_chrono(self.auth.lockout);
        let mut active = user.clone().into_active_model();
        active.locked_until = Set(Some(until));
        active.updated_at = Set(now);
        active.update(txn).await?;
        Ok(Some(AuditEvent::new(
            "auth.account_locked",
            "user",
            Some(&user.id),
            json!({ "locked_until": until.to_rfc3339(), "failed_logins": failures }),
        )))
    }

    /// Exchanges a refresh token for a new pair. The old one stops working;
    /// presenting a spent one revokes the whole sign-in.
    ///
    /// # Errors
    /// [`ServiceError::Unauthenticated`] for an unknown, spent, expired or revoked token.
    pub async fn refresh(
        &self,
        refresh_token: &str,
        ip: Option<String>,
    ) -> Result<TokenPair, ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let RefreshChain { token, session, user } = refresh_chain(&txn, refresh_token).await?;
        let author = Author { user_id: Some(user.id.clone()), ip_address: ip };
        if token.used_at.is_some() {
            if session.revoked_at.is_none() {
                revoke(&txn, session.clone(), "refresh_token_reuse", now).await?;
                let event = AuditEvent::new(
                    "auth.refresh_token_reuse",
                    "session",
                    Some(&session.id),
                    json!({ "username": user.username, "session_revoked": true }),
                );
                txn.commit(&author, user.org_id.as_deref(), event).await?;
            }
            return Err(invalid_token());
        }
        if refresh_refused(&token, &session, &user, now) {
            return Err(invalid_token());
        }
        if !spend_refresh_token(&txn, &token.id, now).await? {
            return Err(invalid_token());
        }
        let tokens = self.issue_tokens(&txn, &session.id, now).await?;
        let event = AuditEvent::new(
            "auth.refresh",
            "session",
            Some(&session.id),
            json!({ "username": user.username }),
        );
        txn.commit(&author, user.org_id.as_deref(), event).await?;
        Ok(tokens)
    }

    /// Resolves a bearer access token to the user making the request.
    ///
    /// # Errors
    /// [`ServiceError::Unauthenticated`] for an unknown, expired or revoked
    /// token, or a deactivated user.
    pub async fn authenticate(
        &self,
        access_token: &str,
        ip: Option<String>,
    ) -> Result<Actor, ServiceError> {
        let now = Utc::now();
        let owner = cmmc_store::auth::token_owner(&self.db, &token_hash(access_token))
            .await?
            .ok_or_else(invalid_token)?;
        if owner.token_expires_at <= now
            || owner.session_revoked
            || owner.session_expires_at <= now
            || !owner.is_active
        {
            return Err(invalid_token());
        }
        // A sign-in that may only enrol in MFA acts with no role at all.
        let roles = if owner.enrol_only {
            Vec::new()
        } else {
            role_names(&self.db, &owner.user_id).await?
        };
        Ok(Actor {
            user_id: owner.user_id,
            username: owner.username,
            org_id: owner.org_id,
            roles,
            session_id: Some(owner.session_id),
            ip_address: ip,
            mfa_enrolment_only: owner.enrol_only,
        })
    }

    /// Signs out: revokes the actor's session (and the session of
    /// `refresh_token`, when it is the actor's), so its tokens stop working.
    ///
    /// # Errors
    /// Database errors only.
    pub async fn logout(
        &self,
        actor: &Actor,
        refresh_token: Option<&str>,
    ) -> Result<(), ServiceError> {
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let mut session_ids: Vec<String> = actor.session_id.iter().cloned().collect();
        if let Some(refresh_token) = refresh_token
            && let Some(token) = refresh_tokens::Entity::find()
                .filter(refresh_tokens::Column::TokenHash.eq(token_hash(refresh_token)))
                .one(&txn)
                .await?
            && !session_ids.contains(&token.session_id)
        {
            session_ids.push(token.session_id);
        }
        for session_id in session_ids {
            let Some(session) =
                auth_sessions::Entity::find_by_id(session_id.clone()).one(&txn).await?
            else {
                continue;
            };
            if session.user_id != actor.user_id || session.revoked_at.is_some() {
                continue;
            }
            revoke(&txn, session, "logout", now).await?;
            let event = AuditEvent::new(
                "auth.logout",
                "session",
                Some(&session_id),
                json!({ "username": actor.username }),
            );
            txn.record(&Author::from(actor), actor.org_id.as_deref(), event).await?;
        }
        txn.commit_recorded().await?;
        Ok(())
    }

    /// Changes the actor's own password, after checking the current one.
    /// None of the last `password_history` passwords may be reused (3.5.8).
    /// Every other sign-in of the user is revoked.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for a wrong current password, a new
    /// password that breaks the rules or was used recently.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
    ) -> Result<(), ServiceError> {
        let user = users::Entity::find_by_id(actor.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("user"))?;
        if !verify_password(current, &user.password_hash).await? {
            return Err(ServiceError::invalid(
                "current_password",
                "the current password is incorrect",
            ));
        }
        let password = Password::parse(new, &user.username, &user.email)
            .map_err(|err| crate::users::password_refused("new_password", new, err))?;
        self.check_not_recent(&user, &password).await?;
        let hash = hash_password(&password, self.auth.bcrypt_cost).await?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        with_password(&user, &hash, now).update(&txn).await?;
        record_password(&txn, &user.id, &hash, now).await?;
        let keep = actor.session_id.as_deref();
        revoke_sessions_of(&txn, &user.id, keep, "password_change", now).await?;
        let event = AuditEvent::new(
            "auth.password_change",
            "user",
            Some(&user.id),
            json!({ "username": user.username }),
        );
        txn.commit(&Author::from(actor), user.org_id.as_deref(), event).await?;
        Ok(())
    }

    /// Refuses `password` when it is the user's current password or one of
    /// their last `password_history` ones.
    async fn check_not_recent(
        &self,
        user: &users::Model,
        password: &Password,
    ) -> Result<(), ServiceError> {
        let history = password_history::Entity::find()
            .filter(password_history::Column::UserId.eq(&user.id))
            .order_by_desc(password_history::Column::CreatedAt)
            .limit(self.auth.password_history as u64)
            .all(&self.db)
            .await?;
        let mut previous: Vec<String> = vec![user.password_hash.clone()];
        previous.extend(history.into_iter().map(|h| h.password_hash));
        previous.dedup();
        for hash in previous.iter().take(self.auth.password_history) {
            if verify_password(password.expose(), hash).await? {
                return Err(ServiceError::invalid(
                    "new_password",
                    format!("may not be one of the last {} passwords", self.auth.password_history),
                ));
            }
        }
        Ok(())
    }

    /// Resolves the web interface's session cookie, which holds the sign-in's
    /// refresh token, to the user making the request, without spending the
    /// token: the browser keeps one sign-in for its whole life, while every
    /// request re-reads it, so signing out, deactivation and role changes
    /// take effect on the very next page, as they do for access tokens.
    ///
    /// # Errors
    /// [`ServiceError::Unauthenticated`] for an unknown, spent, expired or
    /// revoked token, or a deactivated user.
    pub async fn authenticate_browser(
        &self,
        refresh_token: &str,
        ip: Option<String>,
    ) -> Result<Actor, ServiceError> {
        let now = Utc::now();
        let RefreshChain { token, session, user } = refresh_chain(&self.db, refresh_token).await?;
        if token.used_at.is_some() || refresh_refused(&token, &session, &user, now) {
            return Err(invalid_token());
        }
        self.check_idle(&session, &user, ip.clone(), now).await?;
        let roles =
            if session.enrol_only { Vec::new() } else { role_names(&self.db, &user.id).await? };
        Ok(Actor {
            user_id: user.id,
            username: user.username,
            org_id: user.org_id,
            roles,
            session_id: Some(session.id),
            ip_address: ip,
            mfa_enrolment_only: session.enrol_only,
        })
    }

    /// Ends a browser's sign-in left unused for longer than the idle
    /// timeout (revoked, with an `auth.idle_timeout` audit row), or records
    /// this use when the last one recorded is old enough.
    async fn check_idle(
        &self,
        session: &auth_sessions::Model,
        user: &users::Model,
        ip: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        use cmmc_domain::session::{IdleCheck, idle_check};
        let last_used = session.last_seen_at.unwrap_or(session.created_at);
        match idle_check(last_used, now, to_chrono(self.auth.browser_idle_timeout)) {
            IdleCheck::Active => Ok(()),
            IdleCheck::Touch => {
                auth_sessions::Entity::update_many()
                    .col_expr(auth_sessions::Column::LastSeenAt, Expr::value(now))
                    .filter(auth_sessions::Column::Id.eq(&session.id))
                    .exec(&self.db)
                    .await?;
                Ok(())
            }
            IdleCheck::Expired => {
                let txn = self.begin_change().await?;
                revoke(&txn, session.clone(), "idle_timeout", now).await?;
                let idle_secs = (now - last_used).num_seconds();
                let details = json!({ "username": user.username, "idle_seconds": idle_secs });
                let event =
                    AuditEvent::new("auth.idle_timeout", "session", Some(&session.id), details);
                let author = Author { user_id: Some(user.id.clone()), ip_address: ip };
                txn.commit(&author, user.org_id.as_deref(), event).await?;
                Err(invalid_token())
            }
        }
    }

    /// The signed-in user, with email and roles.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if the user is gone.
    pub async fn me(&self, actor: &Actor) -> Result<crate::users::User, ServiceError> {
        let user = users::Entity::find_by_id(actor.user_id.clone())
            .one(&self.db)
            .await?
            .ok_or_else(|| ServiceError::not_found("user"))?;
        Ok(crate::users::User::of(user, actor.roles.clone()))
    }
}

/// Why `user` may not sign in, judged before any change (`None`: they may).
fn login_refusal(
    user: &users::Model,
    password_ok: bool,
    now: DateTime<Utc>,
) -> Option<&'static str> {
    let locked = user.locked_until.is_some_and(|until| until > now);
    match (user.is_active, locked, password_ok) {
        (false, _, _) => Some("inactive"),
        (true, true, _) => Some("locked"),
        (true, false, false) => Some("wrong_password"),
        (true, false, true) => None,
    }
}

/// A sign-in about to open: the login as typed, where from, whether it may
/// only enrol in MFA, and the second factor used (`totp`, `recovery_code`).
pub(crate) struct NewSignIn<'a> {
    pub(crate) login: &'a str,
    pub(crate) ip: Option<String>,
    pub(crate) enrol_only: bool,
    pub(crate) factor: Option<&'static str>,
}

/// A new, unrevoked sign-in of `user_id`.
fn session_row(
    session_id: &str,
    user_id: &str,
    ip: Option<String>,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> auth_sessions::ActiveModel {
    auth_sessions::ActiveModel {
        id: Set(session_id.to_owned()),
        user_id: Set(user_id.to_owned()),
        ip_address: Set(ip),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        enrol_only: Set(false),
        last_seen_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// A login attempt with `login` as typed (its first 256 characters).
fn attempt_row(
    user_id: Option<String>,
    login: &str,
    succeeded: bool,
    ip: Option<String>,
    now: DateTime<Utc>,
) -> login_attempts::ActiveModel {
    login_attempts::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        user_id: Set(user_id),
        username: Set(login.chars().take(256).collect()),
        succeeded: Set(succeeded),
        ip_address: Set(ip),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// The audit event of a failed login, with `login` as typed (its first 128
/// characters) and the reason.
fn failed_login_event(user: Option<&users::Model>, login: &str, reason: &str) -> AuditEvent {
    let username: String = login.chars().take(128).collect();
    AuditEvent::new(
        "auth.login_failed",
        "user",
        user.map(|u| u.id.as_str()),
        json!({ "username": username, "reason": reason }),
    )
}

/// A refresh token with the session and user it belongs to.
struct RefreshChain {
    token: refresh_tokens::Model,
    session: auth_sessions::Model,
    user: users::Model,
}

/// Looks up `refresh_token`, its session and its user; any of them missing
/// is an invalid token.
async fn refresh_chain<C: ConnectionTrait>(
    txn: &C,
    refresh_token: &str,
) -> Result<RefreshChain, ServiceError> {
    let Some(token) = refresh_tokens::Entity::find()
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash(refresh_token)))
        .one(txn)
        .await?
    else {
        return Err(invalid_token());
    };
    let session = auth_sessions::Entity::find_by_id(token.session_id.clone())
        .one(txn)
        .await?
        .ok_or_else(invalid_token)?;
    let user = users::Entity::find_by_id(session.user_id.clone())
        .one(txn)
        .await?
        .ok_or_else(invalid_token)?;
    Ok(RefreshChain { token, session, user })
}

/// Whether an unspent refresh token may not be exchanged: it or its
/// session expired, the session was revoked, or the user deactivated.
fn refresh_refused(
    token: &refresh_tokens::Model,
    session: &auth_sessions::Model,
    user: &users::Model,
    now: DateTime<Utc>,
) -> bool {
    token.expires_at <= now
        || session.revoked_at.is_some()
        || session.expires_at <= now
        || !user.is_active
}

/// Spends the refresh token `token_id`, only if nobody spent it at the same
/// moment; whether this call did.
async fn spend_refresh_token<C: ConnectionTrait>(
    txn: &C,
    token_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, ServiceError> {
    let spent = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(refresh_tokens::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token_id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(txn)
        .await?;
    Ok(spent.rows_affected == 1)
}

/// `user` with the new password `hash`, changed `now`, ready to update.
fn with_password(user: &users::Model, hash: &str, now: DateTime<Utc>) -> users::ActiveModel {
    let mut active = user.clone().into_active_model();
    active.password_hash = Set(hash.to_owned());
    active.password_changed_at = Set(Some(now));
    active.updated_at = Set(now);
    active
}

/// Revokes every sign-in of `user_id` not revoked yet, except the session
/// `keep` (when given).
pub(crate) async fn revoke_sessions_of<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    keep: Option<&str>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let sessions = auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .all(db)
        .await?;
    for session in sessions {
        if keep != Some(session.id.as_str()) {
            revoke(db, session, reason, now).await?;
        }
    }
    Ok(())
}

/// Marks a session revoked.
pub(crate) async fn revoke<C: ConnectionTrait>(
    txn: &C,
    session: auth_sessions::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let mut active = session.into_active_model();
    active.revoked_at = Set(Some(now));
    active.revoked_reason = Set(Some(reason.to_owned()));
    active.updated_at = Set(now);
    active.update(txn).await?;
    Ok(())
}

/// Adds a password hash to the user's history.
pub(crate) async fn record_password<C: ConnectionTrait>(
    txn: &C,
    user_id: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    password_history::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        user_id: Set(user_id.to_owned()),
        password_hash: Set(hash.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = new_token("cmmc_at_").unwrap();
        let b = new_token("cmmc_at_").unwrap();
        assert!(a.starts_with("cmmc_at_"));
        assert_eq!(a.len(), 8 + 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn token_pairs_never_print_their_tokens() {
        let pair = TokenPair {
            access_token: "secret-a".into(),
            refresh_token: "secret-r".into(),
            expires_in: 900,
        };
        let printed = format!("{pair:?}");
        assert!(!printed.contains("secret"), "{printed}");
    }
}
