//! The rules of a system security plan (CA.L2-3.12.4): its people, the CAGE
//! codes it covers, each requirement's implementation statement, what a
//! version needs before it is published, and the number of the next version.

use chrono::NaiveDate;

use crate::text::{LONG_TEXT_MAX, TITLE_MAX, long_text, short_text};
use crate::{CageCode, Email, ImplementationStatus, SspPersonRole};

/// A rule an SSP field breaks. `Field` is a rule of one value (a schema can
/// state it); `Combination` one of several values together (it cannot).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SspRuleError {
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    #[error("{field}: {message}")]
    Combination { field: String, message: String },
}

fn field(name: &str, message: impl std::fmt::Display) -> SspRuleError {
    SspRuleError::Field { field: name.to_owned(), message: message.to_string() }
}

fn combination(name: &str, message: impl std::fmt::Display) -> SspRuleError {
    SspRuleError::Combination { field: name.to_owned(), message: message.to_string() }
}

/// The most CAGE codes one SSP lists, and people it names.
pub const MAX_CAGE_CODES: usize = 50;
pub const MAX_PEOPLE: usize = 50;
/// The longest phone number, in characters.
pub const PHONE_MAX: usize = 32;

/// A person the SSP names, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonInput<'a> {
    pub role: &'a str,
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub email: &'a str,
    pub phone: Option<&'a str>,
}

/// A person the SSP names, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub role: SspPersonRole,
    pub name: String,
    pub title: Option<String>,
    pub email: String,
    pub phone: Option<String>,
}

fn optional_line(
    name: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, SspRuleError> {
    // Left out is none; given, it must be a real line (not blank).
    value.map(|v| short_text(v, max).map_err(|e| field(name, e))).transpose()
}

/// An optional phone number: digits, spaces and `+ - ( ) . x`, with a digit.
///
/// # Errors
/// When given and not a phone number.
pub fn check_phone(name: &str, value: Option<&str>) -> Result<Option<String>, SspRuleError> {
    let phone = optional_line(name, value, PHONE_MAX)?;
    let allowed = |c: char| c.is_ascii_digit() || " +-().x".contains(c);
    match phone {
        Some(p) if !p.chars().all(allowed) || !p.chars().any(|c| c.is_ascii_digit()) => {
            Err(field(name, "a phone number has digits, spaces and + - ( ) . x only"))
        }
        other => Ok(other),
    }
}

/// Checks the people of an SSP; fields are named `people[i].name` and so on.
///
/// # Errors
/// The first rule a person breaks.
pub fn check_people(people: &[PersonInput<'_>]) -> Result<Vec<Person>, SspRuleError> {
    if people.len() > MAX_PEOPLE {
        return Err(field("people", format!("at most {MAX_PEOPLE} people")));
    }
    people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = |f: &str| format!("people[{i}].{f}");
            Ok(Person {
                role: p.role.parse().map_err(|e| field(&at("role"), e))?,
                name: short_text(p.name, TITLE_MAX).map_err(|e| field(&at("name"), e))?,
                title: optional_line(&at("title"), p.title, TITLE_MAX)?,
                email: Email::parse(p.email)
                    .map_err(|e| field(&at("email"), e))?
                    .as_str()
                    .to_owned(),
                phone: check_phone(&at("phone"), p.phone)?,
            })
        })
        .collect()
}

/// Checks and normalises CAGE codes (upper case, each once, in the order given).
///
/// # Errors
/// A code that is not one, or too many.
pub fn check_cage_codes(codes: &[&str]) -> Result<Vec<String>, SspRuleError> {
    if codes.len() > MAX_CAGE_CODES {
        return Err(field("cage_codes", format!("at most {MAX_CAGE_CODES} CAGE codes")));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        let code = CageCode::parse(code).map_err(|e| field(&format!("cage_codes[{i}]"), e))?;
        if !out.iter().any(|c| c == code.as_str()) {
            out.push(code.as_str().to_owned());
        }
    }
    Ok(out)
}

/// An implementation statement, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementInput<'a> {
    pub implementation_status: &'a str,
    pub narrative: &'a str,
    pub responsible_role: Option<&'a str>,
    pub planned_date: Option<NaiveDate>,
    pub objectives: &'a [&'a str],
}

