"""API tokens in a real Chromium: create one on the profile page, use it, revoke it."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user
from tests.test_browser import browser_page, shot, sign_in  # noqa: F401  (browser_page is a fixture)

pytestmark = pytest.mark.browser


def test_a_lead_creates_uses_and_revokes_a_token(app, browser_page):  # noqa: F811
    page = browser_page
    make_user(app, "lena", "lead", display_name="Lena")
    sign_in(page, "lena", PASSWORD)
    page.goto("/profile")
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()

    page.get_by_label("Name", exact=True).last.fill("analysis script")
    page.get_by_label("Access").select_option("read")
    assert page.get_by_label("Expires").input_value() == "90"
    page.get_by_role("button", name="Create token").click()

    secret_box = page.get_by_label("Your new token")
    secret = secret_box.input_value()
    assert secret.startswith("tm_") and len(secret) == 46
    expect(page.get_by_text("it will not be shown again")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    assert page.evaluate("() => document.activeElement.id") == "new-token"  # selected, ready to paste
    shot(page, "profile-token-created")

    me = page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status == 200 and me.json()["token"]["scope"] == "read"
    refused = page.request.post(
        "/api/v1/missions", data={"name": "x"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert refused.status == 403

    page.goto("/profile")
    assert secret not in page.content() and secret[:7] in page.content()
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Revoke").click()
    page.wait_for_url("**/profile#tokens")
    assert questions and "analysis script" in questions[0]
    expect(page.get_by_text("Token “analysis script” revoked.")).to_be_visible()
    assert page.request.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status == 401
    assert page.csp_violations == []
