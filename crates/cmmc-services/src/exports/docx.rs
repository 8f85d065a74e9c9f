//! Word documents with `docx-rs`: a title, headings Word knows as such
//! (`heading 1`, `heading 2`, so the navigation pane and a table of
//! contents work), tables with a shaded header row, and for the summary a
//! bar chart drawn as a table whose shaded cells span the bar's length.

use std::io::Cursor;

use docx_rs::{
    BreakType, Docx, Paragraph, Run, Shading, ShdType, Style, StyleType, Table, TableCell,
    TableRow, WidthType,
};

use super::documents::{BAR_UNITS, ReportDocument, SspDocument, StatementView};
use crate::ServiceError;

const HEADER_FILL: &str = "D9E1F2";
const OVERDUE_FILL: &str = "F8CBAD";
const BAR_FILL: &str = "C0392B";
/// The usable width of an A4 page with 2 cm margins, in twentieths of a point.
const PAGE_WIDTH: usize = 9_638;

fn styled() -> Docx {
    let heading = |id: &str, name: &str, size: usize| {
        Style::new(id, StyleType::Paragraph).name(name).size(size).bold().color("1F4E79")
    };
    Docx::new()
        .add_style(Style::new("Normal", StyleType::Paragraph).name("Normal"))
        .add_style(Style::new("Title", StyleType::Paragraph).name("Title").size(56).bold())
        .add_style(Style::new("Subtitle", StyleType::Paragraph).name("Subtitle").size(28))
        .add_style(heading("Heading1", "heading 1", 32))
        .add_style(heading("Heading2", "heading 2", 26))
        .default_size(21)
}

fn styled_paragraph(style: &str, text: &str) -> Paragraph {
    Paragraph::new().style(style).add_run(Run::new().add_text(text))
}

/// A paragraph of `text`, its line breaks kept.
fn text(text: &str) -> Paragraph {
    let mut run = Run::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line.trim_end_matches('\r'));
    }
    Paragraph::new().style("Normal").add_run(run)
}

fn bold(text: &str) -> Paragraph {
    Paragraph::new().style("Normal").add_run(Run::new().add_text(text).bold())
}

fn cell(content: &str) -> TableCell {
    TableCell::new().add_paragraph(text(content))
}

fn filled(cell: TableCell, fill: &str) -> TableCell {
    cell.shading(Shading::new().shd_type(ShdType::Clear).color("auto").fill(fill))
}

/// A table with a shaded header row; `fills` gives a row's fill, if any.
fn table<R: AsRef<[String]>>(header: &[&str], rows: &[R], fills: &[Option<&str>]) -> Table {
    let head = TableRow::new(
        header
            .iter()
            .map(|h| filled(TableCell::new().add_paragraph(bold(h)), HEADER_FILL))
            .collect(),
    );
    let body = rows.iter().enumerate().map(|(i, row)| {
        let fill = fills.get(i).copied().flatten();
        TableRow::new(
            row.as_ref()
                .iter()
                .map(|value| match fill {
                    Some(fill) => filled(cell(value), fill),
                    None => cell(value),
                })
                .collect(),
        )
    });
    Table::new(std::iter::once(head).chain(body).collect()).width(PAGE_WIDTH, WidthType::Dxa)
}

/// Label and value rows, the labels bold.
fn facts(rows: &[(&str, String)]) -> Table {
    Table::new(
        rows.iter()
            .map(|(label, value)| {
                TableRow::new(vec![
                    filled(TableCell::new().add_paragraph(bold(label)), HEADER_FILL),
                    cell(value),
                ])
            })
            .collect(),
    )
    .width(PAGE_WIDTH, WidthType::Dxa)
}

fn pack(docx: Docx) -> Result<Vec<u8>, ServiceError> {
    let mut out = Cursor::new(Vec::new());
    docx.pack(&mut out)
        .map_err(|e| ServiceError::Unexpected(anyhow::format_err!("writing DOCX: {e}")))?;
    Ok(out.into_inner())
}

fn page_break() -> Paragraph {
    Paragraph::new().style("Normal").add_run(Run::new().add_break(BreakType::Page))
}

fn statement(docx: Docx, s: &StatementView) -> Docx {
    let mut rows = vec![("Implementation status", s.status.clone())];
    for (label, value) in [
        ("Responsible role", &s.responsible_role),
        ("Planned date", &s.planned_date),
        ("Objectives addressed", &s.objectives),
    ] {
        if !value.is_empty() {
            rows.push((label, value.clone()));
        }
    }
    rows.extend(s.providers.iter().map(|line| ("Provider responsibility", line.clone())));
    let docx = docx
        .add_paragraph(styled_paragraph("Heading2", &format!("{}: {}", s.practice_id, s.title)))
        .add_table(facts(&rows));
    if s.narrative.is_empty() { docx } else { docx.add_paragraph(text(&s.narrative)) }
}

