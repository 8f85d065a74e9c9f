//! `affirmations`: an Affirming Official's affirmation (32 CFR 170.22); never changed once made.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "affirmations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub org_id: String,
    pub assessment_id: Option<String>,
    pub level: i32,
    pub official_name: String,
    pub official_title: String,
    pub official_email: String,
    pub official_phone: Option<String>,
    pub statement: String,
    pub made_by: String,
    /// The signed-in senior official who affirmed; None for a named person.
    pub official_user_id: Option<String>,
    pub affirmed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
