"""The whole observation story in Chromium: set-up by a lead, a hearing logged with the keyboard,
an anonymous witness, a torture allegation, notes, a reload mid-way, submission, return, correction,
approval — and the audit chain still verifies. Screenshots at 1366×768 go to tests/artifacts/."""

import re

import pytest
from playwright.sync_api import expect

from monitor import audit
from monitor.db import connect
from tests.browser import chromium, live_server
from tests.browser import sign_in as sign_in_page
from tests.conftest import make_user

pytestmark = pytest.mark.browser
NAMES = [f"Defendant {letter}. Example" for letter in "ABCDEFGHIJKL"]


@pytest.fixture
def page(app):
    from tests.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    make_user(app, "lena", "lead", display_name="Lena (lead)")
    make_user(app, "oleg", "observer", display_name="Oleg (observer)")
    with live_server(app) as base_url, chromium() as browser:
        context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        yield page
        context.close()


def shot(page, name):
    from tests.test_browser import ARTIFACTS

    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def sign_in(page, username):
    sign_in_page(page, username)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))


def wait_saved(page):
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)


def test_a_hearing_from_set_up_to_approval(app, page):
    # The lead sets up the mission, a trial with 12 defendants pasted at once, and assigns the observer.
    sign_in(page, "lena")
    page.get_by_role("link", name="Missions", exact=True).click()
    page.get_by_role("link", name="New mission").click()
    page.get_by_label("Name").fill("Observation of the oil workers' trial")
    page.get_by_label("Country").fill("Fictional Republic")
    # v2 is preselected; this walk keeps the v1 form (still offered) working end to end — the v2 form's
    # walk is tests/test_browser_mass_sitting.py
    page.get_by_label("Checklist").select_option("fair_trial:1")
    page.get_by_role("button", name="Save mission").click()
    page.get_by_role("link", name="New trial").click()
    page.get_by_label("Title").fill("Strike case")
    page.get_by_label("Court").fill("Regional court")
    page.get_by_role("button", name="Save trial").click()
    page.get_by_role("link", name="Add defendants").click()
    page.get_by_label("Names, one per line").fill("\n".join(NAMES))
    page.get_by_role("button", name="Add defendants").click()
    expect(page.locator(".flash-success")).to_contain_text("12 defendants added")
    expect(page.locator("#defendants tbody tr")).to_have_count(12)
    page.locator("#observers").get_by_label("Observer").select_option(label="Oleg (observer) (oleg)")
    page.get_by_role("button", name="Assign to this trial").click()
    expect(page.locator("#observers")).to_contain_text("Oleg (observer)")
    sign_out(page)

    # The observer starts the hearing and answers with the keyboard.
    sign_in(page, "oleg")
    page.get_by_role("link", name="Strike case").click()
    page.get_by_role("button", name="Start observing").click()
    expect(page.locator("#hearing-form")).to_be_visible()
    page.get_by_label("Courtroom").fill("Room 5")
    page.get_by_label("Public access").select_option("restricted")
    first_hearing_item = page.locator("#s-checklist .item").first
    first_hearing_item.locator("input[type=radio]").first.focus()
    for key in "ynuo":
        page.keyboard.press(key)
    answered = page.locator("#s-checklist .item input[type=radio]:checked")
    expect(answered).to_have_count(4)
    assert [answered.nth(n).get_attribute("value") for n in range(4)] == [
        "yes",
        "no",
        "unclear",
        "not_observed",
    ]
    assert page.evaluate("document.activeElement.closest('.item').dataset.item") == page.locator(
        "#s-checklist .item"
    ).nth(4).get_attribute("data-item")  # focus moved on to the fifth question
    defendant_items = page.locator("div.defendant .item")
    defendant_items.first.locator("input[type=radio]").first.focus()
    for key in "nnyy1234":
        page.keyboard.press(key)
    expect(page.locator("div.defendant .item input[type=radio]:checked")).to_have_count(8)
    expect(page.locator("div.defendant [data-todo]")).to_contain_text(
        f"{defendant_items.count() - 8} unanswered"
    )
    defendant_items.first.locator("input.note").fill("Lawyer was not allowed to sit next to him")
    wait_saved(page)

    # An anonymous witness…
    page.get_by_role("button", name="Add a witness").click()
    witness = page.locator("article.record").first
    witness.get_by_label("Anonymous witness").check()
    witness.get_by_label("Identity", exact=True).fill("Major Hidden, police")
    witness.get_by_label("Reason given for anonymity").fill("Safety of the officer")
    witness.get_by_label("Called by").select_option("prosecution")
    witness.get_by_label(NAMES[0]).check()
    witness.locator("[data-item=says_statement_coerced] input[value=yes]").check()
    wait_saved(page)
    # …and a torture allegation.
    page.get_by_role("button", name="Add an allegation").click()
    allegation = page.locator("#allegations article.record").first
    allegation.get_by_label("Alleged by").select_option("defendant")
    allegation.get_by_label("Defendant", exact=True).select_option(label=NAMES[0])
    allegation.get_by_label("Stage").select_option("police_custody")
    allegation.get_by_label("Beating").check()
    allegation.get_by_label("Account").fill("Beaten at the station until he signed.")
    page.get_by_label("New note").fill("10:42 the judge refused to hear the doctor")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#note-list li")).to_have_count(1)
    wait_saved(page)
    shot(page, "10-hearing-form")

    # Reload mid-way: everything shown as saved is there.
    page.reload()
    expect(page.get_by_label("Courtroom")).to_have_value("Room 5")
    expect(page.locator("#s-checklist .item input[type=radio]:checked")).to_have_count(4)
    expect(page.locator("div.defendant .item input[type=radio]:checked")).to_have_count(8)
    expect(page.locator("div.defendant .item input.note").first).to_have_value(
        "Lawyer was not allowed to sit next to him"
    )
    expect(page.locator("article.record").first.get_by_label("Identity", exact=True)).to_have_value(
        "Major Hidden, police"
    )
    expect(page.locator("article.record").first.get_by_label("Anonymous witness")).to_be_checked()
    expect(page.locator("#allegations").get_by_label("Account")).to_have_value(
        "Beaten at the station until he signed."
    )
    expect(page.locator("#note-list")).to_contain_text("the judge refused to hear the doctor")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1 .badge")).to_contain_text("Submitted")
    sign_out(page)

    # The lead returns it with a comment.
    sign_in(page, "lena")
    page.get_by_role("link", name="Review", exact=True).click()
    page.locator("table.data a").first.click()
    expect(page.locator("#witnesses")).to_contain_text("Major Hidden, police")  # leads see the identity
    shot(page, "11-lead-review")
    review = page.locator("#review")
    review.get_by_label("Return to the observer").check()
    review.get_by_label("Comment", exact=True).fill("Which defendants did the witness name?")
    review.get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("returned")
    sign_out(page)

    # The observer corrects it, with a reason, and resubmits.
    sign_in(page, "oleg")
    expect(page.locator(".notice")).to_contain_text("Returned to you")
    page.locator(".notice a").first.click()
    page.get_by_label("Why does this hearing need a correction?").fill("Add the defendants the witness named")
    page.get_by_role("button", name="Correct this hearing").click()
    expect(page.locator("#hearing-form")).to_be_visible()
    expect(page.locator(".notice")).to_contain_text("Which defendants did the witness name?")
    page.locator("article.record").first.get_by_label(NAMES[1]).check()
    wait_saved(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("h1 .badge")).to_contain_text("Submitted")
    sign_out(page)

    # The lead sees what changed and approves.
    sign_in(page, "lena")
    page.goto("/review")
    page.locator("table.data a").first.click()
    page.get_by_role("link", name=re.compile("Corrections")).click()
    expect(page.locator("table.diff")).to_contain_text("Testified against")
    page.go_back()
    page.locator("#review").get_by_label("Approve").check()
    page.locator("#review").get_by_role("button", name="Send").click()
    expect(page.locator(".flash-success")).to_contain_text("Hearing approved")

    db = connect(app.config["DATABASE"])
    assert next(db.query("SELECT status FROM hearing"))["status"] == "approved"
    assert audit.verify(db).ok
    db.close()
    assert [p for p in page.problems if "favicon" not in p] == []
