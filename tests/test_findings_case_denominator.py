"""A case fact is counted out of the defendants on trial, whether the case file asks it or a record holds
it (``home``) — also for a checklist whose case facts are all kept in records."""

import dataclasses
import json

from monitor import checklists, records
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings.aggregate import item_counts
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from tests.conftest import make_user
from tests.test_homes import v2_trial

ACTOR = Actor(name="test")
V2 = checklists.get("fair_trial", 2)


def test_a_fact_kept_in_a_record_is_out_of_the_defendants_on_trial_with_no_case_item_answered(app):
    lena, oleg = make_user(app, "lena", "lead"), make_user(app, "oleg", "observer")
    db = connect(app.config["DATABASE"])
    try:
        mission, _trial, people = v2_trial(db, lena, [oleg], defendants=3)
        row = records.get(db, "defendant", people[0]["uuid"])
        basis = {"verdict": "convicted", "conviction_basis": json.dumps(["anonymous_witness"])}
        missions.update_defendant(db, ACTOR, row, basis)
        # v2 without its answered case items: what is left of the case file is kept in records.
        kept_only = dataclasses.replace(
            V2, items=tuple(i for i in V2.items if not (i.unit == "case" and i.home is None))
        )
        assert checklists.case_items(kept_only) == [] and kept_only.item("conviction_main_basis").home
        scope = Scope(mission_id=mission["id"])
        for name, checklist in (("v2", V2), ("records only", kept_only)):
            counted = {e["key"]: e for e in item_counts(db, scope, checklist)}["conviction_main_basis"]
            assert counted["observed"]["of"] == 3, f"{name}: out of the 3 on trial"
            assert counted["concern"]["count"] == 1, f"{name}: the conviction resting on an anonymous witness"
    finally:
        db.close()
