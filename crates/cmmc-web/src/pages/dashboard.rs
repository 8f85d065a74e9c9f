//! The dashboard: where an organisation stands.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use cmmc_services::assessments::{Assessment, AssessmentFilter};
use cmmc_services::organizations::Organization;
use cmmc_services::remediation::{Dashboard, PoamItem};
use cmmc_services::{Page, Services};
use serde::Deserialize;

use super::html;
use crate::WebState;
use crate::error::WebError;
use crate::session::SignedIn;
use crate::views::{Chrome, label};

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    /// For a system administrator: the organisations to pick from.
    organizations: Vec<Organization>,
    org_id: Option<String>,
    org_name: String,
    view: Option<OrgView>,
}

/// One organisation's figures.
struct OrgView {
    sprs: Option<i32>,
    /// Of the newest completed assessment.
    cmmc_status: Option<String>,
    chart_svg: String,
    history_len: usize,
    /// Of the newest assessment: its title, and points lost per domain.
    points_from: Option<String>,
    points_lost: Vec<(String, i32)>,
    /// Open findings per severity, most serious first.
    findings: Vec<(String, u32)>,
    open_findings: u32,
    overdue: Vec<PoamItem>,
    assessments: Vec<Assessment>,
}

#[derive(Deserialize)]
pub(crate) struct OrgQuery {
    org: Option<String>,
}

/// GET / (a system administrator picks the organisation: `?org=`)
pub(crate) async fn dashboard(
    state: web::Data<WebState>,
    user: SignedIn,
    query: web::Query<OrgQuery>,
) -> Result<HttpResponse, WebError> {
    let services = &state.services;
    let admin = user.actor.is_system_admin();
    let organizations = if admin {
        services.list_organizations(&user.actor, Page::new(Some(1), Some(200))?).await?.0
    } else {
        Vec::new()
    };
    let org_id =
        if admin { query.org.clone().filter(|o| !o.is_empty()) } else { user.actor.org_id.clone() };
    let (view, org_name) = match &org_id {
        Some(org_id) => {
            let org = services.get_organization(&user.actor, org_id).await?;
            (Some(org_view(services, &user, org_id).await?), org.name)
        }
        None => (None, String::new()),
    };
    html(&DashboardPage {
        chrome: Chrome::of(&user, "dashboard"),
        organizations,
        org_id,
        org_name,
        view,
    })
}

async fn org_view(services: &Services, user: &SignedIn, org_id: &str) -> Result<OrgView, WebError> {
    let Dashboard {
        current_sprs_score,
        sprs_history,
        open_findings_by_severity,
        overdue_poam_items,
        ..
    } = services.dashboard(&user.actor, org_id).await?;
    let filter = AssessmentFilter {
        org_id: Some(org_id.to_owned()),
        page: Page::new(Some(1), Some(50))?,
        ..Default::default()
    };
    let (assessments, _) = services.list_assessments(&user.actor, filter).await?;
    let points: Vec<(String, i32)> = sprs_history
        .iter()
        .filter_map(|p| Some((p.completed_at.date_naive().to_string(), p.sprs_score?)))
        .collect();
    let chart_svg = crate::chart::sprs_history(
        &points,
        "SPRS score of each completed assessment, oldest first",
    )?;
    let cmmc_status = sprs_history.last().and_then(|p| p.cmmc_status.as_deref().map(label));
    let (points_from, points_lost) = match assessments.first() {
        Some(newest) => {
            let score = services.assessment_score(&user.actor, &newest.id).await?;
            (Some(newest.title.clone()), points_lost_by_domain(&score.score.deductions))
        }
        None => (None, Vec::new()),
    };
    Ok(OrgView {
        sprs: current_sprs_score,
        cmmc_status,
        chart_svg,
        history_len: points.len(),
        points_from,
        points_lost,
        open_findings: open_findings_by_severity.values().sum(),
        findings: by_severity(&open_findings_by_severity),
        overdue: overdue_poam_items,
        assessments,
    })
}

/// Counts per severity in the order of severity, most serious first.
fn by_severity(counts: &BTreeMap<String, u32>) -> Vec<(String, u32)> {
    cmmc_domain::Severity::ALL
        .iter()
        .map(|s| (label(s.as_str()), counts.get(s.as_str()).copied().unwrap_or(0)))
        .collect()
}

/// Points lost per domain, most first; domains that lost nothing left out.
fn points_lost_by_domain(deductions: &[cmmc_domain::scoring::Deduction]) -> Vec<(String, i32)> {
    let mut by_domain: BTreeMap<String, i32> = BTreeMap::new();
    for deduction in deductions {
        *by_domain.entry(deduction.practice_id.domain().as_str().to_owned()).or_default() +=
            deduction.points;
    }
    let mut out: Vec<(String, i32)> = by_domain.into_iter().filter(|(_, p)| *p != 0).collect();
    out.sort_by(|a, b| b.1.abs().cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
    out
}
