"""The observation form of a mass trial (checklist v2, issue #11 step 5): per present defendant only what
happens at this sitting, "same for all present defendants", the absent counted for the right to be present.

The browser half (the keystroke count) is tests/test_browser_mass_sitting.py."""

import re

import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.findings.aggregate import item_counts
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sitting_form
from tests.conftest import login, make_user, save, start_hearing

V2 = checklists.get("fair_trial", 2)
V1 = checklists.get("fair_trial", 1)
PER_DEFENDANT = [i.key for i in V2.items_at("defendant_at_sitting") if i.asked]
SITTING = [i.key for i in V2.items_at("sitting") if i.asked]


def setup_mass_trial(app, defendants=37, checklist=V2):
    """A mission answered with ``checklist`` (v2 by default), one trial of ``defendants`` defendants and
    'oleg' assigned to it."""
    handle = connect(app.config["DATABASE"])
    try:
        lead = users.get_by_username(handle, "lena") or make_user(app, "lena", "lead")
        observer = users.get_by_username(handle, "oleg") or make_user(app, "oleg", "observer")
        actor = Actor(name="test")
        mission = missions.create_mission(
            handle,
            actor,
            lead,
            {"name": "Mass trial", "checklist_id": checklist.id, "checklist_version": checklist.version},
        )
        trial = missions.create_trial(handle, actor, mission, {"title": "The 37"})
        people = missions.bulk_add_defendants(
            handle, actor, trial, [f"Defendant {n:02d}" for n in range(1, defendants + 1)]
        )
        missions.assign_observer(handle, actor, trial, observer, mission)
        return {"mission": mission, "trial": trial, "defendants": people, "lead": lead, "observer": observer}
    finally:
        handle.close()


@pytest.fixture
def mass(app):
    return setup_mass_trial(app)


def answer(subject, key, value, field="value"):
    change = {"id": f"{subject}|{key}|{field}", "target": "answer", "subject": subject, "item": key}
    return {**change, "field": field, "value": value}


def test_v2_asks_per_defendant_only_what_happens_at_the_sitting():
    assert PER_DEFENDANT == [
        "presence",
        "caged_or_shackled",
        "interpreter",
        "lawyer_able_to_act",
        "confidential_communication_in_court",
        "defendant_spoke",
    ]
    assert [i.key for i in sitting_form.defendant_items(V2)] == PER_DEFENDANT
    assert "public_admitted" not in [i.key for i in sitting_form.sitting_items(V2)]  # its home is the record
    assert sitting_form.defendant_items(V1) == V1.items_for("defendant")  # v1 keeps its form


def test_the_v2_form_shows_case_facts_nowhere_and_each_sitting_question_once(app, mass):
    hearing = start_hearing(app, mass)
    client = app.test_client()
    login(client, "oleg")
    page = client.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert "36 present, 1 absent" not in page and "37 present, 0 absent" in page
    for key in SITTING:
        assert len(re.findall(rf'id="a-hearing-{key}"', page)) == 1
    for key in PER_DEFENDANT:
        assert len(re.findall(rf'data-all-item="{key}"', page)) == 1  # one shared row
        assert len(re.findall(rf'data-item="{key}"', page)) == 37 + 0  # one per defendant
    for item in V2.items:
        if item.unit == "case" or not item.asked:
            assert f'data-item="{item.key}"' not in page, item.key
    assert "<script>" not in page  # strict CSP: the behaviour is in static/hearing.js
    for d in mass["defendants"]:  # each row one step from the defendant's case file
        assert f'href="/defendants/{d["uuid"]}/case-file?hearing={hearing["uuid"]}"' in page


def test_a_v1_form_is_unchanged(app):
    setup = setup_mass_trial(app, defendants=3, checklist=V1)
    hearing = start_hearing(app, setup)
    client = app.test_client()
    login(client, "oleg")
    page = client.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert 'id="same-all"' not in page and "Defendants present" in page
    assert page.count('data-item="informed_of_reasons"') == 1  # one defendant at a time, as before


def test_one_batch_answers_every_present_defendant_and_a_bad_value_changes_nothing(app, mass, db):
    hearing = start_hearing(app, mass)
    client = app.test_client()
    login(client, "oleg")
    uuids = [d["uuid"] for d in mass["defendants"]]
    batch = [answer(u, "caged_or_shackled", "yes") for u in uuids[1:]]
    batch += [
        {"id": "p", "target": "presence", "defendant": uuids[0], "value": False},
        answer(uuids[0], "presence", "not_brought"),
    ]
    response = save(client, hearing, *batch)
    assert response.status_code == 200 and response.get_json()["errors"] == []
    rows = list(db.query("SELECT item_key, value FROM answer WHERE hearing_id = ?", [hearing["id"]]))
    assert sorted((r["item_key"], r["value"]) for r in rows) == sorted(
        [("caged_or_shackled", "yes")] * 36 + [("presence", "not_brought")]
    )
    audits = db.execute("SELECT count(*) FROM audit WHERE action = 'hearing.save'").fetchone()[0]
    assert audits == 1  # one request, one audit entry for the whole set

    refused = save(client, hearing, *[answer(u, "caged_or_shackled", "maybe") for u in uuids[1:3]])
    errors = refused.get_json()["errors"]
    assert len(errors) == 2 and "not an answer" in errors[0]["message"]
    caged = db.query("SELECT value FROM answer WHERE item_key = 'caged_or_shackled'")
    assert {r["value"] for r in caged} == {"yes"}


