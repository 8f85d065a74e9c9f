//! The request bodies of the organisation and user routes (their answers,
//! `OrganizationDto` and `UserDto`, are shared and live in the parent module).

use serde::Deserialize;

/// A new organisation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Acme Defense LLC", "cage_code": "1ABC2", "duns_number": "123456789", "target_level": 2}))]
pub(crate) struct CreateOrganization {
    /// 1 to 256 characters, trimmed.
    pub(crate) name: String,
    /// A CAGE code: 5 letters and digits (stored in upper case); unique. Empty or null: none.
    pub(crate) cage_code: Option<String>,
    /// A SAM UEI (12 letters and digits, no I or O, not starting with 0) or a
    /// 9-digit DUNS number. Empty or null: none.
    pub(crate) duns_number: Option<String>,
    /// The CMMC level the organisation aims for, 1 to 3.
    #[schema(minimum = 1, maximum = 3)]
    #[serde(deserialize_with = "crate::dto::integer")]
    pub(crate) target_level: i64,
}

/// Changes to an organisation: a field left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Acme Defense Inc.", "cage_code": null, "target_level": 3}))]
pub(crate) struct UpdateOrganization {
    /// 1 to 256 characters, trimmed.
    pub(crate) name: Option<String>,
    /// A CAGE code: 5 letters and digits; unique. Null or empty clears it.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub(crate) cage_code: Option<Option<String>>,
    /// A SAM UEI or a 9-digit DUNS number. Null or empty clears it.
    #[serde(default, deserialize_with = "crate::dto::double_option")]
    pub(crate) duns_number: Option<Option<String>>,
    /// 1 to 3.
    #[schema(minimum = 1, maximum = 3)]
    #[serde(default, deserialize_with = "crate::dto::optional_integer")]
    pub(crate) target_level: Option<i64>,
}

/// A new user of the organisation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "jdoe", "email": "jdoe@example.com", "password": "correct horse battery", "roles": ["compliance_officer"]}))]
pub(crate) struct CreateUser {
    /// 3 to 64 characters: letters, digits, `.`, `_`, `-`; unique case-insensitively.
    #[schema(pattern = "^[A-Za-z0-9._-]{3,64}$")]
    pub(crate) username: String,
    /// An email address of at most 254 characters; unique case-insensitively.
    pub(crate) email: String,
    /// At least 12 characters and at most 72 bytes; not the username or the
    /// email, not one character repeated.
    #[schema(format = Password, min_length = 12, max_length = 72)]
    pub(crate) password: String,
    /// Any of `system_admin` (granted only by a system administrator),
    /// `org_admin`, `compliance_officer`, `assessor`, `c3pao_lead`, `viewer`.
    /// None by default.
    #[serde(default)]
    pub(crate) roles: Vec<String>,
}

/// Changes to a user: a field left out stays as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"is_active": false}))]
pub(crate) struct UpdateUser {
    /// A new email address; unique case-insensitively.
    pub(crate) email: Option<String>,
    /// `false` deactivates the user and revokes their sign-ins; `true` reactivates them.
    pub(crate) is_active: Option<bool>,
    /// `true` marks the user as a senior official who may make affirmations
    /// (32 CFR 170.22) in their own name; `false` unmarks them.
    pub(crate) senior_official: Option<bool>,
}

/// A user's roles, replacing the ones they have.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["assessor", "viewer"]}))]
pub(crate) struct SetRoles {
    /// Any of `system_admin`, `org_admin`, `compliance_officer`, `assessor`,
    /// `c3pao_lead`, `viewer`; granting or removing `system_admin` takes a
    /// system administrator.
    pub(crate) roles: Vec<String>,
}
