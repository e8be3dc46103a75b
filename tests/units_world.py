"""A mission on checklist v2 with every unit of issue 11 filled, for the reports and exports tests:
two observers at one sitting and one at another (so 2 sittings, 3 observations), a disagreement
reconciled and one left open, an anonymous witness heard at both sittings and a named one, and case facts
from several sources — one told by counsel (and changed once, so it has history), one from the judgment,
one observed — each recorded by a named observer or lead."""

from monitor import checklists, records
from monitor.audit import Actor
from monitor.cases import records as cases
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sittings
from tests.conftest import make_user

ACTOR = Actor(name="test")
V2 = checklists.get("fair_trial", 2)
DEFENDANTS = ("Aidar Testov", "Boris Primerov", "Dana Vymyslova")
OBSERVER, SECOND, LEAD = "Oleg Nablyudatelev", "Olga Vtorayeva", "Lena Rukovodova"
ANONYMOUS_IDENTITY = "Bolat Svidetelev, neighbour of the accused"
NAMED_WITNESS = "Galina Otkrytova, shop assistant"
FIRST, SECOND_DATE = "2026-11-20", "2026-11-27"
ITEM = "informed_of_reasons"


def build(app) -> dict:
    lead = make_user(app, "lena", "lead", display_name=LEAD)
    oleg = make_user(app, "oleg", "observer", display_name=OBSERVER)
    olga = make_user(app, "olga", "observer", display_name=SECOND)
    db = connect(app.config["DATABASE"])
    try:
        mission = missions.create_mission(
            db, ACTOR, lead, {"name": "Units mission", "checklist_id": "fair_trial", "checklist_version": 2}
        )
        trial = missions.create_trial(db, ACTOR, mission, {"title": "Units trial", "court": "City court"})
        people = missions.bulk_add_defendants(db, ACTOR, trial, list(DEFENDANTS))
        for observer in (oleg, olga):
            missions.assign_observer(db, ACTOR, trial, observer, mission)
        a = observe.start_hearing(db, ACTOR, trial, mission, oleg, FIRST)
        b = observe.start_hearing(db, ACTOR, trial, mission, olga, FIRST)
        c = observe.start_hearing(db, ACTOR, trial, mission, oleg, SECOND_DATE)

        def answer(hearing, item, value, subject=""):
            change = {"target": "answer", "item": item, "subject": subject, "field": "value", "value": value}
            refused = observe.save_changes(db, ACTOR, hearing, V2, [change])
            assert refused == [], [str(r["message"]) for r in refused]

        # Two disagreements at the first sitting: one reconciled by the lead, one left open.
        answer(a, "judge_impartiality_doubts", "yes")
        answer(b, "judge_impartiality_doubts", "no")
        answer(a, "recording_banned", "yes")
        answer(b, "recording_banned", "no")
        # The anonymous witness, heard at both sittings; a named one at the first.
        heard = observe.add_witness(db, ACTOR, a, oleg["id"])
        fields = {"label": "W-Anon", "identity": ANONYMOUS_IDENTITY, "anonymous": 1, "side": "prosecution"}
        assert observe.save_changes(db, ACTOR, a, V2, observe.changes("witness", fields, heard["uuid"])) == []
        observe.add_witness(db, ACTOR, c, oleg["id"], heard["person_uuid"])
        named = observe.add_witness(db, ACTOR, b, olga["id"])
        fields = {"label": "Shop assistant", "identity": NAMED_WITNESS, "side": "defence"}
        assert observe.save_changes(db, ACTOR, b, V2, observe.changes("witness", fields, named["uuid"])) == []
        for hearing in (a, b, c):
            observe.submit(db, ACTOR, hearing)
        sitting = sittings.find(db, trial["id"], FIRST)
        sittings.reconcile(
            db, ACTOR, sitting, V2, lead["id"], "", "judge_impartiality_doubts", "yes", "Notes read together"
        )
        # The case file: told by counsel (recorded, then changed: one earlier value), from the judgment,
        # observed in court.
        d0, d1, d2 = people

        def fact(user, defendant, value, learned, version=0):
            change = cases.Change(ITEM, value, version=version)
            cases.change_facts(db, ACTOR, user, defendant, V2, [change], learned)

        fact(oleg, d0, "unclear", cases.Learned("counsel", a["uuid"]))
        fact(oleg, d0, "no", cases.Learned("counsel", a["uuid"], reason="counsel said so in court"), 1)
        fact(lead, d1, "no", cases.Learned("court_record", learned_from="judgment of 3 December"))
        fact(oleg, d2, "yes", cases.Learned("observed", c["uuid"]))
        return {
            "mission": records.get(db, "mission", mission["uuid"]),
            "trial": trial,
            "defendants": people,
            "hearings": (a, b, c),
            "sitting": sitting,
            "anonymous": heard["person_uuid"],
            "named": named["person_uuid"],
        }
    finally:
        db.close()
