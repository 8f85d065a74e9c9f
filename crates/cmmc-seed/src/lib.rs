//! The CMMC reference data: loading `data/cmmc/*.yaml`, validating every entry
//! through the domain types, and upserting it by natural key in one transaction.
//!
//! [`ReferenceData::load`] reads and checks everything and reports every bad
//! entry at once, naming its file and entry; [`seed`] writes nothing unless the
//! whole data set is valid, and a second run with the same files changes
//! nothing and says so.

pub mod frameworks;
mod load;
mod upsert;

pub use frameworks::{FrameworkData, FrameworkSeedReport, seed_frameworks, seed_frameworks_from};
pub use load::{DataProblem, EMBEDDED, LoadError, ReferenceData};
pub use upsert::{SeedError, SeedReport, seed};

/// Loads the reference data in `dir` and seeds it into `db`.
///
/// # Errors
/// [`SeedError::Invalid`] when a file is unreadable or an entry is invalid
/// (nothing is written); [`SeedError::Database`] on a database error (the
/// transaction is rolled back).
pub async fn seed_dir(
    db: &sea_orm::DatabaseConnection,
    dir: &std::path::Path,
) -> Result<SeedReport, SeedError> {
    let data = ReferenceData::load(dir)?;
    seed(db, &data).await
}

/// Seeds the data set built into the binary.
///
/// # Errors
/// As for [`seed_dir`].
pub async fn seed_embedded(db: &sea_orm::DatabaseConnection) -> Result<SeedReport, SeedError> {
    let data = ReferenceData::embedded()?;
    seed(db, &data).await
}

/// Seeds `dir` when given, else the data built into the binary.
///
/// # Errors
/// As for [`seed_dir`].
pub async fn seed_from(
    db: &sea_orm::DatabaseConnection,
    dir: Option<&std::path::Path>,
) -> Result<SeedReport, SeedError> {
    match dir {
        Some(dir) => seed_dir(db, dir).await,
        None => seed_embedded(db).await,
    }
}
