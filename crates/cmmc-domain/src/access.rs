//! Who may do what: the permission matrix (role x action).
//!
//! The services ask [`allows`] before every action; ARCHITECTURE.md prints the
//! same matrix, and a test keeps the two identical. Tenant scoping (a user
//! sees only its own organisation's data, a system administrator every
//! organisation's) is applied on top of this matrix by the services.

use std::fmt;

use crate::RoleName;

/// Everything a user can ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    UserRead,
    UserCreate,
    UserUpdate,
    UserRolesChange,
    AuditRead,
    AssessmentRead,
    AssessmentManage,
    PracticeEvaluate,
    FindingManage,
    PoamManage,
    EvidenceUpload,
    EvidenceReview,
    DataPactConfigure,
    DataPactSync,
    RiskManage,
    RiskAccept,
}

impl Action {
    pub const ALL: [Self; 19] = [
        Self::OrganizationCreate,
        Self::OrganizationRead,
        Self::OrganizationUpdate,
        Self::UserRead,
        Self::UserCreate,
        Self::UserUpdate,
        Self::UserRolesChange,
        Self::AuditRead,
        Self::AssessmentRead,
        Self::AssessmentManage,
        Self::PracticeEvaluate,
        Self::FindingManage,
        Self::PoamManage,
        Self::EvidenceUpload,
        Self::EvidenceReview,
        Self::DataPactConfigure,
        Self::DataPactSync,
        Self::RiskManage,
        Self::RiskAccept,
    ];

