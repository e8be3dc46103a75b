"""The first-run story in a real Chromium: set-up, accounts, roles, languages.

Screenshots of each step go to tests/artifacts/ (not committed) so people can look at the pages.
"""

from pathlib import Path

import pytest

from tests.browser import chromium, live_server, sign_in
from tests.test_i18n import catalog

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ADMIN_PASSWORD = "first admin passphrase"
OBSERVER_PASSWORD = "observer passphrase one"


@pytest.fixture
def browser_page(app):
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda msg: (
                page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
            ),
        )
        yield page
        context.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def english_strings_left(text: str) -> list[str]:
    """English interface strings (with a different Russian translation) still visible in ``text``."""
    return sorted(
        m.id
        for m in catalog("ru")
        if m.id and m.string and m.string != m.id and len(m.id) > 3 and "%(" not in m.id and m.id in text
    )


def test_first_run_accounts_roles_and_languages(browser_page):
    page = browser_page

    # First run: the only thing to do is create the administrator.
    response = page.goto("/")
    assert response.ok and page.url.endswith("/setup")
    shot(page, "01-setup")
    page.get_by_label("User name").fill("amina")
    page.get_by_label("Display name").fill("Amina (admin)")
    page.get_by_label("New password").fill(ADMIN_PASSWORD)
    page.get_by_label("Repeat the password").fill(ADMIN_PASSWORD)
    page.get_by_label("Encrypt this installation").uncheck()  # test_browser_vault_first_run encrypts
    page.get_by_role("button", name="Create the administrator").click()
    # Signed in at once: no second sign-in with a blank user name.
    assert not page.url.endswith("/login")
    assert "Administrator created" in page.inner_text("main")
    assert "Welcome, Amina (admin)" in page.inner_text("main")
    shot(page, "02-admin-home")
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="New account").click()
    page.get_by_label("User name").fill("oleg")
    page.get_by_label("Display name").fill("Oleg (observer)")
    page.get_by_label("Role").select_option("observer")
    page.get_by_label("New password").fill("short")
    page.get_by_label("Repeat the password").fill("short")
    page.get_by_role("button", name="Create account").click()
    assert "at least 12 characters" in page.inner_text("main")  # a clear message, nothing created
    shot(page, "03-create-user-error")
    page.get_by_label("New password").fill(OBSERVER_PASSWORD)
    page.get_by_label("Repeat the password").fill(OBSERVER_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    assert "Account “oleg” created" in page.inner_text("main")
    row = page.get_by_role("row").filter(has_text="oleg")
    assert "Observer" in row.inner_text()
    shot(page, "04-users")

    # Sign out; the observer signs in and is refused the admin pages.
    page.get_by_role("button", name="Sign out").click()
    assert page.url.endswith("/login")
    sign_in(page, "oleg", OBSERVER_PASSWORD)
    assert "Welcome, Oleg (observer)" in page.inner_text("main")
    assert page.get_by_role("link", name="Users", exact=True).count() == 0  # no admin navigation
    for path in ("/admin/users", "/admin/users/new", "/admin/audit"):
        response = page.goto(path)
        assert response.status == 403
        assert "You do not have permission" in page.inner_text("main")
    shot(page, "05-observer-403")

    # Switch to Russian: the whole screen is translated.
    page.goto("/profile")
    page.get_by_role("button", name="RU").click()
    assert page.url.endswith("/profile")
    body = page.inner_text("body")
    assert "Ваш профиль" in body and "Выйти" in body
    assert english_strings_left(body) == []
    shot(page, "06-profile-ru")
    page.goto("/")
    assert english_strings_left(page.inner_text("body")) == []
    response = page.goto("/admin/users")
    assert response.status == 403 and english_strings_left(page.inner_text("body")) == []

    assert page.csp_violations == []


def test_the_keyboard_reaches_everything_with_visible_focus(app, browser_page):
    from tests.conftest import make_user

    make_user(app, "amina", "admin", password=ADMIN_PASSWORD)
    page = browser_page
    page.goto("/login")
    focused = page.evaluate("document.activeElement.id")
    assert focused == "username"  # the form is ready to type into
    page.keyboard.type("amina")
    page.keyboard.press("Tab")
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # focus is visible
    shot(page, "07-skip-link-focus")
    assert page.csp_violations == []
