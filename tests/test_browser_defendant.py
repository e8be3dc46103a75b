"""The defendant form in a browser: custody hours while typing, conviction boxes beside their labels."""

import pytest
from playwright.sync_api import expect

from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def test_custody_hours_and_the_48_hour_flag_show_before_saving(app):
    setup = setup_trial(app)
    defendant = setup["defendants"][0]
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 768})
        problems = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "lena")
        page.goto(f"/defendants/{defendant['uuid']}")
        flag = page.locator("#custody-flag")
        expect(flag).to_be_hidden()

        page.get_by_label("Actually apprehended").fill("2026-03-01T08:00")
        page.get_by_label("Arrest registered").fill("2026-03-01T20:30")
        page.get_by_label("First brought before a judge").fill("2026-03-04T17:00")
        custody = page.locator("#custody")
        expect(custody).to_contain_text("12.5 h")
        expect(custody).to_contain_text("81.0 h")
        expect(flag).to_be_visible()  # nothing saved yet
        page.get_by_label("First brought before a judge").fill("2026-03-02T10:00")
        expect(custody).to_contain_text("26.0 h")
        expect(flag).to_be_hidden()

        # Each conviction box sits on the line of its label, before it (not a bulleted list, label below).
        page.get_by_label("Verdict").select_option("convicted")
        for item in page.locator("#conviction_basis li").all():
            box = item.locator("input").bounding_box()
            label = item.locator("label").bounding_box()
            assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 6
            assert box["x"] + box["width"] <= label["x"]
        assert page.eval_on_selector("#conviction_basis", "e => getComputedStyle(e).listStyleType") == "none"
        page.screenshot(path=str(ARTIFACTS / "40-defendant-form.png"), full_page=True)
        assert problems == []
