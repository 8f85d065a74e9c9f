//! Reads of the reference catalogue.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect};

use crate::entities::{cmmc_domains, cmmc_levels, cmmc_practices, reference_data_versions};

/// Every domain, in catalogue order.
///
/// # Errors
/// Any database error.
pub async fn domains<C: ConnectionTrait>(db: &C) -> Result<Vec<cmmc_domains::Model>, DbErr> {
    cmmc_domains::Entity::find().order_by_asc(cmmc_domains::Column::SortOrder).all(db).await
}

/// Every level, 1 to 3.
///
/// # Errors
/// Any database error.
pub async fn levels<C: ConnectionTrait>(db: &C) -> Result<Vec<cmmc_levels::Model>, DbErr> {
    cmmc_levels::Entity::find().order_by_asc(cmmc_levels::Column::Level).all(db).await
}

/// Every practice, in catalogue order (level, family, requirement number).
///
/// # Errors
/// Any database error.
pub async fn practices<C: ConnectionTrait>(db: &C) -> Result<Vec<cmmc_practices::Model>, DbErr> {
    cmmc_practices::Entity::find()
        .order_by_asc(cmmc_practices::Column::SortOrder)
        .order_by_asc(cmmc_practices::Column::PracticeId)
        .all(db)
        .await
}

/// The newest record of a seed that changed the reference data, if any.
///
/// # Errors
/// Any database error.
pub async fn latest_version<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<reference_data_versions::Model>, DbErr> {
    reference_data_versions::Entity::find()
        .order_by_desc(reference_data_versions::Column::Seq)
        .limit(1)
        .one(db)
        .await
}
