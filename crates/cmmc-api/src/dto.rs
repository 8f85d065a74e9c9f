//! The JSON shapes of the catalogue. Other services read these names
//! (PRD-002's column names): add fields freely, rename none.

use cmmc_services::catalog::{Domain, LevelInfo, Practice};
use serde::Serialize;

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
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

#[derive(Debug, Serialize)]
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
