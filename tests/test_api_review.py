"""Reviewing an observation through the API: the review queue, approve, return, comment on an answer, and
the corrections list — the hearing page's rules, functions and audit; a refusal changes nothing."""

import jsonschema
import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from monitor.observe import records as observe
from tests.conftest import make_user, setup_trial, start_hearing
from tests.test_tokens import bearer, make_token

IDENTITY, CORRECTED = "Ormund Thistlegrave", "Vexley Quorrabine"


@pytest.fixture
def api(app, people):
    """oleg observed a hearing of lena's mission, answered one question about a defendant and submitted it."""
    setup = setup_trial(app)
    make_user(app, "lars", "lead")
    hearing = start_hearing(app, setup)
    client = app.test_client()
    secrets = {name: make_token(app, name)[1] for name in ("ada", "lena", "lars", "oleg", "olga")}

    def call(who, method, path, **kwargs):
        return getattr(client, method)(f"/api/v1{path}", headers=bearer(secrets[who]), **kwargs)

    url = f"/hearings/{hearing['uuid']}"
    defendant = setup["defendants"][0]["uuid"]
    change = {"target": "answer", "item": "informed_of_reasons", "subject": defendant, "field": "value"}
    assert call("oleg", "patch", url, json={"changes": [{**change, "value": "no"}]}).status_code == 200
    answer = call("oleg", "get", url).json["answers"][0]["uuid"]
    assert call("oleg", "post", f"{url}/submit").status_code == 200
    return {"call": call, "url": url, "hearing": hearing, "answer": answer, "setup": setup, "client": client}


def state(db, hearing_uuid):
    """(status, reviews, audit entries) of a hearing: what a refused request must leave as it was."""
    row = db.execute("SELECT id, status FROM hearing WHERE uuid = ?", [hearing_uuid]).fetchone()
    reviews = db.execute("SELECT count(*) FROM review WHERE hearing_id = ?", [row[0]]).fetchone()[0]
    audit = db.execute("SELECT count(*) FROM audit WHERE action != 'permission.refused'").fetchone()[0]
    return row[1], reviews, audit


def test_a_lead_finds_the_hearing_in_the_queue_and_returns_it_with_a_comment(api, db):
    call, url = api["call"], api["url"]
    queue = call("lena", "get", "/review-queue")
    assert [h["uuid"] for h in queue.json] == [api["hearing"]["uuid"]]
    returned = call("lena", "post", f"{url}/reviews", json={"decision": "returned", "comment": " Dates? "})
    assert returned.status_code == 201
    assert returned.json["decision"] == "returned" and returned.json["comment"] == "Dates?"
    assert returned.json["hearing_status"] == "returned"
    assert call("lena", "get", "/review-queue").json == []
    seen = call("oleg", "get", f"{url}/reviews").json  # the observer reads why it came back
    assert [(r["decision"], r["comment"]) for r in seen] == [("returned", "Dates?")]
    actions = [row[0] for row in db.execute("SELECT action FROM audit ORDER BY id DESC LIMIT 2")]
    assert sorted(actions) == ["hearing.returned", "review.create"]


def test_a_lead_approves_a_submitted_hearing_and_cannot_approve_it_twice(api, db):
    call, url = api["call"], api["url"]
    approved = call("lena", "post", f"{url}/reviews", json={"decision": "approved"})
    assert (approved.status_code, approved.json["hearing_status"]) == (201, "approved")
    before = state(db, api["hearing"]["uuid"])
    again = call("lena", "post", f"{url}/reviews", json={"decision": "approved"})
    assert again.status_code == 409
    assert again.json == {
        "message": "Only a submitted hearing can be approved or returned.",
        "field": "decision",
    }
    assert state(db, api["hearing"]["uuid"]) == before


def test_a_comment_on_one_answer_names_it(api):
    call, url = api["call"], api["url"]
    body = {"decision": "comment", "comment": "Which reasons?", "answer": api["answer"]}
    comment = call("lena", "post", f"{url}/reviews", json=body)
    assert comment.status_code == 201
    assert (comment.json["answer"], comment.json["hearing_status"]) == (api["answer"], "submitted")
    document = call("lena", "get", url).json
    assert [r["answer"] for r in document["reviews"]] == [api["answer"]]


