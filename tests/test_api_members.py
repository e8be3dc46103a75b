"""The API's mission members and trial observers: the pages' rules, the pages' audit, nothing changed on a
refusal."""

import jsonschema
import pytest

from tests.conftest import make_user, setup_trial
from tests.test_tokens import bearer, make_token


@pytest.fixture
def api(app, people):
    """lena leads a mission with a trial that oleg observes; olga (observer) and ada (admin) are outside."""
    setup = setup_trial(app)
    make_user(app, "lars", "lead")
    client = app.test_client()
    secrets = {name: make_token(app, name)[1] for name in ("ada", "lena", "lars", "oleg", "olga")}

    def call(who, method, path, **kwargs):
        return getattr(client, method)(f"/api/v1{path}", headers=bearer(secrets[who]), **kwargs)

    return {"call": call, "setup": setup, "client": client, "people": people}


def uuid_of(db, username):
    return db.execute("SELECT uuid FROM user WHERE username = ?", [username]).fetchone()[0]


def members(api):
    mission = api["setup"]["mission"]["uuid"]
    return {m["username"]: m["role"] for m in api["call"]("lena", "get", f"/missions/{mission}/members").json}


def audit_actions(db):
    return [row[0] for row in db.execute("SELECT action FROM audit ORDER BY id")]


def test_a_lead_lists_adds_changes_and_removes_members_and_each_is_audited(api, db):
    call, mission = api["call"], api["setup"]["mission"]["uuid"]
    assert members(api) == {"lena": "lead", "oleg": "observer"}
    before = len(audit_actions(db))
    added = call("lena", "post", f"/missions/{mission}/members", json={"user": uuid_of(db, "olga")})
    assert added.status_code == 201
    assert added.json == {
        "user": uuid_of(db, "olga"),
        "username": "olga",
        "display_name": added.json["display_name"],
        "role": "observer",  # the page's first choice
        "account_role": "observer",
        "active": True,
    }
    lars = uuid_of(db, "lars")
    assert (
        call("lena", "post", f"/missions/{mission}/members", json={"user": lars, "role": "lead"}).status_code
        == 201
    )
    changed = call("lena", "patch", f"/missions/{mission}/members/{lars}", json={"role": "observer"})
    assert (changed.status_code, changed.json["role"]) == (200, "observer")
    assert call("lena", "delete", f"/missions/{mission}/members/{lars}").status_code == 204
    assert members(api) == {"lena": "lead", "oleg": "observer", "olga": "observer"}
    new = audit_actions(db)[before:]
    assert new.count("mission.member_add") == 3 and new.count("mission.member_remove") == 1, new


def test_the_last_lead_stays_a_lead_and_nothing_changes(api, db):
    call, mission = api["call"], api["setup"]["mission"]["uuid"]
    lena = uuid_of(db, "lena")
    demoted = call("lena", "patch", f"/missions/{mission}/members/{lena}", json={"role": "observer"})
    assert demoted.status_code == 409 and demoted.json["message"].startswith("A mission needs a lead")
    removed = call("lena", "delete", f"/missions/{mission}/members/{lena}")
    assert removed.status_code == 409 and removed.json["field"] == "user_uuid"
    assert members(api) == {"lena": "lead", "oleg": "observer"}


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"user": "00000000-0000-4000-8000-000000000000"}, 422, "user", "Not a valid choice."),
        ({"user": "oleg-uuid", "role": "owner"}, 422, "role", "Not a valid choice."),
        (
            {"user": "oleg-uuid"},
            409,
            "user",
            "This person is already in the mission; change their part instead.",
        ),
        (
            {"user": "olga-uuid", "role": "lead"},
            422,
            "role",
            "Only a mission lead or administrator account can lead a mission.",
        ),
        ({"user": "olga-uuid", "extra": 1}, 422, "extra", "Unknown field."),
        ({"user": 7}, 422, "user", "Enter text."),
    ],
)
def test_a_bad_member_is_refused_with_a_clear_message_and_nothing_changes(
    api, db, body, status, field, message
):
    mission = api["setup"]["mission"]["uuid"]
    body = {
        k: (uuid_of(db, v[:-5]) if isinstance(v, str) and v.endswith("-uuid") else v) for k, v in body.items()
    }
    before = audit_actions(db)
    response = api["call"]("lena", "post", f"/missions/{mission}/members", json=body)
    assert (response.status_code, response.json) == (status, {"message": message, "field": field})
    assert members(api) == {"lena": "lead", "oleg": "observer"} and audit_actions(db) == before


def test_observers_and_other_leads_cannot_touch_a_missions_members(api, db):
    call, mission = api["call"], api["setup"]["mission"]["uuid"]
    olga = uuid_of(db, "olga")
    for who in ("oleg", "olga", "lars"):  # an observer of it, an outsider, a lead of no part in it
        assert call(who, "get", f"/missions/{mission}/members").status_code == 403
        assert call(who, "post", f"/missions/{mission}/members", json={"user": olga}).status_code == 403
    assert call("ada", "post", f"/missions/{mission}/members", json={"user": olga}).status_code == 201
    assert members(api)["olga"] == "observer"


def test_a_lead_assigns_and_unassigns_observers_as_on_the_trial_page(api, db):
    call, trial = api["call"], api["setup"]["trial"]["uuid"]
    mission = api["setup"]["mission"]["uuid"]
    olga = uuid_of(db, "olga")
    assigned = call("lena", "post", f"/trials/{trial}/observers", json={"user": olga})
    assert assigned.status_code == 201 and assigned.json["username"] == "olga"
    listed = call("oleg", "get", f"/trials/{trial}/observers")  # an assigned observer reads the list
    assert sorted(o["username"] for o in listed.json) == ["oleg", "olga"]
    assert members(api)["olga"] == "observer"  # assigning made her a member, as the page does
    again = call("lena", "post", f"/trials/{trial}/observers", json={"user": olga})
    assert (again.status_code, again.json["field"]) == (409, "user")
    assert call("lena", "delete", f"/trials/{trial}/observers/{olga}").status_code == 204
    assert call("lena", "delete", f"/trials/{trial}/observers/{olga}").status_code == 404
    assert [o["username"] for o in call("lena", "get", f"/trials/{trial}/observers").json] == ["oleg"]
    actions = audit_actions(db)
    assert "trial.assign" in actions and "trial.unassign" in actions
    assert call("olga", "get", f"/trials/{trial}/observers").status_code == 403
    # a lead account cannot be assigned to observe (as on the page), and nothing is written
    before = audit_actions(db)
    lead = call("lena", "post", f"/trials/{trial}/observers", json={"user": uuid_of(db, "lars")})
    assert (lead.status_code, lead.json) == (422, {"message": "Choose an observer account.", "field": "user"})
    assert audit_actions(db) == before and "lars" not in members(api)
    assert mission  # (the mission is the trial's)


def test_member_responses_follow_the_document(api, client, db):
    document = client.get("/api/v1/openapi.json").get_json()
    mission, trial = api["setup"]["mission"]["uuid"], api["setup"]["trial"]["uuid"]

    def check(data, schema):
        jsonschema.validate(data, {**document, **schema})

    check(
        api["call"]("lena", "get", f"/missions/{mission}/members").json,
        {"type": "array", "items": {"$ref": "#/components/schemas/Member"}},
    )
    check(
        api["call"]("lena", "get", f"/trials/{trial}/observers").json,
        {"type": "array", "items": {"$ref": "#/components/schemas/Observer"}},
    )
