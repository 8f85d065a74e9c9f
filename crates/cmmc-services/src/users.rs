//! Users of an organisation and their roles.

use chrono::{DateTime, Utc};
use cmmc_domain::access::{self, Action};
use cmmc_domain::{Email, Password, RoleName, Username};
use cmmc_store::entities::{roles, user_roles, users};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{AuditEvent, Author};
use crate::auth::{hash_password, record_password, revoke_sessions_of, role_names};
use crate::{Actor, ServiceError, Services};

/// A user as callers see it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub email: String,
    pub org_id: Option<String>,
    pub is_active: bool,
    /// May affirm in their own name as the organisation's Affirming Official.
    pub senior_official: bool,
    /// Signs in with a TOTP code as a second factor.
    pub mfa_enabled: bool,
    pub roles: Vec<RoleName>,
    pub locked_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub(crate) fn of(row: users::Model, roles: Vec<RoleName>) -> Self {
        Self {
            id: row.id,
            username: row.username,
            email: row.email,
            org_id: row.org_id,
            is_active: row.is_active,
            senior_official: row.senior_official,
            mfa_enabled: row.totp_enabled,
            roles,
            locked_until: row.locked_until,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A new user, as given.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub email: String,
    pub password: String,
    pub roles: Vec<String>,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// Changes to a user: `None` leaves a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    pub email: Option<String>,
    pub is_active: Option<bool>,
    /// Marks (or unmarks) the user as a senior official who may affirm.
    pub senior_official: Option<bool>,
}

fn parse_roles(names: &[String]) -> Result<Vec<RoleName>, ServiceError> {
    let mut roles = Vec::new();
    for name in names {
        let role: RoleName = name.parse().map_err(|err| ServiceError::invalid("roles", err))?;
        if !roles.contains(&role) {
            roles.push(role);
        }
    }
    roles.sort();
    Ok(roles)
}

async fn username_or_email_taken<C: ConnectionTrait>(
    db: &C,
    username: &str,
    email: &str,
) -> Result<Option<&'static str>, ServiceError> {
    let existing = users::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col(users::Column::Username)))
                        .eq(username.to_lowercase()),
                )
                .add(
                    Expr::expr(Func::lower(Expr::col(users::Column::Email)))
                        .eq(email.to_lowercase()),
                ),
        )
        .all(db)
        .await?;
    Ok(if existing.iter().any(|u| u.username.eq_ignore_ascii_case(username)) {
        Some("username")
    } else if existing.iter().any(|u| u.email.to_lowercase() == email.to_lowercase()) {
        Some("email")
    } else {
        None
    })
}

