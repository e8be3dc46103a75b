"""In Chromium: a lead goes from the findings to an allegation's follow-up, records an investigation
opened, sees the findings say so, and records the trial's legal assessment — in English and Russian,
with no console error (strict CSP: no inline script) and screenshots kept to be looked at."""

import pytest
from playwright.sync_api import expect

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial, start_hearing, submitted_allegations
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser
ACTOR = Actor(name="test")


@pytest.fixture
def world(app):
    setup = setup_trial(app, defendants=4)
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    try:
        submitted_allegations(db, hearing, setup["defendants"][:3], checklists.get("fair_trial", 1), ACTOR)
    finally:
        db.close()
    return setup


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_lead_records_the_follow_up_and_the_legal_assessment(app, world, lang):
    ARTIFACTS.mkdir(exist_ok=True)
    mission, trial = world["mission"]["uuid"], world["trial"]["uuid"]
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 900})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "lena")
        if lang == "ru":
            page.locator("button[name=language][value=ru]").first.click()
        page.goto(f"/missions/{mission}/findings#follow-up")
        section = page.locator("#torture")
        expect(section).to_contain_text("0 из 3" if lang == "ru" else "0 of 3")
        page.locator("a[href$='/follow-up']").first.click()
        page.screenshot(path=str(ARTIFACTS / f"70-follow-up-mission-{lang}.png"), full_page=True)
        page.locator("table.data tbody tr a").first.click()
        page.locator("#kind").select_option("investigation_opened")
        page.locator("#event_date").fill("2999-01-01")
        page.locator("#source").fill("Letter of the regional prosecutor, no. 12/4")
        page.locator("#add-event button[type=submit]").click()
        expect(page.locator(".flash-error").first).to_be_visible()  # a date in the future: refused
        expect(page.locator("#source")).to_have_value("Letter of the regional prosecutor, no. 12/4")
        page.locator("#event_date").fill("2026-02-01")
        page.locator("#add-event button[type=submit]").click()
        expect(page.locator("#timeline li.event")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / f"71-follow-up-allegation-{lang}.png"), full_page=True)
        page.goto(f"/defendants/{world['defendants'][0]['uuid']}/case-file#follow-up")
        expect(page.locator("#follow-up")).to_contain_text("12/4")  # the defendant's timeline
        page.locator("#follow-up").screenshot(path=str(ARTIFACTS / f"74-follow-up-case-file-{lang}.png"))
        page.goto(f"/missions/{mission}/findings")
        expect(page.locator("#torture")).to_contain_text("1 из 3" if lang == "ru" else "1 of 3")
        page.locator("#follow-up").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"72-follow-up-findings-{lang}.png"), full_page=True)
        page.goto(f"/trials/{trial}")
        page.locator(f"a[href='/trials/{trial}/legal-assessment']").click()
        page.locator("#conclusion-arrest").select_option("violated")
        page.locator("#reasoning-arrest").fill("Held four days before a judge saw them.")
        page.locator("#conclusion-overall").select_option("unfair")
        page.locator("#reasoning-overall").fill("Torture allegations were never investigated.")
        page.locator("button[type=submit].primary").click()
        expect(page.locator(".flash-success, .flash").first).to_be_visible()
        expect(page.locator("#reasoning-arrest")).to_have_value("Held four days before a judge saw them.")
        page.screenshot(path=str(ARTIFACTS / f"73-legal-assessment-{lang}.png"), full_page=True)
    # the refused form answers 400 on purpose (Chromium logs the status); nothing else may be logged
    assert [p for p in problems if "status of 400" not in p] == []
