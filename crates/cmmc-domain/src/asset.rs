//! The asset inventory's rules, as pure functions: what a well-formed asset
//! is, and how a CSV row of the inventory reads. The services check every
//! asset, from the API or from a file, with [`check`].

use crate::text::{self, TITLE_MAX};
use crate::{AssetCategory, AssetType};

/// The longest asset tag.
pub const TAG_MAX: usize = 64;
/// The most tags an asset has, and the longest tag.
pub const TAGS_MAX: usize = 20;
pub const TAG_TEXT_MAX: usize = 64;
/// The longest description (one line, like every field of an asset).
pub const DESCRIPTION_MAX: usize = 2_000;

/// The columns of the inventory's CSV, in order. `provider` names the
/// provider the asset lives at; `tags` are separated by `;`.
pub const CSV_COLUMNS: [&str; 11] = [
    "asset_tag",
    "name",
    "asset_type",
    "category",
    "owner",
    "location",
    "description",
    "handles_cui",
    "handles_fci",
    "provider",
    "tags",
];

/// An asset as given (from the API or a CSV row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetInput {
    pub asset_tag: String,
    pub name: String,
    pub asset_type: String,
    pub category: String,
    pub owner: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub handles_cui: bool,
    pub handles_fci: bool,
    pub tags: Vec<String>,
}

/// An asset, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAsset {
    pub asset_tag: String,
    pub name: String,
    pub asset_type: AssetType,
    pub category: AssetCategory,
    pub owner: Option<String>,
    pub location: Option<String>,
    pub description: Option<String>,
    pub handles_cui: bool,
    pub handles_fci: bool,
    pub tags: Vec<String>,
}

/// One problem: the field (or CSV column) and why.
pub type FieldProblem = (&'static str, String);

fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
    problems: &mut Vec<FieldProblem>,
) -> Option<String> {
    let value = value.filter(|v| !v.trim().is_empty())?;
    text::short_text(value, max).map_err(|e| problems.push((field, e.to_string()))).ok()
}

fn tags(values: &[String], problems: &mut Vec<FieldProblem>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for value in values.iter().filter(|v| !v.trim().is_empty()) {
        match text::short_text(value, TAG_TEXT_MAX) {
            Ok(tag) if !out.contains(&tag) => out.push(tag),
            Ok(_) => {}
            Err(e) => problems.push(("tags", format!("{value:?}: {e}"))),
        }
    }
    if values.len() > TAGS_MAX {
        problems.push(("tags", format!("at most {TAGS_MAX} tags")));
    }
    out
}

/// Checks every field of `input`, answering the asset or every problem.
///
/// # Errors
/// Each field that is wrong, with why, in column order.
pub fn check(input: &AssetInput) -> Result<CheckedAsset, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut line = |field: &'static str, value: &str, max: usize| {
        text::short_text(value, max).map_err(|e| problems.push((field, e.to_string()))).ok()
    };
    let asset_tag = line("asset_tag", &input.asset_tag, TAG_MAX);
    let name = line("name", &input.name, TITLE_MAX);
    let asset_type = input
        .asset_type
        .trim()
        .parse::<AssetType>()
        .map_err(|e| problems.push(("asset_type", e.to_string())))
        .ok();
    let category = input
        .category
        .trim()
        .parse::<AssetCategory>()
        .map_err(|e| problems.push(("category", e.to_string())))
        .ok();
    let owner = optional("owner", input.owner.as_deref(), TITLE_MAX, &mut problems);
    let location = optional("location", input.location.as_deref(), TITLE_MAX, &mut problems);
    let description =
        optional("description", input.description.as_deref(), DESCRIPTION_MAX, &mut problems);
    let tags = tags(&input.tags, &mut problems);
    match (asset_tag, name, asset_type, category) {
        (Some(asset_tag), Some(name), Some(asset_type), Some(category)) if problems.is_empty() => {
            Ok(CheckedAsset {
                asset_tag,
                name,
                asset_type,
                category,
                owner,
                location,
                description,
                handles_cui: input.handles_cui,
                handles_fci: input.handles_fci,
                tags,
            })
        }
        _ => Err(problems),
    }
}

