//! An assessment's scope under 32 CFR 170.19: the counts per asset category
//! and the rules of scoping, checked and reported as warnings (never
//! enforced silently; the people scoping decide).
//!
//! The rules and where they come from:
//!
//! | rule | what it says | source |
//! |---|---|---|
//! | `no_cui_asset` | a Level 2 or 3 scope names no CUI asset | 170.19(c)(1), (d)(1) |
//! | `no_fci_asset` | a Level 1 scope names no asset that handles FCI | 170.19(b)(1) |
//! | `category_not_for_level` | a Level 1 scope with a Level 2 category, or the reverse | 170.19(b)(1), (c)(1) |
//! | `specialized_undocumented` | a Specialized Asset with no description | 170.19(c)(1), table 3: documented in the inventory and the SSP |
//! | `out_of_scope_handles_cui` | an out-of-scope asset marked as handling CUI | 170.19(c)(1), table 3 |
//! | `out_of_scope_handles_fci` | the same at Level 1, for FCI | 170.19(b)(1) |
//! | `cui_asset_not_handling_cui` | a CUI asset not marked as processing, storing or transmitting CUI | 170.19(c)(1), table 3 |
//! | `security_protection_handles_cui` | a Security Protection Asset marked as handling CUI: it is a CUI asset | 170.19(c)(1), table 3 |
//! | `assessed_in_full_at_level_3` | a Contractor Risk Managed or Specialized Asset in a Level 3 scope: assessed against every requirement | 170.19(d)(1), table 4 |
//! | `provider_not_fedramp_moderate` | an asset handling CUI at a cloud provider without FedRAMP Moderate or equivalent | DFARS 252.204-7012(b)(2)(ii)(D); 170.19(c)(2)(ii) |

use std::collections::BTreeMap;

use crate::{AssetCategory, Level, ProviderAuthorization, ProviderKind};

/// The provider an asset lives at, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeProvider {
    pub name: String,
    pub kind: ProviderKind,
    pub authorization: ProviderAuthorization,
}

/// An asset of a scope, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedAsset {
    pub asset_id: String,
    pub asset_tag: String,
    pub category: AssetCategory,
    pub handles_cui: bool,
    pub handles_fci: bool,
    pub documented: bool,
    pub provider: Option<ScopeProvider>,
}

/// One rule a scope breaks: which, the asset (None for the scope as a
/// whole), and why, with the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeWarning {
    pub rule: &'static str,
    pub asset_id: Option<String>,
    pub detail: String,
}

/// How many assets of each category the scope has, every category named.
#[must_use]
pub fn counts(assets: &[ScopedAsset]) -> BTreeMap<&'static str, u64> {
    let mut counts: BTreeMap<&'static str, u64> =
        AssetCategory::ALL.iter().map(|c| (c.as_str(), 0)).collect();
    for asset in assets {
        *counts.entry(asset.category.as_str()).or_default() += 1;
    }
    counts
}

fn warn(rule: &'static str, asset: Option<&ScopedAsset>, detail: String) -> ScopeWarning {
    ScopeWarning { rule, asset_id: asset.map(|a| a.asset_id.clone()), detail }
}

/// The whole-scope rules: a scope of the level needs the assets the level protects.
fn scope_rules(level: Level, assets: &[ScopedAsset]) -> Option<ScopeWarning> {
    if level == Level::Foundational {
        let any = assets.iter().any(|a| a.category == AssetCategory::Fci || a.handles_fci);
        return (!any).then(|| {
            warn("no_fci_asset", None, "a Level 1 scope names no asset that processes, stores or transmits FCI (32 CFR 170.19(b)(1))".into())
        });
    }
    let any = assets.iter().any(|a| a.category == AssetCategory::Cui);
    (!any).then(|| {
        warn(
            "no_cui_asset",
            None,
            format!("a Level {} scope names no CUI asset (32 CFR 170.19(c)(1))", level.number()),
        )
    })
}

