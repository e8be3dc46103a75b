"""The lead's page of a trial's witness persons in Chromium: heard twice shown once, merge, split."""

import pytest
from playwright.sync_api import expect

from tests.browser import demo_page
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_a_lead_sees_persons_with_their_sittings_merges_and_splits(app):
    ARTIFACTS.mkdir(exist_ok=True)
    with demo_page(app) as (page, problems):
        page.get_by_role("link", name="Demonstration mission (fictional)").first.click()
        page.get_by_role("link", name="Oil workers' strike case").first.click()
        page.get_by_role("link", name="Witnesses").click()
        expect(page.get_by_role("heading", name="Witnesses", exact=True)).to_be_visible()
        persons = page.locator("#persons tbody tr")
        expect(persons).to_have_count(3)  # four sittings, one anonymous witness heard at two of them
        twice = persons.filter(has=page.locator("li.appearance").nth(1))
        expect(twice).to_have_count(1)
        expect(twice.locator("li.appearance")).to_have_count(2)
        expect(twice).to_contain_text("Police officer, name withheld")  # a lead sees the identity
        page.screenshot(path=str(ARTIFACTS / "30-witness-persons.png"), full_page=True)

        # The two named witnesses were one person: merge them, choosing the label where they differ.
        named = [persons.nth(n).get_attribute("data-person") for n in range(3)]
        named = [uuid for uuid in named if uuid != twice.get_attribute("data-person")]
        page.locator("#keep").select_option(named[0])
        page.locator("#other").select_option(named[1])
        page.get_by_role("button", name="Merge").click()
        expect(page.locator("h1")).to_have_text("Merge two witnesses")
        page.locator("input[name=choose_label][value=keep]").check()
        page.get_by_role("button", name="Merge").click()
        expect(persons).to_have_count(2)
        merged = page.locator(f"tr[data-person='{named[0]}']")
        expect(merged.locator("li.appearance")).to_have_count(2)

        # And split a sitting off again.
        merged.get_by_role("button", name="Split off").first.click()
        expect(persons).to_have_count(3)
        page.screenshot(path=str(ARTIFACTS / "31-witness-split.png"), full_page=True)
        assert problems == []
