//! CSV (RFC 4180, UTF-8, a header row) with the `csv` crate. Text that a
//! spreadsheet would run as a formula is defused
//! (`cmmc_domain::report::spreadsheet_safe`); numbers and dates stay plain.

use cmmc_domain::report::{Cell, spreadsheet_safe};

use crate::ServiceError;

fn failed(err: impl std::fmt::Display) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("writing CSV: {err}"))
}

/// The header `columns`, then one record per row of cells.
pub(super) fn write(
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Cell>>,
) -> Result<Vec<u8>, ServiceError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(columns).map_err(failed)?;
    for cells in rows {
        let record: Vec<String> = cells
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => spreadsheet_safe(text).into_owned(),
                other => other.plain().into_owned(),
            })
            .collect();
        writer.write_record(&record).map_err(failed)?;
    }
    writer.into_inner().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_defuses_as_a_reader_expects() {
        let rows = vec![
            vec![Cell::Text("a, \"b\"\nc".into()), Cell::Number(-3), Cell::Empty],
            vec![Cell::Text("=cmd()".into()), Cell::Number(0), Cell::Text("ok".into())],
        ];
        let bytes = write(&["x", "y", "z"], rows.into_iter()).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        assert_eq!(reader.headers().unwrap(), vec!["x", "y", "z"]);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records[0], vec!["a, \"b\"\nc", "-3", ""]);
        assert_eq!(records[1], vec!["'=cmd()", "0", "ok"]);
    }
}