def test_the_shared_answer_is_what_most_present_defendants_have_and_others_are_exceptions(mass):
    ds = [{"uuid": d["uuid"], "present": 1} for d in mass["defendants"][:4]]
    ds[3]["present"] = 0
    answers = {
        (ds[0]["uuid"], "defendant_spoke"): {"value": "did_not_ask"},
        (ds[1]["uuid"], "defendant_spoke"): {"value": "spoke"},
        (ds[2]["uuid"], "defendant_spoke"): {"value": "did_not_ask"},
        (ds[3]["uuid"], "presence"): {"value": "not_brought"},
        (ds[3]["uuid"], "defendant_spoke"): {"value": "spoke"},  # absent: not counted, not shown
    }
    items = sitting_form.defendant_items(V2)
    shared = sitting_form.shared_answers(answers, [d for d in ds if d["present"]], items)
    assert shared["defendant_spoke"] == "did_not_ask" and shared["presence"] == ""
    found = sitting_form.exceptions(answers, ds, items, shared)
    assert [(i.key, v) for i, v in found[ds[1]["uuid"]]] == [("defendant_spoke", "spoke")]
    assert found[ds[0]["uuid"]] == []
    assert [(i.key, v) for i, v in found[ds[3]["uuid"]]] == [("presence", "not_brought")]


def test_an_absent_defendant_counts_for_the_right_to_be_present(app, mass, db):
    hearing = start_hearing(app, mass)
    client = app.test_client()
    login(client, "oleg")
    absent = mass["defendants"][5]["uuid"]
    others = [d["uuid"] for d in mass["defendants"] if d["uuid"] != absent]
    tick = {"id": "p", "target": "presence", "defendant": absent, "value": False}
    present = [answer(u, "presence", "present") for u in others]
    save(client, hearing, tick, answer(absent, "presence", "not_brought"), *present)
    observe.submit(db, Actor(name="t"), observe.records.get(db, "hearing", hearing["uuid"]))
    presence = next(c for c in item_counts(db, Scope(mass["mission"]["id"]), V2) if c["key"] == "presence")
    assert presence["observed"]["count"] == 37
    assert presence["concern"]["uuids"] == [absent]


def test_the_fast_question_markup_is_item_blocks_markup(app):
    """A mass trial's page writes each defendant's questions in Python (for speed): the markup must stay
    what templates/observe/_items.html writes, escaping included."""
    from flask import render_template_string

    from monitor.observe import fields

    def normal(html):
        return re.sub(r"\s*(<|>)\s*", r"\1", re.sub(r"\s+", " ", str(html))).strip()

    full = {"value": "spoke", "note": 'said <b>x</b> & "y"', "provenance": "counsel"}
    with app.test_request_context("/"):
        ctx = sitting_form.form_context(V2, {}, [], "en")
        for item in sitting_form.defendant_items(V2):
            for answer_row in (full, {"value": item.values()[1], "note": "", "provenance": ""}, None):
                old = render_template_string(
                    '{% from "observe/_items.html" import item_block %}{{ item_block(i, "S1", a, "en", p) }}',
                    i=item,
                    a=answer_row,
                    p=fields.PROVENANCE,
                )
                assert normal(sitting_form.question_html("S1", item, answer_row, ctx)) == normal(old)


def test_a_submitted_v2_observation_shows_what_its_form_asked_and_the_absent(app, mass, db):
    hearing = start_hearing(app, mass)
    client = app.test_client()
    login(client, "oleg")
    absent = mass["defendants"][5]
    tick = {"id": "p", "target": "presence", "defendant": absent["uuid"], "value": False}
    save(client, hearing, tick, answer(absent["uuid"], "presence", "not_brought"))
    observe.submit(db, Actor(name="t"), observe.records.get(db, "hearing", hearing["uuid"]))
    page = client.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert 'id="hearing-form"' not in page and "Not brought to court" in page
    # each of the 37 (answered, or among the unanswered), the absent one's answer also among the concerns
    assert page.count("Was the defendant present in the courtroom throughout the sitting?") == 38
    assert absent["name"] in page
    assert V2.item("informed_of_reasons").label.en not in page  # a case fact: not asked, not shown
