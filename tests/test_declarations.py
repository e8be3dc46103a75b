"""One declaration per record type (monitor/missions/declarations.py): the forms, the API's limits and the
OpenAPI document come from it, and the bundle schema agrees with it."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from wtforms.validators import InputRequired, Length, NumberRange

from monitor import declare
from monitor.missions import declarations, forms
from tests.test_tokens import bearer, make_token

ROOT = Path(__file__).parent.parent
BUNDLE_SCHEMA = json.loads((ROOT / "monitor" / "sync" / "schema.json").read_text())
FORMS = {"mission": forms.MissionForm, "trial": forms.TrialForm, "defendant": forms.DefendantForm}
RECORDS = (declarations.MISSION, declarations.TRIAL, declarations.DEFENDANT)
INPUT = {"mission": "MissionInput", "trial": "TrialInput", "defendant": "DefendantInput"}


def _validator(unbound, kind):
    return next((v for v in unbound.kwargs.get("validators", []) if isinstance(v, kind)), None)


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_each_form_field_has_the_declared_label_limits_and_requirement(app, record):
    form_class = FORMS[record.name]
    with app.test_request_context():
        form = form_class(meta={"csrf": False})
        assert [name for name in form._fields if name != "submit"] == [c.name for c in record.writable]
        for column in record.writable:
            field = form[column.name]
            assert str(field.label.text) == str(column.label), column.name
            unbound = getattr(form_class, column.name)
            length = _validator(unbound, Length)
            assert (length.max if length else None) == column.max_length, column.name
            assert length is None or length.column is column  # read from the declaration, not a copy
            numbers = _validator(unbound, NumberRange)
            limits = (numbers.min, numbers.max) if numbers else (None, None)
            assert limits == (column.minimum, column.maximum), column.name
            assert numbers is None or numbers.column is column
            assert (_validator(unbound, InputRequired) is not None) == column.required, column.name


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_the_openapi_document_states_the_declared_limits(client, record):
    document = client.get("/api/v1/openapi.json").get_json()
    properties = document["components"]["schemas"][INPUT[record.name]]["properties"]
    assert set(properties) == {c.name for c in record.writable}
    for column in record.writable:
        schema = properties[column.name]
        assert schema.get("maxLength") == column.max_length, column.name
        assert (schema.get("minimum"), schema.get("maximum")) == (column.minimum, column.maximum)
        if column.choices:
            values = schema["enum"] if column.kind == declare.CHOICE else schema["items"]["enum"]
            assert [v for v in values if v not in ("", None)] == list(column.choices), column.name
    assert document["components"]["schemas"][INPUT[record.name]]["required"] == list(record.required)
    assert record.writers in document["components"]["schemas"][INPUT[record.name]]["description"]


# A declaration changed before anything else is imported: the page's form, the API's answer and the
# OpenAPI document must all follow it, since all three are made from the one object.
CHANGED_LIMIT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from monitor.missions import declarations
    object.__setattr__(declarations.TRIAL["court"], "max_length", 7)

    from tests.conftest import make_app, setup_trial
    from tests.test_tokens import bearer, make_token
    from monitor.missions.forms import TrialForm

    app = make_app(Path(sys.argv[1]))
    setup = setup_trial(app)
    _row, secret = make_token(app, "lena")
    client = app.test_client()
    with app.test_request_context():
        from werkzeug.datastructures import MultiDict
        form = TrialForm(formdata=MultiDict({"title": "T", "court": "x" * 8}), meta={"csrf": False})
        form_ok, form_errors = form.validate(), form.errors
    url = f"/api/v1/trials/{setup['trial']['uuid']}"
    eight = client.patch(url, json={"court": "x" * 8}, headers=bearer(secret))
    seven = client.patch(url, json={"court": "x" * 7}, headers=bearer(secret))
    document = client.get("/api/v1/openapi.json").get_json()
    print(json.dumps({
        "form_ok": form_ok, "form_errors": form_errors,
        "api_eight": [eight.status_code, eight.get_json()], "api_seven": seven.status_code,
        "openapi": [
            document["components"]["schemas"][name]["properties"]["court"]["maxLength"]
            for name in ("TrialInput", "TrialChange", "Trial")
        ],
    }))
    """
)


