#!/usr/bin/env python3
"""Writes data/frameworks/*.yaml from data/frameworks/source/crosswalks.json
(a copy of shared/reference/crosswalks.json; CROSSWALKS.md there says where
each map comes from). Run once; the YAML is what people edit afterwards.

    python3 xtask/scripts/gen_framework_yaml.py
"""
import json
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "frameworks"
SOURCE = json.loads((OUT / "source" / "crosswalks.json").read_text())
L2 = yaml.safe_load((ROOT / "data" / "cmmc" / "level2_practices.yaml").read_text())["practices"]
DOMAINS = yaml.safe_load((ROOT / "data" / "cmmc" / "domains.yaml").read_text())["domains"]

HEADER = "# Framework crosswalks, read by cmmc-seed. Edit by hand; see data/frameworks/README.md.\n"


def dump(name, data):
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=200)
    (OUT / name).write_text(HEADER + text)


def r2_of(practice_id):
    return practice_id.split("-", 1)[1]


def requirements_r2():
    family = {d["nist_family"]: d["name"] for d in DOMAINS}
    out = []
    for p in L2:
        r2 = r2_of(p["practice_id"])
        detail = SOURCE["sp800_171r2_to_sp800_171r3_detail"][r2]
        entry = {"id": r2, "practice_id": p["practice_id"], "family": family[".".join(r2.split(".")[:2])]}
        r3 = []
        for target in SOURCE["sp800_171r2_to_sp800_171r3"][r2]:
            r3.append({"id": target, "relationship": detail["relationship"], "change": detail["change"]})
        if r3:
            entry["sp800-171r3"] = r3
        else:
            withdrawn = SOURCE["sp800_171r3_withdrawn"][detail["r3_slot"]]
            entry["withdrawn_in_r3"] = withdrawn.get("reason", "withdrawn")
        maps = SOURCE["sp800_171r2_to_sp800_53"][r2]
        entry["sp800-53r4"] = maps["r4"]
        if maps.get("r5_via_r3"):
            entry["sp800-53r5_via_r3"] = maps["r5_via_r3"]
        iso = []
        for via, controls in SOURCE["sp800_171r2_to_iso27001_2013"][r2].items():
            for control in controls:
                partial = control.endswith("*")
                iso.append({"id": control.rstrip("*"), "via": via, **({"partial": True} if partial else {})})
        if iso:
            entry["iso27001-2013"] = iso
        out.append(entry)
    return out


def main():
    dump("frameworks.yaml", {
        "version": "2026.11.1",
        "frameworks": [
            {"id": "cmmc", "name": "CMMC 2.0", "publisher": "DoD", "reference": "32 CFR Part 170"},
            {"id": "sp800-171r2", "name": "NIST SP 800-171 Rev 2", "publisher": "NIST", "reference": "https://doi.org/10.6028/NIST.SP.800-171r2"},
            {"id": "sp800-171r3", "name": "NIST SP 800-171 Rev 3", "publisher": "NIST", "reference": "https://doi.org/10.6028/NIST.SP.800-171r3"},
            {"id": "sp800-53r4", "name": "NIST SP 800-53 Rev 4", "publisher": "NIST", "reference": "https://doi.org/10.6028/NIST.SP.800-53r4"},
            {"id": "sp800-53r5", "name": "NIST SP 800-53 Rev 5", "publisher": "NIST", "reference": "https://doi.org/10.6028/NIST.SP.800-53r5"},
            {"id": "iso27001-2013", "name": "ISO/IEC 27001:2013", "publisher": "ISO/IEC", "reference": "ISO/IEC 27001:2013 Annex A (control numbers only)"},
            {"id": "iso27001-2022", "name": "ISO/IEC 27001:2022", "publisher": "ISO/IEC", "reference": "ISO/IEC 27001:2022 (control and clause numbers only)"},
        ],
    })
    families = SOURCE["sp800_171r3_families"]
    dump("sp800_171r3.yaml", {
        "families": [{"id": k, "name": v} for k, v in families.items()],
        "requirements": [
            {"id": k, "title": v, "family": ".".join(k.split(".")[:2])}
            for k, v in SOURCE["sp800_171r3_requirements"].items()
        ],
    })
    dump("sp800_171r2.yaml", {"requirements": requirements_r2()})
    dump("sp800_171r3_to_sp800_53r5.yaml", {"mappings": [
        {"id": k, "sp800-53r5": v} for k, v in SOURCE["sp800_171r3_to_sp800_53r5"].items()
    ]})
    olir = []
    for control, row in SOURCE["sp800_53r5_to_iso27001_2022"].items():
        entry = {"id": control}
        if row is None:
            entry["no_olir_row"] = True
        else:
            entry["annex_a"] = row["annex_a"]
            entry["clauses"] = row["clauses"]
        olir.append(entry)
    dump("sp800_53r5_to_iso27001_2022.yaml", {"mappings": olir})


if __name__ == "__main__":
    main()
