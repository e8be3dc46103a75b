"""Sync in Chromium: an observer connects a laptop to the server, pulls, pushes with progress; a lead
resolves a conflict side by side. Two live servers, one real browser."""

import os

import pytest

from monitor.audit import Actor
from monitor.auth import tokens, users
from monitor.db import connect
from monitor.observe import records as observe
from tests.browser import chromium, live_server
from tests.conftest import PASSWORD, make_app, make_user, setup_trial
from tests.test_sync_pages import conflict_on

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("SCREENSHOTS")  # a folder: save a screenshot of each page for a person to look at


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"sync-{name}.png"), full_page=True)


def sign_in(page, base, username):
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def test_laptop_connects_pulls_and_pushes_and_a_lead_resolves_a_conflict(tmp_path):
    (tmp_path / "server").mkdir()
    (tmp_path / "laptop").mkdir()
    server_app = make_app(tmp_path / "server")
    setup = setup_trial(server_app, defendants=3)
    conflict = conflict_on(server_app, setup)
    db = connect(server_app.config["DATABASE"])
    _row, secret = tokens.create(
        db, Actor(name="test"), users.get_by_username(db, "oleg"), name="laptop", scope="write", days=30
    )
    db.close()
    laptop_app = make_app(tmp_path / "laptop")
    make_user(laptop_app, "oleg", "admin")
    with live_server(server_app) as server, live_server(laptop_app) as laptop, chromium() as browser:
        page = browser.new_page()
        sign_in(page, laptop, "oleg")
        page.get_by_role("link", name="Sync", exact=True).click()
        page.fill("#url", server)
        page.fill("#token", secret)
        page.get_by_role("button", name="Connect").click()
        assert "Connected to the server" in page.inner_text("main")
        page.get_by_role("button", name="Pull the mission set-up").click()
        page.wait_for_selector("#job-message:has-text('Pulled 1 mission:')", timeout=20000)
        shot(page, "pull")
        # an offline hearing on the laptop
        handle = connect(laptop_app.config["DATABASE"])
        me = users.get_by_username(handle, "oleg")
        trial, mission = (
            next(handle.query("SELECT * FROM trial")),
            next(handle.query("SELECT * FROM mission")),
        )
        hearing = observe.start_hearing(handle, Actor(name="t"), trial, mission, me, "2026-11-24")
        observe.submit(handle, Actor(name="t"), hearing)
        handle.close()
        page.goto(f"{laptop}/sync/")
        assert "Hearing: 1" in page.inner_text("main")
        shot(page, "status")
        page.get_by_role("button", name="Push my changes").click()
        page.wait_for_selector("#job-message:has-text('Pushed')", timeout=20000)
        assert "2 new" in page.inner_text("#job-message")  # the observation and its (new) sitting
        server_db = connect(server_app.config["DATABASE"])
        assert server_db["hearing"].count == 1 and server_db["sitting"].count == 1
        server_db.close()

        lead = browser.new_page()
        sign_in(lead, server, "lena")
        lead.goto(f"{server}/sync/conflicts")
        lead.click(f"a[href$='{conflict['uuid']}']")
        shot(lead, "conflict")
        lead.get_by_role("button", name="Take everything incoming").click()
        assert "Conflict resolved" in lead.inner_text("main")
