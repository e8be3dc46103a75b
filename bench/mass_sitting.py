"""A v2 sitting of a 37-defendant trial, made through the app's own functions, for the form-page benchmark
(issue #11: the hearing form page for a sitting with 37 defendants present, ≤ 50 ms p95).

The observation is a draft answered as a routine sitting is: every shared question answered for the 36
present defendants, two of them spoke, one absent (not brought), the whole-sitting questions answered. It
lives in its own small instance (bench/.data/mass_sitting/): the page reads only this observation's rows,
by its id, so the size of the rest of the database does not enter the page's time.
"""

import shutil
from pathlib import Path

from bench.generate import FAST_ARGON2, PASSWORD
from monitor import checklists
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sitting_form
from monitor.schema import init_db

ACTOR = Actor(name="benchmark")
DEFENDANTS = 37
SHARED = {
    "presence": "present",
    "caged_or_shackled": "yes",
    "interpreter": "not_needed",
    "lawyer_able_to_act": "yes",
    "confidential_communication_in_court": "no",
    "defendant_spoke": "did_not_ask",
}


def make(instance: Path) -> dict:
    """A fresh instance at ``instance`` holding the sitting; its observation's uuid and observer."""
    if instance.exists():
        shutil.rmtree(instance)
    instance.mkdir(parents=True)
    (instance / "config.py").write_text(f"SECRET_KEY = 'benchmark'\nARGON2 = {FAST_ARGON2!r}\n")
    path = str(instance / "monitor.sqlite")
    init_db(path)
    db = connect(path)
    checklist = checklists.get("fair_trial", 2)
    account = {"password": PASSWORD, "argon2": FAST_ARGON2}
    lead = users.create(db, ACTOR, username="mass.lead", display_name="Lead", role="lead", **account)
    observer = users.create(
        db, ACTOR, username="mass.observer", display_name="Observer", role="observer", **account
    )
    fields = {"name": "Mass trial", "checklist_id": checklist.id, "checklist_version": checklist.version}
    mission = missions.create_mission(db, ACTOR, lead, fields)
    trial = missions.create_trial(db, ACTOR, mission, {"title": "The 37", "court": "Regional court"})
    names = [f"Defendant {n:02d} of the mass trial" for n in range(1, DEFENDANTS + 1)]
    defendants = missions.bulk_add_defendants(db, ACTOR, trial, names)
    missions.assign_observer(db, ACTOR, trial, observer, mission)
    hearing = observe.start_hearing(db, ACTOR, trial, mission, observer, "2026-11-20")
    absent, speakers = defendants[16]["uuid"], {defendants[2]["uuid"], defendants[28]["uuid"]}

    def answer(subject, key, value):
        return {"target": "answer", "subject": subject, "item": key, "field": "value", "value": value}

    changes = [
        {"target": "presence", "defendant": absent, "value": False},
        answer(absent, "presence", "not_brought"),
    ]
    for d in defendants:
        if d["uuid"] == absent:
            continue
        for key, value in SHARED.items():
            spoke = key == "defendant_spoke" and d["uuid"] in speakers
            changes.append(answer(d["uuid"], key, "spoke" if spoke else value))
    changes += [answer("", item.key, "no") for item in sitting_form.sitting_items(checklist)]
    errors = observe.save_changes(db, ACTOR, hearing, checklist, changes)
    assert not errors, errors
    answers = db["answer"].count
    db.close()
    return {"hearing_uuid": hearing["uuid"], "username": "mass.observer", "answers": answers}
