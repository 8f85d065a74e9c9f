//! The layering of ARCHITECTURE.md, read from `cargo metadata`: a dependency
//! that breaks it fails here rather than in review.

#![expect(
    clippy::unwrap_used,
    clippy::tests_outside_test_module,
    reason = "an integration test: the whole file is test code, and a failed unwrap is a failed test"
)]

use std::collections::{BTreeMap, BTreeSet};

/// Each workspace package and the names of its normal (not dev) dependencies.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(cmmc_tests::project_root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut map = BTreeMap::new();
    for package in metadata["packages"].as_array().unwrap() {
        let names = package["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"].is_null())
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        map.insert(package["name"].as_str().unwrap().to_owned(), names);
    }
    map
}

/// Every package `name` depends on, directly or through our own crates.
fn reaches(deps: &BTreeMap<String, BTreeSet<String>>, name: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![name.to_owned()];
    while let Some(next) = todo.pop() {
        for dep in deps.get(&next).into_iter().flatten() {
            if seen.insert(dep.clone()) && deps.contains_key(dep) {
                todo.push(dep.clone());
            }
        }
    }
    seen
}

const OURS: &[&str] = &[
    "cmmc-domain",
    "cmmc-store",
    "cmmc-seed",
    "cmmc-services",
    "cmmc-bootstrap",
    "cmmc-api",
    "cmmc-web",
    "migration",
];

#[test]
fn the_crates_depend_on_each_other_as_the_layering_says() {
    let deps = dependencies();
    let ours = |name: &str| -> BTreeSet<String> {
        reaches(&deps, name).into_iter().filter(|d| OURS.contains(&d.as_str())).collect()
    };
    assert!(ours("cmmc-domain").is_empty(), "the domain depends on none of ours");
    assert!(ours("migration").is_empty(), "the migrations depend on none of ours");
    assert_eq!(ours("cmmc-store"), BTreeSet::from(["cmmc-domain".to_owned()]));
    for (crate_name, may_not) in [
        ("cmmc-seed", &["cmmc-services", "cmmc-bootstrap", "cmmc-api", "migration"][..]),
        ("cmmc-services", &["cmmc-seed", "cmmc-bootstrap", "cmmc-api", "migration"][..]),
        ("cmmc-bootstrap", &["cmmc-api"][..]),
    ] {
        let reached = ours(crate_name);
        for forbidden in may_not {
            assert!(!reached.contains(*forbidden), "{crate_name} must not depend on {forbidden}");
        }
    }
}

#[test]
fn nothing_below_the_api_knows_http() {
    let deps = dependencies();
    for name in
        ["cmmc-domain", "cmmc-store", "cmmc-seed", "cmmc-services", "cmmc-bootstrap", "migration"]
    {
        let web: Vec<String> =
            reaches(&deps, name).into_iter().filter(|d| d.starts_with("actix")).collect();
        assert!(web.is_empty(), "{name} depends on {web:?}");
    }
}

#[test]
fn the_api_reaches_the_database_only_through_the_services() {
    let deps = dependencies();
    let direct = &deps["cmmc-api"];
    for forbidden in
        ["cmmc-store", "migration", "cmmc-seed", "sea-orm", "sea-orm-migration", "sqlx"]
    {
        assert!(!direct.contains(forbidden), "cmmc-api depends on {forbidden}");
    }
    let xtask = &deps["xtask"];
    assert!(!xtask.contains("cmmc-api"), "xtask starts through cmmc-bootstrap");
}

#[test]
fn the_web_interface_sits_beside_the_api_on_the_services() {
    let deps = dependencies();
    let ours: BTreeSet<String> =
        reaches(&deps, "cmmc-web").into_iter().filter(|d| OURS.contains(&d.as_str())).collect();
    for forbidden in ["cmmc-api", "cmmc-bootstrap", "cmmc-seed", "migration"] {
        assert!(!ours.contains(forbidden), "cmmc-web must not depend on {forbidden}");
    }
    let direct = &deps["cmmc-web"];
    for forbidden in ["cmmc-store", "sea-orm", "sqlx"] {
        assert!(
            !direct.contains(forbidden),
            "cmmc-web reaches the database only through the services"
        );
    }
    assert!(deps["cmmc-api"].contains("cmmc-web"), "the server mounts the pages");
}
