"""A lead in Chromium goes from the findings to the recommendations, imports the UPR file, assesses a
recommendation with a number from the findings linked, and opens the submission draft in English and
Russian; every page is screenshot (tests/artifacts/7x-*.png) and none logs an error."""

import pytest
from docx import Document
from playwright.sync_api import expect

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial, start_hearing, submitted_allegations
from tests.test_browser import ARTIFACTS
from tests.test_submission import SAMPLE, TORTURE

pytestmark = pytest.mark.browser
ACTOR = Actor(name="test")


def test_a_lead_goes_from_findings_to_an_assessed_recommendation_to_the_draft(app, tmp_path):
    setup = setup_trial(app, defendants=4)
    db = connect(app.config["DATABASE"])
    hearing = start_hearing(app, setup)
    submitted_allegations(db, hearing, setup["defendants"][:3], checklists.get("fair_trial", 1), ACTOR)
    db.close()
    mission = setup["mission"]["uuid"]
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 900})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "lena")
        page.goto(f"/missions/{mission}/findings")
        page.locator(".crumbs").get_by_role("link", name="Test mission").click()
        page.get_by_role("link", name="Recommendations →").click()
        expect(page.get_by_text("The mission's country is not named yet.")).to_be_visible()
        page.get_by_label("Country code").fill("kz")
        page.get_by_role("button", name="Save").click()
        page.get_by_label("CSV file").set_input_files(str(SAMPLE))
        page.get_by_role("button", name="Import").click()
        expect(page.locator(".flash-success")).to_contain_text("6 new")
        page.screenshot(path=str(ARTIFACTS / "70-recommendations-register.png"), full_page=True)

        page.get_by_role("link", name="Ensure that all allegations of torture").click()
        page.get_by_label("Cycle assessed").fill("4")
        page.get_by_label("Implementation").select_option("not_implemented")
        page.get_by_label("Reasoning").fill("No allegation raised in court led to an investigation.")
        page.get_by_role("button", name="Save the assessment").click()
        expect(page.locator(".flash-success")).to_contain_text("Assessment saved.")
        page.get_by_label("Number from the findings").select_option("torture.defendants_alleging")
        page.get_by_role("button", name="Link", exact=True).first.click()
        expect(page.locator(".evidence-links")).to_contain_text("3 of 4")
        expect(page.locator(".evidence-links")).to_contain_text("live")
        page.screenshot(path=str(ARTIFACTS / "71-recommendation-assessed.png"), full_page=True)

        page.locator(".crumbs").get_by_role("link", name="Official figures").click()
        page.get_by_label("What").fill("Torture complaints registered")
        page.get_by_label("Value").fill("662")
        page.get_by_label("Period").fill("2023")
        page.get_by_label("Retrieved on").fill("2026-11-01")
        page.get_by_label("Source").fill("Prosecutor General's Office, annual report")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("table.data")).to_contain_text("662")
        page.screenshot(path=str(ARTIFACTS / "75-official-figures.png"), full_page=True)
        page.locator(".crumbs").get_by_role("link", name="Submission").click()
        expect(page.locator("h2", has_text=TORTURE)).to_be_visible()
        expect(page.locator("main")).to_contain_text(
            "Of 3 recommendations: 0 implemented, 0 partially implemented"
        )
        page.get_by_label("New recommendations").fill(
            "Investigate every allegation of torture raised in court."
        )
        page.get_by_role("button", name="Save the new recommendations").click()
        expect(page.locator(".flash-success")).to_contain_text("New recommendations saved.")
        page.screenshot(path=str(ARTIFACTS / "72-submission-en.png"), full_page=True)
        with page.expect_download() as downloaded:
            page.get_by_role("button", name="Download").click()
        document = Document(str(downloaded.value.path()))
        text = "\n".join(p.text for p in document.paragraphs)
        assert TORTURE in text and "3 of 4" in text and "Investigate every allegation" in text

        page.get_by_role("button", name="RU").click()
        expect(page.locator("h1")).to_contain_text("Представление заинтересованной стороны")
        expect(page.locator("main")).to_contain_text("Из 3 рекомендаций: 0 выполнено, 0 выполнено частично")
        page.screenshot(path=str(ARTIFACTS / "73-submission-ru.png"), full_page=True)
        page.locator(".crumbs").get_by_role("link", name="Рекомендации").click()
        page.screenshot(path=str(ARTIFACTS / "74-recommendations-ru.png"), full_page=True)
    assert problems == []
