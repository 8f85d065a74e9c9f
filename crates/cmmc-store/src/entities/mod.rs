//! SeaORM entities, one module per table, named after the table.

pub mod cmmc_domains;
pub mod cmmc_levels;
pub mod cmmc_practices;
pub mod prelude;
pub mod reference_data_versions;
pub mod roles;
