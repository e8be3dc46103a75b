"""The lead's reconciliation page in Chromium, on the demo: from the findings' disputed count to the sitting,
the two observations side by side, a reconciled answer with its reason — no console errors."""

import re

import pytest
from playwright.sync_api import expect

from monitor.db import connect
from tests.browser import demo_page
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_a_lead_reconciles_a_disagreement_from_the_findings(app):
    ARTIFACTS.mkdir(exist_ok=True)
    with demo_page(app) as (page, problems):
        page.get_by_role("link", name="Demonstration mission (fictional)").first.click()
        page.get_by_role("link", name="Findings").click()
        disputed = page.locator(".disputed").first
        expect(disputed).to_contain_text("1 disputed")
        disputed.get_by_role("link", name="Reconcile").click()  # one sitting: straight to its page
        expect(page.get_by_role("heading", name=re.compile("Sitting of"))).to_be_visible()

        card = page.locator("article.disagreement.open")
        expect(card).to_have_count(1)
        expect(card.locator("tbody tr")).to_have_count(2)  # the two observations side by side
        expect(card).to_contain_text("Demo Observer 1")
        expect(card).to_contain_text("Demo Observer 2")
        expect(card).to_contain_text("Relatives were stopped at the door by police")
        page.screenshot(path=str(ARTIFACTS / "30-reconcile.png"), full_page=True)

        card.get_by_label("Reconciled answer").select_option("closed")  # v2: the public-access field
        card.get_by_role("button", name="Record the reconciled answer").click()
        # the reason is required: the browser keeps the form until it is given
        expect(page.locator("article.disagreement.open")).to_have_count(1)
        card.get_by_label("Reason").fill("Observer 2 stood at the door; observer 1 arrived after it opened.")
        card.get_by_role("button", name="Record the reconciled answer").click()
        expect(page.get_by_text("Reconciled answer saved.")).to_be_visible()
        expect(page.locator("article.disagreement.open")).to_have_count(0)
        expect(page.locator("p.reconciled")).to_contain_text("Observer 2 stood at the door")
        page.get_by_role("link", name="Disagreements to reconcile").click()  # the mission's list
        expect(page.get_by_role("heading", name="Disagreements to reconcile")).to_be_visible()
        expect(page.get_by_text("No open disagreements.")).to_be_visible()
        assert problems == []

    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM reconciliation"))
    assert row["value"] == "closed" and row["item_key"] == "public_admitted"
    db.close()
