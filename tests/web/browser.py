"""The web interface in a real browser: Debian's Chromium driven by
Playwright for Python, as a compliance officer and an assessor use it.

Run by `tests/api/browser.rs`, which starts the server on a fresh SQLite
database, creates the organisation and the two users, and passes:

    CMMC_BASE_URL        the server, e.g. http://127.0.0.1:40123
    CMMC_CHROMIUM        the browser to launch (never downloaded)
    CMMC_AXE_JS          axe-core, vendored in tests/web/vendor
    CMMC_SCREENSHOT_DIR  where each step saves its screenshot
    CMMC_PASSWORD        the password of both users (officer, assessor)
    CMMC_EXPECTED_SPRS   the score of the newest completed assessment

Each step asserts what a person would see; every page visited must pass
axe-core with no serious or critical violation and load nothing the
Content-Security-Policy refuses. Exits non-zero on the first failure.
"""

import json
import os
import re
import sys
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

BASE = os.environ["CMMC_BASE_URL"]
PASSWORD = os.environ["CMMC_PASSWORD"]
SHOTS = Path(os.environ["CMMC_SCREENSHOT_DIR"])
AXE = Path(os.environ["CMMC_AXE_JS"])
PRACTICE = "IA.L2-3.5.3"
EVIDENCE = b"Multifactor authentication is enforced for every account.\n"

checked_pages: list[str] = []
csp_errors: list[str] = []


def step(name: str) -> None:
    print(f"-- {name}", flush=True)


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def check_accessible(page: Page, name: str) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    bad = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"axe on {name}: {json.dumps(bad, indent=1)}"
    checked_pages.append(name)


def visit(page: Page, path: str, name: str) -> None:
    page.goto(BASE + path)
    check_accessible(page, name)
    shot(page, name)


def new_page(browser) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.on("console", lambda m: csp_errors.append(m.text)
            if "Content Security Policy" in m.text else None)
    return page


def sign_in_by_keyboard(page: Page, username: str) -> None:
    """Signs in with the keyboard alone: the username field has focus."""
    page.goto(BASE + "/login")
    check_accessible(page, "login")
    shot(page, "login")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(BASE + "/")


def sign_in(page: Page, username: str) -> None:
    page.goto(BASE + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(BASE + "/")


def create_and_start(page: Page) -> str:
    step("create and start an assessment")
    visit(page, "/assessments/new", "assessment-new")
    page.get_by_label("Title").fill("FY27 CMMC Level 2 self-assessment")
    page.get_by_label("Target level").select_option("2")
    page.get_by_role("button", name="Create assessment").click()
    expect(page.get_by_test_id("assessment-state")).to_have_text("Draft")
    page.get_by_role("button", name="Start assessment").click()
    expect(page.get_by_test_id("assessment-state")).to_have_text("In progress")
    expect(page.get_by_test_id("sprs-score")).to_have_text("-203")
    check_accessible(page, "assessment")
    shot(page, "assessment")
    page.get_by_label("Domain").select_option("IA")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="AC.L2-3.1.1")).to_have_count(0)
    return page.url.split("/assessments/")[1].split("?")[0]