    /// The action's name, as in ARCHITECTURE.md.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OrganizationCreate => "organization.create",
            Self::OrganizationRead => "organization.read",
            Self::OrganizationUpdate => "organization.update",
            Self::UserRead => "user.read",
            Self::UserCreate => "user.create",
            Self::UserUpdate => "user.update",
            Self::UserRolesChange => "user.roles",
            Self::AuditRead => "audit.read",
            Self::AssessmentRead => "assessment.read",
            Self::AssessmentManage => "assessment.manage",
            Self::PracticeEvaluate => "practice.evaluate",
            Self::FindingManage => "finding.manage",
            Self::PoamManage => "poam.manage",
            Self::EvidenceUpload => "evidence.upload",
            Self::EvidenceReview => "evidence.review",
            Self::DataPactConfigure => "datapact.configure",
            Self::DataPactSync => "datapact.sync",
            Self::RiskManage => "risk.manage",
            Self::RiskAccept => "risk.accept",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `role` may perform `action` (within its organisation; a system
/// administrator within every organisation).
#[must_use]
pub const fn allows(role: RoleName, action: Action) -> bool {
    use Action as A;
    use RoleName as R;
    match role {
        R::SystemAdmin => true,
        R::OrgAdmin => matches!(
            action,
            A::AssessmentRead
                | A::AssessmentManage
                | A::FindingManage
                | A::PoamManage
                | A::EvidenceUpload
                | A::DataPactConfigure
                | A::DataPactSync
                | A::OrganizationRead
                | A::OrganizationUpdate
                | A::UserRead
                | A::UserCreate
                | A::UserUpdate
                | A::UserRolesChange
                | A::AuditRead
                | A::RiskManage
                | A::RiskAccept
        ),
        R::ComplianceOfficer => matches!(
            action,
            A::OrganizationRead
                | A::AssessmentRead
                | A::AssessmentManage
                | A::PracticeEvaluate
                | A::FindingManage
                | A::PoamManage
                | A::EvidenceUpload
                | A::DataPactSync
                | A::RiskManage
                | A::RiskAccept
        ),
        R::C3paoLead => matches!(
            action,
            A::OrganizationRead
                | A::AssessmentRead
                | A::AssessmentManage
                | A::PracticeEvaluate
                | A::FindingManage
                | A::PoamManage
                | A::EvidenceUpload
                | A::EvidenceReview
                | A::DataPactSync
        ),
        R::Assessor => matches!(
            action,
            A::OrganizationRead
                | A::AssessmentRead
                | A::PracticeEvaluate
                | A::FindingManage
                | A::EvidenceUpload
                | A::EvidenceReview
                | A::DataPactSync
        ),
        R::Viewer => matches!(action, A::OrganizationRead | A::AssessmentRead),
    }
}

/// Whether any of `roles` allows `action`.
#[must_use]
pub fn any_allows(roles: &[RoleName], action: Action) -> bool {
    roles.iter().any(|role| allows(*role, action))
}

/// Whether a user holding `granter_roles` may give someone `role`: only a
/// system administrator makes system administrators; an organisation
/// administrator gives any other role within its organisation.
#[must_use]
pub fn may_assign_role(granter_roles: &[RoleName], role: RoleName) -> bool {
    if role == RoleName::SystemAdmin {
        granter_roles.contains(&RoleName::SystemAdmin)
    } else {
        any_allows(granter_roles, Action::UserRolesChange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_admins_may_do_everything() {
        for action in Action::ALL {
            assert!(allows(RoleName::SystemAdmin, action), "{action}");
        }
    }

    #[test]
    fn only_system_admins_create_organisations() {
        for role in RoleName::ALL {
            assert_eq!(
                allows(*role, Action::OrganizationCreate),
                *role == RoleName::SystemAdmin,
                "{role}"
            );
        }
    }

    #[test]
    fn org_admins_manage_users_and_read_the_audit_trail() {
        for action in
            [Action::UserCreate, Action::UserUpdate, Action::UserRolesChange, Action::AuditRead]
        {
            assert!(allows(RoleName::OrgAdmin, action));
            for role in [
                RoleName::ComplianceOfficer,
                RoleName::Assessor,
                RoleName::C3paoLead,
                RoleName::Viewer,
            ] {
                assert!(!allows(role, action), "{role} {action}");
            }
        }
    }

    #[test]
    fn every_role_reads_its_own_organisation() {
        for role in RoleName::ALL {
            assert!(allows(*role, Action::OrganizationRead));
        }
    }

    #[test]
    fn only_system_admins_grant_system_admin() {
        assert!(may_assign_role(&[RoleName::SystemAdmin], RoleName::SystemAdmin));
        assert!(!may_assign_role(&[RoleName::OrgAdmin], RoleName::SystemAdmin));
        assert!(may_assign_role(&[RoleName::OrgAdmin], RoleName::Assessor));
        assert!(!may_assign_role(&[RoleName::ComplianceOfficer], RoleName::Viewer));
        assert!(!may_assign_role(&[], RoleName::Viewer));
    }

    #[test]
    fn action_names_are_unique() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}

#[cfg(test)]
mod architecture_doc {
    use super::*;

    /// ARCHITECTURE.md prints the matrix; it must say what the code does.
    #[test]
    fn the_matrix_in_architecture_md_is_the_one_enforced() {
        let doc = include_str!("../../../ARCHITECTURE.md");
        let start = doc.find("<!-- permissions:begin -->").expect("the matrix's begin marker");
        let end = doc.find("<!-- permissions:end -->").expect("the matrix's end marker");
        let mut lines = doc[start..end].lines().filter(|l| l.starts_with('|'));
        let header: Vec<&str> =
            lines.next().unwrap().split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
        let roles: Vec<RoleName> = header[1..].iter().map(|r| r.parse().unwrap()).collect();
        assert_eq!(roles, RoleName::ALL);
        let mut seen = Vec::new();
        for line in lines.skip(1) {
            let cells: Vec<&str> =
                line.split('|').map(str::trim).filter(|c| !c.is_empty()).collect();
            let action = Action::ALL
                .iter()
                .find(|a| a.as_str() == cells[0])
                .unwrap_or_else(|| panic!("{}", cells[0]));
            for (role, cell) in roles.iter().zip(&cells[1..]) {
                assert_eq!(allows(*role, *action), *cell == "yes", "{action} for {role}");
            }
            seen.push(*action);
        }
        assert_eq!(seen, Action::ALL, "every action has a row, in order");
    }
}