async fn set_user_roles<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    wanted: &[RoleName],
    now: DateTime<Utc>,
) -> Result<(), ServiceError> {
    user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    if wanted.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = wanted.iter().map(|r| r.as_str()).collect();
    let role_rows = roles::Entity::find().filter(roles::Column::Name.is_in(names)).all(db).await?;
    if role_rows.len() != wanted.len() {
        return Err(ServiceError::Unexpected(anyhow::format_err!(
            "the roles table lacks some of {wanted:?}; run the seed"
        )));
    }
    let rows = role_rows.into_iter().map(|role| user_roles::ActiveModel {
        id: Set(Uuid::new_v4().to_string()),
        user_id: Set(user_id.to_owned()),
        role_id: Set(role.id),
        created_at: Set(now),
        updated_at: Set(now),
    });
    user_roles::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Checks, inside the change, that `actor` may make `before` (the user
/// `user_id`) take `email`: a system administrator is changed only by
/// another one, and an email in use by someone else is a conflict.
async fn check_user_update<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    user_id: &str,
    before: &users::Model,
    email: Option<&Email>,
) -> Result<(), ServiceError> {
    if !actor.is_system_admin() && role_names(db, user_id).await?.contains(&RoleName::SystemAdmin) {
        return Err(ServiceError::Forbidden {
            action: "change a system administrator's account".into(),
        });
    }
    if let Some(email) = email
        && !email.as_str().eq_ignore_ascii_case(&before.email)
        && username_or_email_taken(db, "", email.as_str()).await? == Some("email")
    {
        return Err(ServiceError::Conflict("a user with this email already exists".into()));
    }
    Ok(())
}

/// `before` with the given email, active flag and senior-official mark
/// (`None` leaves a field),
/// stamped `now`, ready to update.
fn changed_user(
    before: &users::Model,
    email: Option<Email>,
    changes: &UserChanges,
    now: DateTime<Utc>,
) -> users::ActiveModel {
    let mut active = before.clone().into_active_model();
    if let Some(email) = email {
        active.email = Set(email.into_inner());
    }
    if let Some(is_active) = changes.is_active {
        active.is_active = Set(is_active);
    }
    if let Some(senior_official) = changes.senior_official {
        active.senior_official = Set(senior_official);
    }
    active.updated_at = Set(now);
    active
}

/// The audit event of an update from `before` to `after`: the changed
/// fields, before and after, under an action that names a (de)activation.
fn user_update_event(user_id: &str, before: &users::Model, after: &users::Model) -> AuditEvent {
    let mut details = serde_json::Map::new();
    if before.email != after.email {
        details.insert("email".into(), json!({ "before": before.email, "after": after.email }));
    }
    if before.is_active != after.is_active {
        details.insert(
            "is_active".into(),
            json!({ "before": before.is_active, "after": after.is_active }),
        );
    }
    if before.senior_official != after.senior_official {
        details.insert(
            "senior_official".into(),
            json!({ "before": before.senior_official, "after": after.senior_official }),
        );
    }
    let action = match (before.is_active, after.is_active) {
        (true, false) => "user.deactivate",
        (false, true) => "user.reactivate",
        _ => "user.update",
    };
    AuditEvent::new(action, "user", Some(user_id), serde_json::Value::Object(details))
}

impl Services {
    async fn insert_user(
        &self,
        author: &Author,
        org_id: Option<&str>,
        new: NewUser,
        action: &str,
    ) -> Result<User, ServiceError> {
        let username =
            Username::parse(&new.username).map_err(|err| ServiceError::invalid("username", err))?;
        let email = Email::parse(&new.email).map_err(|err| ServiceError::invalid("email", err))?;
        let password = Password::parse(&new.password, username.as_str(), email.as_str())
            .map_err(|err| password_refused("password", &new.password, err))?;
        let roles = parse_roles(&new.roles)?;
        if let Some(field) =
            username_or_email_taken(&self.db, username.as_str(), email.as_str()).await?
        {
            return Err(ServiceError::Conflict(format!("a user with this {field} already exists")));
        }
        let hash = hash_password(&password, self.auth.bcrypt_cost).await?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let row = users::ActiveModel {
            id: Set(Uuid::new_v4().to_string()),
            username: Set(username.into_inner()),
            email: Set(email.into_inner()),
            password_hash: Set(hash.clone()),
            org_id: Set(org_id.map(str::to_owned)),
            is_active: Set(true),
            senior_official: Set(false),
            locked_until: Set(None),
            password_changed_at: Set(Some(now)),
            totp_secret: Set(None),
            totp_enabled: Set(false),
            totp_last_step: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        set_user_roles(&txn, &row.id, &roles, now).await?;
        record_password(&txn, &row.id, &hash, now).await?;
        let role_names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let event = AuditEvent::new(
            action,
            "user",
            Some(&row.id),
            json!({ "username": row.username, "email": row.email, "org_id": row.org_id, "roles": role_names }),
        );
        txn.commit(author, org_id, event).await?;
        Ok(User::of(row, roles))
    }

    /// Creates a user in `org_id` with `roles` (that organisation's org_admin,
    /// or a system administrator; only a system administrator grants system_admin).
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for a bad field or password;
    /// [`ServiceError::Conflict`] for a username or email in use (compared
    /// case-insensitively); [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn create_user(
        &self,
        actor: &Actor,
        org_id: &str,
        new: NewUser,
    ) -> Result<User, ServiceError> {
        actor.authorize(Action::UserCreate, org_id, "organization")?;
        let roles = parse_roles(&new.roles)?;
        if let Some(role) = roles.iter().find(|role| !access::may_assign_role(&actor.roles, **role))
        {
            return Err(ServiceError::Forbidden { action: format!("grant {role}") });
        }
        self.get_organization(actor, org_id).await?;
        self.insert_user(&Author::from(actor), Some(org_id), new, "user.create").await
    }

    /// Creates a system administrator who belongs to no organisation: the
    /// first account of a deployment (`cargo xtask create-admin`).
    ///
    /// # Errors
    /// As for [`Services::create_user`].
    pub async fn create_system_admin(
        &self,
        username: &str,
        email: &str,
        password: &str,
    ) -> Result<User, ServiceError> {
        let new = NewUser {
            username: username.to_owned(),
            email: email.to_owned(),
            password: password.to_owned(),
            roles: vec![RoleName::SystemAdmin.as_str().to_owned()],
        };
        self.insert_user(&Author::default(), None, new, "user.create_system_admin").await
    }

    /// Acts as an existing, active user without a sign-in: for jobs and
    /// services that use the crates as a library (a nightly report running
    /// as its service account). Everything done is authorised and audited as
    /// that user, exactly as through the API.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] when no active user has that name.
    pub async fn act_as(&self, username: &str) -> Result<crate::Actor, ServiceError> {
        let user = self
            .find_user_by_username(username)
            .await?
            .filter(|user| user.is_active)
            .ok_or_else(|| ServiceError::not_found(format!("active user {username:?}")))?;
        Ok(crate::Actor {
            user_id: user.id,
            username: user.username,
            org_id: user.org_id,
            roles: user.roles,
            session_id: None,
            ip_address: None,
            mfa_enrolment_only: false,
        })
    }

    /// The user with `username` (case-insensitively), for operator tools.
    ///
    /// # Errors
    /// Database errors only.
    pub async fn find_user_by_username(
        &self,
        username: &str,
    ) -> Result<Option<User>, ServiceError> {
        let row = users::Entity::find()
            .filter(
                Expr::expr(Func::lower(Expr::col(users::Column::Username)))
                    .eq(username.to_lowercase()),
            )
            .one(&self.db)
            .await?;
        match row {
            Some(row) => {
                let roles = role_names(&self.db, &row.id).await?;
                Ok(Some(User::of(row, roles)))
            }
            None => Ok(None),
        }
    }

    /// The users of `org_id`, by username.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn list_users(&self, actor: &Actor, org_id: &str) -> Result<Vec<User>, ServiceError> {
        actor.authorize(Action::UserRead, org_id, "organization")?;
        let rows = users::Entity::find()
            .filter(users::Column::OrgId.eq(org_id))
            .order_by_asc(users::Column::Username)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let roles = role_names(&self.db, &row.id).await?;
            out.push(User::of(row, roles));
        }
        Ok(out)
    }

    async fn user_in_org<C: ConnectionTrait>(
        &self,
        db: &C,
        org_id: &str,
        user_id: &str,
    ) -> Result<users::Model, ServiceError> {
        users::Entity::find_by_id(user_id.to_owned())
            .filter(users::Column::OrgId.eq(org_id))
            .one(db)
            .await?
            .ok_or_else(|| ServiceError::not_found("user"))
    }

    /// One user of `org_id`.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn get_user(
        &self,
        actor: &Actor,
        org_id: &str,
        user_id: &str,
    ) -> Result<User, ServiceError> {
        actor.authorize(Action::UserRead, org_id, "user")?;
        let row = self.user_in_org(&self.db, org_id, user_id).await?;
        let roles = role_names(&self.db, &row.id).await?;
        Ok(User::of(row, roles))
    }

    /// Changes a user's email or deactivates / reactivates them. A deactivated
    /// user's sign-ins are revoked at once. Nobody deactivates themselves.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`], [`ServiceError::Conflict`],
    /// [`ServiceError::Forbidden`] / [`ServiceError::NotFound`].
    pub async fn update_user(
        &self,
        actor: &Actor,
        org_id: &str,
        user_id: &str,
        changes: UserChanges,
    ) -> Result<User, ServiceError> {
        actor.authorize(Action::UserUpdate, org_id, "user")?;
        let email = changes
            .email
            .as_deref()
            .map(Email::parse)
            .transpose()
            .map_err(|err| ServiceError::invalid("email", err))?;
        if changes.is_active == Some(false) && user_id == actor.user_id {
            return Err(ServiceError::Conflict("you cannot deactivate your own account".into()));
        }
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let before = self.user_in_org(&txn, org_id, user_id).await?;
        check_user_update(&txn, actor, user_id, &before, email.as_ref()).await?;
        let after = changed_user(&before, email, &changes, now).update(&txn).await?;
        if before.is_active && !after.is_active {
            revoke_sessions_of(&txn, user_id, None, "deactivated", now).await?;
        }
        let event = user_update_event(user_id, &before, &after);
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        let roles = role_names(&self.db, user_id).await?;
        Ok(User::of(after, roles))
    }

    /// Replaces a user's roles.
    ///
    /// # Errors
    /// [`ServiceError::InvalidInput`] for an unknown role; [`ServiceError::Forbidden`]
    /// for granting or removing system_admin without being one, or for an
    /// org_admin removing their own org_admin role; [`ServiceError::NotFound`].
    pub async fn set_roles(
        &self,
        actor: &Actor,
        org_id: &str,
        user_id: &str,
        roles: &[String],
    ) -> Result<User, ServiceError> {
        actor.authorize(Action::UserRolesChange, org_id, "user")?;
        let wanted = parse_roles(roles)?;
        let now = Utc::now();
        let txn = self.begin_change().await?;
        let user = self.user_in_org(&txn, org_id, user_id).await?;
        let current = role_names(&txn, user_id).await?;
        for role in current
            .iter()
            .filter(|r| !wanted.contains(r))
            .chain(wanted.iter().filter(|r| !current.contains(r)))
        {
            if !access::may_assign_role(&actor.roles, *role) {
                return Err(ServiceError::Forbidden { action: format!("grant or remove {role}") });
            }
        }
        if user_id == actor.user_id
            && current.contains(&RoleName::OrgAdmin)
            && !wanted.contains(&RoleName::OrgAdmin)
        {
            return Err(ServiceError::Conflict("you cannot remove your own org_admin role".into()));
        }
        set_user_roles(&txn, user_id, &wanted, now).await?;
        let before: Vec<&str> = current.iter().map(|r| r.as_str()).collect();
        let after: Vec<&str> = wanted.iter().map(|r| r.as_str()).collect();
        let event = AuditEvent::new(
            "user.roles_change",
            "user",
            Some(user_id),
            json!({ "roles": { "before": before, "after": after } }),
        );
        txn.commit(&Author::from(actor), Some(org_id), event).await?;
        Ok(User::of(user, wanted))
    }
}

/// A refused password: 400 when it breaks a rule a schema states (length,
/// control characters), 422 when it breaks one that needs more.
pub(crate) fn password_refused(
    field: &str,
    text: &str,
    err: cmmc_domain::IdentityError,
) -> ServiceError {
    if Password::is_well_formed(text) {
        ServiceError::unprocessable(field, err)
    } else {
        ServiceError::invalid(field, err)
    }
}
