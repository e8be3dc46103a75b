"""The hearing: autosave, witnesses, allegations, notes, submission, correction, review, who sees what."""

import json

import pytest

from monitor import checklists, records
from monitor.observe import records as observe
from tests.conftest import csrf_token, login, make_user, post, save, setup_trial, start_hearing

CHECKLIST = checklists.get("fair_trial", 1)
DEFENDANT_ITEM = CHECKLIST.items_for("defendant")[0]
HEARING_ITEM = CHECKLIST.items_for("hearing")[0]
WITNESS_ITEM = CHECKLIST.item("says_statement_coerced")


@pytest.fixture
def setup(app):
    return setup_trial(app)


@pytest.fixture
def observer(client, setup):
    login(client, "oleg")
    return client


@pytest.fixture
def hearing(app, setup):
    return start_hearing(app, setup)


def answer(subject, item, value, field="value"):
    return {
        "id": f"{subject}{item.key}{field}",
        "target": "answer",
        "subject": subject,
        "item": item.key,
        "field": field,
        "value": value,
    }


def test_an_assigned_observer_starts_a_hearing(app, observer, setup, db):
    response = post(observer, f"/trials/{setup['trial']['uuid']}/hearings", {"hearing_date": "2026-11-24"})
    assert response.status_code == 302
    hearing = next(db.query("SELECT * FROM hearing"))
    assert (hearing["status"], hearing["checklist_id"], hearing["checklist_version"]) == (
        "draft",
        "fair_trial",
        1,
    )
    page = observer.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="hearing-form"' in page and "Defendant 2" in page
    assert DEFENDANT_ITEM.refs[0] in page  # the standard each question rests on


def test_an_unassigned_observer_cannot_start_one(app, client, setup, db):
    make_user(app, "olga", "observer")
    login(client, "olga")
    assert (
        post(client, f"/trials/{setup['trial']['uuid']}/hearings", {"hearing_date": "2026-11-24"}).status_code
        == 403
    )
    assert db["hearing"].count == 0


