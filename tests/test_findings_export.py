"""Findings as files and as an API: the findings command in each format, its filters, the JSON endpoint."""

import csv
import io
import json
from types import SimpleNamespace

import jsonschema
import pytest

from monitor import checklists
from monitor.api import bp as api_bp
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings import export
from monitor.findings.cli import findings_command
from monitor.findings.filters import FilterError, OptionArgs, scope_from
from monitor.missions import records as missions
from monitor.observe import records as observe
from tests.conftest import login, make_user, setup_trial, start_hearing

CHECKLIST = checklists.get("fair_trial", 1)
REASONS = CHECKLIST.item("informed_of_reasons")  # defendant item, concern: no
PUBLIC = CHECKLIST.item("public_admitted")  # hearing item, concern: no
SCHEMA = json.loads(export.SCHEMA_PATH.read_text(encoding="utf-8"))
ACTOR = Actor(name="test")


def answer(subject, item, value):
    return {
        "id": f"{subject}{item.key}",
        "target": "answer",
        "subject": subject,
        "item": item.key,
        "field": "value",
        "value": value,
    }


def change(target, record_uuid, field, value):
    return {
        "id": f"{record_uuid}{field}",
        "target": target,
        "uuid": record_uuid,
        "field": field,
        "value": value,
    }


def record(db, hearing, *changes):
    assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, list(changes)) == []


@pytest.fixture
def mission(app):
    """Two trials, four hearings (one still a draft), an allegation, an anonymous witness, custody times."""
    setup = setup_trial(app, defendants=3)
    d0, d1, d2 = (d["uuid"] for d in setup["defendants"])
    db = connect(app.config["DATABASE"])
    try:
        first = start_hearing(app, setup, hearing_date="2026-11-20")
        allegation = observe.add_allegation(db, ACTOR, first)
        witness = observe.add_witness(db, ACTOR, first, setup["observer"]["id"])
        record(
            db,
            first,
            answer(d0, REASONS, "no"),
            answer(d1, REASONS, "no"),
            answer(d2, REASONS, "yes"),
            answer("", PUBLIC, "no"),
            change("allegation", allegation["uuid"], "alleged_by", "defendant"),
            change("allegation", allegation["uuid"], "defendant_uuid", d0),
            change("allegation", allegation["uuid"], "methods", ["beating", "threats_to_family"]),
            change("allegation", allegation["uuid"], "court_response", ["ignored"]),
            change("witness", witness["uuid"], "anonymous", 1),
            change("witness", witness["uuid"], "voice_hidden", 1),
        )
        observe.submit(db, ACTOR, first)

        second = start_hearing(app, setup, hearing_date="2026-11-27")
        record(
            db,
            second,
            {"id": "absent", "target": "presence", "defendant": d2, "value": False},
            answer(d0, REASONS, "no"),  # the same person again: still one
            answer(d1, REASONS, "yes"),
            answer(d2, REASONS, "no"),  # absent: an answer about them does not count
            answer("", PUBLIC, "yes"),
        )
        observe.submit(db, ACTOR, second)
        observe.review(db, ACTOR, second, setup["lead"]["id"], "approved", "")

        draft = start_hearing(app, setup, hearing_date="2026-11-28")
        record(db, draft, answer(d2, REASONS, "no"))

        other = missions.create_trial(db, ACTOR, setup["mission"], {"title": "Second trial", "court": "City"})
        (e0,) = missions.bulk_add_defendants(db, ACTOR, other, ["Defendant E"])
        missions.assign_observer(db, ACTOR, other, setup["observer"], setup["mission"])
        fourth = observe.start_hearing(db, ACTOR, other, setup["mission"], setup["observer"], "2026-12-02")
        record(db, fourth, answer(e0["uuid"], REASONS, "no"))
        observe.submit(db, ACTOR, fourth)

        missions.update_defendant(
            db,
            ACTOR,
            setup["defendants"][0],
            {
                "apprehended_at": "2026-03-01T10:00",
                "first_judge_at": "2026-03-04T20:00",  # 82 hours
                "verdict": "convicted",
                "sentence_months": 60,
                "conviction_basis": json.dumps(["confession"]),
            },
        )
    finally:
        db.close()
    return {**setup, "other_trial": other, "e0": e0["uuid"], "draft": draft, "allegation": allegation}


