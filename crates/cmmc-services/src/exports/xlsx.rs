//! XLSX workbooks with `rust_xlsxwriter`: typed cells (numbers as numbers,
//! dates as dates), a bold frozen header with a filter, and for an
//! assessment a summary sheet with a chart of the points lost per domain.
//! Text is written as text, never as a formula.

use chrono::{Datelike, NaiveDate};
use cmmc_domain::report::{self, Cell, PoamRow, PracticeRow};
use rust_xlsxwriter::{
    Chart, ChartType, Color, ExcelDateTime, Format, Workbook, Worksheet, XlsxError,
};

use crate::ServiceError;
use crate::assessments::{Assessment, AssessmentScore};
use crate::remediation::Poam;

fn failed(err: XlsxError) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("writing XLSX: {err}"))
}

/// The formats a workbook shares.
struct Formats {
    header: Format,
    date: Format,
    label: Format,
    overdue: Format,
}

impl Formats {
    fn new() -> Self {
        Self {
            header: Format::new().set_bold().set_background_color(Color::RGB(0x00D9_E1F2)),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            label: Format::new().set_bold(),
            overdue: Format::new().set_background_color(Color::RGB(0x00F8_CBAD)),
        }
    }
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    let year = u16::try_from(date.year()).unwrap_or(0);
    let month = u8::try_from(date.month()).unwrap_or(1);
    let day = u8::try_from(date.day()).unwrap_or(1);
    ExcelDateTime::from_ymd(year, month, day)
}

/// Numbers in reports are counts and points: exact in an `f64`.
fn number(n: i64) -> f64 {
    i32::try_from(n).map_or(f64::NAN, f64::from)
}

fn write_cell(
    sheet: &mut Worksheet,
    (row, col): (u32, u16),
    cell: &Cell,
    formats: &Formats,
    fill: Option<&Format>,
) -> Result<(), XlsxError> {
    let plain = Format::new();
    let base = fill.unwrap_or(&plain);
    match cell {
        Cell::Text(text) => sheet.write_string_with_format(row, col, text, base)?,
        Cell::Number(n) => sheet.write_number_with_format(row, col, number(*n), base)?,
        Cell::Date(date) => match excel_date(*date) {
            Ok(excel) => {
                let format = fill.map_or_else(
                    || formats.date.clone(),
                    |f| f.clone().set_num_format("yyyy-mm-dd"),
                );
                sheet.write_datetime_with_format(row, col, excel, &format)?
            }
            // Excel has no dates before 1900 or after 9999: such a date is written as text.
            Err(_) => sheet.write_string_with_format(row, col, date.to_string(), base)?,
        },
        Cell::Empty => match fill {
            Some(fill) => sheet.write_blank(row, col, fill)?,
            None => sheet,
        },
    };
    Ok(())
}

