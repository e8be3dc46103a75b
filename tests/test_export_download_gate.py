"""An internal export is handed out only while its maker may still receive identities: a lead removed from
the mission (or an administrator who was a lead for a while) no longer downloads the internal file made
while a lead, though the file stays on the server for a day."""

import json

from monitor.audit import Actor
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from tests.conftest import login, make_user, post, setup_trial, start_hearing, wait_for_job
from tests.test_identity_gate import set_fields

ACTOR = Actor(name="test")
IDENTITY = "Quillon Farthingale"


def test_a_lead_removed_from_the_mission_no_longer_downloads_the_internal_file(app):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    make_user(app, "ada", "admin")
    db = connect(app.config["DATABASE"])
    try:
        witness = observe.add_witness(db, ACTOR, hearing, setup["observer"]["id"])
        set_fields(db, hearing, "witness", witness["uuid"], anonymous=True, identity=IDENTITY)
        observe.submit(db, ACTOR, db["hearing"].get(hearing["id"]))
    finally:
        db.close()
    lead = app.test_client()
    login(lead, "lena")
    mission = setup["mission"]["uuid"]
    jobs_made = {}
    for profile in ("internal", "partner"):
        form = {"what": "data", "format": "json", "profile": profile, "lang": "en"}
        started = post(lead, f"/missions/{mission}/exports", form)
        jobs_made[profile] = started.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
        assert wait_for_job(app, jobs_made[profile])["status"] == "done"
    internal = lead.get(f"/exports/{jobs_made['internal']}/download")
    assert internal.status_code == 200 and IDENTITY in json.dumps(
        json.loads(internal.data), ensure_ascii=False
    )
    internal.close()

    db = connect(app.config["DATABASE"])
    try:
        other = make_user(app, "lars", "lead")  # a mission keeps a lead: another takes over first
        missions.add_member(db, ACTOR, setup["mission"], other, "lead")
        missions.remove_member(db, ACTOR, setup["mission"], setup["lead"])
        refusals = db["audit"].count_where("action = 'permission.refused'")
    finally:
        db.close()
    refused = lead.get(f"/exports/{jobs_made['internal']}/download")
    assert refused.status_code == 403
    assert IDENTITY.encode() not in refused.data
    partner = lead.get(f"/exports/{jobs_made['partner']}/download")  # what they may still receive
    assert partner.status_code == 200 and IDENTITY.encode() not in partner.data
    partner.close()
    db = connect(app.config["DATABASE"])
    try:
        assert db["audit"].count_where("action = 'permission.refused'") == refusals + 1
    finally:
        db.close()
