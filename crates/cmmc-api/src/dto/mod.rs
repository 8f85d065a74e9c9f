//! The JSON shapes of the catalogue. Other services read these names
//! (PRD-002's column names): add fields freely, rename none.
//!
//! The request and response bodies of each resource live in its own module
//! below; the shapes several resources share, and the deserialisation
//! helpers their bodies name, are here.

use cmmc_services::catalog::{Domain, LevelInfo, Practice};
use serde::{Deserialize, Serialize};

pub(crate) mod affirmations;
pub(crate) mod assessments;
pub(crate) mod assets;
pub(crate) mod audit;
pub(crate) mod auth;
pub(crate) mod datapact;
pub(crate) mod diag;
pub(crate) mod evidence;
pub(crate) mod exports;
pub(crate) mod frameworks;
pub(crate) mod organizations;
pub(crate) mod providers;
pub(crate) mod remediation;
pub(crate) mod risks;
pub(crate) mod ssps;

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Domain)]
pub(crate) struct DomainDto<'a> {
    pub(crate) id: &'a str,
    pub(crate) domain_id: &'static str,
    pub(crate) name: &'a str,
    pub(crate) description: &'a str,
    pub(crate) nist_family: &'a str,
}

impl<'a> From<&'a Domain> for DomainDto<'a> {
    fn from(domain: &'a Domain) -> Self {
        Self {
            id: &domain.id,
            domain_id: domain.domain_id.as_str(),
            name: &domain.name,
            description: &domain.description,
            nist_family: &domain.nist_family,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Level)]
pub(crate) struct LevelDto<'a> {
    pub(crate) id: &'a str,
    pub(crate) level: i32,
    pub(crate) name: &'a str,
    pub(crate) assessment_type: &'static str,
    pub(crate) description: &'a str,
}

impl<'a> From<&'a LevelInfo> for LevelDto<'a> {
    fn from(level: &'a LevelInfo) -> Self {
        Self {
            id: &level.id,
            level: level.level.number(),
            name: &level.name,
            assessment_type: level.assessment_type.as_str(),
            description: &level.description,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Practice)]
pub(crate) struct PracticeDto<'a> {
    pub(crate) id: &'a str,
    pub(crate) practice_id: String,
    pub(crate) domain_id: &'static str,
    pub(crate) level: i32,
    pub(crate) title: &'a str,
    pub(crate) description: &'a str,
    pub(crate) assessment_objectives: &'a [String],
    pub(crate) evidence_requirements: &'a [String],
    pub(crate) nist_refs: &'a [String],
    pub(crate) sprs_weight: Option<i32>,
    pub(crate) sprs_partial_weight: Option<i32>,
    pub(crate) poam_eligibility: &'static str,
    pub(crate) final_rule_id: Option<&'a str>,
    pub(crate) nist_ref: String,
}

impl<'a> From<&'a Practice> for PracticeDto<'a> {
    fn from(practice: &'a Practice) -> Self {
        Self {
            id: &practice.id,
            practice_id: practice.practice_id.to_string(),
            domain_id: practice.practice_id.domain().as_str(),
            level: practice.practice_id.level().number(),
            title: &practice.title,
            description: &practice.description,
            assessment_objectives: &practice.assessment_objectives,
            evidence_requirements: &practice.evidence_requirements,
            nist_refs: &practice.nist_refs,
            sprs_weight: practice.sprs_weight,
            sprs_partial_weight: practice.sprs_partial_weight,
            poam_eligibility: practice.poam_eligibility.as_str(),
            final_rule_id: practice.final_rule_id.as_deref(),
            nist_ref: practice.practice_id.nist_ref(),
        }
    }
}

/// A page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct Page<T: Serialize> {
    pub(crate) items: Vec<T>,
    pub(crate) total: u64,
    pub(crate) page: u64,
    pub(crate) per_page: u64,
}

impl<T: Serialize> Page<T> {
    /// A page of `items` out of `total`, as `page` asked.
    pub(crate) const fn of(items: Vec<T>, total: u64, page: cmmc_services::Page) -> Self {
        Self { items, total, page: page.number(), per_page: page.per_page() }
    }
}

/// `?page=&per_page=` of a list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct PageQuery {
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    page: Option<u64>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    per_page: Option<u64>,
}

impl PageQuery {
    pub(crate) const fn new(page: Option<u64>, per_page: Option<u64>) -> Self {
        Self { page, per_page }
    }

    /// The page (from 1) and its size (1 to 200; 50 by default).
    pub(crate) fn checked(self) -> Result<cmmc_services::Page, crate::error::ApiError> {
        Ok(cmmc_services::Page::new(self.page, self.per_page)?)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = Organization)]
pub(crate) struct OrganizationDto<'a> {
    pub(crate) id: &'a str,
    pub(crate) name: &'a str,
    pub(crate) cage_code: Option<&'a str>,
    pub(crate) duns_number: Option<&'a str>,
    pub(crate) target_level: i32,
    pub(crate) datapact_api_url: Option<&'a str>,
    /// Whether a DataPact API key is stored; the key itself is never returned.
    pub(crate) datapact_api_key_set: bool,
    pub(crate) created_at: chrono::DateTime<chrono::Utc>,
    pub(crate) updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a cmmc_services::organizations::Organization> for OrganizationDto<'a> {
    fn from(org: &'a cmmc_services::organizations::Organization) -> Self {
        Self {
            id: &org.id,
            name: &org.name,
            cage_code: org.cage_code.as_deref(),
            duns_number: org.duns_number.as_deref(),
            target_level: org.target_level.number(),
            datapact_api_url: org.datapact_api_url.as_deref(),
            datapact_api_key_set: org.datapact_api_key_set,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = User)]
