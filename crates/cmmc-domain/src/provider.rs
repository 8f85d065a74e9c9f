//! Cloud and external service providers, and their customer responsibility
//! matrices (CRM), as pure rules: what a well-formed provider and CRM row
//! are, how a CSV row of a CRM reads, and which objectives of a practice a
//! set of CRM rows settles when an assessment applies them.

use std::collections::BTreeMap;

use crate::text::{self, LONG_TEXT_MAX, TITLE_MAX};
use crate::{PracticeId, ProviderAuthorization, ProviderKind, Responsibility};

/// The most services a provider lists, and the longest name of one.
pub const SERVICES_MAX: usize = 50;
/// The most rows one responsibility matrix holds.
pub const MATRIX_MAX: usize = 5_000;

/// The columns of a responsibility matrix's CSV, in order. `objective` is
/// empty for the whole practice.
pub const CSV_COLUMNS: [&str; 4] =
    ["practice_id", "objective", "responsibility", "provider_statement"];

/// One problem: the field (or CSV column) and why.
pub type FieldProblem = (&'static str, String);

/// A provider as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderInput {
    pub name: String,
    pub kind: String,
    pub authorization: String,
    pub services: Vec<String>,
}

/// A provider, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProvider {
    pub name: String,
    pub kind: ProviderKind,
    pub authorization: ProviderAuthorization,
    pub services: Vec<String>,
}

/// Checks every field of a provider.
///
/// # Errors
/// Each field that is wrong, with why.
pub fn check(input: &ProviderInput) -> Result<CheckedProvider, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let name = text::short_text(&input.name, TITLE_MAX)
        .map_err(|e| problems.push(("name", e.to_string())))
        .ok();
    let kind = input
        .kind
        .trim()
        .parse::<ProviderKind>()
        .map_err(|e| problems.push(("kind", e.to_string())))
        .ok();
    let authorization = input
        .authorization
        .trim()
        .parse::<ProviderAuthorization>()
        .map_err(|e| problems.push(("authorization", e.to_string())))
        .ok();
    let mut services: Vec<String> = Vec::new();
    for service in input.services.iter().filter(|s| !s.trim().is_empty()) {
        match text::short_text(service, TITLE_MAX) {
            Ok(s) if !services.contains(&s) => services.push(s),
            Ok(_) => {}
            Err(e) => problems
                .push(("services", format!("{:?}: {e}", service.escape_debug().to_string()))),
        }
    }
    if input.services.len() > SERVICES_MAX {
        problems.push(("services", format!("at most {SERVICES_MAX} services")));
    }
    match (name, kind, authorization) {
        (Some(name), Some(kind), Some(authorization)) if problems.is_empty() => {
            Ok(CheckedProvider { name, kind, authorization, services })
        }
        _ => Err(problems),
    }
}

/// A CRM row as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponsibilityInput {
    pub practice_id: String,
    /// An objective's letter (`a`, `b`, ...); None or empty for the whole practice.
    pub objective: Option<String>,
    pub responsibility: String,
    pub provider_statement: Option<String>,
}

/// A CRM row, checked (against the form of its values; whether the practice
/// and objective exist is the catalogue's to say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedResponsibility {
    pub practice_id: PracticeId,
    pub objective: Option<String>,
    pub responsibility: Responsibility,
    pub provider_statement: Option<String>,
}

impl CheckedResponsibility {
    /// The row's key in its matrix: practice and objective.
    #[must_use]
    pub fn key(&self) -> (String, String) {
        (self.practice_id.to_string(), self.objective.clone().unwrap_or_default())
    }
}

/// An objective's letter as written in 800-171A (`a` to `zz`), with or
/// without its brackets, spaces around it allowed.
fn objective_letter(value: &str) -> Option<String> {
    let value = value.trim_matches(' ');
    let bare = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')).unwrap_or(value);
    let ok = (1..=2).contains(&bare.len()) && bare.bytes().all(|b| b.is_ascii_lowercase());
    ok.then(|| bare.to_owned())
}

/// Checks a CRM row's fields: a practice id, an objective letter and a
/// responsibility. ([`missing_statement`] is the rule across fields.)
///
/// # Errors
/// Each field that is wrong, with why.
pub fn check_responsibility(
    input: &ResponsibilityInput,
) -> Result<CheckedResponsibility, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let practice_id = input
        .practice_id
        .trim()
        .parse::<PracticeId>()
        .map_err(|e| problems.push(("practice_id", e.to_string())))
        .ok();
    let objective = match input.objective.as_deref().filter(|o| !o.trim_matches(' ').is_empty()) {
        None => Some(None),
        Some(o) => objective_letter(o).map(Some).or_else(|| {
            let shown = o.escape_debug().to_string();
            problems.push((
                "objective",
                format!("{shown:?} is not an objective letter such as a or [b]"),
            ));
            None
        }),
    };
    let responsibility = input
        .responsibility
        .trim()
        .parse::<Responsibility>()
        .map_err(|e| problems.push(("responsibility", e.to_string())))
        .ok();
    let provider_statement =
        match input.provider_statement.as_deref().filter(|s| !s.trim().is_empty()) {
            None => None,
            Some(s) => text::long_text(s, LONG_TEXT_MAX)
                .map_err(|e| problems.push(("provider_statement", e.to_string())))
                .ok(),
        };
    match (practice_id, objective, responsibility) {
        (Some(practice_id), Some(objective), Some(responsibility)) if problems.is_empty() => {
            Ok(CheckedResponsibility { practice_id, objective, responsibility, provider_statement })
        }
        _ => Err(problems),
    }
}

