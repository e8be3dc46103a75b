"""The case file in Chromium: from the observation form to the case file and back, then its history."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial, start_hearing
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_an_observer_updates_the_case_file_from_the_form_and_a_lead_reads_its_history(app):
    setup = setup_trial(app, defendants=2)
    hearing = start_hearing(app, setup)
    first = setup["defendants"][0]
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 900})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "oleg")
        page.goto(f"/hearings/{hearing['uuid']}?d={first['uuid']}")
        page.locator(f"#d-{first['uuid']}").get_by_role("link", name="Case file").click()
        expect(page.get_by_role("heading", name=f"Case file: {first['name']}")).to_be_visible()
        expect(page.locator("#f-informed_of_reasons")).to_contain_text("Not known yet.")
        page.get_by_role("link", name="Update the case file").click()
        expect(page.get_by_label("Learned at")).to_have_value(hearing["uuid"])  # pre-filled: this sitting
        page.get_by_label("Source", exact=True).first.select_option("defendant")
        item = page.locator("#cf-informed_of_reasons")
        item.get_by_label("Answer").select_option("no")
        item.get_by_label("Note").fill("Told the court he learnt the charges two days later.")
        page.screenshot(path=str(ARTIFACTS / "40-case-file-form.png"), full_page=True)
        page.get_by_role("button", name="Save the case file").click()
        expect(page).to_have_url(re.compile(rf"/hearings/{hearing['uuid']}\?d={first['uuid']}#s-defendants$"))
        expect(page.get_by_role("status").first).to_be_visible()

        lead = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 900})
        lead.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        sign_in(lead, "lena")
        lead.goto(f"/trials/{setup['trial']['uuid']}")
        lead.locator("#defendants tbody tr").first.get_by_role("link", name="Case file").click()
        fact = lead.locator("#f-informed_of_reasons")
        expect(fact).to_contain_text("No")
        expect(fact).to_contain_text("(The defendant)")
        expect(fact).to_contain_text("learned at the sitting of 2026-11-20")
        lead.get_by_role("link", name="Update the case file").click()
        lead.get_by_label("Source", exact=True).first.select_option("court_record")
        lead.get_by_label("Or learned from a document").fill("judgment of 3 May")
        lead.locator("#cf-informed_of_reasons").get_by_label("Answer").select_option("yes")
        lead.get_by_role("button", name="Save the case file").click()  # no reason: refused, nothing lost
        expect(lead.get_by_role("alert").or_(lead.locator(".flash-error")).first).to_contain_text("reason")
        expect(lead.locator("#cf-informed_of_reasons").get_by_label("Answer")).to_have_value("yes")
        lead.get_by_label("Reason for the change").fill("The judgment says he was told at once.")
        lead.get_by_role("button", name="Save the case file").click()
        fact = lead.locator("#f-informed_of_reasons")
        expect(fact).to_contain_text("Yes (The judgment or another court record)")
        expect(fact).to_contain_text("from judgment of 3 May")
        fact.get_by_text("History (1)").click()
        expect(fact.locator("details.history li")).to_contain_text("The judgment says he was told at once.")
        expect(fact.locator("details.history li")).to_be_visible()
        lead.screenshot(path=str(ARTIFACTS / "41-case-file.png"), full_page=True)
    assert problems == []