pub(crate) struct UserDto<'a> {
    pub(crate) id: &'a str,
    pub(crate) username: &'a str,
    pub(crate) email: &'a str,
    pub(crate) org_id: Option<&'a str>,
    pub(crate) is_active: bool,
    /// May make affirmations in their own name as the Affirming Official.
    pub(crate) senior_official: bool,
    /// Signs in with a TOTP code as a second factor.
    pub(crate) mfa_enabled: bool,
    pub(crate) roles: Vec<&'static str>,
    pub(crate) locked_until: Option<chrono::DateTime<chrono::Utc>>,
    pub(crate) created_at: chrono::DateTime<chrono::Utc>,
    pub(crate) updated_at: chrono::DateTime<chrono::Utc>,
}

impl<'a> From<&'a cmmc_services::users::User> for UserDto<'a> {
    fn from(user: &'a cmmc_services::users::User) -> Self {
        Self {
            id: &user.id,
            username: &user.username,
            email: &user.email,
            org_id: user.org_id.as_deref(),
            is_active: user.is_active,
            senior_official: user.senior_official,
            mfa_enabled: user.mfa_enabled,
            roles: user.roles.iter().map(|r| r.as_str()).collect(),
            locked_until: user.locked_until,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = AuditEntry)]
pub(crate) struct AuditEntryDto<'a> {
    pub(crate) id: &'a str,
    pub(crate) user_id: Option<&'a str>,
    pub(crate) org_id: Option<&'a str>,
    pub(crate) action: &'a str,
    pub(crate) resource_type: &'a str,
    pub(crate) resource_id: Option<&'a str>,
    pub(crate) details: Option<&'a serde_json::Value>,
    pub(crate) ip_address: Option<&'a str>,
    pub(crate) created_at: chrono::DateTime<chrono::Utc>,
    pub(crate) seq: i64,
    pub(crate) hash: &'a str,
}

impl<'a> From<&'a cmmc_services::audit::AuditEntry> for AuditEntryDto<'a> {
    fn from(row: &'a cmmc_services::audit::AuditEntry) -> Self {
        Self {
            id: &row.id,
            user_id: row.user_id.as_deref(),
            org_id: row.org_id.as_deref(),
            action: &row.action,
            resource_type: &row.resource_type,
            resource_id: row.resource_id.as_deref(),
            details: row.details.as_ref(),
            ip_address: row.ip_address.as_deref(),
            created_at: row.created_at,
            seq: row.seq,
            hash: &row.hash,
        }
    }
}

/// Tells a field left out (`None`) from one set to null (`Some(None)`), for PATCH bodies.
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A JSON integer, also when written with a zero fraction (`2.0`): JSON
/// Schema counts `2.0` as an integer, so the document's clients may send it.
/// A fraction (`2.5`) or a number beyond `i64` is refused.
pub(crate) fn integer<'de, D>(deserializer: D) -> Result<i64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let number = serde_json::Number::deserialize(deserializer)?;
    integral(&number).ok_or_else(|| {
        serde::de::Error::invalid_value(
            serde::de::Unexpected::Other(&format!("the number {number}")),
            &"an integer",
        )
    })
}

/// [`integer`] for a field that may be left out or null.
pub(crate) fn optional_integer<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    struct Wrapped(#[serde(deserialize_with = "integer")] i64);
    Ok(Option::<Wrapped>::deserialize(deserializer)?.map(|Wrapped(n)| n))
}

fn integral(number: &serde_json::Number) -> Option<i64> {
    if let Some(n) = number.as_i64() {
        return Some(n);
    }
    // Below 2^53 every integral float is exact, so its printed form is the integer.
    let float = number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)?;
    format!("{float:.0}").parse().ok()
}

#[cfg(test)]
mod integer_tests {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(deserialize_with = "super::integer")]
        level: i64,
        #[serde(default, deserialize_with = "super::optional_integer")]
        other: Option<i64>,
    }

    fn level(json: &str) -> Result<(i64, Option<i64>), serde_json::Error> {
        serde_json::from_str::<Body>(json).map(|b| (b.level, b.other))
    }

    #[test]
    fn integers_may_carry_a_zero_fraction() {
        assert_eq!(level(r#"{"level": 2}"#).unwrap(), (2, None));
        assert_eq!(level(r#"{"level": 2.0, "other": 3.0}"#).unwrap(), (2, Some(3)));
        assert_eq!(level(r#"{"level": -1, "other": null}"#).unwrap(), (-1, None));
    }

    #[test]
    fn fractions_and_other_types_are_refused() {
        for bad in
            [r#"{"level": 2.5}"#, r#"{"level": "2"}"#, r#"{"level": 1e300}"#, r#"{"level": true}"#]
        {
            assert!(level(bad).is_err(), "{bad}");
        }
    }
}