/// The rule across a row's fields: a shared responsibility needs the
/// provider's statement (the assessor must see what the provider does).
#[must_use]
pub fn missing_statement(row: &CheckedResponsibility) -> Option<FieldProblem> {
    (row.responsibility == Responsibility::Shared && row.provider_statement.is_none()).then(|| {
        ("provider_statement", "a shared responsibility needs the provider's statement".to_owned())
    })
}

/// A CSV row as a CRM row: `cell(column)` gives the row's cell of a column
/// (empty when the file has no such column).
pub fn from_csv_row<'a>(cell: impl Fn(&str) -> &'a str) -> ResponsibilityInput {
    let some = |column: &str| Some(cell(column).to_owned()).filter(|v| !v.trim().is_empty());
    ResponsibilityInput {
        practice_id: cell("practice_id").to_owned(),
        objective: some("objective"),
        responsibility: cell("responsibility").to_owned(),
        provider_statement: some("provider_statement"),
    }
}

/// The CSV cells of a CRM row, in [`CSV_COLUMNS`] order.
#[must_use]
pub fn to_csv_row(row: &CheckedResponsibility) -> Vec<String> {
    vec![
        row.practice_id.to_string(),
        row.objective.clone().unwrap_or_default(),
        row.responsibility.as_str().to_owned(),
        row.provider_statement.clone().unwrap_or_default(),
    ]
}

/// How an SSP states a CRM row of `provider`: who meets what, and the
/// provider's statement; nothing for a `customer` row.
#[must_use]
pub fn ssp_line(provider: &str, row: &CheckedResponsibility) -> Option<String> {
    let verb = match row.responsibility {
        Responsibility::Inherited => "Inherited from",
        Responsibility::Shared => "Shared with",
        Responsibility::Customer => return None,
    };
    let what = row
        .objective
        .as_ref()
        .map_or_else(|| "all objectives".to_owned(), |o| format!("objective [{o}]"));
    let statement = row.provider_statement.as_deref().map(|s| format!(": {s}")).unwrap_or_default();
    Some(format!("{verb} {provider} ({what}){statement}"))
}

/// What one objective gets from applying providers: the provider and CRM
/// row it came from, and whether it is inherited or shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectivePlan<'a, P> {
    pub source: &'a P,
    pub row: &'a CheckedResponsibility,
    pub responsibility: Responsibility,
}

