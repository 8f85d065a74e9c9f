//! Charts drawn on the server as SVG (plotters' SVG backend): no chart
//! library in the browser, nothing for the CSP to allow.

use plotters::prelude::*;

use crate::error::WebError;

/// The chart's size in pixels; the stylesheet scales it to the page.
const SIZE: (u32, u32) = (720, 280);

fn failed(err: impl std::fmt::Display) -> WebError {
    WebError::internal(format!("drawing a chart: {err}"))
}

/// The SPRS score over time: one point per completed assessment, labelled
/// by its completion date, on the score's whole range (-203 to 110). The
/// SVG is named by `title` for assistive technology.
pub(crate) fn sprs_history(points: &[(String, i32)], title: &str) -> Result<String, WebError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let last = i32::try_from(points.len().max(2) - 1).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(14)
            .x_label_area_size(34)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.25_f64..f64::from(last) + 0.25, -203_i32..110_i32)
            .map_err(failed)?;
        let labels: Vec<&str> = points.iter().map(|(label, _)| label.as_str()).collect();
        chart
            .configure_mesh()
            .x_labels(points.len().max(2))
            .x_label_formatter(&|x| {
                let index = x.round();
                if (x - index).abs() > 0.01 || index < 0.0 {
                    return String::new();
                }
                // A chart index is small and positive here.
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "checked above"
                )]
                let at = index as usize;
                labels.get(at).map_or_else(String::new, |l| (*l).to_owned())
            })
            .y_desc("SPRS score")
            .light_line_style(RGBColor(0xee, 0xf1, 0xf4))
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(failed)?;
        let brand = RGBColor(0x1f, 0x4e, 0x79);
        let at = |(i, (_, score)): (usize, &(String, i32))| (i as f64, *score);
        chart
            .draw_series(LineSeries::new(points.iter().enumerate().map(at), brand.stroke_width(3)))
            .map_err(failed)?;
        chart
            .draw_series(points.iter().enumerate().map(|p| Circle::new(at(p), 5, brand.filled())))
            .map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(label_svg(&svg, title))
}

/// Names the chart for assistive technology (`role="img"`, a `<title>`).
fn label_svg(svg: &str, title: &str) -> String {
    let escaped = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    match svg.find('>') {
        Some(end) if svg.starts_with("<svg") => format!(
            "{} role=\"img\" aria-label=\"{escaped}\"><title>{escaped}</title>{}",
            &svg[..end],
            &svg[end + 1..]
        ),
        _ => svg.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_chart_is_a_labelled_svg_without_styles_or_scripts() {
        let points = vec![("2026-01-05".to_owned(), -40), ("2026-06-30".to_owned(), 88)];
        let svg = sprs_history(&points, "SPRS score over time").unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("role=\"img\" aria-label=\"SPRS score over time\""));
        assert!(svg.contains("2026-06-30"));
        assert!(
            !svg.contains("<script") && !svg.contains("style="),
            "the CSP allows neither: {svg}"
        );
    }

    #[test]
    fn one_point_and_none_still_draw() {
        assert!(sprs_history(&[("2026-01-05".to_owned(), 110)], "t").unwrap().contains("<circle"));
        assert!(sprs_history(&[], "t").unwrap().starts_with("<svg"));
    }
}
