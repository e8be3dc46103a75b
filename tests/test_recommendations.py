"""The recommendations register: CSV import (all or nothing, the same file twice changes nothing), hand
entry and correction with versions and audit, who may read and who may change it, the CLI command, and
the migration on a database of the previous release."""

import io
import json
from pathlib import Path

import pytest

from monitor.audit import Actor
from monitor.db import connect
from monitor.migrations import migrations
from monitor.recommendations import importer
from monitor.recommendations import records as register
from monitor.schema import init_db
from tests.conftest import login, make_app, make_user, post, setup_trial

ACTOR = Actor(name="test")
SAMPLE = Path(__file__).parent / "fixtures" / "upr_recommendations.csv"
HEADER = "Cycle,Paragraph,Recommending State,Recommendation,Response,Issues\n"


def count(db, table="recommendation"):
    return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608


def refused(db, data: bytes) -> list[importer.Problem]:
    with pytest.raises(importer.ImportRefused) as caught:
        importer.import_csv(db, ACTOR, data, "KZ")
    return caught.value.problems


def test_the_sample_file_imports_and_importing_it_again_changes_nothing(db):
    first = importer.import_csv(db, ACTOR, SAMPLE.read_bytes(), "kz")
    assert (first.created, first.updated, first.unchanged) == (6, 0, 0)
    audit_rows = count(db, "audit")
    second = importer.import_csv(db, ACTOR, SAMPLE.read_bytes(), "KZ")
    assert (second.created, second.updated, second.unchanged) == (0, 0, 6)
    assert count(db) == 6 and count(db, "audit") == audit_rows  # no write, no audit entry
    row = next(db.query("SELECT * FROM recommendation WHERE identifier = '140.73'"))
    assert (
        row["country"] == "KZ" and row["response"] == "supported" and row["recommending_state"] == "Estonia"
    )
    assert json.loads(row["themes"]) == ["Torture and other cruel treatment", "Fair trial"]
    assert row["document"] == "A/HRC/43/10" and row["cycle"] == "3" and row["session"] == "34"


def test_a_corrected_row_is_a_new_version_of_the_same_record_with_its_audit(db):
    importer.import_csv(db, ACTOR, SAMPLE.read_bytes(), "KZ")
    before = next(db.query("SELECT * FROM recommendation WHERE identifier = '140.72'"))
    corrected = SAMPLE.read_bytes().replace(b"Switzerland,Establish", b"Switzerland,Set up")
    result = importer.import_csv(db, ACTOR, corrected, "KZ")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    after = next(db.query("SELECT * FROM recommendation WHERE identifier = '140.72'"))
    assert after["uuid"] == before["uuid"] and after["version"] == before["version"] + 1
    assert after["text"].startswith("Set up")
    entry = next(db.query("SELECT * FROM audit WHERE action = 'recommendation.update'"))
    assert entry["record_uuid"] == before["uuid"] and "Establish" in entry["before"]


@pytest.mark.parametrize(
    ("damage", "row", "column", "words"),
    [
        (lambda t: t.replace(b"Response,", b"Answer,", 1), 1, "Response", "missing"),
        (lambda t: t.replace(b"Ensure that evidence", b"Ensure \xff evidence"), 4, "Recommendation", "UTF-8"),
        (lambda t: t.replace(b"Noted,Torture", b"Maybe,Torture"), 3, "Response", "Maybe"),
        (lambda t: t.replace(b"140.88", b"140.71"), 5, "Paragraph", "row 2"),
    ],
    ids=["missing column", "bad encoding", "unknown response", "duplicate identifier"],
)
def test_a_malformed_file_is_refused_whole_with_the_row_and_column_named(db, damage, row, column, words):
    problems = refused(db, damage(SAMPLE.read_bytes()))
    assert [(p.row, p.column) for p in problems] == [(row, column)]
    assert words in problems[0].message
    assert count(db) == 0  # the good rows were not imported either


def test_an_empty_identifier_still_imports_once(db):
    data = (HEADER + "3,,France,Abolish the death penalty,Supported,Right to life\n").encode()
    importer.import_csv(db, ACTOR, data, "KZ")
    importer.import_csv(db, ACTOR, data, "KZ")
    assert count(db) == 1


def test_a_treaty_body_recommendation_has_no_response_and_a_bad_body_is_refused(db):
    data = ("Body," + HEADER + "CAT,2021,12,,Ensure prompt investigations,,Torture\n").encode()
    importer.import_csv(db, ACTOR, data, "KZ")
    row = next(db.query("SELECT * FROM recommendation"))
    assert (row["body"], row["response"], row["identifier"]) == ("CAT", "", "12")
    problems = refused(db, ("Body," + HEADER + "XYZ,1,2,,Words,,T\n").encode())
    assert (problems[0].row, problems[0].column) == (2, "Body")


@pytest.fixture
def mission(app, people):
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    register.set_mission_country(db, ACTOR, setup["mission"], "KZ")
    importer.import_csv(db, ACTOR, SAMPLE.read_bytes(), "KZ")
    db.close()
    return setup["mission"]


