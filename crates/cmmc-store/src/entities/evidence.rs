//! `evidence`: a piece of evidence for one practice answer: an uploaded file or a link.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evidence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub assessment_practice_id: String,
    pub title: String,
    pub description: Option<String>,
    pub file_path: Option<String>,
    pub file_url: Option<String>,
    pub original_filename: Option<String>,
    pub size_bytes: Option<i64>,
    pub media_type: Option<String>,
    pub sha256: Option<String>,
    pub uploaded_by: Option<String>,
    pub review_status: String,
    pub reviewer_id: Option<String>,
    pub reviewed_at: Option<DateTimeUtc>,
    pub review_comment: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