def test_one_changed_limit_changes_the_form_the_api_and_the_openapi_document(tmp_path):
    result = subprocess.run(  # a fresh interpreter: the change must be made before the forms are built
        [sys.executable, "-c", CHANGED_LIMIT, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["form_ok"] is False and seen["form_errors"] == {"court": ["At most 7 characters."]}
    assert seen["api_eight"] == [422, {"message": "At most 7 characters.", "field": "court"}]
    assert seen["api_seven"] == 200
    assert seen["openapi"] == [7, 7, 7]


def test_the_api_refuses_one_character_over_each_declared_limit(app, people):
    from tests.conftest import setup_trial

    setup = setup_trial(app)
    _row, secret = make_token(app, "lena")
    client = app.test_client()
    urls = {
        "mission": f"/api/v1/missions/{setup['mission']['uuid']}",
        "trial": f"/api/v1/trials/{setup['trial']['uuid']}",
        "defendant": f"/api/v1/defendants/{setup['defendants'][0]['uuid']}",
    }
    for record in RECORDS:
        for column in record.writable:
            if column.max_length:
                over = client.patch(urls[record.name], json={column.name: "x" * (column.max_length + 1)})
                assert over.status_code == 401  # no token: nothing is even read
                over = client.patch(
                    urls[record.name],
                    json={column.name: "x" * (column.max_length + 1)},
                    headers=bearer(secret),
                )
                assert over.status_code == 422, column.name
                assert over.get_json()["field"] == column.name
            if column.maximum is not None:
                over = client.patch(
                    urls[record.name], json={column.name: column.maximum + 1}, headers=bearer(secret)
                )
                assert (over.status_code, over.get_json()["field"]) == (422, column.name)


# Columns a bundle carries that are not fields of the declaration: links to other records and lists of
# people (monitor/sync/content.py adds them).
BUNDLE_LINKS = {
    "mission": {"members"},
    "trial": {"mission_uuid", "observers"},
    "defendant": {"trial_uuid"},
}
BUNDLE_TYPES = {  # what the bundle keeps for each kind of column (choices: a JSON list as text)
    declare.TEXT: "string",
    declare.LONGTEXT: "string",
    declare.DATE: "string",
    declare.DATETIME: "string",
    declare.CHOICE: "string",
    declare.CHOICES: "string",
    declare.INTEGER: "integer",
}


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r.name)
def test_the_bundle_schema_carries_every_declared_column_with_its_type(record):
    properties = BUNDLE_SCHEMA["$defs"][f"content.{record.name}"]["properties"]
    assert set(properties) == set(record.stored) | BUNDLE_LINKS[record.name]
    for name in record.stored:
        column = record[name]
        assert BUNDLE_TYPES[column.kind] in properties[name]["type"], name
        limit = properties[name].get("maxLength")
        assert limit in (None, column.max_length), name  # if the bundle states a limit, it is the same


# The hearing and what is recorded in it keep their own declaration, the autosave's field specs
# (monitor/observe/fields.py), from which the autosave, the hearing form and the OpenAPI's Hearing, Witness
# and Allegation schemas are made. The bundle schema must carry each of those fields too.
SPEC_TYPES = {"flag": "integer", "multi": "string", "refs": "string"}  # flags as 0/1, lists as JSON text


def test_the_bundle_schema_carries_every_autosaved_field_with_its_type():
    from monitor.observe import fields

    person = {k: v for k, v in fields.WITNESS.items() if k not in fields.APPEARANCE}
    appearance = {k: v for k, v in fields.WITNESS.items() if k in fields.APPEARANCE}
    kinds = {"hearing": fields.HEARING, "witness": person, "witness_appearance": appearance}
    kinds["allegation"] = fields.ALLEGATION
    for kind, specs in kinds.items():
        properties = BUNDLE_SCHEMA["$defs"][f"content.{kind}"]["properties"]
        for name, spec in specs.items():
            assert name in properties, (kind, name)
            assert SPEC_TYPES.get(spec.kind, "string") in properties[name]["type"], (kind, name)