/// An implementation statement, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub implementation_status: ImplementationStatus,
    pub narrative: String,
    pub responsible_role: Option<String>,
    pub planned_date: Option<NaiveDate>,
    pub objectives: Vec<String>,
}

/// Checks a statement for a practice whose objective labels are `labels`:
/// a narrative always (for not applicable, why); a planned date exactly when
/// something is still to be done (planned, partially implemented), and then
/// required for planned; objectives among the practice's.
///
/// # Errors
/// The first rule it breaks.
pub fn check_statement(
    input: &StatementInput<'_>,
    labels: &[&str],
) -> Result<Statement, SspRuleError> {
    let status: ImplementationStatus =
        input.implementation_status.parse().map_err(|e| field("implementation_status", e))?;
    let narrative = long_text(input.narrative, LONG_TEXT_MAX).map_err(|e| field("narrative", e))?;
    let responsible_role = optional_line("responsible_role", input.responsible_role, TITLE_MAX)?;
    let open = matches!(
        status,
        ImplementationStatus::Planned | ImplementationStatus::PartiallyImplemented
    );
    match (status, input.planned_date) {
        (ImplementationStatus::Planned, None) => {
            return Err(combination(
                "planned_date",
                "a planned implementation needs its planned date",
            ));
        }
        (_, Some(_)) if !open => {
            return Err(combination(
                "planned_date",
                format!(
                    "only a planned or partially implemented requirement has a planned date, not one {status}"
                ),
            ));
        }
        _ => {}
    }
    let mut objectives: Vec<String> = Vec::new();
    for label in input.objectives {
        if !labels.contains(label) {
            return Err(combination(
                "objectives",
                format!("{label:?} is not an objective of this practice ({})", labels.join(", ")),
            ));
        }
        if !objectives.iter().any(|o| o == label) {
            objectives.push((*label).to_owned());
        }
    }
    Ok(Statement {
        implementation_status: status,
        narrative,
        responsible_role,
        planned_date: input.planned_date,
        objectives,
    })
}

/// Why a version cannot be published yet: each requirement of its level
/// without a statement, and a missing system owner or security official.
#[must_use]
pub fn publish_problems(roles: &[SspPersonRole], missing_statements: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    for (role, name) in [
        (SspPersonRole::SystemOwner, "a system owner"),
        (SspPersonRole::SecurityOfficial, "a security official"),
    ] {
        if !roles.contains(&role) {
            problems.push(format!("it names no {}", &name[2..]));
        }
    }
    match missing_statements {
        [] => {}
        [one] => problems.push(format!("{one} has no implementation statement")),
        [first, rest @ ..] => problems.push(format!(
            "{} requirements have no implementation statement ({first} and {} more)",
            missing_statements.len(),
            rest.len()
        )),
    }
    problems
}

