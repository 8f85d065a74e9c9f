//! `organizations`: an organisation (a tenant).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub cage_code: Option<String>,
    pub duns_number: Option<String>,
    pub target_level: i32,
    pub datapact_api_url: Option<String>,
    pub datapact_api_key: Option<String>,
    /// `none`, `privileged` or `all`: who must sign in with a second factor.
    pub mfa_policy: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