def answer_objectives(page: Page, assessment: str) -> None:
    step(f"answer the objectives of {PRACTICE} and see the score move")
    page.get_by_role("link", name=PRACTICE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PRACTICE)
    check_accessible(page, "practice")
    before = page.get_by_test_id("sprs-score").inner_text()
    groups = page.locator("fieldset.objective")
    count = groups.count()
    assert count >= 3, f"{PRACTICE} has {count} objectives on the page"
    # The first objective by keyboard: its group is one tab stop, Space checks it.
    first_met = groups.nth(0).get_by_label("Met", exact=True)
    first_met.focus()
    page.keyboard.press("Space")
    expect(first_met).to_be_checked()
    for i in range(1, count):
        legend = groups.nth(i).locator("legend").inner_text()
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Met", exact=True).check()
    page.get_by_label("Assessor notes").fill("TOTP enforced by the identity provider for all users.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_test_id("sprs-score")).not_to_have_text(before)
    after = int(page.get_by_test_id("sprs-score").inner_text())
    assert after == int(before) + 5, f"IA.L2-3.5.3 is worth 5 points: {before} -> {after}"
    expect(page.get_by_test_id("practice-status")).to_have_text("Met")
    assert "?saved" not in page.url, "saved without a full reload"
    check_accessible(page, "practice-saved")


def stale_save_shows_what_changed(browser, page: Page) -> None:
    step("a save over someone else's newer answer shows what changed")
    other = new_page(browser)
    sign_in(other, "assessor")
    other.goto(page.url)
    other.get_by_role("group", name=re.compile(r"^\[a\]")).get_by_label("Not met", exact=True).check()
    other.get_by_role("button", name="Save").click()
    expect(other.get_by_text("Saved.")).to_be_visible()
    other.context.close()
    # This page still holds the version from before the assessor's save.
    page.get_by_label("Assessor notes").fill("Reviewed again.")
    page.get_by_role("button", name="Save").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else saved this practice")
    expect(conflict.get_by_role("cell", name="Assessor notes")).to_be_visible()
    expect(page.get_by_role("group", name=re.compile(r"^\[a\]")).get_by_label("Not met", exact=True)).to_be_checked()
    check_accessible(page, "practice-conflict")
    shot(page, "practice-conflict")
    # Put the answer back: every objective met again, on the stored version.
    page.get_by_role("group", name=re.compile(r"^\[a\]")).get_by_label("Met", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_test_id("practice-status")).to_have_text("Met")


def upload_and_download(page: Page) -> None:
    step("upload evidence and download it")
    page.get_by_label("Title", exact=True).fill("MFA policy")
    page.get_by_label("Description").fill("Signed by the CISO")
    page.get_by_label("File").set_input_files(
        files=[{"name": "mfa-policy.txt", "mimeType": "text/plain", "buffer": EVIDENCE}]
    )
    page.get_by_role("button", name="Upload").click()
    link = page.get_by_role("link", name="Download mfa-policy.txt")
    expect(link).to_be_visible()
    expect(page.get_by_test_id("review-status")).to_have_text("Pending")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "mfa-policy.txt", download.suggested_filename
    assert Path(download.path()).read_bytes() == EVIDENCE
    shot(page, "practice")


def review_as_assessor(browser, assessment: str) -> None:
    step("review the evidence as another user")
    page = new_page(browser)
    sign_in(page, "assessor")
    visit(page, f"/assessments/{assessment}/practices/{PRACTICE}", "practice-review")
    page.get_by_label("Comment on MFA policy").fill("Current and signed.")
    page.get_by_role("button", name="Accept").click()
    expect(page.get_by_test_id("review-status")).to_contain_text("Accepted")
    page.context.close()


def poam_with_overdue_item(page: Page, assessment: str) -> None:
    step("generate a POA&M and see an overdue item on the dashboard")
    visit(page, f"/assessments/{assessment}/findings", "findings")
    page.get_by_label("Title").fill("Remote access without MFA on the VPN")
    page.get_by_label("Severity").select_option("high")
    page.get_by_label("Requirement (optional, e.g. AC.L2-3.1.1)").fill("AC.L2-3.1.12")
    page.get_by_role("button", name="Add finding").click()
    expect(page.get_by_role("cell", name="Remote access without MFA on the VPN", exact=True)).to_be_visible()
    visit(page, f"/assessments/{assessment}/poams", "poams")
    page.get_by_role("button", name="Generate POA&M").click()
    items = page.get_by_test_id("poam-items").locator("tbody tr")
    expect(items.first).to_be_visible()
    last_week = (date.today() - timedelta(days=7)).isoformat()
    first = items.first
    first.get_by_label("Scheduled completion").fill(last_week)
    first.get_by_role("button", name="Update").click()
    expect(page.get_by_text("Overdue").first).to_be_visible()
    shot(page, "poams-overdue")
    visit(page, "/", "dashboard")
    expect(page.get_by_test_id("overdue-count")).to_have_text("1")
    expect(page.get_by_test_id("overdue-items")).to_contain_text("Overdue")
    expect(page.get_by_test_id("dashboard-sprs")).to_have_text(os.environ["CMMC_EXPECTED_SPRS"])
    expect(page.get_by_role("img", name="SPRS score of each completed assessment, oldest first")).to_be_visible()


def users_as_admin(browser) -> None:
    step("an administrator gives the assessor a role")
    page = new_page(browser)
    sign_in(page, "boss")
    visit(page, "/admin/users", "users")
    roles = page.get_by_role("group", name="Roles of assessor")
    roles.get_by_label("Viewer").check()
    page.locator("form", has=roles).get_by_role("button", name="Save roles").click()
    expect(page.get_by_role("group", name="Roles of assessor").get_by_label("Viewer")).to_be_checked()
    page.context.close()


def other_pages(page: Page) -> None:
    step("the other pages pass axe too")
    visit(page, "/assessments", "assessments")
    visit(page, "/catalog?q=multifactor", "catalog")
    expect(page.get_by_role("cell", name=PRACTICE, exact=True)).to_be_visible()
    visit(page, "/account/password", "password")
    visit(page, "/account/mfa", "mfa")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.get_by_role("img", name="QR code of the authenticator setup link")).to_be_visible()
    check_accessible(page, "mfa-scan")
    shot(page, "mfa-scan")


def sign_out_and_be_refused(page: Page, assessment: str) -> None:
    step("sign out and be refused")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login$"))
    page.goto(f"{BASE}/assessments/{assessment}/practices/{PRACTICE}")
    page.wait_for_url(re.compile(r".*/login\?next=.*"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def main() -> int:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=os.environ["CMMC_CHROMIUM"],
                                    args=["--no-sandbox"])
        page = new_page(browser)
        step("sign in by keyboard")
        sign_in_by_keyboard(page, "officer")
        check_accessible(page, "dashboard-empty")
        assessment = create_and_start(page)
        answer_objectives(page, assessment)
        stale_save_shows_what_changed(browser, page)
        upload_and_download(page)
        review_as_assessor(browser, assessment)
        page.reload()
        expect(page.get_by_test_id("review-status")).to_contain_text("Accepted")
        poam_with_overdue_item(page, assessment)
        users_as_admin(browser)
        other_pages(page)
        sign_out_and_be_refused(page, assessment)
        browser.close()
    assert not csp_errors, f"the CSP refused something: {csp_errors}"
    print(json.dumps({"pages_checked_by_axe": checked_pages}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