def run(runner, *args):
    return runner.invoke(findings_command, list(args))


def findings_json(runner, mission, *args) -> dict:
    result = run(runner, mission["mission"]["uuid"], *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    return data


def item(data, key):
    return next(entry for entry in data["items"] if entry["key"] == key)


# The command --------------------------------------------------------------------------------------------


def test_the_json_validates_and_counts_each_person_once(runner, mission):
    data = findings_json(runner, mission)
    d0, d1, d2 = (d["uuid"] for d in mission["defendants"])
    concern, observed = (
        item(data, "informed_of_reasons")["concern"],
        item(data, "informed_of_reasons")["observed"],
    )
    assert concern == {"count": 3, "of": 4, "uuids": sorted([d0, d1, mission["e0"]])}
    assert observed["uuids"] == sorted([d0, d1, d2, mission["e0"]])
    assert (
        item(data, "public_admitted")["concern"]["count"] == 1
        and item(data, "public_admitted")["concern"]["of"] == 2
    )
    assert data["method"]["hearings"]["count"] == 3  # the draft is not one of them
    assert data["scope"]["statuses"] == ["submitted", "approved"]
    assert data["torture"]["by_method"]["beating"] == {
        "count": 1,
        "of": 1,
        "uuids": [mission["allegation"]["uuid"]],
    }
    assert data["custody"]["judge_over_72"]["uuids"] == [d0]
    assert list(data) == list(SCHEMA["required"])  # the order the data was built in


def test_the_schema_catches_drift(runner, mission):
    data = findings_json(runner, mission)
    data["torture"]["new_figure"] = {"count": 1, "of": None, "uuids": []}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)
    data = findings_json(runner, mission)
    data["method"]["hearings"]["uuids"].append("not-a-uuid")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_the_csv_has_one_row_per_figure(runner, mission):
    result = run(runner, mission["mission"]["name"], "--format", "csv")  # a mission's exact name works too
    assert result.exit_code == 0, result.output
    reader = csv.DictReader(io.StringIO(result.output))
    assert tuple(reader.fieldnames) == export.CSV_COLUMNS
    rows = {row["path"]: row for row in reader}
    reasons = rows["items.informed_of_reasons.concern"]
    d0, d1 = mission["defendants"][0]["uuid"], mission["defendants"][1]["uuid"]
    assert (reasons["count"], reasons["of"]) == ("3", "4")
    assert reasons["uuids"].split(" ") == sorted([d0, d1, mission["e0"]])
    assert (reasons["stage"], reasons["scope"], reasons["label_en"]) == (
        "arrest",
        "defendant",
        REASONS.label.en,
    )
    assert reasons["refs"] == "; ".join(REASONS.refs)
    assert (rows["torture.by_method.beating"]["count"], rows["torture.by_method.beating"]["of"]) == ("1", "1")
    assert (rows["custody.judge_over_72"]["count"], rows["custody.judge_over_72"]["uuids"]) == ("1", d0)
    assert rows["method.hearings"]["of"] == ""  # no denominator
    assert rows["method.observers"]["value"] == "1" and rows["method.observers"]["count"] == ""
    assert rows["custody.median_hours_to_judge"]["value"] == "82"
    assert rows["mission.name"]["value"] == "Test mission"
    assert not any(path.startswith("custody.defendants") for path in rows)  # a table, in the JSON only


def test_the_markdown_states_the_counts_as_sentences(runner, mission):
    result = run(runner, mission["mission"]["uuid"], "--format", "md")
    assert result.exit_code == 0, result.output
    text = result.output
    assert text.startswith("# Findings: Test mission")
    assert (
        "Sittings observed: 3 · Observations (observers' records of them): 3 · Trials: 2 · Observers: 1 · "
        "Dates: 2026-11-20 – 2026-12-02"
    ) in text
    assert "### Arrest and police custody" in text
    assert f"- 3 of 4 defendants {REASONS.finding.en} (ICCPR 9(2), BoP 10, BoP 13).\n" in text
    assert f"- In 1 of 2 sittings, {PUBLIC.finding.en} ({', '.join(PUBLIC.refs)}).\n" in text
    assert "Pre-trial detention" not in text  # a stage without concerns is left out
    assert "- Methods: Beating 1 of 1; Threats to family 1 of 1" in text
    assert "- Voice hidden: 1 of 1" in text
    assert "- Before a judge more than 72 hours after apprehension: 1 of 1" in text
    assert "- Convicted: 1 of 4" in text and "Sentences from 60 to 60 months (median 60)." in text


