//! System security plans: the bodies of the SSP routes.

use cmmc_domain::ssp::Person;
use cmmc_services::ssps::{PersonFields, Ssp, SspStatement};
use serde::{Deserialize, Serialize};

/// A person the SSP names.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SspPersonRequest)]
pub(crate) struct PersonBody {
    /// `system_owner`, `security_official` or `point_of_contact`.
    #[schema(pattern = "^(system_owner|security_official|point_of_contact)$")]
    pub(crate) role: String,
    /// 1 to 256 characters on one line.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) name: String,
    /// Their title, up to 256 characters.
    #[schema(max_length = 256)]
    pub(crate) title: Option<String>,
    /// An email address.
    pub(crate) email: String,
    /// Digits, spaces and `+ - ( ) . x`, up to 32 characters.
    #[schema(pattern = "^[0-9 +()x.-]*[0-9][0-9 +()x.-]*$", max_length = 32)]
    pub(crate) phone: Option<String>,
}

impl From<PersonBody> for PersonFields {
    fn from(p: PersonBody) -> Self {
        Self { role: p.role, name: p.name, title: p.title, email: p.email, phone: p.phone }
    }
}

/// A new SSP: its first version, a draft.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "CUI enclave SSP", "version": "1.0",
    "system_description": "The engineering enclave that stores and processes CUI for DoD programs.",
    "scope_type": "enclave", "boundary_description": "VLAN 20, the file server and 25 managed laptops.",
    "cage_codes": ["1ABC2"],
    "people": [{"role": "system_owner", "name": "Pat Doe", "title": "CIO", "email": "pat@example.com", "phone": "+1 555 0100"}]
}))]
pub(crate) struct CreateSsp {
    /// 1 to 256 characters on one line.
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) name: String,
    /// 1 to 64 characters on one line, unique with the name in the organisation.
    #[schema(min_length = 1, max_length = 64)]
    pub(crate) version: String,
    /// The CMMC level it covers, 1 to 3; the organisation's target level when left out.
    #[schema(minimum = 1, maximum = 3)]
    #[serde(default, deserialize_with = "crate::dto::optional_integer")]
    pub(crate) level: Option<i64>,
    /// Up to 10 000 characters, not blank.
    #[schema(min_length = 1, max_length = 10000)]
    pub(crate) system_description: String,
    /// `enterprise`, `enclave` or `contract`.
    #[schema(pattern = "^(enterprise|enclave|contract)$")]
    pub(crate) scope_type: String,
    /// The authorisation boundary: up to 10 000 characters, not blank.
    #[schema(min_length = 1, max_length = 10000)]
    pub(crate) boundary_description: String,
    /// The environment of operation, up to 10 000 characters.
    #[schema(max_length = 10000)]
    pub(crate) environment: Option<String>,
    /// CAGE codes it covers: 5 letters and digits each, at most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub(crate) cage_codes: Vec<String>,
    /// Its people: at most 50.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub(crate) people: Vec<PersonBody>,
}

/// Changes to a draft version: a field left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "boundary_description": "VLAN 20 and 30.", "cage_codes": ["1ABC2", "3XYZ4"] }))]
pub(crate) struct UpdateSsp {
    #[schema(min_length = 1, max_length = 256)]
    pub(crate) name: Option<String>,
    #[schema(min_length = 1, max_length = 64)]
    pub(crate) version: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub(crate) system_description: Option<String>,
    #[schema(pattern = "^(enterprise|enclave|contract)$")]
    pub(crate) scope_type: Option<String>,
    #[schema(min_length = 1, max_length = 10000)]
    pub(crate) boundary_description: Option<String>,
    /// Null or empty clears it.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    #[schema(value_type = Option<String>, max_length = 10000)]
    pub(crate) environment: Option<Option<String>>,
    #[schema(max_items = 50)]
    pub(crate) cage_codes: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub(crate) people: Option<Vec<PersonBody>>,
}