@pytest.mark.parametrize(
    ("body", "status", "field", "message"),
    [
        ({"decision": "returned"}, 422, "comment", "Say what needs attention."),
        ({"decision": "comment", "comment": "   "}, 422, "comment", "Say what needs attention."),
        ({"decision": "maybe"}, 422, "decision", "Not a valid choice."),
        ({}, 422, "decision", "Choose a decision."),
        ({"decision": "comment", "comment": "x", "answer": "nope"}, 422, "answer", "Choose from the list."),
        ({"decision": "approved", "verdict": "fine"}, 422, "verdict", "Unknown field."),
        ({"decision": "comment", "comment": "x" * 5001}, 422, "comment", "At most 5000 characters."),
        ({"decision": ["approved"]}, 422, "decision", "Enter text."),
    ],
)
def test_a_bad_review_is_refused_with_a_clear_message_and_nothing_changes(
    api, db, body, status, field, message
):
    before = state(db, api["hearing"]["uuid"])
    response = api["call"]("lena", "post", f"{api['url']}/reviews", json=body)
    assert (response.status_code, response.json) == (status, {"message": message, "field": field})
    assert state(db, api["hearing"]["uuid"]) == before


def test_only_the_missions_leads_and_administrators_review(api, db):
    call, url = api["call"], api["url"]
    before = state(db, api["hearing"]["uuid"])
    for who in ("oleg", "olga", "lars"):  # its observer, another observer, a lead of another mission
        assert call(who, "post", f"{url}/reviews", json={"decision": "approved"}).status_code == 403
    assert call("olga", "get", f"{url}/reviews").status_code == 403
    assert call("oleg", "get", "/review-queue").status_code == 403
    assert call("lars", "get", "/review-queue").json == []  # not his mission's hearing
    assert state(db, api["hearing"]["uuid"]) == before
    assert call("ada", "post", f"{url}/reviews", json={"decision": "approved"}).status_code == 201


def test_a_session_cookie_review_needs_the_csrf_token(api, client, db):
    """Only a token-authenticated request goes without CSRF, as everywhere in the API."""
    from tests.conftest import login

    login(client, "lena")
    before = state(db, api["hearing"]["uuid"])
    response = client.post(f"/api/v1{api['url']}/reviews", json={"decision": "approved"})
    assert response.status_code == 400 and "CSRF" in response.json["message"]
    assert state(db, api["hearing"]["uuid"]) == before


def test_the_corrections_list_is_the_pages_with_identities_only_through_the_gate(app, api, db):
    hearing = api["hearing"]
    handle = connect(app.config["DATABASE"])
    actor, checklist = Actor(name="test"), checklists.get("fair_trial", 1)
    oleg = handle.execute("SELECT id FROM user WHERE username = 'oleg'").fetchone()[0]
    current = handle.execute("SELECT * FROM hearing WHERE uuid = ?", [hearing["uuid"]]).fetchone()
    hearing_row = dict(
        zip([d[0] for d in handle.execute("SELECT * FROM hearing").description], current, strict=True)
    )
    observe.start_correction(handle, actor, hearing_row, oleg, "misspelt")
    witness = observe.add_witness(handle, actor, hearing_row, oleg)
    changes = observe.changes("witness", {"anonymous": True, "identity": IDENTITY}, witness["uuid"])
    assert observe.save_changes(handle, actor, hearing_row, checklist, changes) == []
    observe.submit(handle, actor, hearing_row)
    observe.start_correction(handle, actor, hearing_row, oleg, "the name")
    changes = observe.changes("witness", {"identity": CORRECTED}, witness["uuid"])
    assert observe.save_changes(handle, actor, hearing_row, checklist, changes) == []
    handle.close()

    call, url = api["call"], api["url"]
    lead = call("lena", "get", f"{url}/corrections")
    assert lead.status_code == 200
    assert [(c["number"], c["reason"]) for c in lead.json] == [(1, "misspelt"), (2, "the name")]
    assert CORRECTED in lead.get_data(as_text=True) and IDENTITY in lead.get_data(as_text=True)
    admin = call("ada", "get", f"{url}/corrections")
    body = admin.get_data(as_text=True)
    assert admin.status_code == 200 and IDENTITY not in body and CORRECTED not in body
    hidden = [
        row for step in admin.json for group in step["groups"] for row in group["rows"] if row["hidden"]
    ]
    assert hidden and all(row["before"] is None and row["after"] is None for row in hidden)
    assert call("olga", "get", f"{url}/corrections").status_code == 403
    document = api["client"].get("/api/v1/openapi.json").get_json()
    schema = {"type": "array", "items": {"$ref": "#/components/schemas/Correction"}}
    jsonschema.validate(lead.json, {**document, **schema})
    jsonschema.validate(admin.json, {**document, **schema})
