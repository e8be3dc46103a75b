"""The OpenAPI description of the record endpoints (resources.py and hearings.py).

Missions, trials and defendants are derived from their declarations (monitor/missions/declarations.py),
the same objects the pages' forms and the API's validation are made from. The witness and allegation
schemas are made from the same field specs the autosave validates with (monitor/observe/fields.py), so the
document cannot drift from what the server accepts.
"""

from ..missions import declarations as declared
from ..observe import fields
from ..observe.records import MAX_BATCH, MAX_NOTE
from . import openapi
from .openapi import errors, json_request, json_response, path_parameter, ref

UUID = {"type": "string", "format": "uuid"}
STAMP = {"type": "string", "format": "date-time"}
RECORD = {
    "uuid": {**UUID, "description": "Made where the record was first created; never changes."},
    "version": {"type": "integer", "minimum": 1, "description": "Goes up by one with every change."},
    "created_at": STAMP,
    "updated_at": STAMP,
}
RECORD_REQUIRED = list(RECORD)


def record(properties: dict, required=(), description: str = "") -> dict:
    schema = {
        "type": "object",
        "required": [*RECORD_REQUIRED, *required],
        "properties": {**RECORD, **properties},
    }
    return {**schema, "description": description} if description else schema


def writable(properties: dict, required=()) -> dict:
    """A create body: only these fields, ``required`` ones needed."""
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


DATE_TEXT = {"type": "string", "format": "date"}


def field_schema(spec: fields.Field, for_input: bool) -> dict:
    """The JSON Schema of one autosaved field, from its spec: what is accepted, or (to read) its type."""
    if spec.kind == "flag":
        return {"type": "boolean"}
    if spec.kind in ("multi", "refs"):
        items = {"enum": list(spec.choices)} if spec.kind == "multi" and for_input else {"type": "string"}
        return {"type": "array", "items": items}
    if not for_input:
        return {"type": "string"}
    if spec.kind == "choice":
        return {"enum": [*spec.choices, ""]}
    schema = {"type": "string", "maxLength": 20000 if spec.kind == "longtext" else spec.max_length}
    if spec.kind == "date":
        schema["pattern"] = r"^(\d{4}-\d{2}-\d{2})?$"
    if spec.kind == "time":
        schema["pattern"] = r"^(([01]\d|2[0-3]):[0-5]\d)?$"
    return schema


def field_schemas(specs: dict, for_input: bool) -> dict:
    return {name: field_schema(spec, for_input) for name, spec in specs.items()}


