"""A routine sitting of a 37-defendant trial, recorded in Chromium with the v2 form (issue #11): nothing
new happens except that two defendants speak and one is absent. Every click and keystroke the observer
makes is counted (filling a text counts its characters; accepting a confirmation counts as a click) and
must stay within 60; the answers saved must be exactly what was meant. Screenshots at 1366×768 go to
tests/artifacts/."""

import json
import re

import pytest
from playwright.sync_api import expect

from monitor.db import connect
from tests.browser import chromium, live_server
from tests.test_browser_hearing import sign_in
from tests.test_observe_mass import PER_DEFENDANT, SITTING, setup_mass_trial

pytestmark = pytest.mark.browser
BUDGET = 60


class Inputs:
    """The observer's inputs, counted as they are made."""

    def __init__(self, page):
        self.page, self.count, self.log = page, 0, []

    def click(self, locator, what: str):
        locator.click()
        self._add(1, what)

    def press(self, key: str, what: str):
        self.page.keyboard.press(key)
        self._add(1, f"{what} ({key})")

    def fill(self, locator, text: str, what: str):
        locator.fill(text)
        self._add(len(text), what)

    def _add(self, n: int, what: str):
        self.count += n
        self.log.append((n, what))


@pytest.fixture
def page(app):
    from tests.test_browser import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    with live_server(app) as base_url, chromium() as browser:
        context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 768})
        page = context.new_page()
        page.problems = []
        page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.problems.append(str(e)))
        yield page
        context.close()


def shot(page, name, full=False):
    from tests.test_browser import ARTIFACTS

    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


def row(page, name):
    return page.locator("li.defendant-row", has_text=name)


def test_a_routine_sitting_of_37_defendants_takes_at_most_60_inputs(app, page):
    mass = setup_mass_trial(app)
    names = [d["name"] for d in mass["defendants"]]
    absent, speakers = names[16], (names[2], names[28])
    inputs = Inputs(page)
    page.on("dialog", lambda dialog: (inputs._add(1, "confirm"), dialog.accept()))
    saves = []
    page.on("request", lambda r: saves.append(r) if r.method == "POST" and r.url.endswith("/save") else None)

    sign_in(page, "oleg")  # signing in is not part of recording the sitting
    page.goto(f"/trials/{mass['trial']['uuid']}")
    inputs.click(page.get_by_role("button", name="Start observing"), "start the observation")
    expect(page.locator("#roster-summary")).to_have_text("37 present, 0 absent")

    # The whole sitting: nothing happened (the verdict question stays blank: there was none).
    first = page.locator("#s-checklist .item").first
    inputs.click(first.locator("label.choice:has(input[value=no])"), "first whole-sitting question: No")
    inputs.press("n", "the same answer again: on to the next question")
    inputs.press("n", "next whole-sitting question: No")
    inputs.press("n", "next whole-sitting question: No")

    # Same for all present defendants: a click, then one key per question.
    same = page.locator("#same-all")
    inputs.click(same.locator("[data-all-item=presence] label.choice").first, "all present throughout")
    inputs.press("Tab", "to the next shared question")
    inputs.press("n", "not caged or shackled")
    inputs.press("1", "interpreter not needed")
    inputs.press("y", "lawyer able to act")
    inputs.press("y", "confidential communication")
    inputs.press("2", "did not ask to speak")

    page.locator("#s-defendants").scroll_into_view_if_needed()
    shot(page, "30-mass-sitting-defendants")
    # Compact: the 37 closed rows take well under one 768-pixel screen (three columns at 1366 px).
    assert page.locator("ol.roster").bounding_box()["height"] < 768 * 0.7

    # One defendant absent: untick, then the reason (the row opens on it).
    inputs.click(row(page, absent).locator(".presence-tick"), f"{absent} absent")
    inputs.press("4", "not brought to court")
    # Two defendants spoke: open each, click "Spoke".
    for name in speakers:
        inputs.click(row(page, name).locator("summary"), f"open {name}")
        spoke = row(page, name).locator("[data-item=defendant_spoke] label.choice").first
        inputs.click(spoke, f"{name} spoke")

    expect(page.locator("#roster-summary")).to_have_text("36 present, 1 absent")
    expect(row(page, absent).locator(".chip")).to_have_text("Absent: Not brought to court")
    expect(row(page, speakers[0]).locator(".chip")).to_contain_text("Spoke")
    spoke_exceptions = page.locator("[data-all-item=defendant_spoke] [data-exception-count]")
    expect(spoke_exceptions).to_have_text("Exceptions: 2")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    page.locator(f"#d-{mass['defendants'][16]['uuid']}").scroll_into_view_if_needed()
    shot(page, "31-mass-sitting-exceptions")
    shot(page, "32-mass-sitting-full", full=True)

    inputs.click(page.get_by_role("button", name="Submit for review"), "submit")
    expect(page.locator(".flash-success")).to_contain_text("submitted")

    print(f"\nobserver inputs: {inputs.count}")
    for n, what in inputs.log:
        print(f"  {n:3d}  {what}")
    assert inputs.count <= BUDGET, inputs.log
    assert page.problems == []

    # What was meant is what is stored.
    db = connect(app.config["DATABASE"])
    try:
        hearing = next(db.query("SELECT * FROM hearing"))
        assert hearing["status"] == "submitted"
        by_name = {d["uuid"]: d["name"] for d in mass["defendants"]}
        rows = list(db.query("SELECT * FROM answer WHERE hearing_id = ?", [hearing["id"]]))
        stored = {(by_name.get(r["subject_uuid"], ""), r["item_key"]): r["value"] for r in rows if r["value"]}
        expected = {}
        for name in names:
            if name == absent:
                expected[(name, "presence")] = "not_brought"
                continue
            expected.update(
                {
                    (name, "presence"): "present",
                    (name, "caged_or_shackled"): "no",
                    (name, "interpreter"): "not_needed",
                    (name, "lawyer_able_to_act"): "yes",
                    (name, "confidential_communication_in_court"): "yes",
                    (name, "defendant_spoke"): "spoke" if name in speakers else "did_not_ask",
                }
            )
        expected.update({("", key): "no" for key in SITTING[:3]})  # the verdict question left blank
        assert stored == expected
        assert len([k for k in stored if k[0]]) == 36 * len(PER_DEFENDANT) + 1
        absences = db.query(
            "SELECT defendant.name FROM hearing_defendant JOIN defendant ON defendant.id = defendant_id "
            "WHERE hearing_id = ? AND present = 0",
            [hearing["id"]],
        )
        assert [a["name"] for a in absences] == [absent]
    finally:
        db.close()
    # The shared answers went in a few batches (one per pause in typing), never one request per defendant:
    # each shared answer reached every defendant present at the time (37, or 36) in one request.
    assert len(saves) <= 12, len(saves)
    batches = [json.loads(r.post_data)["changes"] for r in saves]
    for key in PER_DEFENDANT:
        assert max(sum(1 for c in batch if c.get("item") == key) for batch in batches) >= 36, key


