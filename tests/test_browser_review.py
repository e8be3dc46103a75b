"""The review page is made for deciding: concerns first, each defendant one line until opened, no decision
chosen for the lead, the decision panel in reach while reading."""

import pytest
from playwright.sync_api import expect

from monitor import checklists, records
from monitor.db import connect
from tests.browser import chromium, live_server, sign_in
from tests.conftest import login, post, save, setup_trial, start_hearing
from tests.test_browser import ARTIFACTS

pytestmark = pytest.mark.browser

CHECKLIST = checklists.get("fair_trial", 1)
YESNO = [item for item in CHECKLIST.items_for("defendant") if item.answer == "yesno"]
SCREEN = {"width": 1366, "height": 768}
CONCERNS = {(3, 0), (5, 0), (3, 1)}  # (defendant, question)


@pytest.fixture
def submitted(app):
    """A 12-defendant hearing, submitted, with 30 questions answered per defendant, all without concern
    but for Defendant 3's and Defendant 5's answers to the first question, and Defendant 3's to the
    second: two lines of concerns."""
    setup = setup_trial(app, defendants=12)
    hearing = start_hearing(app, setup)
    observer = app.test_client()
    login(observer, "oleg")
    changes = []
    for n, defendant in enumerate(setup["defendants"]):
        for k, item in enumerate(YESNO[:30]):
            fine = "no" if item.is_concern("yes") else "yes"
            value = ("yes" if fine == "no" else "no") if (n, k) in CONCERNS else fine
            changes.append({"id": f"{n}-{k}", "target": "answer", "subject": defendant["uuid"],
                            "item": item.key, "field": "value", "value": value})  # fmt: skip
    assert save(observer, hearing, *changes).status_code == 200
    assert post(observer, f"/hearings/{hearing['uuid']}/submit").status_code == 302
    return setup, hearing


def test_the_review_page_is_short_decides_nothing_and_keeps_the_panel_in_reach(app, submitted):
    setup, hearing = submitted
    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport=SCREEN)
        problems = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "lena")
        page.goto(f"/hearings/{hearing['uuid']}")
        page.screenshot(path=str(ARTIFACTS / "50-review.png"), full_page=True)

        height = page.evaluate("document.documentElement.scrollHeight")
        assert height <= 3 * SCREEN["height"], height
        radios = page.locator("#review input[type=radio]")
        assert radios.count() == 3 and all(not r.is_checked() for r in radios.all())
        lines = page.locator("#concerns tbody tr")
        expect(lines).to_have_count(2)  # one line per question, naming everyone it concerns
        expect(lines.first.locator("td").last).to_have_text("Defendant 3, Defendant 5")
        expect(page.locator("#review")).to_contain_text("3 answers count as a concern.")

        # Reading far down, the decision panel is still on screen.
        page.locator("#notes").scroll_into_view_if_needed()
        box = page.locator("#review").bounding_box()
        assert 0 <= box["y"] < SCREEN["height"]

        # Sending without a decision: a message, nothing decided.
        page.locator("#review").get_by_role("button", name="Send").click()
        expect(page.locator(".flash-error")).to_contain_text("Choose a decision.")
        db = connect(app.config["DATABASE"])
        assert records.get(db, "hearing", hearing["uuid"])["status"] == "submitted"

        # A defendant opens to every answer given about them; the unanswered ones on request.
        third = page.locator(f"#d-{setup['defendants'][3]['uuid']}")
        third.locator("> summary").click()
        expect(third.locator("table.answers tbody tr:not(.stage-row)")).to_have_count(30)
        unanswered = third.locator("details.unanswered-list")
        expect(unanswered.locator("li").first).to_be_hidden()
        unanswered.locator("> summary").click()
        expect(unanswered.locator("li")).to_have_count(len(CHECKLIST.items_for("defendant")) - 30)

        # A name in the concerns opens that answer where it stands.
        fifth = page.locator(f"#d-{setup['defendants'][5]['uuid']}")
        assert fifth.get_attribute("open") is None
        lines.first.get_by_role("link", name="Defendant 5").click()
        expect(fifth).to_have_attribute("open", "")

        page.locator("#review").get_by_label("Approve").check()
        page.locator("#review").get_by_role("button", name="Send").click()
        expect(page.locator(".flash-success")).to_contain_text("Hearing approved.")
        assert records.get(db, "hearing", hearing["uuid"])["status"] == "approved"
        db.close()
        assert problems == []


def test_a_comment_on_one_answer_is_written_beside_the_question(app, submitted):
    setup, hearing = submitted
    with live_server(app) as base_url, chromium() as browser:
        page = browser.new_page(base_url=base_url, viewport=SCREEN)
        sign_in(page, "lena")
        page.goto(f"/hearings/{hearing['uuid']}")
        third = page.locator(f"#d-{setup['defendants'][3]['uuid']}")
        third.locator("> summary").click()
        row = third.locator("tr.concern").first
        question = row.locator("td").first.inner_text().split("\n")[0]
        row.get_by_role("link", name="Comment").click()
        box = page.locator("#answer-comment")
        expect(box).to_contain_text("Defendant 3")
        expect(box).to_contain_text(question)
        box.get_by_label("Comment on this answer").fill("Was the lawyer asked?")
        box.get_by_role("button", name="Send comment").click()
        expect(page.locator(".flash-success")).to_contain_text("Comment saved.")
        expect(page.locator("#answer-comment")).to_have_count(0)
        db = connect(app.config["DATABASE"])
        saved = next(db.query("SELECT decision, comment, answer_uuid FROM review"))
        db.close()
        assert (
            saved["decision"] == "comment"
            and saved["comment"] == "Was the lawyer asked?"
            and saved["answer_uuid"]
        )
        assert (
            records.get(connect(app.config["DATABASE"]), "hearing", hearing["uuid"])["status"] == "submitted"
        )