WITNESS_READ = {
    **field_schemas(fields.WITNESS, False),
    "identity": {
        "type": ["string", "null"],
        "description": "Null when the witness is anonymous and the reader is neither a lead of the mission "
        "nor the observer who recorded it.",
    },
    "identity_hidden": {"type": "boolean"},
    "recorded_by": UUID,
    "person": {**UUID, "description": "The witness as a person in the trial (GET /trials/{uuid}/witnesses)."},
    "heard": {"type": "integer", "description": "At how many observations this person was heard."},
}
PERSON_READ = {
    **{k: v for k, v in WITNESS_READ.items() if k not in (*fields.APPEARANCE, "person", "heard")},
    "review": {
        "type": "string",
        "description": "Why a lead should look at this person ('' when none): no_label, label_conflict, "
        "fields_differ (set when per-hearing witnesses were matched into persons).",
    },
    "appearances": {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["uuid", "hearing", "hearing_date", "observer"],
            "properties": {
                "uuid": UUID,
                "hearing": UUID,
                "hearing_date": {"type": "string"},
                "observer": {"type": "string"},
            },
        },
    },
}
ALLEGATION_READ = {
    **field_schemas(fields.ALLEGATION, False),
    "perpetrators": {
        "type": ["string", "null"],
        "description": "Null when the reader is neither a lead of the mission nor the hearing's observer.",
    },
    "perpetrators_hidden": {"type": "boolean"},
}
HEARING_FIELDS = {
    **field_schemas(fields.HEARING, False),
    "status": {"enum": ["draft", "submitted", "returned", "approved"]},
    "checklist_id": {"type": "string"},
    "checklist_version": {"type": "integer"},
    "submitted_at": {"type": ["string", "null"]},
    "trial": UUID,
    "sitting": {
        "type": ["string", "null"],
        "description": "The uuid of the court sitting this hearing is an observation of.",
    },
    "observer": UUID,
    "observer_name": {"type": "string"},
}
SITTING_FIELDS = {
    "sitting_date": {"type": "string", "description": "The date of the sitting (YYYY-MM-DD)."},
    "session": {"type": "integer", "minimum": 1, "description": "1 unless the court sat twice that day."},
    "courtroom": {"type": "string"},
    "judge": {"type": "string"},
    "trial": UUID,
    "observations": {"type": "integer", "description": "How many observations it has (any status)."},
    "counted": {"type": "integer", "description": "How many of them count (submitted or approved)."},
}
CHANGE = {
    "type": "object",
    "required": ["target"],
    "description": "One autosave change, as the hearing page sends it: "
    '{"target": "hearing", "field": "courtroom", "value": "4"}; '
    '{"target": "presence", "defendant": <uuid>, "value": false}; '
    '{"target": "answer", "item": <checklist key>, "subject": <defendant or witness uuid, or "">, '
    '"field": "value"|"note"|"provenance", "value": …}; '
    '{"target": "witness"|"allegation", "uuid": <uuid>, "field": …, "value": …}.',
    "properties": {
        "id": {"type": "string", "description": "Your id for this change, echoed with a refusal."},
        "target": {"enum": ["hearing", "presence", "answer", "witness", "allegation"]},
        "field": {"type": "string"},
        "value": {},
        "uuid": {"type": "string"},
        "defendant": {"type": "string"},
        "item": {"type": "string"},
        "subject": {"type": "string"},
    },
}

