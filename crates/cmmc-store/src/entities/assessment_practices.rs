//! `assessment_practices`: the result of one practice in one assessment, with the practice as assessed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_practices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub assessment_id: String,
    pub practice_id: String,
    pub status: String,
    pub score: Option<f64>,
    pub assessor_notes: Option<String>,
    pub datapact_sync_status: Option<String>,
    pub datapact_sync_at: Option<DateTimeUtc>,
    pub level: i32,
    pub domain_id: String,
    pub title: String,
    pub sort_order: i32,
    pub sprs_weight: Option<i32>,
    pub sprs_partial_weight: Option<i32>,
    pub poam_eligibility: String,
    pub assessment_objectives: Json,
    pub objective_results: Json,
    /// Per objective label: where an inherited or shared result came from.
    pub objective_sources: Json,
    pub version: i64,
    pub evaluated_by: Option<String>,
    pub evaluated_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
