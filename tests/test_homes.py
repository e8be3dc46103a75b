"""Facts kept in a record (a checklist item's ``home``): counted from the record, one place per fact.

v2 does not ask these items: an observation's public-access field, the allegation records and the
defendant's conviction basis hold the facts, and the findings read them there (with the counting rule
for a sitting's field: agreed, reconciled, else disputed). v1 asked them as answers *and* kept the records:
both places count, so setting only the field is no longer "0 removals"."""

import json
import re
from html import unescape
from pathlib import Path

import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.checklists import ChecklistError, load
from monitor.db import connect
from monitor.findings.aggregate import compute_findings
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sittings
from tests.conftest import login, make_user, post, setup_trial

ACTOR = Actor(name="test")
V1, V2 = checklists.get("fair_trial", 1), checklists.get("fair_trial", 2)


def item(data, key):
    return next(entry for entry in data["items"] if entry["key"] == key)


def v2_trial(db, lead, observers, defendants=3):
    mission = missions.create_mission(
        db, ACTOR, lead, {"name": "v2", "checklist_id": "fair_trial", "checklist_version": 2}
    )
    trial = missions.create_trial(db, ACTOR, mission, {"title": "v2 trial"})
    people = missions.bulk_add_defendants(db, ACTOR, trial, [f"D{n}" for n in range(defendants)])
    for observer in observers:
        missions.add_member(db, ACTOR, mission, observer, "observer")
        missions.assign_observer(db, ACTOR, trial, observer, mission)
    return records.get(db, "mission", mission["uuid"]), trial, people


@pytest.fixture
def pair(app):
    """Two observers of one v2 sitting: oleg saw the hall open, olga saw it closed."""
    lena = make_user(app, "lena", "lead")
    oleg, olga = make_user(app, "oleg", "observer"), make_user(app, "olga", "observer")
    db = connect(app.config["DATABASE"])
    mission, trial, people = v2_trial(db, lena, [oleg, olga])
    made = []
    for observer, access in ((oleg, "open"), (olga, "closed")):
        hearing = observe.start_hearing(db, ACTOR, trial, mission, observer, "2026-11-20")
        changes = observe.changes("hearing", {"public_access": access, "access_note": f"{access} hall"})
        assert observe.save_changes(db, ACTOR, hearing, V2, changes) == []
        observe.submit(db, ACTOR, hearing)
        made.append(records.get(db, "hearing", hearing["uuid"]))
    sitting = records.get_by_id(db, "sitting", made[0]["sitting_id"])
    db.close()
    return {"mission": mission, "trial": trial, "people": people, "sitting": sitting, "lena": lena}


def v2_findings(app, mission):
    db = connect(app.config["DATABASE"])
    try:
        return compute_findings(db, Scope(mission_id=mission["id"]), V2, mission)
    finally:
        db.close()