SCHEMAS = {
    # Missions, trials and defendants: from their declarations (monitor/missions/declarations.py)
    # (functions: made when the document is asked for, from the declarations as they are then)
    "Mission": lambda: record(declared.MISSION.read_properties(), ["name", "checklist"]),
    "MissionInput": declared.MISSION.input_schema,
    "MissionChange": declared.MISSION.change_schema,
    "Trial": lambda: record(declared.TRIAL.read_properties(), ["title", "mission"]),
    "TrialInput": declared.TRIAL.input_schema,
    "TrialChange": declared.TRIAL.change_schema,
    "Defendant": lambda: record(declared.DEFENDANT.read_properties(), ["name", "trial"]),
    "DefendantInput": declared.DEFENDANT.input_schema,
    "DefendantChange": declared.DEFENDANT.change_schema,
    "Hearing": record(HEARING_FIELDS, ["status", "trial", "observer"]),
    "HearingDocument": {
        "allOf": [ref("Hearing")],
        "type": "object",
        "required": ["mission", "presence", "answers", "witnesses", "allegations", "notes", "reviews"],
        "properties": {
            "mission": UUID,
            "presence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "defendant": UUID,
                        "name": {"type": "string"},
                        "present": {"type": "boolean"},
                    },
                },
            },
            "answers": {"type": "array", "items": ref("Answer")},
            "witnesses": {"type": "array", "items": ref("Witness")},
            "allegations": {"type": "array", "items": ref("Allegation")},
            "notes": {"type": "array", "items": ref("Note")},
            "reviews": {"type": "array", "items": ref("Review")},
        },
    },
    "HearingStart": writable(
        {
            "hearing_date": DATE_TEXT,
            "session": {"type": ["integer", "null"], "minimum": 1, "maximum": 9},
        },
        ["hearing_date"],
    ),
    "Sitting": record(SITTING_FIELDS, ["sitting_date", "session", "trial"]),
    "SittingDocument": {
        "allOf": [ref("Sitting")],
        "type": "object",
        "required": ["mission", "observations"],
        "properties": {
            "mission": UUID,
            "observations": {
                "type": "array",
                "items": ref("Hearing"),
                "description": "Its observations: every one for the mission's leads, an observer's own.",
            },
            "reconciliations": {
                "type": "array",
                "description": "The leads' reconciled answers where observations disagreed (leads only).",
                "items": record(
                    {
                        "subject_uuid": {"type": "string"},
                        "item_key": {"type": "string"},
                        "value": {"type": "string"},
                        "reason": {"type": "string"},
                        "decided_by": UUID,
                        "decided_by_name": {"type": "string"},
                    },
                    ["item_key", "value", "reason"],
                ),
            },
        },
    },
    "HearingChanges": {
        "type": "object",
        "required": ["changes"],
        "additionalProperties": False,
        "properties": {
            "changes": {"type": "array", "maxItems": MAX_BATCH, "items": ref("Change")},
            "version": {
                "type": ["integer", "null"],
                "description": "The version read (or send it as If-Match); null or absent: no check.",
            },
        },
    },
    "Change": CHANGE,
    "SaveResult": {
        "type": "object",
        "required": ["saved_at", "version", "errors"],
        "properties": {
            "saved_at": STAMP,
            "version": {"type": "integer"},
            "errors": {"type": "array", "items": ref("RefusedChange")},
        },
    },
    "Answer": record(
        {
            "subject": {
                "type": "string",
                "description": "Defendant uuid, witness uuid (the appearance's; the person's for a "
                "checklist item about the witness as a person), or empty for the hearing.",
            },
            "item": {"type": "string", "description": "The checklist item's key."},
            "value": {"type": "string"},
            "note": {"type": "string"},
            "provenance": {"type": "string"},
        }
    ),
    "Witness": record(WITNESS_READ, ["identity", "identity_hidden"]),
    "WitnessInput": writable(
        {
            **field_schemas(fields.WITNESS, True),
            "person": {
                "type": ["string", "null"],
                "description": "A witness person of the trial heard again (its uuid); absent or null: a new "
                "person. Their identity fields can then be changed only by their recorder or a lead.",
            },
        }
    ),
    "WitnessPerson": record(PERSON_READ, ["identity", "identity_hidden", "appearances"]),
    "Allegation": record(ALLEGATION_READ, ["perpetrators", "perpetrators_hidden"]),
    "AllegationInput": writable(field_schemas(fields.ALLEGATION, True)),
    "Note": record({"typed_at": STAMP, "text": {"type": "string"}, "author": UUID}, ["typed_at", "text"]),
    "NoteInput": writable(
        {
            "text": {"type": "string", "minLength": 1, "maxLength": MAX_NOTE, "pattern": r"\S"},
            "typed_at": {
                "type": ["string", "null"],
                "description": "When typing began (ISO 8601 with a zone); now if missing or more than a "
                "day away from the server's clock.",
            },
        },
        ["text"],
    ),
    "Review": record(
        {
            "decision": {"enum": ["approved", "returned", "comment"]},
            "comment": {"type": "string"},
            "answer": {"type": ["string", "null"]},
            "reviewer": UUID,
        }
    ),
}


def listing(description: str, item: str) -> dict:
    return json_response(description, {"type": "array", "items": ref(item)})


def operation(operation_id: str, summary: str, tag: str, responses: dict, **more) -> dict:
    return {"operationId": operation_id, "summary": summary, "tags": [tag], **more, "responses": responses}


MISSION = path_parameter("mission_uuid", "The mission's uuid.")
TRIAL = path_parameter("trial_uuid", "The trial's uuid.")
DEFENDANT = path_parameter("defendant_uuid", "The defendant's uuid.")
HEARING = path_parameter("hearing_uuid", "The hearing's uuid.")
SITTING = path_parameter("sitting_uuid", "The sitting's uuid.")
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The version read (instead of `version` in the body).",
    "schema": {"type": "string", "pattern": r"^(W/)?\"?\d{1,18}\"?$"},
}
READ = errors(401, 403, 404)
WRITE = errors(400, 401, 403, 404, 409, 422)