/// The version a copy of `version` gets: its last number one up (`1` ->
/// `2`, `1.4` -> `1.5`, `2026-1` -> `2026-2`), or `-2` added when it ends in
/// no number.
#[must_use]
pub fn next_version(version: &str) -> String {
    let digits = version.chars().rev().take_while(char::is_ascii_digit).count();
    let (head, number) = version.split_at(version.len() - digits);
    match number.parse::<u64>() {
        Ok(n) if digits > 0 => format!("{head}{}", n.saturating_add(1)),
        _ => format!("{version}-2"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person<'a>(role: &'a str, email: &'a str) -> PersonInput<'a> {
        PersonInput {
            role,
            name: "Pat Doe",
            title: Some("CISO"),
            email,
            phone: Some("+1 (555) 010-0100"),
        }
    }

    #[test]
    fn people_are_checked_and_named_by_position() {
        let ok = check_people(&[person("system_owner", "pat@example.com")]).unwrap();
        assert_eq!(ok[0].role, SspPersonRole::SystemOwner);
        assert_eq!(ok[0].phone.as_deref(), Some("+1 (555) 010-0100"));
        let bad = check_people(&[
            person("system_owner", "pat@example.com"),
            person("owner", "x@example.com"),
        ]);
        assert!(matches!(bad, Err(SspRuleError::Field { field, .. }) if field == "people[1].role"));
        let bad = check_people(&[person("point_of_contact", "nope")]);
        assert!(
            matches!(bad, Err(SspRuleError::Field { field, .. }) if field == "people[0].email")
        );
        let mut p = person("point_of_contact", "a@example.com");
        p.phone = Some("call me");
        assert!(
            matches!(check_people(&[p]), Err(SspRuleError::Field { field, .. }) if field == "people[0].phone")
        );
    }

    #[test]
    fn cage_codes_are_upper_cased_once_each() {
        assert_eq!(check_cage_codes(&["1abc2", "1ABC2", "ZZ9Z9"]).unwrap(), vec!["1ABC2", "ZZ9Z9"]);
        assert!(
            matches!(check_cage_codes(&["1abc"]), Err(SspRuleError::Field { field, .. }) if field == "cage_codes[0]")
        );
        let many: Vec<&str> = std::iter::repeat_n("1ABC2", MAX_CAGE_CODES + 1).collect();
        assert!(check_cage_codes(&many).is_err());
    }

    fn statement<'a>(
        status: &'a str,
        planned: Option<&str>,
        objectives: &'a [&'a str],
    ) -> StatementInput<'a> {
        StatementInput {
            implementation_status: status,
            narrative: "Accounts are issued through the IAM workflow.",
            responsible_role: Some("IT manager"),
            planned_date: planned.map(|d| d.parse().unwrap()),
            objectives,
        }
    }

    #[test]
    fn planned_dates_go_with_what_is_still_to_be_done() {
        let labels = ["a", "b"];
        assert!(check_statement(&statement("implemented", None, &["a"]), &labels).is_ok());
        assert!(check_statement(&statement("planned", Some("2027-01-31"), &[]), &labels).is_ok());
        assert!(
            check_statement(&statement("partially_implemented", Some("2027-01-31"), &[]), &labels)
                .is_ok()
        );
        assert!(check_statement(&statement("partially_implemented", None, &[]), &labels).is_ok());
        for (status, planned) in [
            ("planned", None),
            ("implemented", Some("2027-01-31")),
            ("not_applicable", Some("2027-01-31")),
        ] {
            let err = check_statement(&statement(status, planned, &[]), &labels).unwrap_err();
            assert!(
                matches!(err, SspRuleError::Combination { ref field, .. } if field == "planned_date"),
                "{status}: {err}"
            );
        }
    }

    #[test]
    fn statements_need_a_narrative_and_known_objectives() {
        let labels = ["a", "b"];
        let mut s = statement("implemented", None, &[]);
        s.narrative = "   ";
        assert!(
            matches!(check_statement(&s, &labels), Err(SspRuleError::Field { field, .. }) if field == "narrative")
        );
        let err = check_statement(&statement("implemented", None, &["c"]), &labels).unwrap_err();
        assert!(
            matches!(err, SspRuleError::Combination { ref field, .. } if field == "objectives")
        );
        let ok =
            check_statement(&statement("implemented", None, &["b", "a", "b"]), &labels).unwrap();
        assert_eq!(ok.objectives, vec!["b", "a"]);
        assert!(
            matches!(check_statement(&statement("done", None, &[]), &labels), Err(SspRuleError::Field { field, .. }) if field == "implementation_status")
        );
    }

    #[test]
    fn publishing_needs_owner_official_and_every_statement() {
        let both = [SspPersonRole::SystemOwner, SspPersonRole::SecurityOfficial];
        assert!(publish_problems(&both, &[]).is_empty());
        assert_eq!(
            publish_problems(&[SspPersonRole::SystemOwner], &["AC.L2-3.1.1"]),
            vec![
                "it names no security official".to_owned(),
                "AC.L2-3.1.1 has no implementation statement".to_owned(),
            ]
        );
        let problems = publish_problems(&both, &["AC.L2-3.1.1", "AC.L2-3.1.2", "AC.L2-3.1.3"]);
        assert_eq!(
            problems,
            vec![
                "3 requirements have no implementation statement (AC.L2-3.1.1 and 2 more)"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn the_next_version_counts_up_its_last_number() {
        assert_eq!(next_version("1"), "2");
        assert_eq!(next_version("1.4"), "1.5");
        assert_eq!(next_version("2026-09"), "2026-10");
        assert_eq!(next_version("v1.9"), "v1.10");
        assert_eq!(next_version("draft"), "draft-2");
        assert_eq!(next_version(""), "-2");
    }
}
