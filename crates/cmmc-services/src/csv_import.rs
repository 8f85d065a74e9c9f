//! What every CSV import and export shares: the header checked against the
//! file's columns, cells read back from an export (a leading `'` that kept a
//! spreadsheet from running a formula comes off), problems by line and
//! column, the counts an upsert reports, and writing cells that a
//! spreadsheet will not run.

use std::collections::HashMap;

use cmmc_domain::report::spreadsheet_safe;

use crate::{RowProblem, ServiceError};

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// The most problems one import reports.
pub(crate) const MAX_PROBLEMS: usize = 1_000;

/// A cell as exported, read back: the `'` that kept a spreadsheet from
/// running it as a formula comes off.
pub(crate) fn unescape(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if spreadsheet_safe(rest) != rest => rest,
        _ => cell,
    }
}

pub(crate) fn problem(line: u64, column: &str, text: impl Into<String>) -> RowProblem {
    RowProblem { line, column: column.to_owned(), problem: text.into() }
}

/// The header's columns by name, or what is wrong with it: a column not
/// among `known`, one given twice, or one of `required` missing.
pub(crate) fn header(
    reader: &mut csv::Reader<&[u8]>,
    known: &[&str],
    required: &[&str],
) -> Result<HashMap<String, usize>, Vec<RowProblem>> {
    let names =
        reader.headers().map_err(|e| vec![problem(1, "", format!("unreadable header: {e}"))])?;
    let mut columns = HashMap::new();
    let mut problems = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.trim();
        // A name from the file is shown escaped: it may hold anything.
        let shown = name.escape_debug().to_string();
        if !known.contains(&name) {
            problems.push(problem(
                1,
                &shown,
                format!("unknown column; the columns are {}", known.join(", ")),
            ));
        } else if columns.insert(name.to_owned(), i).is_some() {
            problems.push(problem(1, &shown, "the column is given twice"));
        }
    }
    problems.extend(
        required
            .iter()
            .filter(|c| !columns.contains_key(**c))
            .map(|c| problem(1, c, "missing column")),
    );
    if problems.is_empty() { Ok(columns) } else { Err(problems) }
}

/// Rows read with their lines, and the problems found on the way.
pub(crate) type ReadRows<T> = (Vec<(u64, T)>, Vec<RowProblem>);

/// One row of a file, its cells by column name.
pub(crate) struct Cells<'a> {
    record: &'a csv::StringRecord,
    columns: &'a HashMap<String, usize>,
}

impl<'a> Cells<'a> {
    /// The row's cell of `column`, as exported cells read back; empty when
    /// the file has no such column.
    pub(crate) fn get(&self, column: &str) -> &'a str {
        self.columns.get(column).and_then(|i| self.record.get(*i)).map_or("", unescape)
    }
}

/// Every row of a file with a header of `known` columns (`required` among
/// them), each read by `row`: the values with their lines, and every problem
/// of every row (up to [`MAX_PROBLEMS`]); `Err` for a header that is wrong.
pub(crate) fn read_rows<T>(
    bytes: &[u8],
    known: &[&str],
    required: &[&str],
    mut row: impl FnMut(&Cells<'_>) -> Result<T, Vec<(&'static str, String)>>,
) -> Result<ReadRows<T>, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let columns = header(&mut reader, known, required)?;
    let (mut values, mut problems) = (Vec::new(), Vec::new());
    for record in reader.records() {
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                problems.push(problem(line, "", format!("unreadable row: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        match row(&Cells { record: &record, columns: &columns }) {
            Ok(value) => values.push((line, value)),
            Err(found) => problems.extend(found.into_iter().map(|(c, p)| problem(line, c, p))),
        }
    }
    Ok((values, problems))
}

/// The rows read, unless a row had a problem or a key (`key` gives it and
/// how to show it) is on two lines: then every problem, by line.
pub(crate) fn unique_rows<T, K: Eq + std::hash::Hash>(
    (rows, mut problems): ReadRows<T>,
    column: &str,
    key: impl Fn(&T) -> (K, String),
) -> Result<Vec<(u64, T)>, Vec<RowProblem>> {
    let mut seen = std::collections::HashSet::new();
    for (line, value) in &rows {
        let (key, shown) = key(value);
        if !seen.insert(key) {
            problems.push(problem(*line, column, format!("{shown} is on an earlier line too")));
        }
    }
    problems.sort_by_key(|p| p.line);
    if problems.is_empty() { Ok(rows) } else { Err(problems) }
}

/// A file of `header` and `rows`, each cell made safe for a spreadsheet.
pub(crate) fn write(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, ServiceError> {
    let failed = |e: &dyn std::fmt::Display| {
        ServiceError::Unexpected(anyhow::format_err!("writing CSV: {e}"))
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(|e| failed(&e))?;
    for cells in rows {
        writer
            .write_record(cells.iter().map(|c| spreadsheet_safe(c).into_owned()))
            .map_err(|e| failed(&e))?;
    }
    writer.into_inner().map_err(|e| failed(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_formula_reads_back() {
        assert_eq!(unescape("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unescape("'quoted"), "'quoted");
        assert_eq!(unescape("plain"), "plain");
    }

    #[test]
    fn a_header_names_unknown_duplicate_and_missing_columns() {
        let mut reader = csv::Reader::from_reader("a,zz,a\n".as_bytes());
        let problems = header(&mut reader, &["a", "b"], &["a", "b"]).unwrap_err();
        let got: Vec<(&str, &str)> =
            problems.iter().map(|p| (p.column.as_str(), &p.problem[..7])).collect();
        assert_eq!(got, [("zz", "unknown"), ("a", "the col"), ("b", "missing")]);
        let written = write(&["a"], [vec!["=1+1".to_owned()]]).unwrap();
        assert_eq!(written, b"a\n'=1+1\n");
    }
}