PATHS: dict[str, dict] = {
    "/missions": {
        "get": operation(
            "listMissions",
            "The missions this user belongs to, all for an administrator (leads, administrators)",
            "missions",
            {"200": listing("The missions.", "Mission"), **errors(401, 403)},
        ),
        "post": operation(
            "createMission",
            "Create a mission; a lead who creates it leads it (leads, administrators)",
            "missions",
            {"201": json_response("The new mission.", ref("Mission")), **errors(400, 401, 403, 422)},
            requestBody=json_request(ref("MissionInput")),
        ),
    },
    "/missions/{mission_uuid}": {
        "parameters": [MISSION],
        "get": operation(
            "getMission",
            "A mission (its leads)",
            "missions",
            {"200": json_response("The mission.", ref("Mission")), **READ},
        ),
        "patch": operation(
            "changeMission",
            "Change a mission's fields (its leads)",
            "missions",
            {"200": json_response("The mission as saved.", ref("Mission")), **WRITE},
            parameters=[IF_MATCH],
            requestBody=json_request(ref("MissionChange")),
        ),
    },
    "/missions/{mission_uuid}/trials": {
        "parameters": [MISSION],
        "get": operation(
            "listMissionTrials",
            "A mission's trials (its leads)",
            "trials",
            {"200": listing("The trials.", "Trial"), **READ},
        ),
        "post": operation(
            "createTrial",
            "Add a trial to a mission (its leads)",
            "trials",
            {"201": json_response("The new trial.", ref("Trial")), **WRITE},
            requestBody=json_request(ref("TrialInput")),
        ),
    },
    "/trials": {
        "get": operation(
            "listMyTrials",
            "The trials this user observes, and those of the missions they lead",
            "trials",
            {"200": listing("The trials.", "Trial"), **errors(401)},
        )
    },
    "/trials/{trial_uuid}": {
        "parameters": [TRIAL],
        "get": operation(
            "getTrial",
            "A trial (leads of its mission, observers assigned to it)",
            "trials",
            {"200": json_response("The trial.", ref("Trial")), **READ},
        ),
        "patch": operation(
            "changeTrial",
            "Change a trial's fields (leads of its mission)",
            "trials",
            {"200": json_response("The trial as saved.", ref("Trial")), **WRITE},
            parameters=[IF_MATCH],
            requestBody=json_request(ref("TrialChange")),
        ),
    },
    "/trials/{trial_uuid}/defendants": {
        "parameters": [TRIAL],
        "get": operation(
            "listDefendants",
            "A trial's defendants in order (leads of its mission, observers assigned to it)",
            "defendants",
            {"200": listing("The defendants.", "Defendant"), **READ},
        ),
        "post": operation(
            "createDefendant",
            "Add a defendant (leads of the trial's mission)",
            "defendants",
            {"201": json_response("The new defendant.", ref("Defendant")), **WRITE},
            requestBody=json_request(ref("DefendantInput")),
        ),
    },
    "/defendants/{defendant_uuid}": {
        "parameters": [DEFENDANT],
        "get": operation(
            "getDefendant",
            "A defendant (leads of the mission)",
            "defendants",
            {"200": json_response("The defendant.", ref("Defendant")), **READ},
        ),
        "patch": operation(
            "changeDefendant",
            "Change a defendant's details (leads of the mission)",
            "defendants",
            {"200": json_response("The defendant as saved.", ref("Defendant")), **WRITE},
            parameters=[IF_MATCH],
            requestBody=json_request(ref("DefendantChange")),
        ),
    },
    "/trials/{trial_uuid}/witnesses": {
        "parameters": [TRIAL],
        "get": operation(
            "listWitnessPersons",
            "A trial's witnesses as persons, each with the sittings they were heard at (leads of its "
            "mission, observers assigned to it; identities only through the gate)",
            "witnesses",
            {"200": listing("The witness persons, first heard first.", "WitnessPerson"), **READ},
        ),
    },
    "/trials/{trial_uuid}/hearings": {
        "parameters": [TRIAL],
        "get": operation(
            "listHearings",
            "A trial's hearings: all for its leads, their own for an observer",
            "hearings",
            {"200": listing("The hearings, newest first.", "Hearing"), **READ},
        ),
        "post": operation(
            "startHearing",
            "Start observing a hearing (observers assigned to the trial)",
            "hearings",
            {"201": json_response("The new draft hearing.", ref("HearingDocument")), **WRITE},
            requestBody=json_request(ref("HearingStart")),
        ),
    },
    "/trials/{trial_uuid}/sittings": {
        "parameters": [TRIAL],
        "get": operation(
            "listSittings",
            "A trial's court sittings, newest first, with their observation counts",
            "hearings",
            {"200": listing("The sittings.", "Sitting"), **READ},
        ),
    },
    "/sittings/{sitting_uuid}": {
        "parameters": [SITTING],
        "get": operation(
            "getSitting",
            "A court sitting with its observations (leads: all; an observer: their own)",
            "hearings",
            {"200": json_response("The sitting.", ref("SittingDocument")), **READ},
        ),
    },
    "/hearings": {
        "get": operation(
            "listMyHearings",
            "The hearings this user observed: returned first, then drafts, submitted, approved",
            "hearings",
            {"200": listing("The hearings.", "Hearing"), **errors(401)},
        )
    },
    "/hearings/{hearing_uuid}": {
        "parameters": [HEARING],
        "get": operation(
            "getHearing",
            "A hearing with everything recorded in it (its observer, the mission's leads)",
            "hearings",
            {"200": json_response("The hearing.", ref("HearingDocument")), **READ},
        ),
        "patch": operation(
            "saveHearing",
            "Save changes to a draft hearing, in the autosave's format (its observer)",
            "hearings",
            {
                "200": json_response(
                    "Saved; changes that were refused are listed in errors.", ref("SaveResult")
                ),
                **WRITE,
            },
            parameters=[IF_MATCH],
            requestBody=json_request(ref("HearingChanges")),
            description="Valid changes are saved even when others in the batch are refused (200, with "
            "`errors`); when every change is refused the answer is 422 with `errors`. A submitted hearing "
            "is locked (409).",
        ),
    },
    "/hearings/{hearing_uuid}/witnesses": {
        "parameters": [HEARING],
        "post": operation(
            "addWitness",
            "Add a witness to a draft hearing, optionally with its fields (its observer)",
            "hearings",
            {"201": json_response("The new witness.", ref("Witness")), **WRITE},
            requestBody=json_request(ref("WitnessInput"), required=False),
        ),
    },
    "/hearings/{hearing_uuid}/allegations": {
        "parameters": [HEARING],
        "post": operation(
            "addAllegation",
            "Add a torture or ill-treatment allegation, optionally with its fields (the observer)",
            "hearings",
            {"201": json_response("The new allegation.", ref("Allegation")), **WRITE},
            requestBody=json_request(ref("AllegationInput"), required=False),
        ),
    },
    "/hearings/{hearing_uuid}/notes": {
        "parameters": [HEARING],
        "post": operation(
            "addNote",
            "Add a running note to a draft hearing (its observer)",
            "hearings",
            {"201": json_response("The note.", ref("Note")), **WRITE},
            requestBody=json_request(ref("NoteInput")),
        ),
    },
    "/hearings/{hearing_uuid}/submit": {
        "parameters": [HEARING],
        "post": operation(
            "submitHearing",
            "Submit a draft hearing for review; it is locked from then on (its observer)",
            "hearings",
            {"200": json_response("The submitted hearing.", ref("HearingDocument")), **WRITE},
            parameters=[IF_MATCH],
        ),
    },
}

openapi.register(PATHS, SCHEMAS)
