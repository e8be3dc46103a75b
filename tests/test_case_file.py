"""The defendant's case file: facts recorded once, their source, their history, and who may change them."""

import re
from html import unescape

import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.cases import records as cases
from monitor.db import connect
from monitor.ids import natural_uuid
from tests.conftest import login, post, setup_trial, start_hearing

ACTOR = Actor(name="test")
V1 = checklists.get("fair_trial", 1)
V2 = checklists.get("fair_trial", 2)


@pytest.fixture
def world(app, people):
    setup = setup_trial(app)
    setup["hearing"] = start_hearing(app, setup)
    return setup


def text(response) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_case_items_of_v1_are_the_keys_v2_keeps_in_the_case_file():
    v1_keys = [item.key for item in checklists.case_items(V1)]
    v2_keys = {item.key for item in checklists.case_items(V2)}
    assert "informed_of_reasons" in v1_keys and set(v1_keys) <= v2_keys
    assert all(item.scope == "defendant" for item in checklists.case_items(V1))
    assert all(item.unit == "case" and item.home is None for item in checklists.case_items(V2))
    assert "presence" not in v2_keys  # a defendant-at-sitting fact stays on the observation


def test_a_change_keeps_the_earlier_value_in_the_history_with_who_when_and_why(app, db, world):
    defendant, observer, lead = world["defendants"][0], world["observer"], world["lead"]
    first = cases.change_facts(
        db,
        ACTOR,
        observer,
        defendant,
        V1,
        [cases.Change("informed_of_reasons", "no", "told the court")],
        cases.Learned("defendant", world["hearing"]["uuid"]),
    )[0]
    assert first["uuid"] == natural_uuid(defendant["uuid"], "informed_of_reasons")
    with pytest.raises(cases.CaseFileError) as refused:  # replacing a value needs a reason
        cases.change_facts(
            db,
            ACTOR,
            lead,
            defendant,
            V1,
            [cases.Change("informed_of_reasons", "yes", "", 1)],
            cases.Learned("court_record", learned_from="judgment of 3 May"),
        )
    assert refused.value.code == "reason"
    second = cases.change_facts(
        db,
        ACTOR,
        lead,
        defendant,
        V1,
        [cases.Change("informed_of_reasons", "yes", "", 1)],
        cases.Learned("court_record", learned_from="judgment of 3 May", reason="the judgment says so"),
    )[0]
    assert (second["value"], second["source"], second["version"]) == ("yes", "court_record", 2)
    assert second["recorded_by"] == lead["id"] and second["learned_at_hearing_uuid"] is None
    [kept] = cases.history(db, defendant["id"])["informed_of_reasons"]
    assert (kept["value"], kept["note"], kept["source"]) == ("no", "told the court", "defendant")
    assert kept["learned_at_hearing_uuid"] == world["hearing"]["uuid"]
    assert (kept["recorded_by"], kept["changed_by"], kept["reason"]) == (
        observer["id"],
        lead["id"],
        "the judgment says so",
    )
    actions = [r["action"] for r in db.query("SELECT action FROM audit WHERE record_type LIKE 'case_fact%'")]
    assert actions == ["case_fact.create", "case_fact_history.create", "case_fact.update"]


def test_a_stale_version_is_refused_and_nothing_is_saved(app, db, world):
    defendant, observer = world["defendants"][0], world["observer"]
    learned = cases.Learned("counsel", reason="new information")
    cases.change_facts(db, ACTOR, observer, defendant, V1, [cases.Change("family_notified", "no")], learned)
    cases.change_facts(
        db, ACTOR, observer, defendant, V1, [cases.Change("family_notified", "yes", "", 1)], learned
    )
    with pytest.raises(cases.StaleFact) as stale:  # two changes, one read at version 1: both refused
        cases.change_facts(
            db,
            ACTOR,
            observer,
            defendant,
            V1,
            [cases.Change("informed_of_rights", "no"), cases.Change("family_notified", "unclear", "", 1)],
            learned,
        )
    assert stale.value.keys == ("family_notified",)
    facts = cases.facts(db, defendant["id"])
    assert facts["family_notified"]["value"] == "yes" and "informed_of_rights" not in facts


def test_a_history_entry_can_never_be_changed_or_removed(app, db, world):
    defendant, observer = world["defendants"][0], world["observer"]
    learned = cases.Learned("family", reason="corrected")
    cases.change_facts(db, ACTOR, observer, defendant, V1, [cases.Change("family_notified", "no")], learned)
    cases.change_facts(
        db, ACTOR, observer, defendant, V1, [cases.Change("family_notified", "yes", "", 1)], learned
    )
    with pytest.raises(Exception, match="append-only"):
        db.execute("UPDATE case_fact_history SET value = 'yes'")
    with pytest.raises(Exception, match="append-only"):
        db.execute("DELETE FROM case_fact_history")


def test_bad_values_sources_and_observations_are_refused_with_a_reason(app, db, world):
    defendant, observer = world["defendants"][0], world["observer"]
    other = setup_trial(app)  # another mission's trial and observation
    elsewhere = start_hearing(app, other)
    for change, learned, code in (
        (cases.Change("family_notified", "maybe"), cases.Learned("family"), "value"),
        (cases.Change("family_notified", "no"), cases.Learned(""), "source"),
        (cases.Change("family_notified", "no"), cases.Learned("rumour"), "source"),
        (cases.Change("family_notified", "no"), cases.Learned("family", elsewhere["uuid"]), "learned_at"),
        (cases.Change("presence", "no"), cases.Learned("family"), "unknown_item"),
    ):
        with pytest.raises(cases.CaseFileError) as refused:
            cases.change_facts(db, ACTOR, observer, defendant, V1, [change], learned)
        assert refused.value.code == code
    assert cases.facts(db, defendant["id"]) == {}