def test_number_keys_answer_choice_questions_and_other_keys_pass_through(app, page):
    mass = setup_mass_trial(app, defendants=3)
    sign_in(page, "oleg")
    page.goto(f"/trials/{mass['trial']['uuid']}")
    page.get_by_role("button", name="Start observing").click()
    interpreter = page.locator("[data-all-item=interpreter]")
    interpreter.locator("input[type=radio]").first.focus()
    page.evaluate(
        "window.prevented = []; document.addEventListener('keydown', "
        "(e) => window.prevented.push([e.key, e.defaultPrevented]))"
    )
    page.keyboard.press("x")  # no meaning in a choice question
    page.keyboard.press("9")  # there is no ninth option
    assert page.evaluate("window.prevented") == [["x", False], ["9", False]]
    assert page.evaluate("document.activeElement.closest('.item').dataset.allItem") == "interpreter"
    page.keyboard.press("3")  # the third option: needed but not provided
    expect(interpreter.locator("input:checked")).to_have_value("not_provided")
    assert page.evaluate("document.activeElement.closest('.item').dataset.allItem") == "lawyer_able_to_act"
    for d in mass["defendants"]:
        expect(page.locator(f"#a-{d['uuid']}-interpreter input:checked")).to_have_value("not_provided")
    # A defendant answered differently is an exception; changing the shared answer leaves them alone.
    first = row(page, mass["defendants"][0]["name"])
    first.locator("summary").click()
    first.locator("[data-item=interpreter] input[value=provided]").check()
    expect(first.locator(".chip")).to_have_text("Needed and provided")
    interpreter.locator("input[value=not_needed]").check()
    expect(first.locator("[data-item=interpreter] input:checked")).to_have_value("provided")
    second = page.locator(f"#a-{mass['defendants'][1]['uuid']}-interpreter input:checked")
    expect(second).to_have_value("not_needed")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    page.reload()
    expect(page.locator("[data-all-item=interpreter] input:checked")).to_have_value("not_needed")
    expect(row(page, mass["defendants"][0]["name"]).locator(".chip")).to_have_text("Needed and provided")
    assert re.search(r"Exceptions: 1", page.locator("[data-all-item=interpreter]").inner_text())

    # Absent, then present again: the shared answer leaves and comes back; the summary follows.
    third = row(page, mass["defendants"][2]["name"])
    third_interpreter = page.locator(f"#a-{mass['defendants'][2]['uuid']}-interpreter")
    third.locator(".presence-tick").uncheck()
    expect(page.locator("#roster-summary")).to_have_text("2 present, 1 absent")
    expect(third_interpreter.locator("input:checked")).to_have_count(0)
    expect(third.locator(".chip")).to_have_text("Absent: Unclear")
    third.locator("[data-item=presence] input[value=present]").check()  # the reason, changed to present
    expect(third.locator(".presence-tick")).to_be_checked()
    expect(third_interpreter.locator("input:checked")).to_have_value("not_needed")
    expect(page.locator("#roster-summary")).to_have_text("3 present, 0 absent")
    expect(page.locator("#save-status")).to_contain_text("Saved at", timeout=10_000)
    db = connect(app.config["DATABASE"])
    try:
        rows = db.query(
            "SELECT present FROM hearing_defendant JOIN defendant ON defendant.id = defendant_id "
            "WHERE uuid = ?",
            [mass["defendants"][2]["uuid"]],
        )
        assert [r["present"] for r in rows] == [1]
    finally:
        db.close()
    assert page.problems == []
