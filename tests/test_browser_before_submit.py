"""The list before submitting names the whole hearing's unanswered questions too, and follows the answers."""

import pytest
from playwright.sync_api import expect

from monitor import checklists
from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial, start_hearing

pytestmark = pytest.mark.browser
WHOLE = checklists.get("fair_trial", 1).items_for("hearing")


def test_the_whole_hearing_is_listed_until_its_questions_are_answered(app):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 768})
        sign_in(page, "oleg")
        page.goto(f"/hearings/{hearing['uuid']}")
        line = page.locator('#todo-list [data-todo-for="hearing"]')
        expect(line).to_have_text(f"The whole hearing: {len(WHOLE)} unanswered")
        first = page.locator("#s-checklist .item").first
        first.locator("input[type=radio]").first.check()
        expect(line).to_have_text(f"The whole hearing: {len(WHOLE) - 1} unanswered")
