"""Nothing typed is lost: a change followed at once by a reload is on the server, or offered back."""

import time

import pytest
from flask import request
from playwright.sync_api import expect

from monitor import records
from monitor.db import connect
from tests.browser import chromium, live_server, sign_in
from tests.conftest import setup_trial, start_hearing
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser


def unreachable(app) -> dict:
    """A switch that makes every save fail with 503, as a proxy with no server behind it would: the
    page's own requests and the keepalive one sent as it unloads alike (a browser-side route cannot
    hold the latter, which outlives the page)."""
    switch = {"on": False}

    @app.before_request
    def refuse_saves():
        if switch["on"] and request.path.endswith("/save"):
            return "", 503
        return None

    return switch


def courtroom(app, hearing) -> str:
    db = connect(app.config["DATABASE"])
    try:
        return records.get(db, "hearing", hearing["uuid"])["courtroom"]
    finally:
        db.close()


def open_form(browser, base_url, hearing):
    page = browser.new_page(base_url=base_url, viewport={"width": 1366, "height": 768})
    sign_in(page, "oleg")
    page.goto(f"/hearings/{hearing['uuid']}")
    expect(page.locator("#hearing-form")).to_be_visible()
    return page


def test_a_change_reloaded_at_once_reaches_the_server_or_is_offered_back(app):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    with live_server(app) as base_url, chromium() as browser:
        page = open_form(browser, base_url, hearing)
        page.get_by_label("Courtroom").fill("Room 12")
        page.reload()  # well within the second the form waits before saving
        expect(page.locator("#hearing-form")).to_be_visible()
        deadline = time.monotonic() + 5
        while courtroom(app, hearing) != "Room 12" and time.monotonic() < deadline:
            if page.locator("#unsaved-offer").is_visible():
                page.get_by_role("button", name="Send them again").click()
                expect(page.locator("#save-status")).to_contain_text("Saved at")
            time.sleep(0.1)
        assert courtroom(app, hearing) == "Room 12"


def test_offline_the_change_is_offered_back_and_sent_when_asked(app):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    offline = unreachable(app)
    with live_server(app) as base_url, chromium() as browser:
        page = open_form(browser, base_url, hearing)
        offline["on"] = True
        page.get_by_label("Courtroom").fill("Room 7")
        expect(page.locator("#save-status")).to_contain_text("NOT SAVED")
        page.reload()
        offer = page.locator("#unsaved-offer")
        expect(offer).to_be_visible()
        expect(offer).to_contain_text("Changes not confirmed as saved: 1")
        assert page.get_by_label("Courtroom").input_value() == ""  # the page shows what the server has
        page.screenshot(path=str(ARTIFACTS / "60-unsaved-offer.png"))
        offline["on"] = False
        page.get_by_role("button", name="Send them again").click()
        expect(page.locator("#save-status")).to_contain_text("Saved at")
        assert (
            courtroom(app, hearing) == "Room 7" and page.get_by_label("Courtroom").input_value() == "Room 7"
        )
        page.reload()  # acknowledged: nothing more is offered
        expect(page.locator("#hearing-form")).to_be_visible()
        expect(offer).to_be_hidden()


def test_a_discarded_change_is_not_offered_again(app):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    offline = unreachable(app)
    with live_server(app) as base_url, chromium() as browser:
        page = open_form(browser, base_url, hearing)
        offline["on"] = True
        page.get_by_label("Courtroom").fill("Room 9")
        expect(page.locator("#save-status")).to_contain_text("NOT SAVED")
        page.reload()
        time.sleep(0.5)
        assert courtroom(app, hearing) == ""  # nothing reached the server, not even on the way out
        page.get_by_role("button", name="Discard them").click()
        offline["on"] = False
        page.reload()
        expect(page.locator("#hearing-form")).to_be_visible()
        expect(page.locator("#unsaved-offer")).to_be_hidden()
        assert courtroom(app, hearing) == ""