/// How one requirement is implemented.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SspStatementRequest, example = json!({
    "implementation_status": "implemented",
    "narrative": "Accounts are requested in the IAM portal, approved by the data owner and reviewed quarterly.",
    "responsible_role": "IT manager", "objectives": ["a", "b"]
}))]
pub(crate) struct StatementBody {
    /// `implemented`, `partially_implemented`, `planned`,
    /// `alternative_implementation` or `not_applicable`.
    #[schema(
        pattern = "^(implemented|partially_implemented|planned|alternative_implementation|not_applicable)$"
    )]
    pub(crate) implementation_status: String,
    /// How it is met (or, when not applicable, why): up to 10 000 characters, not blank.
    #[schema(min_length = 1, max_length = 10000)]
    pub(crate) narrative: String,
    /// Who carries it out, up to 256 characters.
    #[schema(max_length = 256)]
    pub(crate) responsible_role: Option<String>,
    /// Required when planned; allowed when partially implemented; otherwise refused (422).
    pub(crate) planned_date: Option<chrono::NaiveDate>,
    /// Objective labels of the practice it addresses (`a`, `b`, ...); others are refused (422).
    #[serde(default)]
    pub(crate) objectives: Vec<String>,
}

/// A new version: its label (by default the last number of the old one, one up).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewSspVersion, example = json!({ "version": "2.0" }))]
pub(crate) struct NewVersionBody {
    #[schema(min_length = 1, max_length = 64)]
    pub(crate) version: Option<String>,
}

/// A person the SSP names.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SspPerson)]
pub(crate) struct PersonDto<'a> {
    role: &'static str,
    name: &'a str,
    title: Option<&'a str>,
    email: &'a str,
    phone: Option<&'a str>,
}

impl<'a> From<&'a Person> for PersonDto<'a> {
    fn from(p: &'a Person) -> Self {
        Self {
            role: p.role.as_str(),
            name: &p.name,
            title: p.title.as_deref(),
            email: &p.email,
            phone: p.phone.as_deref(),
        }
    }
}

/// One SSP version.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Ssp)]
pub(crate) struct SspDto<'a> {
    id: &'a str,
    org_id: &'a str,
    name: &'a str,
    version: &'a str,
    /// The CMMC level whose requirements it states.
    level: i32,
    /// The version's date: the day it was published; null while a draft.
    ssp_date: Option<chrono::NaiveDate>,
    system_description: &'a str,
    /// `enterprise`, `enclave` or `contract`.
    scope_type: &'static str,
    boundary_description: &'a str,
    environment: Option<&'a str>,
    cage_codes: &'a [String],
    people: Vec<PersonDto<'a>>,
    /// `draft` or `published` (immutable).
    status: &'static str,
    /// The version it was copied from.
    previous_id: Option<&'a str>,
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    published_by: Option<&'a str>,
    created_by: &'a str,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a Ssp> for SspDto<'a> {
    fn from(s: &'a Ssp) -> Self {
        Self {
            id: &s.id,
            org_id: &s.org_id,
            name: &s.name,
            version: &s.version,
            level: s.level.number(),
            ssp_date: s.ssp_date,
            system_description: &s.system_description,
            scope_type: s.scope_type.as_str(),
            boundary_description: &s.boundary_description,
            environment: s.environment.as_deref(),
            cage_codes: &s.cage_codes,
            people: s.people.iter().map(PersonDto::from).collect(),
            status: s.status.as_str(),
            previous_id: s.previous_id.as_deref(),
            published_at: s.published_at,
            published_by: s.published_by.as_deref(),
            created_by: &s.created_by,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// One requirement's implementation statement.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = SspStatement)]
pub(crate) struct StatementDto<'a> {
    id: &'a str,
    ssp_id: &'a str,
    practice_id: &'a str,
    implementation_status: &'static str,
    narrative: &'a str,
    responsible_role: Option<&'a str>,
    planned_date: Option<chrono::NaiveDate>,
    objectives: &'a [String],
    updated_by: &'a str,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a SspStatement> for StatementDto<'a> {
    fn from(s: &'a SspStatement) -> Self {
        Self {
            id: &s.id,
            ssp_id: &s.ssp_id,
            practice_id: &s.practice_id,
            implementation_status: s.implementation_status.as_str(),
            narrative: &s.narrative,
            responsible_role: s.responsible_role.as_deref(),
            planned_date: s.planned_date,
            objectives: &s.objectives,
            updated_by: &s.updated_by,
            updated_at: s.updated_at,
        }
    }
}
