"""m012_case_file on a database built with the schema before it and real rows: v1 answers to case items become
the case file's history, the latest approved one its current value; nothing is lost, the audit chain holds."""

import hashlib
import json
import re
from html import unescape

from monitor import audit, checklists
from monitor.audit import Actor
from monitor.cases import records as cases
from monitor.db import connect
from monitor.ids import natural_uuid
from monitor.migrations import migrations
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.schema import init_db
from tests.conftest import login, make_app, make_user, setup_trial, start_hearing

ACTOR = Actor(name="test")
V1 = checklists.get("fair_trial", 1)


def answer(subject, item, field, value):
    return {"target": "answer", "subject": subject, "item": item, "field": field, "value": value}


def build_v1(tmp_path):
    """The database as it stood before m012, with observations in every status.

    The rows are written by today's code, which needs the steps after m012 (witness persons): so every
    step is applied, then m012 taken back (its two tables dropped, its record removed), as if it had
    never run. m012 reads only answers, hearings and defendants, which those later steps leave as they
    are."""
    path = str(tmp_path / "monitor.sqlite")
    db = connect(path)
    migrations.apply(db)
    db.execute("DROP TABLE case_fact_history")
    db.execute("DROP TABLE case_fact")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm012_case_file'")
    db.close()
    app = make_app(tmp_path)
    setup = setup_trial(app)
    olga = make_user(app, "olga", "observer")
    db = connect(path)
    missions.assign_observer(db, ACTOR, setup["trial"], olga, setup["mission"])
    d0, d1, d2 = (d["uuid"] for d in setup["defendants"])
    h1 = start_hearing(app, setup, hearing_date="2026-01-10")
    h2 = start_hearing(app, setup, observer=olga, hearing_date="2026-02-10")
    h3 = start_hearing(app, setup, hearing_date="2026-03-10")
    for hearing, changes in (
        (
            h1,
            [
                answer(d0, "informed_of_reasons", "value", "no"),
                answer(d0, "informed_of_reasons", "provenance", "counsel"),
                answer(d1, "family_notified", "value", "yes"),
                answer(d1, "presence_of_lawyer", "value", "no"),  # not a case item (if it exists at all)
                answer("", "public_hearing", "value", "no"),  # a sitting's item: stays where it is
            ],
        ),
        (
            h2,
            [
                answer(d0, "informed_of_reasons", "value", "yes"),
                answer(d2, "family_notified", "note", "asked; no answer"),
                answer(d2, "informed_of_rights", "value", "no"),
                answer(d2, "informed_of_rights", "value", ""),  # answered, then cleared
            ],
        ),
        (h3, [answer(d0, "informed_of_reasons", "value", "unclear")]),
    ):
        known = {item.key for item in V1.items}
        kept = [c for c in changes if c["item"] in known]
        assert observe.save_changes(db, ACTOR, hearing, V1, kept) == []
    observe.submit(db, ACTOR, h1)
    observe.review(db, ACTOR, h1, setup["lead"]["id"], "approved", "")
    observe.submit(db, ACTOR, h2)  # submitted, not approved; h3 stays a draft
    answers = db.execute("SELECT count(*) FROM answer").fetchone()[0]
    db.close()
    return app, path, setup, answers, (h1, h2, h3)


def test_v1_answers_become_history_and_the_latest_approved_one_the_current_value(tmp_path, capsys):
    app, path, setup, answers_before, (h1, h2, h3) = build_v1(tmp_path)
    assert init_db(path) == ["m012_case_file"]
    printed = capsys.readouterr().err
    assert "5 answers moved into case files as history (3 facts made, 2 with a current value" in printed
    db = connect(path)
    d0, d1, d2 = setup["defendants"]
    [entry] = db.query("SELECT after FROM audit WHERE action = 'migration.case_file'")
    counts = json.loads(entry["after"])
    assert counts == {"answers": 5, "blank": 1, "facts": 3, "current": 2, "disagreements": 1}
    assert db.execute("SELECT count(*) FROM answer").fetchone()[0] == answers_before  # answers stay
    assert db.execute("SELECT count(*) FROM case_fact_history").fetchone()[0] == counts["answers"]
    assert db.execute("SELECT count(*) FROM case_fact").fetchone()[0] == counts["facts"]

    fact = cases.facts(db, d0["id"])["informed_of_reasons"]
    assert fact["uuid"] == natural_uuid(d0["uuid"], "informed_of_reasons")
    # approved "no" (h1) wins over the later submitted "yes" (h2) and the draft "unclear" (h3)
    assert (fact["value"], fact["source"], fact["learned_at_hearing_uuid"]) == ("no", "counsel", h1["uuid"])
    history = cases.history(db, d0["id"])["informed_of_reasons"]
    assert [(h["value"], h["learned_at_date"]) for h in history] == [
        ("unclear", "2026-03-10"),
        ("yes", "2026-02-10"),
        ("no", "2026-01-10"),
    ]
    assert [h["source"] for h in history] == ["observed", "observed", "counsel"]
    assert set(cases.disagreements(history)) == {"no", "yes"}  # the draft does not count

    assert cases.facts(db, d1["id"])["family_notified"]["value"] == "yes"
    only_note = cases.facts(db, d2["id"])["family_notified"]
    assert only_note["value"] == "" and only_note["recorded_by"] == h2["observer_id"]
    assert cases.history(db, d2["id"])["family_notified"][0]["note"] == "asked; no answer"
    assert "informed_of_rights" not in cases.facts(db, d2["id"])  # only a cleared answer: nothing to move

    verified = audit.verify(db)
    assert verified.ok and verified.rows > 0
    # every fact made is audited, with the number and SHA-256 of its history entries
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'case_fact.migrate'").fetchone()[0] == 3
    fact_uuid = natural_uuid(d0["uuid"], "informed_of_reasons")
    [vouched] = db.query(
        "SELECT after FROM audit WHERE action = 'case_fact_history.migrate' AND record_uuid = ?", [fact_uuid]
    )
    vouched = json.loads(vouched["after"])
    rows = db.query(
        "SELECT uuid, value, note, source, learned_at_hearing_uuid, recorded_by, recorded_at, changed_by, "
        "reason, answer_uuid FROM case_fact_history WHERE case_fact_id = ? ORDER BY id",
        [fact["id"]],
    )
    kept = hashlib.sha256(audit.canonical_json(list(rows)).encode()).hexdigest()
    assert vouched["entries"] == 3 and vouched["sha256"] == kept
    db.close()

    client = app.test_client()
    login(client, "lena")
    page = client.get(f"/defendants/{d0['uuid']}/case-file").get_data(as_text=True)
    page = unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    assert "Observations disagreed" in page
    assert "Yes (2026-02-10 · olga) — No (2026-01-10 · oleg)" in page
    assert "observed at the sitting of 2026-02-10" in page


def test_the_migration_of_a_database_without_answers_makes_nothing(tmp_path):
    path = str(tmp_path / "empty.sqlite")
    assert "m012_case_file" in init_db(path)
    db = connect(path)
    assert db.execute("SELECT count(*) FROM case_fact").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'migration.case_file'").fetchone()[0] == 0
    db.close()
