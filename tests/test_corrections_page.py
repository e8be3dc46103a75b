"""The corrections page speaks the forms' words: no codes, one group per person, in the form's order."""

import re

import pytest

from monitor import checklists
from tests.conftest import login, post, save, setup_trial, start_hearing

CHECKLIST = checklists.get("fair_trial", 1)
CHOICE = next(item for item in CHECKLIST.items_for("defendant") if item.answer == "choice")
YESNO = [item for item in CHECKLIST.items_for("defendant") if item.answer == "yesno"]
FIRST, LATER = YESNO[0], YESNO[-1]  # the first and the last yes/no question of the form
WHOLE = next(item for item in CHECKLIST.items_for("hearing") if item.answer == "yesno")


def change(subject, item, value, field="value"):
    return {"id": f"{subject}{item.key}{field}", "target": "answer", "subject": subject, "item": item.key,
            "field": field, "value": value}  # fmt: skip


@pytest.fixture
def corrected(app, client):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    d0, d1 = setup["defendants"][0]["uuid"], setup["defendants"][1]["uuid"]
    login(client, "oleg")
    save(
        client,
        hearing,
        change(d1, LATER, "yes"),
        change(d1, FIRST, "yes"),
        change(d0, CHOICE, CHOICE.options[0].value),
        change(d0, FIRST, "not_observed"),
        change("", WHOLE, "yes"),
        {"id": "pa", "target": "hearing", "field": "public_access", "value": "open"},
    )
    assert post(client, f"/hearings/{hearing['uuid']}/submit").status_code == 302
    lead = app.test_client()
    login(lead, "lena")
    post(lead, f"/hearings/{hearing['uuid']}/review", {"decision": "returned", "comment": "Check"})
    assert post(client, f"/hearings/{hearing['uuid']}/correct", {"reason": "Misheard"}).status_code == 302
    save(
        client,
        hearing,
        change(d1, LATER, "no"),
        change(d1, FIRST, "no"),
        change(d0, CHOICE, CHOICE.options[1].value),
        change(d0, FIRST, "yes"),
        change(d0, FIRST, "counsel", "provenance"),
        change("", WHOLE, "not_observed"),
        {"id": "pa", "target": "hearing", "field": "public_access", "value": "restricted"},
        {"id": "pr", "target": "presence", "defendant": setup["defendants"][2]["uuid"], "value": False},
    )
    page = client.get(f"/hearings/{hearing['uuid']}/changes").get_data(as_text=True)
    return page, setup


def text_of(page: str) -> str:
    main = page.split("<main", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def test_no_stored_code_reaches_the_page(corrected):
    text = text_of(corrected[0])
    codes = {"not_observed", "restricted", "(value)", "(provenance)", "public_access"}
    codes |= {option.value for option in CHOICE.options if "_" in option.value}
    assert not [code for code in codes if code in text]
    assert CHOICE.options[0].label.en in text and CHOICE.options[1].label.en in text
    assert "Not observed" in text and "Told by counsel" in text and "Present at the hearing" in text


def test_rows_are_grouped_by_person_in_the_form_order(corrected):
    text, setup = text_of(corrected[0]), corrected[1]
    names = [d["name"] for d in setup["defendants"][:3]]
    hearing_at = text.index("The hearing")
    first, second, third = (text.index(f" {name} ") for name in names)
    assert hearing_at < first < second < third  # the hearing, then defendants in the trial's order
    block = text[second:third]
    assert block.index(FIRST.label.en) < block.index(LATER.label.en)  # checklist order, not typing order
    stage = next(s for s in CHECKLIST.stages if s.key == FIRST.stage)
    assert stage.label.en in block
