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
    /// A sign-in that may only enrol in MFA (the organisation or the
    /// deployment requires it): it holds no roles, and what a role would
    /// allow is refused as [`ServiceError::MfaEnrolmentRequired`].
    pub mfa_enrolment_only: bool,
}

/// The organisations whose data a list may show an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    /// Every organisation (a system administrator who asked for none).
    All,
    /// One organisation.
    One(String),
    /// None: another organisation was asked for, or the actor belongs to none.
    Nothing,
}

impl Visible {
    /// `query` narrowed to these organisations by `column`; `None` when
    /// nothing is visible (answer an empty list without asking the database).
    pub(crate) fn scope<E: sea_orm::EntityTrait>(
        &self,
        query: sea_orm::Select<E>,
        column: E::Column,
    ) -> Option<sea_orm::Select<E>> {
        use sea_orm::{ColumnTrait as _, QueryFilter as _};
        match self {
            Self::All => Some(query),
            Self::One(org_id) => Some(query.filter(column.eq(org_id.as_str()))),
            Self::Nothing => None,
        }
    }
}

impl Actor {
    /// What a list may show this actor, narrowed by the organisation it
    /// `asked` for: a system administrator sees every organisation, or the
    /// one asked for; anyone else their own, and nothing when they ask for
    /// another (never a 403 or 404 that would tell it exists) or belong to none.
    #[must_use]
    pub fn visible_orgs(&self, asked: Option<&str>) -> Visible {
        match (self.is_system_admin(), asked, self.org_id.as_deref()) {
            (true, None, _) => Visible::All,
            (true, Some(org), _) => Visible::One(org.to_owned()),
            (false, _, None) => Visible::Nothing,
            (false, Some(org), Some(own)) if org != own => Visible::Nothing,
            (false, _, Some(own)) => Visible::One(own.to_owned()),
        }
    }

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
        } else if self.mfa_enrolment_only {
            Err(ServiceError::MfaEnrolmentRequired)
        } else {
            Err(ServiceError::Forbidden { action: action.as_str().to_owned() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_show_one_organisation_unless_one_is_a_system_administrator() {
        let admin = actor(None, &[RoleName::SystemAdmin]);
        assert_eq!(admin.visible_orgs(None), Visible::All);
        assert_eq!(admin.visible_orgs(Some("o2")), Visible::One("o2".into()));
        let officer = actor(Some("o1"), &[RoleName::ComplianceOfficer]);
        assert_eq!(officer.visible_orgs(None), Visible::One("o1".into()));
        assert_eq!(officer.visible_orgs(Some("o1")), Visible::One("o1".into()));
        assert_eq!(officer.visible_orgs(Some("o2")), Visible::Nothing);
        assert_eq!(actor(None, &[RoleName::Viewer]).visible_orgs(None), Visible::Nothing);
    }

    #[test]
    fn a_sign_in_that_may_only_enrol_is_told_so() {
        let mut limited = actor(Some("o1"), &[]);
        assert!(matches!(
            limited.require(Action::AssessmentRead),
            Err(ServiceError::Forbidden { .. })
        ));
        limited.mfa_enrolment_only = true;
        assert!(matches!(
            limited.authorize(Action::AssessmentRead, "o1", "assessment"),
            Err(ServiceError::MfaEnrolmentRequired)
        ));
        assert!(matches!(
            limited.authorize(Action::AssessmentRead, "o2", "assessment"),
            Err(ServiceError::NotFound { .. })
        ));
    }

    fn actor(org: Option<&str>, roles: &[RoleName]) -> Actor {
        Actor {
            user_id: "u".into(),
            username: "u".into(),
            org_id: org.map(str::to_owned),
            roles: roles.to_vec(),
            session_id: None,
            ip_address: None,
            mfa_enrolment_only: false,
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
