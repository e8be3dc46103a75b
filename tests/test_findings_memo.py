"""Findings are kept per process while nothing they read has changed — and computed again as soon as
anything has: an answer, a hearing's status, a witness removed and another added, a defendant edited —
but not while an observer autosaves a draft, which never counts."""

import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.findings import aggregate
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from tests.conftest import setup_trial, start_hearing

ACTOR = Actor(name="test")
CHECKLIST = checklists.get("fair_trial", 1)
ITEM = CHECKLIST.item("informed_of_reasons")  # concern: "no"


@pytest.fixture
def world(app, db, monkeypatch):
    setup = setup_trial(app, defendants=3)
    hearing = start_hearing(app, setup)
    calls = []
    compute = aggregate.compute_findings
    monkeypatch.setattr(aggregate, "compute_findings", lambda *a: calls.append(1) or compute(*a))
    return setup, hearing, calls


def current(db, setup):
    mission = db["mission"].get(setup["mission"]["id"])
    return aggregate.findings(db, Scope(mission["id"]), CHECKLIST, mission)


def concern(data) -> int:
    return next(i for i in data["items"] if i["key"] == ITEM.key)["concern"]["count"]


def answer(db, hearing, defendant, value):
    hearing = db["hearing"].get(hearing["id"])
    change = {
        "target": "answer",
        "item": ITEM.key,
        "subject": defendant["uuid"],
        "field": "value",
        "value": value,
    }
    assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, [change]) == []


def test_unchanged_data_is_not_computed_again_and_a_copy_is_returned(db, world):
    setup, hearing, calls = world
    first = current(db, setup)
    first["items"].clear()  # a caller changing its copy changes nothing kept
    second = current(db, setup)
    assert len(calls) == 1 and second["items"]
    assert second["mission"] == first["mission"]


def test_every_kind_of_change_is_seen(db, world):
    setup, hearing, calls = world
    answer(db, hearing, setup["defendants"][0], "no")
    assert concern(current(db, setup)) == 0  # a draft does not count
    observe.submit(db, ACTOR, db["hearing"].get(hearing["id"]))
    assert concern(current(db, setup)) == 1
    observe.start_correction(db, ACTOR, db["hearing"].get(hearing["id"]), setup["observer"]["id"], "typo")
    answer(db, hearing, setup["defendants"][1], "no")
    observe.submit(db, ACTOR, db["hearing"].get(hearing["id"]))
    assert concern(current(db, setup)) == 2
    witness = observe.add_witness(db, ACTOR, start_hearing_row(db, setup), setup["observer"]["id"])
    current(db, setup)
    calls_before = len(calls)
    observe.remove(db, ACTOR, db["hearing"].get(witness["hearing_id"]), "witness", witness["uuid"])
    observe.add_witness(db, ACTOR, db["hearing"].get(witness["hearing_id"]), setup["observer"]["id"])
    current(db, setup)
    assert len(calls) == calls_before  # a draft's witnesses do not count: nothing to compute (issue #16)
    observe.submit(db, ACTOR, db["hearing"].get(witness["hearing_id"]))
    current(db, setup)
    assert len(calls) == calls_before + 1  # submitted: one witness fewer and one more is a change
    calls_before = len(calls)
    row = db["defendant"].get(setup["defendants"][2]["id"])
    missions.update_defendant(db, ACTOR, row, {"verdict": "convicted"})
    current(db, setup)
    assert len(calls) == calls_before + 1  # the defendant's change was noticed


def start_hearing_row(db, setup):
    mission = db["mission"].get(setup["mission"]["id"])
    trial = db["trial"].get(setup["trial"]["id"])
    return observe.start_hearing(db, ACTOR, trial, mission, setup["observer"], "2026-11-21")