def test_the_markdown_speaks_russian(runner, mission):
    result = run(runner, mission["mission"]["uuid"], "--format", "md", "--lang", "ru")
    assert result.exit_code == 0, result.output
    assert "### Задержание и содержание в полиции" in result.output
    assert f"- 3 из 4 подсудимых {REASONS.finding.ru}" in result.output
    assert f"- В 1 из 2 судебных заседаний {PUBLIC.finding.ru}" in result.output
    assert "- Зафиксировано заявлений: 1" in result.output


def test_an_item_is_stated_with_its_finding_else_its_question():
    entry = {"key": REASONS.key, "stage": "arrest", "refs": ["ICCPR 9(2)"], "concern": {"count": 2, "of": 5}}
    for finding, expected in [
        (
            checklists.Text("were not told why.", "не узнали.", "білмеді."),
            "- 2 of 5 defendants were not told why",
        ),
        (None, f"- 2 of 5: {REASONS.label.en} — No (ICCPR 9(2))."),
    ]:
        fields = {f: getattr(REASONS, f) for f in ("key", "scope", "label", "concern", "value_label")}
        checklist = SimpleNamespace(
            items=[SimpleNamespace(**fields, finding=finding)], stages=CHECKLIST.stages
        )
        lines = export._concerns({"items": [entry]}, checklist, "en")
        assert any(line.startswith(expected) for line in lines), lines


def test_a_draft_never_counts_even_when_asked_for(runner, mission):
    d2 = mission["defendants"][2]["uuid"]
    data = findings_json(runner, mission, "--status", "draft")
    assert data["scope"]["statuses"] == ["submitted", "approved"]
    assert d2 not in item(data, "informed_of_reasons")["concern"]["uuids"]
    data = findings_json(runner, mission, "--status", "draft,submitted")
    assert data["scope"]["statuses"] == ["submitted"]
    assert data["method"]["hearings"]["count"] == 2  # the first and the fourth; the second is approved


def test_filters_narrow_the_hearings(runner, mission):
    trial = mission["trial"]["uuid"]
    data = findings_json(runner, mission, "--trial", trial)
    assert item(data, "informed_of_reasons")["concern"]["count"] == 2
    assert item(data, "informed_of_reasons")["concern"]["of"] == 3
    assert data["scope"]["trial_uuids"] == [trial]
    data = findings_json(runner, mission, "--from", "2026-11-25", "--to", "2026-11-30")
    assert data["method"]["hearings"]["count"] == 1
    data = findings_json(runner, mission, "--court", "City")
    assert item(data, "informed_of_reasons")["concern"]["uuids"] == [mission["e0"]]
    data = findings_json(runner, mission, "--observer", mission["lead"]["uuid"])
    assert data["method"]["hearings"]["count"] == 0


def test_the_output_goes_to_a_file(runner, mission, tmp_path):
    target = tmp_path / "findings.md"
    result = run(runner, mission["mission"]["uuid"], "--format", "md", "-o", str(target))
    assert result.exit_code == 0 and result.output == ""
    assert target.read_text(encoding="utf-8").startswith("# Findings: Test mission")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no such mission"], "No mission has the uuid or the name 'no such mission'"),
        (["{mission}", "--from", "2026-13-01"], "--from: '2026-13-01' is not a date"),
        (["{mission}", "--to", "20.11.2026"], "--to: '20.11.2026' is not a date"),
        (["{mission}", "--from", "2026-12-01", "--to", "2026-11-01"], "--to: The end date"),
        (["{mission}", "--status", "archived"], "--status: Unknown hearing status 'archived'"),
        (["{mission}", "--trial", "abc"], "--trial: 'abc' is not a trial uuid"),
    ],
)
def test_a_bad_mission_or_filter_is_explained(runner, mission, args, message):
    result = run(runner, *(a.format(mission=mission["mission"]["uuid"]) for a in args))
    assert result.exit_code == 1
    assert message in result.output


