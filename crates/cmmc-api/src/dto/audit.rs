//! The bodies and queries of the audit trail routes.

use cmmc_services::audit::Verification;
use serde::{Deserialize, Serialize};

/// The query of GET /api/audit: every filter is optional and they combine.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AuditQuery {
    /// An organisation's id: a system administrator sees every organisation's
    /// rows, or this one's; anyone else sees their own organisation's (and
    /// nothing when naming another).
    pub(crate) org_id: Option<String>,
    /// Rows of this user (by id).
    pub(crate) user_id: Option<String>,
    /// Rows of this action, such as `organization.update`.
    pub(crate) action: Option<String>,
    /// Rows about this kind of resource, such as `user`.
    pub(crate) resource_type: Option<String>,
    /// Rows about this resource (by id).
    pub(crate) resource_id: Option<String>,
    /// RFC 3339, inclusive.
    #[param(format = DateTime)]
    pub(crate) from: Option<String>,
    /// RFC 3339, exclusive.
    #[param(format = DateTime)]
    pub(crate) to: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub(crate) page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub(crate) per_page: Option<u64>,
}

/// The query of GET /api/audit/verify.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct VerifyQuery {
    /// The organisation whose chain to walk. A system administrator may name
    /// any (without it: every chain); anyone else only their own.
    pub(crate) org_id: Option<String>,
}

/// The answer of GET /api/audit/verify. The fields are in the order the
/// answer has always written them.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AuditVerification)]
pub(crate) struct VerificationDto {
    /// How many rows were checked.
    checked: u64,
    /// The first row that was changed, inserted out of order, or follows a
    /// removed row; null when none is, or when the fault is not one row's
    /// (an altered chain head).
    first_invalid_id: Option<String>,
    /// What is wrong; null when the trail is intact.
    problem: Option<String>,
    /// Whether every chain walked is intact.
    valid: bool,
}

impl From<Verification> for VerificationDto {
    fn from(res: Verification) -> Self {
        Self {
            checked: res.checked,
            first_invalid_id: res.first_invalid_id,
            problem: res.problem,
            valid: res.valid,
        }
    }
}
