"""A real server on a loopback port and Debian's Chromium driven by Playwright, for browser tests."""

import os
import re
import threading
from contextlib import contextmanager

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Quiet on a closed network: no background connections, no updates, no sync.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def live_server(app):
    """Serve ``app`` over real HTTP on a free loopback port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextmanager
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the sign-in page, as a person does."""
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def seed_demo(app) -> dict[str, str]:
    """Load the demo mission; the one-time passwords it prints, by user name."""
    output = app.test_cli_runner().invoke(args=["seed-demo"]).output
    return dict(re.findall(r"^\s+(demo\.\S+)\s+\S+\s+(\S+)$", output, re.MULTILINE))


@contextmanager
def demo_page(app, username: str = "demo.lead", *, console: bool = True, **context_options):
    """The demo mission over real HTTP and a Chromium page signed in as ``username`` (1366×768).

    Yields ``(page, problems)``: the page's uncaught errors — and its console errors and warnings, unless
    ``console`` is False — collected for the test to assert on."""
    password = seed_demo(app)[username]
    with live_server(app) as base_url, chromium() as browser:
        options = {"viewport": {"width": 1366, "height": 768}, **context_options}
        page = browser.new_context(base_url=base_url, **options).new_page()
        problems: list[str] = []
        if console:
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, username, password)
        yield page, problems