def test_an_observer_updates_the_case_file_from_the_observation_and_returns_to_it(app, client, world):
    defendant, hearing = world["defendants"][1], world["hearing"]
    login(client, "oleg")
    form = client.get(f"/hearings/{hearing['uuid']}?d={defendant['uuid']}").get_data(as_text=True)
    link = f"/defendants/{defendant['uuid']}/case-file?hearing={hearing['uuid']}"
    assert link in unescape(form)
    page = client.get(link)
    assert page.status_code == 200 and "Update the case file" in page.get_data(as_text=True)
    edit = f"/defendants/{defendant['uuid']}/case-file/edit?hearing={hearing['uuid']}"
    assert f'<option selected value="{hearing["uuid"]}"' in client.get(edit).get_data(as_text=True)
    response = post(
        client,
        edit,
        {
            "source": "defendant",
            "learned_at": hearing["uuid"],
            "value-informed_of_reasons": "no",
            "note-informed_of_reasons": "said so in his last word",
            "version-informed_of_reasons": "0",
            "value-court_reviewed_arrest": "no",
            "source-court_reviewed_arrest": "court_record",
            "version-court_reviewed_arrest": "0",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/hearings/{hearing['uuid']}?d={defendant['uuid']}")
    page = text(client.get(f"/defendants/{defendant['uuid']}/case-file"))
    assert "said so in his last word" in page and "(The defendant)" in page
    assert "Case file saved: 2 facts changed." in page  # the flash, in the plural the number takes
    assert "learned at the sitting of 2026-11-20" in page
    assert "(The judgment or another court record)" in page


def test_a_stale_form_says_so_and_shows_both_values(app, client, db, world):
    defendant = world["defendants"][0]
    cases.change_facts(
        db,
        ACTOR,
        world["lead"],
        defendant,
        V1,
        [cases.Change("family_notified", "yes")],
        cases.Learned("family"),
    )
    login(client, "oleg")
    response = post(
        client,
        f"/defendants/{defendant['uuid']}/case-file/edit",
        {
            "source": "counsel",
            "reason": "counsel says",
            "value-family_notified": "no",
            "note-family_notified": "only a week later",
            "version-family_notified": "0",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "Someone changed the facts marked below" in page and "Nothing was saved" in page
    assert "Yours (not saved): No — only a week later" in page
    assert cases.facts(db, defendant["id"])["family_notified"]["value"] == "yes"


def test_an_observer_not_assigned_to_the_trial_is_refused(app, client, world):
    defendant = world["defendants"][0]
    login(client, "olga")
    assert client.get(f"/defendants/{defendant['uuid']}/case-file").status_code == 403
    path = f"/defendants/{defendant['uuid']}/case-file/edit"
    assert post(client, path, {"source": "family", "value-family_notified": "no"}).status_code == 403
    db = connect(app.config["DATABASE"])
    assert cases.facts(db, defendant["id"]) == {}
    db.close()


def test_an_administrator_who_is_not_a_lead_reads_and_cannot_change(app, client, db, world):
    defendant = world["defendants"][0]
    cases.change_facts(
        db,
        ACTOR,
        world["lead"],
        defendant,
        V1,
        [cases.Change("family_notified", "yes", "the mother")],
        cases.Learned("family"),
    )
    login(client, "ada")
    assert "the mother" in client.get(f"/defendants/{defendant['uuid']}/case-file").get_data(as_text=True)
    path = f"/defendants/{defendant['uuid']}/case-file/edit"
    response = post(
        client, path, {"source": "family", "value-family_notified": "no", "version-family_notified": "1"}
    )
    assert response.status_code == 403
    assert cases.facts(db, defendant["id"])["family_notified"]["value"] == "yes"


def test_the_form_refuses_a_change_without_a_token(app, client, world):
    defendant = world["defendants"][0]
    login(client, "oleg")
    response = client.post(
        f"/defendants/{defendant['uuid']}/case-file/edit",
        data={"source": "family", "value-family_notified": "no"},
    )
    assert response.status_code == 400


def test_a_fact_changed_meanwhile_that_the_form_left_alone_is_kept(app, client, db, world):
    defendant = world["defendants"][0]
    login(client, "oleg")
    form = client.get(f"/defendants/{defendant['uuid']}/case-file/edit").get_data(as_text=True)
    assert 'name="seen-value-family_notified" value=""' in form
    cases.change_facts(  # the lead records another fact while the observer's form is open
        db,
        ACTOR,
        world["lead"],
        defendant,
        V1,
        [cases.Change("family_notified", "yes")],
        cases.Learned("family"),
    )
    response = post(
        client,
        f"/defendants/{defendant['uuid']}/case-file/edit",
        {
            "source": "defendant",
            "value-informed_of_reasons": "no",
            "version-informed_of_reasons": "0",
            "seen-value-informed_of_reasons": "",
            "value-family_notified": "",  # as the form showed it, untouched
            "version-family_notified": "0",
            "seen-value-family_notified": "",
        },
    )
    assert response.status_code == 302
    facts = cases.facts(db, defendant["id"])
    assert facts["informed_of_reasons"]["value"] == "no" and facts["family_notified"]["value"] == "yes"


def test_the_case_file_pages_are_not_cached_and_carry_no_inline_script(app, client, world):
    defendant = world["defendants"][0]
    login(client, "oleg")
    for path in (
        f"/defendants/{defendant['uuid']}/case-file",
        f"/defendants/{defendant['uuid']}/case-file/edit",
    ):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store"
        assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.get_data(as_text=True)) == []
