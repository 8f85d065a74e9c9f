//! `assessments`: an assessment of one organisation against one level.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub target_level: i32,
    pub assessment_type: String,
    pub status: String,
    pub lead_assessor_id: Option<String>,
    pub started_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub overall_score: Option<f64>,
    pub sprs_score: Option<i32>,
    pub level3_score: Option<i32>,
    pub cmmc_status: Option<String>,
    pub conditional_deadline: Option<Date>,
    /// The SSP version this assessment assessed.
    pub ssp_id: Option<String>,
    pub created_by: Option<String>,
    /// When a Conditional status's POA&M closeout was recorded.
    pub closed_out_at: Option<DateTimeUtc>,
    pub closed_out_by: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
