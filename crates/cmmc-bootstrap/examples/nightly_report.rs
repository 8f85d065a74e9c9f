//! A nightly job built on the library alone: every organisation's current
//! SPRS score and its overdue POA&M items, as JSON on standard output.
//!
//! It starts as every process does (`cmmc_bootstrap::start`, reading the same
//! settings as the server) and acts as an existing user, so it sees exactly
//! what that user may see:
//!
//! ```sh
//! CMMC_REPORT_USER=root cargo run -p cmmc-bootstrap --example nightly_report
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use cmmc_bootstrap::Settings;
use cmmc_services::{Page, Services};
use serde_json::{Value, json};

async fn report(services: &Services, username: &str) -> anyhow::Result<Value> {
    let actor = services.act_as(username).await?;
    let mut organisations = Vec::new();
    let mut page = Page::new(Some(1), Some(Page::MAX_PER_PAGE))?;
    loop {
        let (orgs, total) = services.list_organizations(&actor, page).await?;
        for org in &orgs {
            let dashboard = services.dashboard(&actor, &org.id).await?;
            let overdue: Vec<Value> = dashboard
                .overdue_poam_items
                .iter()
                .map(|i| {
                    json!({
                        "milestone": i.item.milestone,
                        "practice_id": i.item.practice_id.map(|p| p.to_string()),
                        "scheduled_completion": i.item.scheduled_completion,
                    })
                })
                .collect();
            organisations.push(json!({
                "id": org.id,
                "name": org.name,
                "sprs_score": dashboard.current_sprs_score,
                "overdue_poam_items": overdue,
            }));
        }
        if page.offset() + page.per_page() >= total {
            break;
        }
        page = Page::new(Some(page.number() + 1), Some(page.per_page()))?;
    }
    Ok(json!({ "organizations": organisations }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let run = async {
        let username = std::env::var("CMMC_REPORT_USER")
            .map_err(|_| anyhow::format_err!("set CMMC_REPORT_USER to the user to act as"))?;
        let settings = Settings::load()?;
        let services = cmmc_bootstrap::start(&settings).await?;
        report(&services, &username).await
    };
    match run.await {
        Ok(value) => {
            let _ = writeln!(std::io::stdout(), "{value:#}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("nightly_report: {err:#}");
            ExitCode::FAILURE
        }
    }
}