/// Which of `objectives` (a practice's letters) the CRM rows settle.
/// `rows` come in the order of the providers' precedence, and `provider_of`
/// names each row's provider. Each provider answers an objective with its
/// row for that objective, or else its row for the whole practice; then the
/// first provider that answers `inherited` wins, or else the first that
/// answers `shared`. `customer` settles nothing.
#[must_use]
pub fn plan<'a, P, K: PartialEq>(
    objectives: &[&str],
    rows: &'a [(P, CheckedResponsibility)],
    provider_of: impl Fn(&P) -> K,
) -> BTreeMap<String, ObjectivePlan<'a, P>> {
    let mut providers: Vec<K> = Vec::new();
    for (p, _) in rows {
        let k = provider_of(p);
        if !providers.contains(&k) {
            providers.push(k);
        }
    }
    let mut out = BTreeMap::new();
    for letter in objectives {
        let answers: Vec<&'a (P, CheckedResponsibility)> = providers
            .iter()
            .filter_map(|k| {
                let own = || rows.iter().filter(|(p, _)| provider_of(p) == *k);
                own()
                    .find(|(_, r)| r.objective.as_deref() == Some(*letter))
                    .or_else(|| own().find(|(_, r)| r.objective.is_none()))
            })
            .collect();
        let pick =
            |wanted: Responsibility| answers.iter().find(|(_, r)| r.responsibility == wanted);
        if let Some((source, row)) =
            pick(Responsibility::Inherited).or_else(|| pick(Responsibility::Shared))
        {
            out.insert(
                (*letter).to_owned(),
                ObjectivePlan { source, row, responsibility: row.responsibility },
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        practice: &str,
        objective: Option<&str>,
        r: &str,
        statement: Option<&str>,
    ) -> CheckedResponsibility {
        check_responsibility(&ResponsibilityInput {
            practice_id: practice.into(),
            objective: objective.map(Into::into),
            responsibility: r.into(),
            provider_statement: statement.map(Into::into),
        })
        .unwrap()
    }

    #[test]
    fn a_provider_is_checked() {
        let good = ProviderInput {
            name: "Azure Government".into(),
            kind: "cloud_service_provider".into(),
            authorization: "fedramp_high".into(),
            services: vec!["Entra ID".into(), "Entra ID".into(), " ".into()],
        };
        let provider = check(&good).unwrap();
        assert_eq!(provider.services, ["Entra ID"]);
        assert!(provider.authorization.meets_fedramp_moderate());
        assert!(!ProviderAuthorization::None.meets_fedramp_moderate());
        let bad = ProviderInput {
            name: String::new(),
            kind: "isp".into(),
            authorization: "soc2".into(),
            services: vec![],
        };
        let fields: Vec<&str> = check(&bad).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "kind", "authorization"]);
    }

    #[test]
    fn a_crm_row_is_checked() {
        assert_eq!(
            row("AC.L2-3.1.1", Some("[b]"), "inherited", None).objective.as_deref(),
            Some("b")
        );
        assert_eq!(row("AC.L2-3.1.1", Some(" "), "customer", None).objective, None);
        let tab = ResponsibilityInput {
            practice_id: "AC.L2-3.1.1".into(),
            objective: Some("\t".into()),
            responsibility: "customer".into(),
            provider_statement: None,
        };
        assert!(check_responsibility(&tab).is_err(), "only spaces are blank");
        let shared = ResponsibilityInput {
            practice_id: "AC.L2-3.1.1".into(),
            responsibility: "shared".into(),
            ..ResponsibilityInput::default()
        };
        let unstated = check_responsibility(&shared).unwrap();
        assert_eq!(missing_statement(&unstated).map(|(f, _)| f), Some("provider_statement"));
        assert_eq!(missing_statement(&row("AC.L2-3.1.1", None, "inherited", None)), None);
        let bad = ResponsibilityInput {
            practice_id: "AC-3.1.1".into(),
            objective: Some("abc".into()),
            responsibility: "theirs".into(),
            provider_statement: None,
        };
        let fields: Vec<&str> =
            check_responsibility(&bad).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["practice_id", "objective", "responsibility"]);
    }

    #[test]
    fn an_ssp_states_inherited_and_shared_rows_only() {
        let whole = row("PE.L2-3.10.1", None, "inherited", None);
        assert_eq!(
            ssp_line("GCC High", &whole).unwrap(),
            "Inherited from GCC High (all objectives)"
        );
        let shared = row("AC.L2-3.1.1", Some("c"), "shared", Some("Entra ID lists devices."));
        assert_eq!(
            ssp_line("GCC High", &shared).unwrap(),
            "Shared with GCC High (objective [c]): Entra ID lists devices."
        );
        assert_eq!(ssp_line("GCC High", &row("AC.L2-3.1.1", None, "customer", None)), None);
    }

    #[test]
    fn csv_rows_read_and_write_the_same_row() {
        let original = row("SC.L2-3.13.1", Some("a"), "shared", Some("We monitor the boundary."));
        let cells = to_csv_row(&original);
        let cell =
            |c: &str| CSV_COLUMNS.iter().position(|x| *x == c).map_or("", |i| cells[i].as_str());
        assert_eq!(check_responsibility(&from_csv_row(cell)).unwrap(), original);
    }

    #[test]
    fn a_providers_objective_row_wins_over_its_whole_practice_and_inherited_over_shared() {
        let rows = vec![
            ("p1", row("AC.L2-3.1.1", None, "shared", Some("Both."))),
            ("p1", row("AC.L2-3.1.1", Some("b"), "customer", None)),
            ("p2", row("AC.L2-3.1.1", Some("c"), "shared", Some("Some."))),
            ("p3", row("AC.L2-3.1.1", Some("c"), "inherited", None)),
        ];
        let plan = plan(&["a", "b", "c", "d"], &rows, |p| *p);
        let got: Vec<(&str, &str, Responsibility)> =
            plan.iter().map(|(l, p)| (l.as_str(), *p.source, p.responsibility)).collect();
        assert_eq!(
            got,
            [
                ("a", "p1", Responsibility::Shared),
                ("c", "p3", Responsibility::Inherited),
                ("d", "p1", Responsibility::Shared),
            ]
        );
        let first_inherits = vec![
            ("p0", row("PE.L2-3.10.1", None, "inherited", None)),
            ("p1", row("PE.L2-3.10.1", Some("a"), "shared", Some("Badges."))),
        ];
        let plan = super::plan(&["a"], &first_inherits, |p| *p);
        assert_eq!(
            (*plan["a"].source, plan["a"].responsibility),
            ("p0", Responsibility::Inherited)
        );
    }
}
