//! Who answers for a POA&M item: the DoD POA&M template's point of contact.

use sea_orm_migration::prelude::*;

use crate::ddl;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, "ALTER TABLE poam_items ADD COLUMN point_of_contact VARCHAR(256) NULL")
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ddl::run(manager, "ALTER TABLE poam_items DROP COLUMN point_of_contact").await
    }
}