def test_a_v2_sitting_whose_observers_disagree_on_public_access_is_disputed_until_reconciled(
    app, client, pair
):
    public = item(v2_findings(app, pair["mission"]), "public_admitted")
    assert public["home"] == "sitting.public_access"
    assert (public["observed"]["count"], public["disputed"]["count"]) == (0, 1), "not counted either way"

    login(client, "lena")
    page = client.get(f"/sittings/{pair['sitting']['uuid']}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(page)))
    assert "Open" in text and "Closed" in text and "closed hall" in text, "side by side, in the form's words"
    assert '<option value="">Choose from the list.</option>' in page, "no answer preselected for the lead"
    open_list = client.get(f"/missions/{pair['mission']['uuid']}/disagreements").get_data(as_text=True)
    assert pair["sitting"]["sitting_date"] in open_list

    refused = post(
        client,
        f"/sittings/{pair['sitting']['uuid']}/reconcile",
        {"item": "public_admitted", "subject": "", "value": "ajar", "reason": "x"},
    )
    assert refused.status_code == 302
    assert item(v2_findings(app, pair["mission"]), "public_admitted")["disputed"]["count"] == 1
    done = post(
        client,
        f"/sittings/{pair['sitting']['uuid']}/reconcile",
        {"item": "public_admitted", "subject": "", "value": "closed", "reason": "The court's own record"},
    )
    assert done.status_code == 302
    public = item(v2_findings(app, pair["mission"]), "public_admitted")
    assert (public["concern"]["count"], public["disputed"]["count"]) == (1, 0)
    db = connect(app.config["DATABASE"])
    try:
        assert sittings.open_sittings(db, pair["mission"]["id"], V2) == []
        fields = [r["public_access"] for r in db.query("SELECT public_access FROM hearing ORDER BY id")]
        assert fields == ["open", "closed"], "both observations stay as recorded"
    finally:
        db.close()


def test_v2_counts_allegations_and_conviction_basis_from_their_records(app, pair):
    db = connect(app.config["DATABASE"])
    d = pair["people"]
    oleg = next(db.query("SELECT * FROM user WHERE username = 'oleg'"))
    hearing = observe.start_hearing(db, ACTOR, pair["trial"], pair["mission"], oleg, "2026-11-27")
    allegation = observe.add_allegation(db, ACTOR, hearing)
    changes = observe.changes(
        "allegation",
        {"alleged_by": "defendant", "defendant_uuid": d[0]["uuid"], "court_response": ["evidence_excluded"]},
        allegation["uuid"],
    )
    assert observe.save_changes(db, ACTOR, hearing, V2, changes) == []
    observe.submit(db, ACTOR, hearing)
    for n, basis in enumerate((["anonymous_witness"], ["documents"])):
        row = records.get(db, "defendant", d[n]["uuid"])
        missions.update_defendant(
            db, ACTOR, row, {"verdict": "convicted", "conviction_basis": json.dumps(basis)}
        )
    db.close()
    data = v2_findings(app, pair["mission"])
    alleged = item(data, "torture_alleged_in_court")
    assert (alleged["concern"]["count"], alleged["concern"]["of"]) == (1, 3)
    assert alleged["observed"]["count"] == 3, 'no record is not "no": known for those seen in court'
    assert (
        alleged["concern_alleged"]["uuids"] == [d[0]["uuid"]] and alleged["concern_established"]["count"] == 0
    )
    investigated = item(data, "torture_investigation_ordered")  # a response recorded, not this one: a concern
    assert (investigated["observed"]["count"], investigated["concern"]["count"]) == (1, 1)
    excluded = item(data, "torture_evidence_excluded")  # concern: no; the evidence was excluded
    assert (excluded["observed"]["count"], excluded["concern"]["count"]) == (1, 0)
    basis = item(data, "conviction_main_basis")
    assert (basis["observed"]["count"], basis["concern"]["count"], basis["concern"]["of"]) == (2, 1, 3)
    assert basis["concern_established"]["uuids"] == [d[0]["uuid"]], "according to the judgment"


def test_the_v2_form_does_not_ask_what_a_record_holds(app, client, pair):
    db = connect(app.config["DATABASE"])
    oleg = next(db.query("SELECT * FROM user WHERE username = 'oleg'"))
    hearing = observe.start_hearing(db, ACTOR, pair["trial"], pair["mission"], oleg, "2026-11-27")
    observe.add_witness(db, ACTOR, hearing, oleg["id"])
    db.close()
    login(client, "oleg")
    page = client.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert 'data-item="witness_statement_excluded"' in page, "a witness's own questions are asked"
    for key in (
        "witness_alleged_torture",
        "torture_alleged_in_court",
        "conviction_main_basis",
        "public_admitted",
    ):
        assert f'data-item="{key}"' not in page, key


def test_v1_counts_a_fact_given_only_in_its_record(app):
    """The outside review: setting only the observation's public-access field gave 0 in the findings."""
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    hearing = observe.start_hearing(
        db, ACTOR, setup["trial"], setup["mission"], setup["observer"], "2026-11-20"
    )
    d = [x["uuid"] for x in setup["defendants"]]
    changes = observe.changes("hearing", {"public_access": "closed"})
    changes += [
        {
            "target": "answer",
            "item": "torture_alleged_in_court",
            "subject": d[1],
            "field": "value",
            "value": "yes",
        }
    ]
    assert observe.save_changes(db, ACTOR, hearing, V1, changes) == []
    allegation = observe.add_allegation(db, ACTOR, hearing)
    recorded = observe.changes(
        "allegation", {"alleged_by": "defendant", "defendant_uuid": d[0]}, allegation["uuid"]
    )
    assert observe.save_changes(db, ACTOR, hearing, V1, recorded) == []
    observe.submit(db, ACTOR, hearing)
    mission = records.get(db, "mission", setup["mission"]["uuid"])
    data = compute_findings(db, Scope(mission_id=mission["id"]), V1, mission)
    db.close()
    assert item(data, "public_admitted")["concern"]["count"] == 1, "the field alone is a concern"
    alleged = item(data, "torture_alleged_in_court")
    assert alleged["concern"]["uuids"] == sorted(d[:2]), "the answer and the record both count"


def test_a_home_naming_a_field_the_app_does_not_keep_is_refused(tmp_path):
    text = Path(V2.path).read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        text.replace("home: sitting.public_access", "home: sitting.no_such_column"), encoding="utf-8"
    )
    with pytest.raises(ChecklistError, match="keeps no field 'no_such_column' in the sitting record"):
        load(broken)
