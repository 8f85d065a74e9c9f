//! Printable HTML with `askama`: compiled templates in `templates/` that
//! escape every value, one page per document, with print CSS (A4, page
//! breaks) and the chart as inline SVG, so the file stands alone.

use askama::Template;

use super::documents::{ReportDocument, SspDocument};
use crate::ServiceError;

/// The longest bar, and the height of one bar's row, in pixels.
const BAR_PX: u32 = 520;
const ROW_PX: u32 = 20;

#[derive(Template)]
#[template(path = "ssp.html")]
struct SspPage<'a> {
    doc: &'a SspDocument,
}

/// A bar of the SVG chart, placed.
struct SvgBar<'a> {
    y: u32,
    width: u32,
    domain_id: &'a str,
    name: &'a str,
    points: i32,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    doc: &'a ReportDocument,
    bars: Vec<SvgBar<'a>>,
    chart_height: u32,
}

fn failed(err: &askama::Error) -> ServiceError {
    ServiceError::Unexpected(anyhow::format_err!("rendering HTML: {err}"))
}

pub(super) fn ssp(doc: &SspDocument) -> Result<Vec<u8>, ServiceError> {
    Ok(SspPage { doc }.render().map_err(|e| failed(&e))?.into_bytes())
}

pub(super) fn report(doc: &ReportDocument) -> Result<Vec<u8>, ServiceError> {
    let points: Vec<i32> = doc.bars.iter().map(|b| b.points).collect();
    let widths = cmmc_domain::report::bar_lengths(&points, BAR_PX);
    let bars: Vec<SvgBar<'_>> = (0_u32..)
        .zip(doc.bars.iter().zip(widths))
        .map(|(i, (bar, width))| SvgBar {
            y: i * ROW_PX,
            width,
            domain_id: &bar.domain_id,
            name: &bar.name,
            points: bar.points,
        })
        .collect();
    let rows = u32::try_from(bars.len()).unwrap_or(0);
    let page = ReportPage { doc, bars, chart_height: rows * ROW_PX + 4 };
    Ok(page.render().map_err(|e| failed(&e))?.into_bytes())
}
