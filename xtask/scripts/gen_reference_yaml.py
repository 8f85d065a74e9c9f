#!/usr/bin/env python3
"""Generates data/cmmc/*.yaml from ../shared/reference/cmmc_catalog.json.

This was run once to create the reference data; since then the YAML files are
the source of truth that people edit and that `cmmc-seed` reads. Running it
again overwrites hand edits, so only do that to start over from the catalogue.
Needs PyYAML (`pip install pyyaml`).

    python3 xtask/scripts/gen_reference_yaml.py ../shared/reference/cmmc_catalog.json data/cmmc
"""
import json
import pathlib
import sys

import yaml

# Short statements of each family's purpose, written for this project from the
# NIST SP 800-171 Rev 2 family descriptions (the catalogue has names only).
DOMAIN_DESCRIPTIONS = {
    "AC": "Limit system access to authorized users, processes and devices, and limit what they may do: least privilege, separation of duties, session controls, and control of remote, wireless, mobile and external connections.",
    "AT": "Make managers, system administrators and users aware of the security risks of their work and of the applicable policies, and train personnel for their security duties, including recognising insider threats.",
    "AU": "Create, protect and retain system audit logs and records, so that unlawful or unauthorized activity can be monitored, analysed, investigated and traced to the individual responsible.",
    "CM": "Establish and maintain baseline configurations and inventories of systems, enforce security configuration settings, and track, review, approve and control changes to systems and software.",
    "IA": "Identify system users, processes and devices, and authenticate them before granting access, with multifactor authentication, replay-resistant mechanisms and sound password and identifier management.",
    "IR": "Establish an operational incident-handling capability (preparation, detection, analysis, containment, recovery and user response), and track, document, report and test incident response.",
    "MA": "Perform maintenance on organizational systems and control the tools, techniques, mechanisms and personnel used for it, including nonlocal maintenance and equipment removed for off-site maintenance.",
    "MP": "Protect system media containing sensitive information, paper and digital: limit access to it, mark it, control its transport and use, and sanitize or destroy it before disposal or reuse.",
    "PS": "Screen individuals before authorizing access to systems with sensitive information, and protect those systems during and after personnel actions such as terminations and transfers.",
    "PE": "Limit physical access to systems, equipment and operating environments to authorized individuals; escort and monitor visitors, keep access logs, manage access devices and safeguard alternate work sites.",
    "RA": "Periodically assess the risk to organizational operations, assets and individuals from operating systems that handle sensitive information, scan for vulnerabilities and remediate them according to risk.",
    "CA": "Periodically assess the security controls of systems for effectiveness, plan and carry out actions to correct deficiencies, monitor controls continuously, and keep a system security plan.",
    "SC": "Monitor, control and protect communications at the external and key internal boundaries of systems, and employ architectural designs, software development techniques and cryptography that promote security.",
    "SI": "Identify, report and correct system flaws in a timely manner, protect against malicious code, act on security alerts and advisories, and monitor systems and their traffic to detect attacks.",
}

LEVELS = [
    {
        "level": 1,
        "name": "Foundational",
        "assessment_type": "self",
        "description": "Basic safeguarding of Federal Contract Information (FCI): the 15 requirements of FAR 52.204-21(b)(1), as 17 practices. An annual self-assessment with an affirmation in SPRS; every practice must be met, and no POA&M is allowed.",
    },
    {
        "level": 2,
        "name": "Advanced",
        "assessment_type": "third_party",
        "description": "Protection of Controlled Unclassified Information (CUI): the 110 security requirements of NIST SP 800-171 Rev 2. Assessed every three years by a certified third-party assessment organization (C3PAO), or self-assessed where the contract allows, and scored by the DoD Assessment Methodology (SPRS, -203 to 110).",
    },
    {
        "level": 3,
        "name": "Expert",
        "assessment_type": "government",
        "description": "Protection of CUI against advanced persistent threats: 24 selected enhanced security requirements of NIST SP 800-172 on top of Level 2. Assessed every three years by the government (DCMA DIBCAC), after a Final Level 2 (C3PAO) status for the same scope.",
    },
]

POAM = {True: "eligible", False: "ineligible", "conditional": "conditional"}
METHOD_LABEL = {"examine": "Examine", "interview": "Interview", "test": "Test"}


def evidence(methods):
    out = []
    for kind in ("examine", "interview", "test"):
        seen = set()
        for item in methods[kind]:
            if item in seen:
                continue
            seen.add(item)
            out.append(f"{METHOD_LABEL[kind]}: {item}")
    return out


def nist_refs(p):
    if p["level"] == 3:
        refs = [f"NIST SP 800-172 {p['nist_ref']}"]
    else:
        refs = [f"NIST SP 800-171 Rev 2 {p['nist_ref']}"]
    if p.get("far_ref"):
        refs.append(f"FAR {p['far_ref']}")
    return refs


def practice(p):
    out = {
        "practice_id": p["practice_id"],
        "domain_id": p["domain"],
        "level": p["level"],
        "title": p["title"],
        "description": p["requirement"],
    }
    if p.get("practice_id_final_rule"):
        out["final_rule_id"] = p["practice_id_final_rule"]
    if p["level"] == 2:
        out["sprs_weight"] = p["sprs_weight"]
        if p.get("sprs_partial_weight"):
            out["sprs_partial_weight"] = p["sprs_partial_weight"]
    out["poam_eligibility"] = POAM[p["poam_eligible"]]
    out["nist_refs"] = nist_refs(p)
    out["assessment_objectives"] = p["objectives"]
    out["evidence_requirements"] = evidence(p["assessment_methods"])
    return out


def dump(path, header, key, rows):
    text = yaml.safe_dump({key: rows}, sort_keys=False, allow_unicode=True, width=100000)
    path.write_text(header + text, encoding="utf-8")


def main():
    catalog = json.loads(pathlib.Path(sys.argv[1]).read_text(encoding="utf-8"))
    out = pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    head = "# CMMC 2.0 reference data, read by cmmc-seed. Edit by hand; see data/cmmc/README.md.\n"
    domains = [
        {"domain_id": d["id"], "name": d["name"], "description": DOMAIN_DESCRIPTIONS[d["id"]], "nist_family": d["nist_family"]}
        for d in catalog["domains"]
    ]
    dump(out / "domains.yaml", head, "domains", domains)
    dump(out / "levels.yaml", head, "levels", LEVELS)
    for level in (1, 2, 3):
        rows = [practice(p) for p in catalog["practices"] if p["level"] == level]
        dump(out / f"level{level}_practices.yaml", head, "practices", rows)


if __name__ == "__main__":
    main()