def test_autosave_stores_every_kind_of_field(app, observer, setup, hearing, db):
    d0 = setup["defendants"][0]["uuid"]
    witness = observe.add_witness(db, observe.Actor(name="t"), hearing, setup["observer"]["id"])
    allegation = observe.add_allegation(db, observe.Actor(name="t"), hearing)
    response = save(
        observer,
        hearing,
        {"id": "c", "target": "hearing", "field": "courtroom", "value": "Room 12"},
        {"id": "p", "target": "hearing", "field": "public_access", "value": "restricted"},
        {"id": "pr", "target": "presence", "defendant": setup["defendants"][2]["uuid"], "value": False},
        answer(d0, DEFENDANT_ITEM, "no"),
        answer(d0, DEFENDANT_ITEM, "Lawyer was sent away", "note"),
        answer(d0, DEFENDANT_ITEM, "counsel", "provenance"),
        answer("", HEARING_ITEM, "yes"),
        answer(witness["uuid"], WITNESS_ITEM, "yes"),
        {"id": "w", "target": "witness", "uuid": witness["uuid"], "field": "anonymous", "value": 1},
        {"id": "wi", "target": "witness", "uuid": witness["uuid"], "field": "identity", "value": "Captain X"},
        {"id": "wa", "target": "witness", "uuid": witness["uuid"], "field": "against", "value": [d0]},
        {
            "id": "m",
            "target": "allegation",
            "uuid": allegation["uuid"],
            "field": "methods",
            "value": ["beating"],
        },
        {
            "id": "ad",
            "target": "allegation",
            "uuid": allegation["uuid"],
            "field": "defendant_uuid",
            "value": d0,
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["errors"] == [] and response.json["saved_at"].endswith("Z")
    row = records.get(db, "hearing", hearing["uuid"])
    assert (row["courtroom"], row["public_access"], row["version"]) == ("Room 12", "restricted", 2)
    stored = observe.answers(db, hearing["id"])
    assert {k: stored[(d0, DEFENDANT_ITEM.key)][k] for k in ("value", "note", "provenance")} == {
        "value": "no",
        "note": "Lawyer was sent away",
        "provenance": "counsel",
    }
    assert stored[("", HEARING_ITEM.key)]["value"] == "yes"
    assert stored[(witness["uuid"], WITNESS_ITEM.key)]["value"] == "yes"
    assert [d["present"] for d in observe.presence(db, hearing["id"])] == [1, 1, 0]
    w = observe.witnesses(db, hearing["id"])[0]  # the appearance, with its person's fields
    assert (w["anonymous"], w["identity"], json.loads(w["against"])) == (1, "Captain X", [d0])
    person = records.get(db, "witness", w["person_uuid"])  # who the witness is: the person's
    assert (person["anonymous"], person["identity"]) == (1, "Captain X")
    assert json.loads(records.get(db, "allegation", allegation["uuid"])["methods"]) == ["beating"]
    entry = next(db.query("SELECT * FROM audit WHERE action = 'hearing.save'"))
    assert "Room 12" in entry["after"] and "Captain X" not in entry["after"]  # identities only as a hash


@pytest.mark.parametrize(
    "change",
    [
        {"target": "answer", "subject": "", "item": "no_such_item", "field": "value", "value": "yes"},
        {"target": "answer", "subject": "", "item": DEFENDANT_ITEM.key, "field": "value", "value": "yes"},
        {
            "target": "answer",
            "subject": "not-a-defendant",
            "item": DEFENDANT_ITEM.key,
            "field": "value",
            "value": "yes",
        },
        {"target": "answer", "subject": "", "item": HEARING_ITEM.key, "field": "value", "value": "maybe"},
        {
            "target": "answer",
            "subject": "",
            "item": HEARING_ITEM.key,
            "field": "provenance",
            "value": "rumour",
        },
        {"target": "answer", "subject": "", "item": HEARING_ITEM.key, "field": "note", "value": "x" * 20001},
        {"target": "hearing", "field": "start_time", "value": "25:00"},
        {"target": "hearing", "field": "hearing_date", "value": ""},
        {"target": "hearing", "field": "courtroom", "value": "x" * 301},
        {"target": "hearing", "field": "status", "value": "approved"},
        {"target": "hearing", "field": "observer_id", "value": 1},
        {"target": "user", "field": "role", "value": "admin"},
        {"target": "witness", "uuid": "00000000-0000-0000-0000-000000000000", "field": "label", "value": "X"},
        {"target": "hearing", "field": "courtroom", "value": ["a list"]},
        {"target": "presence", "defendant": "nobody", "value": True},
        "not even an object",
    ],
)
def test_bad_autosaves_are_refused_with_a_message_and_change_nothing(observer, hearing, db, change):
    if isinstance(change, dict):
        change = {"id": "bad", **change}
    before = records.get(db, "hearing", hearing["uuid"])
    response = save(
        observer, hearing, change, {"id": "good", "target": "hearing", "field": "judge", "value": "K."}
    )
    assert response.status_code == 200
    errors = response.json["errors"]
    assert len(errors) == 1 and errors[0]["message"]
    after = records.get(db, "hearing", hearing["uuid"])
    assert after["judge"] == "K."  # the valid change in the same batch is kept
    assert {k: v for k, v in after.items() if k not in ("judge", "version", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("judge", "version", "updated_at")
    }
    assert db["answer"].count == 0


def test_messages_come_in_the_observers_language(observer, hearing):
    post(observer, "/language", {"language": "ru"})
    response = save(observer, hearing, {"id": "t", "target": "hearing", "field": "start_time", "value": "99"})
    assert response.json["errors"][0]["message"] == "Введите время в формате ЧЧ:ММ."


def test_unreadable_autosave_gets_400(observer, hearing):
    token = csrf_token(observer, "/")
    url = f"/hearings/{hearing['uuid']}/save"
    assert (
        observer.post(
            url, data="{", headers={"X-CSRFToken": token, "Content-Type": "application/json"}
        ).status_code
        == 400
    )
    assert observer.post(url, json={"changes": "x"}, headers={"X-CSRFToken": token}).status_code == 400
    assert observer.post(url, json={"changes": []}).status_code == 400  # no CSRF token


def test_notes_keep_the_time_they_were_typed(observer, hearing, db):
    token = csrf_token(observer, "/")
    url = f"/hearings/{hearing['uuid']}/notes"
    from datetime import UTC, datetime, timedelta

    typed = (
        (datetime.now(UTC) - timedelta(minutes=3)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )
    response = observer.post(
        url, json={"text": "Judge left the room", "typed_at": typed}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201 and response.json["typed_at"] == typed
    wild = observer.post(
        url, json={"text": "Later", "typed_at": "1999-01-01T00:00:00Z"}, headers={"X-CSRFToken": token}
    )
    assert wild.json["typed_at"][:4] == str(datetime.now(UTC).year)  # implausible client clock: server time
    assert observer.post(url, json={"text": "  "}, headers={"X-CSRFToken": token}).status_code == 422
    assert observer.post(url, json={"text": "x" * 5001}, headers={"X-CSRFToken": token}).status_code == 422
    assert [n["text"] for n in observe.notes(db, hearing["id"])] == ["Judge left the room", "Later"]


def test_another_observer_can_neither_read_nor_change_the_hearing(app, client, setup, hearing, db):
    other = make_user(app, "olga", "observer")
    from monitor.missions import records as missions

    missions.assign_observer(
        db, observe.Actor(name="t"), setup["trial"], other, setup["mission"]
    )  # same trial even
    login(client, "olga")
    witness = observe.add_witness(db, observe.Actor(name="t"), hearing, setup["observer"]["id"])
    uuid = hearing["uuid"]
    assert client.get(f"/hearings/{uuid}").status_code == 403
    assert client.get(f"/hearings/{uuid}/changes").status_code == 403
    assert (
        save(
            client, hearing, {"id": "x", "target": "hearing", "field": "judge", "value": "hijack"}
        ).status_code
        == 403
    )
    for path in ("submit", "witnesses", "allegations", f"witness/{witness['uuid']}/remove", "correct"):
        assert post(client, f"/hearings/{uuid}/{path}", {"reason": "x"}).status_code == 403
    # Nor through her own hearing, by naming A's witness.
    own = start_hearing(app, setup, observer=other)
    response = save(
        client, own, {"id": "x", "target": "witness", "uuid": witness["uuid"], "field": "label", "value": "B"}
    )
    assert response.json["errors"] and observe.witnesses(db, hearing["id"])[0]["label"] == "W1"
    assert records.get(db, "hearing", uuid)["version"] == 1
    assert db["audit"].count_where("action = 'permission.refused'") >= 7


def test_submit_locks_then_review_correct_and_approve(app, client, observer, setup, hearing, db):
    uuid = hearing["uuid"]
    d0 = setup["defendants"][0]["uuid"]
    save(observer, hearing, answer(d0, DEFENDANT_ITEM, "no"))
    assert post(observer, f"/hearings/{uuid}/submit").status_code == 302
    assert records.get(db, "hearing", uuid)["status"] == "submitted"
    locked = save(observer, hearing, answer(d0, DEFENDANT_ITEM, "yes"))
    assert locked.status_code == 409
    assert observe.answers(db, hearing["id"])[(d0, DEFENDANT_ITEM.key)]["value"] == "no"

    lead = client.application.test_client()
    login(lead, "lena")
    assert uuid in lead.get("/review").get_data(as_text=True)
    refused = post(lead, f"/hearings/{uuid}/review", {"decision": "returned"}, follow_redirects=True)
    assert "Say what needs attention" in refused.get_data(as_text=True)
    assert (
        post(lead, f"/hearings/{uuid}/review", {"decision": "returned", "comment": "Check D0"}).status_code
        == 302
    )
    assert records.get(db, "hearing", uuid)["status"] == "returned"
    home = observer.get("/").get_data(as_text=True)
    assert home.index("Returned to you") < home.index("My trials")

    assert "Give the reason" in post(
        observer, f"/hearings/{uuid}/correct", {"reason": " "}, follow_redirects=True
    ).get_data(as_text=True)
    assert records.get(db, "hearing", uuid)["status"] == "returned"
    assert post(observer, f"/hearings/{uuid}/correct", {"reason": "Misheard the lawyer"}).status_code == 302
    save(observer, hearing, answer(d0, DEFENDANT_ITEM, "yes"))
    changes = observer.get(f"/hearings/{uuid}/changes").get_data(as_text=True)
    assert "Misheard the lawyer" in changes and DEFENDANT_ITEM.label.en in changes
    post(observer, f"/hearings/{uuid}/submit")
    assert post(lead, f"/hearings/{uuid}/review", {"decision": "approved"}).status_code == 302
    assert records.get(db, "hearing", uuid)["status"] == "approved"
    actions = [
        r["action"] for r in db.query("SELECT action FROM audit WHERE record_uuid = ? ORDER BY id", [uuid])
    ]
    assert actions == [
        "hearing.create",
        "hearing.save",
        "hearing.submit",
        "hearing.returned",
        "hearing.reopen",
        "hearing.save",
        "hearing.submit",
        "hearing.approved",
    ]
    from monitor import audit

    assert audit.verify(db).ok


def test_a_lead_comments_on_one_answer(app, client, observer, setup, hearing, db):
    d0 = setup["defendants"][0]["uuid"]
    save(observer, hearing, answer(d0, DEFENDANT_ITEM, "no"))
    answer_uuid = observe.answers(db, hearing["id"])[(d0, DEFENDANT_ITEM.key)]["uuid"]
    lead = app.test_client()
    login(lead, "lena")
    response = post(
        lead,
        f"/hearings/{hearing['uuid']}/review",
        {"decision": "comment", "comment": "Source?", "answer": answer_uuid},
    )
    assert response.status_code == 302
    assert [r["answer_uuid"] for r in observe.reviews(db, hearing["id"])] == [answer_uuid]
    bad = post(
        lead,
        f"/hearings/{hearing['uuid']}/review",
        {"decision": "comment", "comment": "x", "answer": "nope"},
    )
    assert bad.status_code == 302 and len(observe.reviews(db, hearing["id"])) == 1


def test_an_anonymous_witness_identity_is_for_leads_and_its_recorder_only(
    app, client, observer, setup, hearing, db
):
    witness = observe.add_witness(db, observe.Actor(name="t"), hearing, setup["observer"]["id"])
    save(
        observer,
        hearing,
        {"id": "a", "target": "witness", "uuid": witness["uuid"], "field": "anonymous", "value": 1},
        {
            "id": "i",
            "target": "witness",
            "uuid": witness["uuid"],
            "field": "identity",
            "value": "Major Secretname",
        },
    )
    post(observer, f"/hearings/{hearing['uuid']}/submit")
    assert "Major Secretname" in observer.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    lead = app.test_client()
    login(lead, "lena")
    assert "Major Secretname" in lead.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    make_user(app, "ada", "admin")
    admin = app.test_client()
    login(admin, "ada")
    page = admin.get(f"/hearings/{hearing['uuid']}").get_data(as_text=True)
    assert page.count("Major Secretname") == 0 and "Hidden" in page