/// The rules on one asset's category at `level`.
fn category_rules(level: Level, a: &ScopedAsset, out: &mut Vec<ScopeWarning>) {
    let tag = &a.asset_tag;
    let level_1_category = matches!(a.category, AssetCategory::Fci | AssetCategory::OutOfScope);
    match (level, a.category) {
        (Level::Foundational, _) if !level_1_category => out.push(warn("category_not_for_level", Some(a), format!("{tag} is {}, a Level 2 category; Level 1 sorts assets into fci and out_of_scope (32 CFR 170.19(b)(1))", a.category))),
        (Level::Foundational, AssetCategory::OutOfScope) if a.handles_fci => out.push(warn("out_of_scope_handles_fci", Some(a), format!("{tag} is out of scope but marked as handling FCI (32 CFR 170.19(b)(1))"))),
        (Level::Foundational, _) => {}
        (_, AssetCategory::Fci) => out.push(warn("category_not_for_level", Some(a), format!("{tag} is fci, a Level 1 category; Level {} sorts assets into cui, security_protection, contractor_risk_managed, specialized and out_of_scope (32 CFR 170.19(c)(1))", level.number()))),
        (_, AssetCategory::OutOfScope) if a.handles_cui => out.push(warn("out_of_scope_handles_cui", Some(a), format!("{tag} is out of scope but marked as processing, storing or transmitting CUI (32 CFR 170.19(c)(1), table 3)"))),
        (_, AssetCategory::Cui) if !a.handles_cui => out.push(warn("cui_asset_not_handling_cui", Some(a), format!("{tag} is a CUI asset but not marked as processing, storing or transmitting CUI (32 CFR 170.19(c)(1), table 3)"))),
        (_, AssetCategory::SecurityProtection) if a.handles_cui => out.push(warn("security_protection_handles_cui", Some(a), format!("{tag} is a Security Protection Asset marked as handling CUI, which makes it a CUI asset (32 CFR 170.19(c)(1), table 3)"))),
        _ => {}
    }
    if a.category == AssetCategory::Specialized && !a.documented {
        out.push(warn("specialized_undocumented", Some(a), format!("{tag} is a Specialized Asset with no description; it must be documented in the inventory and the SSP (32 CFR 170.19(c)(1), table 3)")));
    }
    if level == Level::Expert
        && matches!(a.category, AssetCategory::ContractorRiskManaged | AssetCategory::Specialized)
    {
        out.push(warn("assessed_in_full_at_level_3", Some(a), format!("{tag} is {} and is assessed against every requirement at Level 3 (32 CFR 170.19(d)(1), table 4)", a.category)));
    }
}

/// The provider rule: CUI at a cloud provider needs FedRAMP Moderate or its equivalent.
fn provider_rule(a: &ScopedAsset) -> Option<ScopeWarning> {
    let provider = a.provider.as_ref()?;
    let cui = a.handles_cui || a.category == AssetCategory::Cui;
    let flagged = cui
        && provider.kind == ProviderKind::CloudServiceProvider
        && !provider.authorization.meets_fedramp_moderate();
    flagged.then(|| {
        warn("provider_not_fedramp_moderate", Some(a), format!("{} handles CUI at {}, a cloud service provider without FedRAMP Moderate or equivalent (DFARS 252.204-7012(b)(2)(ii)(D))", a.asset_tag, provider.name))
    })
}