/// A CSV yes/no cell: `true`/`false`, `yes`/`no`, `1`/`0`, any case; empty is no.
///
/// # Errors
/// Anything else.
pub fn csv_bool(cell: &str) -> Result<bool, String> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" | "" => Ok(false),
        other => Err(format!("{other:?} is not true or false")),
    }
}

/// A CSV row as an asset: `cell(column)` gives the row's cell of a column
/// (empty when the file has no such column). The `provider` cell is
/// answered apart, for the caller to resolve; so are the problems of the
/// yes/no columns, which [`check`] does not see.
pub fn from_csv_row<'a>(
    cell: impl Fn(&str) -> &'a str,
) -> (AssetInput, &'a str, Vec<FieldProblem>) {
    let mut problems = Vec::new();
    let mut flag = |column: &'static str| {
        csv_bool(cell(column)).map_err(|e| problems.push((column, e))).unwrap_or(false)
    };
    let handles_cui = flag("handles_cui");
    let handles_fci = flag("handles_fci");
    let some = |column: &str| Some(cell(column).to_owned()).filter(|v| !v.trim().is_empty());
    let input = AssetInput {
        asset_tag: cell("asset_tag").to_owned(),
        name: cell("name").to_owned(),
        asset_type: cell("asset_type").to_owned(),
        category: cell("category").to_owned(),
        owner: some("owner"),
        location: some("location"),
        description: some("description"),
        handles_cui,
        handles_fci,
        tags: cell("tags")
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    (input, cell("provider").trim(), problems)
}

/// The CSV cells of an asset, in [`CSV_COLUMNS`] order.
#[must_use]
pub fn to_csv_row(asset: &CheckedAsset, provider: &str) -> Vec<String> {
    vec![
        asset.asset_tag.clone(),
        asset.name.clone(),
        asset.asset_type.as_str().to_owned(),
        asset.category.as_str().to_owned(),
        asset.owner.clone().unwrap_or_default(),
        asset.location.clone().unwrap_or_default(),
        asset.description.clone().unwrap_or_default(),
        asset.handles_cui.to_string(),
        asset.handles_fci.to_string(),
        provider.to_owned(),
        asset.tags.join(";"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AssetInput {
        AssetInput {
            asset_tag: "LT-001".into(),
            name: "Engineering laptop".into(),
            asset_type: "hardware".into(),
            category: "cui".into(),
            handles_cui: true,
            tags: vec!["laptop".into(), "laptop".into(), " ".into(), "eng".into()],
            ..AssetInput::default()
        }
    }

    #[test]
    fn a_good_asset_is_checked_and_its_tags_deduplicated() {
        let asset = check(&input()).unwrap();
        assert_eq!(asset.asset_type, AssetType::Hardware);
        assert_eq!(asset.tags, ["laptop", "eng"]);
        assert_eq!(asset.owner, None);
    }

    #[test]
    fn every_problem_is_named() {
        let bad = AssetInput {
            asset_tag: " ".into(),
            asset_type: "toaster".into(),
            category: "secret".into(),
            tags: vec!["a\u{0}".into()],
            ..input()
        };
        let fields: Vec<&str> = check(&bad).unwrap_err().into_iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["asset_tag", "asset_type", "category", "tags"]);
    }

    #[test]
    fn csv_rows_read_and_write_the_same_asset() {
        let asset = check(&input()).unwrap();
        let row = to_csv_row(&asset, "Azure Government");
        let cell = |column: &str| {
            CSV_COLUMNS.iter().position(|c| *c == column).map_or("", |i| row[i].as_str())
        };
        let (read, provider, problems) = from_csv_row(cell);
        assert!(problems.is_empty());
        assert_eq!(provider, "Azure Government");
        assert_eq!(check(&read).unwrap(), asset);
        assert_eq!(csv_bool("YES"), Ok(true));
        assert!(csv_bool("maybe").is_err());
    }
}
