//! Who is asking: the signed-in user, their organisation and roles.

use cmmc_domain::RoleName;
use cmmc_domain::access::{self, Action};

use crate::ServiceError;

/// A signed-in user making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: String,
    pub username: String,
    /// None for system administrators who belong to no organisation.
    pub org_id: Option<String>,
    pub roles: Vec<RoleName>,
    /// The session the request's token belongs to.
    pub session_id: Option<String>,
    /// Where the request came from, for the audit trail.
    pub ip_address: Option<String>,
}

impl Actor {
    #[must_use]
    pub fn is_system_admin(&self) -> bool {
        self.roles.contains(&RoleName::SystemAdmin)
    }

    /// Whether the actor may see data of `org_id` at all (tenant isolation).
    #[must_use]
    pub fn sees_org(&self, org_id: &str) -> bool {
        self.is_system_admin() || self.org_id.as_deref() == Some(org_id)
    }

    /// Allows `action` on data of `org_id`, or refuses: another organisation's
    /// data is reported as not found, exactly as missing data is.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] (`what`) for another organisation;
    /// [`ServiceError::Forbidden`] when the roles do not allow `action`.
    pub fn authorize(&self, action: Action, org_id: &str, what: &str) -> Result<(), ServiceError> {
        if !self.sees_org(org_id) {
            return Err(ServiceError::not_found(what));
        }
        self.require(action)
    }

    /// Allows `action` by role alone.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] when no role allows it.
    pub fn require(&self, action: Action) -> Result<(), ServiceError> {
        if access::any_allows(&self.roles, action) {
            Ok(())
        } else {
            Err(ServiceError::Forbidden { action: action.as_str().to_owned() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(org: Option<&str>, roles: &[RoleName]) -> Actor {
        Actor {
            user_id: "u".into(),
            username: "u".into(),
            org_id: org.map(str::to_owned),
            roles: roles.to_vec(),
            session_id: None,
            ip_address: None,
        }
    }

    #[test]
    fn another_organisation_reads_as_not_found_before_roles_are_checked() {
        let viewer = actor(Some("a"), &[RoleName::Viewer]);
        assert!(matches!(
            viewer.authorize(Action::UserCreate, "b", "user"),
            Err(ServiceError::NotFound { .. })
        ));
        assert!(matches!(
            viewer.authorize(Action::UserCreate, "a", "user"),
            Err(ServiceError::Forbidden { .. })
        ));
        assert!(viewer.authorize(Action::OrganizationRead, "a", "organization").is_ok());
    }

    #[test]
    fn system_admins_see_every_organisation() {
        let admin = actor(None, &[RoleName::SystemAdmin]);
        assert!(admin.authorize(Action::UserCreate, "any", "user").is_ok());
    }
}