/// Every rule `assets`, scoped for an assessment at `level`, breaks: the
/// scope's own first, then each asset's in the order given.
#[must_use]
pub fn warnings(level: Level, assets: &[ScopedAsset]) -> Vec<ScopeWarning> {
    let mut out: Vec<ScopeWarning> = scope_rules(level, assets).into_iter().collect();
    for asset in assets {
        category_rules(level, asset, &mut out);
        out.extend(provider_rule(asset));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asset(tag: &str, category: AssetCategory, cui: bool) -> ScopedAsset {
        ScopedAsset {
            asset_id: format!("id-{tag}"),
            asset_tag: tag.into(),
            category,
            handles_cui: cui,
            handles_fci: false,
            documented: true,
            provider: None,
        }
    }

    fn rules(level: Level, assets: &[ScopedAsset]) -> Vec<(&'static str, Option<String>)> {
        warnings(level, assets).into_iter().map(|w| (w.rule, w.asset_id)).collect()
    }

    #[test]
    fn a_clean_level_2_scope_has_no_warnings_and_counts_every_category() {
        let scope = [
            asset("LT-1", AssetCategory::Cui, true),
            asset("FW-1", AssetCategory::SecurityProtection, false),
            asset("PR-1", AssetCategory::ContractorRiskManaged, false),
        ];
        assert!(warnings(Level::Advanced, &scope).is_empty());
        let counts = counts(&scope);
        assert_eq!(counts.len(), AssetCategory::ALL.len());
        assert_eq!((counts["cui"], counts["specialized"]), (1, 0));
    }

    #[test]
    fn each_level_2_rule_is_reported() {
        let mut specialized = asset("PLC-1", AssetCategory::Specialized, false);
        specialized.documented = false;
        let scope = [
            asset("OOS-1", AssetCategory::OutOfScope, true),
            asset("FCI-1", AssetCategory::Fci, false),
            asset("SPA-1", AssetCategory::SecurityProtection, true),
            specialized,
        ];
        assert_eq!(
            rules(Level::Advanced, &scope),
            [
                ("no_cui_asset", None),
                ("out_of_scope_handles_cui", Some("id-OOS-1".into())),
                ("category_not_for_level", Some("id-FCI-1".into())),
                ("security_protection_handles_cui", Some("id-SPA-1".into())),
                ("specialized_undocumented", Some("id-PLC-1".into())),
            ]
        );
        let unmarked = [asset("LT-1", AssetCategory::Cui, false)];
        assert_eq!(
            rules(Level::Advanced, &unmarked),
            [("cui_asset_not_handling_cui", Some("id-LT-1".into()))]
        );
    }

    #[test]
    fn level_1_and_level_3_have_their_own_rules() {
        let mut oos = asset("OOS-1", AssetCategory::OutOfScope, false);
        oos.handles_fci = true;
        let l1 = [oos, asset("LT-1", AssetCategory::Cui, true)];
        assert_eq!(
            rules(Level::Foundational, &l1),
            [
                ("out_of_scope_handles_fci", Some("id-OOS-1".into())),
                ("category_not_for_level", Some("id-LT-1".into()))
            ]
        );
        assert_eq!(rules(Level::Foundational, &[]), [("no_fci_asset", None)]);
        let l3 = [
            asset("LT-1", AssetCategory::Cui, true),
            asset("PR-1", AssetCategory::ContractorRiskManaged, false),
        ];
        assert_eq!(
            rules(Level::Expert, &l3),
            [("assessed_in_full_at_level_3", Some("id-PR-1".into()))]
        );
    }

    #[test]
    fn cui_at_a_cloud_provider_without_fedramp_moderate_is_flagged() {
        let provider =
            |kind, authorization| ScopeProvider { name: "Cloudy".into(), kind, authorization };
        let mut at = asset("VM-1", AssetCategory::Cui, true);
        at.provider =
            Some(provider(ProviderKind::CloudServiceProvider, ProviderAuthorization::None));
        assert_eq!(
            rules(Level::Advanced, &[at.clone()]),
            [("provider_not_fedramp_moderate", Some("id-VM-1".into()))]
        );
        at.provider = Some(provider(
            ProviderKind::CloudServiceProvider,
            ProviderAuthorization::FedrampModerateEquivalent,
        ));
        assert!(warnings(Level::Advanced, &[at.clone()]).is_empty());
        at.provider =
            Some(provider(ProviderKind::ExternalServiceProvider, ProviderAuthorization::None));
        assert!(
            warnings(Level::Advanced, &[at]).is_empty(),
            "the FedRAMP rule is for cloud providers"
        );
    }
}