def test_two_missions_with_one_name_need_the_uuid(app, runner, mission):
    setup_trial(app)  # another "Test mission"
    result = run(runner, "Test mission")
    assert result.exit_code == 1 and "2 missions are called 'Test mission'" in result.output


def test_filters_read_query_strings_and_options_alike():
    from werkzeug.datastructures import MultiDict

    trial = "0b0e2f7c-7d5a-4a57-9a0e-1d2c3b4a5f60"
    query = MultiDict(
        [("status", "approved,returned"), ("status", "approved"), ("trial", trial), ("from", "")]
    )
    options = OptionArgs({"status": ("approved,returned", "approved"), "trial": (trial,), "from": ""})
    for args in (query, options):
        scope = scope_from({"id": 7}, args)
        assert (scope.statuses, scope.trial_uuids, scope.date_from) == (
            ("approved", "returned"),
            (trial,),
            "",
        )
    with pytest.raises(ValueError, match="YYYY-MM-DD") as caught:
        scope_from({"id": 7}, MultiDict({"from": "2026-02-30"}))
    assert isinstance(caught.value, FilterError) and caught.value.field == "from"


# The API --------------------------------------------------------------------------------------------------


@pytest.fixture
def api(app):
    """The API blueprint on the test app (registered here until create_app does it)."""
    if "api" not in app.blueprints:
        app.register_blueprint(api_bp, url_prefix="/api/v1")
    return app


def test_a_lead_gets_the_findings_as_json(api, client, mission):
    login(client, "lena")
    response = client.get(f"/api/v1/missions/{mission['mission']['uuid']}/findings")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    jsonschema.validate(data, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert item(data, "informed_of_reasons")["concern"]["count"] == 3
    narrowed = client.get(
        f"/api/v1/missions/{mission['mission']['uuid']}/findings",
        query_string={"trial": mission["trial"]["uuid"], "status": "submitted,approved"},
    ).get_json()
    assert item(narrowed, "informed_of_reasons")["concern"]["count"] == 2


def test_a_bad_filter_is_a_400_naming_the_field(api, client, mission):
    login(client, "lena")
    response = client.get(f"/api/v1/missions/{mission['mission']['uuid']}/findings?from=yesterday")
    assert response.status_code == 400
    assert response.get_json()["field"] == "from" and "YYYY-MM-DD" in response.get_json()["message"]


def test_an_observer_or_another_lead_is_refused(app, api, client, mission, db):
    login(client, "oleg")
    url = f"/api/v1/missions/{mission['mission']['uuid']}/findings"
    response = client.get(url)
    assert response.status_code == 403 and response.get_json()["message"]
    make_user(app, "lars", "lead")
    login(client, "lars")
    assert client.get(url).status_code == 403
    assert db["audit"].count_where("action = 'permission.refused'") == 2


def test_a_signed_out_visitor_is_sent_to_sign_in(api, client, mission):
    response = client.get(f"/api/v1/missions/{mission['mission']['uuid']}/findings")
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]


def test_an_unknown_mission_is_a_json_404(api, client, mission):
    login(client, "lena")
    response = client.get("/api/v1/missions/0b0e2f7c-7d5a-4a57-9a0e-1d2c3b4a5f60/findings")
    assert response.status_code == 404 and response.get_json()["message"]


def test_the_openapi_document_describes_the_findings(api, client, mission):
    response = client.get("/api/v1/openapi.json")  # public
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "/api/v1"}]
    operation = document["paths"]["/missions/{mission_uuid}/findings"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "mission_uuid", "status", "trial", "court", "judge", "from", "to", "observer",
    }  # fmt: skip

    def refs(node):
        if isinstance(node, dict):
            yield from ([node["$ref"]] if "$ref" in node else [])
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    schemas = document["components"]["schemas"]
    assert all(ref.removeprefix("#/components/schemas/") in schemas for ref in refs(document))
    # the embedded schema accepts what the endpoint returns
    login(client, "lena")
    data = client.get(f"/api/v1/missions/{mission['mission']['uuid']}/findings").get_json()
    jsonschema.validate(data, {**document, "$ref": "#/components/schemas/Findings"})