/// A sheet named `name` with the header `columns` and the rows; rows for
/// which `marked` is true get the overdue fill.
fn table_sheet(
    workbook: &mut Workbook,
    formats: &Formats,
    name: &str,
    columns: &[&str],
    rows: &[(Vec<Cell>, bool)],
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    for (col, title) in (0_u16..).zip(columns) {
        sheet.write_string_with_format(0, col, *title, &formats.header)?;
        sheet.set_column_width(col, column_width(title))?;
    }
    for (row, (cells, marked)) in (1_u32..).zip(rows) {
        let fill = marked.then_some(&formats.overdue);
        for (col, cell) in (0_u16..).zip(cells) {
            write_cell(sheet, (row, col), cell, formats, fill)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(columns.len().saturating_sub(1)).unwrap_or(0);
    sheet.autofilter(0, 0, last_row, last_col)?;
    Ok(())
}

fn column_width(title: &str) -> f64 {
    match title {
        "title" | "weakness" | "notes" | "requirement_title" | "milestone"
        | "milestone_changes" => 48.0,
        _ => 16.0,
    }
}

/// The summary sheet: the assessment, its score and status, the points
/// lost per domain (with a chart) and every deduction.
fn summary_sheet(
    workbook: &mut Workbook,
    formats: &Formats,
    assessment: &Assessment,
    score: &AssessmentScore,
    rows: &[PracticeRow],
) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name("Summary")?;
    sheet.set_column_width(0, 28)?;
    sheet.set_column_width(1, 40)?;
    let s = &score.score;
    let sprs = s.sprs_score.map_or_else(String::new, |v| v.value().to_string());
    let facts: [(&str, String); 9] = [
        ("Assessment", assessment.title.clone()),
        ("Level", score.target_level.number().to_string()),
        ("Assessment type", assessment.assessment_type.as_str().to_owned()),
        ("Status", assessment.status.as_str().to_owned()),
        ("SPRS score", sprs),
        (
            "Provisional (practices not evaluated)",
            if s.provisional { "yes" } else { "no" }.to_owned(),
        ),
        ("CMMC status", s.cmmc_status.as_str().to_owned()),
        ("Practices met (share of applicable)", format!("{:.1}%", s.overall_score * 100.0)),
        (
            "Completed",
            assessment.completed_at.map_or_else(String::new, |at| at.date_naive().to_string()),
        ),
    ];
    for (row, (label, value)) in (0_u32..).zip(&facts) {
        sheet.write_string_with_format(row, 0, *label, &formats.label)?;
        sheet.write_string(row, 1, value)?;
    }
    let by_domain = report::points_by_domain(rows);
    let top = 11_u32;
    sheet.write_string_with_format(top, 0, "Domain", &formats.header)?;
    sheet.write_string_with_format(top, 1, "Points lost", &formats.header)?;
    for (row, (domain, points)) in (top + 1..).zip(&by_domain) {
        sheet.write_string(row, 0, domain)?;
        sheet.write_number(row, 1, f64::from(*points))?;
    }
    let last = top + u32::try_from(by_domain.len()).unwrap_or(0);
    let mut chart = Chart::new(ChartType::Bar);
    chart.title().set_name("SPRS points lost per domain");
    chart
        .add_series()
        .set_categories(("Summary", top + 1, 0, last, 0))
        .set_values(("Summary", top + 1, 1, last, 1))
        .set_name("Points lost");
    sheet.insert_chart(0, 3, &chart)?;
    let deductions_top = last + 2;
    sheet.write_string_with_format(deductions_top, 0, "Deduction", &formats.header)?;
    sheet.write_string_with_format(deductions_top, 1, "Points", &formats.header)?;
    for (row, d) in (deductions_top + 1..).zip(&s.deductions) {
        sheet.write_string(row, 0, d.practice_id.to_string())?;
        sheet.write_number(row, 1, f64::from(d.points))?;
    }
    Ok(())
}

/// An assessment's workbook: the summary, then a sheet per domain.
pub(super) fn assessment(
    assessment: &Assessment,
    score: &AssessmentScore,
    rows: &[PracticeRow],
) -> Result<Vec<u8>, ServiceError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    summary_sheet(&mut workbook, &formats, assessment, score, rows).map_err(failed)?;
    for (domain, _) in report::points_by_domain(rows) {
        let domain_rows: Vec<(Vec<Cell>, bool)> =
            rows.iter().filter(|r| r.domain == domain).map(|r| (r.cells(), false)).collect();
        table_sheet(&mut workbook, &formats, &domain, &report::PRACTICE_COLUMNS, &domain_rows)
            .map_err(failed)?;
    }
    workbook.save_to_buffer().map_err(failed)
}

/// A POA&M's workbook: one sheet, overdue items filled.
pub(super) fn poam(
    poam: &Poam,
    rows: &[PoamRow],
    today: NaiveDate,
) -> Result<Vec<u8>, ServiceError> {
    let formats = Formats::new();
    let mut workbook = Workbook::new();
    let cells: Vec<(Vec<Cell>, bool)> =
        rows.iter().map(|r| (r.cells(today), r.is_overdue(today))).collect();
    table_sheet(&mut workbook, &formats, "POA&M", &report::POAM_COLUMNS, &cells).map_err(failed)?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(&poam.poam.title));
    workbook.save_to_buffer().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_excel_cannot_hold_are_written_as_text() {
        let formats = Formats::new();
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, text) in (0_u16..).zip(["0011-01-01", "1899-12-31", "2026-11-28", "9999-12-31"]) {
            let date: NaiveDate = text.parse().unwrap();
            write_cell(sheet, (0, col), &Cell::Date(date), &formats, None).unwrap();
        }
        assert!(excel_date("0011-01-01".parse().unwrap()).is_err());
        assert!(excel_date("2026-11-28".parse().unwrap()).is_ok());
        assert!(workbook.save_to_buffer().is_ok());
    }
}
