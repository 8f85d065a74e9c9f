//! The query of the export routes.

use serde::Deserialize;

/// Which file to make.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ExportQuery {
    /// `csv` (one table, UTF-8; the default) or `xlsx` (a workbook).
    #[param(pattern = "^(csv|xlsx)$", example = "xlsx")]
    pub(crate) format: Option<String>,
}