def test_the_page_import_refuses_a_bad_file_and_says_where(app, client, db, mission):
    login(client, "lena")
    bad = SAMPLE.read_bytes().replace(b"Noted,Torture", b"Maybe,Torture").replace(b"140.71", b"999.1")
    upload = {"file": (io.BytesIO(bad), "bad.csv")}
    response = post(
        client,
        f"/missions/{mission['uuid']}/recommendations/import",
        upload,
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported" in page and "Maybe" in page
    assert db.execute("SELECT count(*) FROM recommendation WHERE identifier = '999.1'").fetchone()[0] == 0


def test_a_lead_enters_and_corrects_a_recommendation_by_hand(app, client, db, mission):
    login(client, "lena")
    fields = {
        "body": "HRC",
        "cycle": "2023",
        "identifier": "CCPR/C/KAZ/CO/3 ¶20",
        "text": "Guarantee access to a lawyer from the outset of detention",
        "response": "",
        "themes": "Fair trial\nLiberty and security of the person",
    }
    response = post(client, f"/missions/{mission['uuid']}/recommendations/new", fields)
    assert response.status_code == 302
    row = next(db.query("SELECT * FROM recommendation WHERE body = 'HRC'"))
    assert json.loads(row["themes"]) == ["Fair trial", "Liberty and security of the person"]
    path = f"/missions/{mission['uuid']}/recommendations/{row['uuid']}"
    response = post(
        client, path + "/edit", {**fields, "text": "Guarantee access to a lawyer from apprehension"}
    )
    assert response.status_code == 302
    after = next(db.query("SELECT * FROM recommendation WHERE body = 'HRC'"))
    assert after["version"] == 2 and after["text"].endswith("from apprehension")
    assert "from apprehension" in client.get(path).get_data(as_text=True)


def test_an_administrator_reads_the_register_and_changes_nothing(app, client, db, mission):
    login(client, "ada")
    assert client.get(f"/missions/{mission['uuid']}/recommendations").status_code == 200
    rec = db.execute("SELECT uuid FROM recommendation LIMIT 1").fetchone()[0]
    assessed = post(
        client,
        f"/missions/{mission['uuid']}/recommendations/{rec}/assessment",
        {"cycle": "4", "status": "implemented", "reasoning": ""},
    )
    assert assessed.status_code == 403 and count(db, "assessment") == 0


def test_a_lead_of_another_mission_neither_reads_nor_assesses(app, client, db, mission):
    make_user(app, "other.lead", "lead")
    login(client, "other.lead")
    rec = db.execute("SELECT uuid FROM recommendation LIMIT 1").fetchone()[0]
    assert client.get(f"/missions/{mission['uuid']}/recommendations/{rec}").status_code == 403
    response = post(
        client,
        f"/missions/{mission['uuid']}/recommendations/{rec}/assessment",
        {"cycle": "4", "status": "implemented"},
    )
    assert response.status_code == 403 and count(db, "assessment") == 0


def test_a_recommendation_of_another_country_is_not_found_through_this_mission(app, client, db, mission):
    importer.import_csv(db, ACTOR, (HEADER + "3,1.1,France,Words,Noted,T\n").encode(), "UZ")
    other = db.execute("SELECT uuid FROM recommendation WHERE country = 'UZ'").fetchone()[0]
    login(client, "lena")
    assert client.get(f"/missions/{mission['uuid']}/recommendations/{other}").status_code == 404


def test_the_command_imports_and_refuses_like_the_page(app, runner, db, tmp_path):
    result = runner.invoke(args=["import-recommendations", str(SAMPLE), "--country", "KZ"])
    assert result.exit_code == 0 and "6 new" in result.output
    result = runner.invoke(args=["import-recommendations", str(SAMPLE), "--country", "KZ"])
    assert "6 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(SAMPLE.read_bytes().replace(b"Noted,Torture", b"Maybe,Torture"))
    result = runner.invoke(args=["import-recommendations", str(bad), "--country", "UZ"])
    assert result.exit_code == 1 and "row 3" in result.output and "nothing was imported" in result.output
    assert db.execute("SELECT count(*) FROM recommendation WHERE country = 'UZ'").fetchone()[0] == 0


def test_the_migration_runs_on_a_database_of_the_previous_release_with_data(tmp_path):
    path = str(tmp_path / "monitor.sqlite")
    db = connect(path)
    migrations.apply(db, stop_before="m016_recommendations")
    assert "recommendation" not in db.table_names()
    db.close()
    app = make_app(tmp_path)
    setup = setup_trial(app)  # data in the database at the previous release
    assert "m016_recommendations" in init_db(path)
    db = connect(path)
    assert {"recommendation", "assessment", "assessment_link", "official_statistic"} <= set(db.table_names())
    register.set_mission_country(db, ACTOR, setup["mission"], "KZ")
    assert importer.import_csv(db, ACTOR, SAMPLE.read_bytes(), "KZ").created == 6
    db.close()