pub(super) fn ssp(doc: &SspDocument) -> Result<Vec<u8>, ServiceError> {
    let ssp = &doc.ssp;
    let mut docx = styled()
        .add_paragraph(styled_paragraph("Subtitle", &doc.organization))
        .add_paragraph(styled_paragraph("Title", "System Security Plan"))
        .add_paragraph(styled_paragraph("Subtitle", &ssp.name))
        .add_table(facts(&[
            ("Version", ssp.version.clone()),
            ("Date", doc.date.clone()),
            ("CMMC level", ssp.level.number().to_string()),
            ("Status", ssp.status.as_str().to_owned()),
        ]))
        .add_paragraph(page_break())
        .add_paragraph(styled_paragraph("Heading1", "System"));
    let mut system = vec![
        ("Scope", ssp.scope_type.as_str().to_owned()),
        ("CAGE codes", ssp.cage_codes.join(", ")),
    ];
    if let Some(environment) = &ssp.environment {
        system.push(("Environment", environment.clone()));
    }
    docx = docx
        .add_table(facts(&system))
        .add_paragraph(styled_paragraph("Heading2", "System description"))
        .add_paragraph(text(&ssp.system_description))
        .add_paragraph(styled_paragraph("Heading2", "Authorisation boundary"))
        .add_paragraph(text(&ssp.boundary_description))
        .add_paragraph(styled_paragraph("Heading1", "People"))
        .add_table(table(&["Role", "Name", "Title", "Email", "Phone"], &doc.people, &[]))
        .add_paragraph(text(&format!(
            "{} of {} requirements have an implementation statement.",
            doc.stated, doc.total
        )));
    for section in &doc.sections {
        let heading = format!("{} ({})", section.name, section.domain_id);
        docx = docx.add_paragraph(styled_paragraph("Heading1", &heading));
        for s in &section.items {
            docx = statement(docx, s);
        }
    }
    pack(docx)
}

/// The chart: a row per domain with its id, a bar of shaded cells spanning
/// its share of [`BAR_UNITS`] columns, and its points.
fn chart(doc: &ReportDocument) -> Table {
    let unit = 7_000 / BAR_UNITS as usize;
    let mut grid = vec![1_000];
    grid.extend(std::iter::repeat_n(unit, BAR_UNITS as usize));
    grid.push(900);
    let rows = doc
        .bars
        .iter()
        .map(|bar| {
            let units = bar.units as usize;
            let mut cells = vec![cell(&bar.domain_id)];
            if units > 0 {
                cells.push(filled(cell(""), BAR_FILL).grid_span(units));
            }
            if units < BAR_UNITS as usize {
                cells.push(cell("").grid_span(BAR_UNITS as usize - units));
            }
            cells.push(cell(&bar.points.to_string()));
            TableRow::new(cells)
        })
        .collect();
    Table::without_borders(rows).set_grid(grid)
}

pub(super) fn report(doc: &ReportDocument) -> Result<Vec<u8>, ServiceError> {
    let mut docx = styled()
        .add_paragraph(styled_paragraph("Subtitle", &doc.organization))
        .add_paragraph(styled_paragraph("Title", "Assessment summary"))
        .add_paragraph(styled_paragraph("Subtitle", &doc.title))
        .add_table(facts(&doc.facts))
        .add_paragraph(styled_paragraph("Heading1", "Points lost per domain"))
        .add_table(chart(doc))
        .add_paragraph(styled_paragraph("Heading1", "Deductions"));
    docx = if doc.deductions.is_empty() {
        docx.add_paragraph(text("No points were deducted."))
    } else {
        let rows: Vec<[String; 3]> = doc
            .deductions
            .iter()
            .map(|(id, title, points)| [id.clone(), title.clone(), points.to_string()])
            .collect();
        docx.add_table(table(&["Requirement", "Title", "Points"], &rows, &[]))
    };
    let severities: Vec<&str> = doc.severities.iter().map(|(s, _)| s.as_str()).collect();
    let counts = [doc.severities.iter().map(|(_, n)| n.to_string()).collect::<Vec<_>>()];
    docx = docx
        .add_paragraph(styled_paragraph("Heading1", "Findings by severity"))
        .add_table(table(&severities, &counts, &[]));
    if !doc.findings.is_empty() {
        let header = ["Severity", "Finding", "Status", "Requirement"];
        docx = docx.add_table(table(&header, &doc.findings, &[]));
    }
    docx = docx.add_paragraph(styled_paragraph("Heading1", "POA&M"));
    pack(poam(docx, doc))
}

fn poam(docx: Docx, doc: &ReportDocument) -> Docx {
    let Some(title) = &doc.poam_title else {
        return docx.add_paragraph(text("The assessment has no POA&M."));
    };
    let rows: Vec<[String; 6]> = doc
        .poam
        .iter()
        .map(|r| {
            let overdue = if r.is_overdue(doc.today) { " (overdue)" } else { "" };
            [
                r.requirement.clone().unwrap_or_default(),
                r.weakness.clone(),
                r.milestone.clone(),
                r.scheduled_completion.map(|d| d.to_string()).unwrap_or_default(),
                format!("{}{overdue}", r.status.as_str()),
                r.point_of_contact.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let fills: Vec<Option<&str>> =
        doc.poam.iter().map(|r| r.is_overdue(doc.today).then_some(OVERDUE_FILL)).collect();
    let header =
        ["Requirement", "Weakness", "Milestone", "Scheduled", "Status", "Point of contact"];
    docx.add_paragraph(text(title)).add_table(table(&header, &rows, &fills))
}
