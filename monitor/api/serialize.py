"""Records as the API shows them: addressed by uuid, never by integer id, each with its version and times.

Integer keys stay on this machine: a trial names its mission's uuid, a hearing its observer's uuid, and
so on. JSON list columns come out as lists and flags as booleans, the same values the writes accept.
"""

from sqlite_utils import Database

from .. import records
from ..missions import declarations
from ..missions import records as missions
from ..observe import fields

RECORD = ("uuid", "version", "created_at", "updated_at")
# The columns shown come from the declarations (monitor/missions/declarations.py).
MISSION = declarations.MISSION.stored
TRIAL = declarations.TRIAL.stored
DEFENDANT = declarations.DEFENDANT.stored
HEARING = (*fields.HEARING, "status", "checklist_id", "checklist_version", "submitted_at")


def _pick(row: dict, names) -> dict:
    return {name: row[name] for name in (*RECORD, *names)}


class People:
    """User uuids and display names by integer id, looked up once per request."""

    def __init__(self, db: Database):
        self.db = db
        self.known: dict[int, dict] = {}
        self.sittings: dict[int | None, str | None] = {}

    def __call__(self, user_id: int) -> dict:
        if user_id not in self.known:
            row = records.get_by_id(self.db, "user", user_id) or {"uuid": None, "display_name": ""}
            self.known[user_id] = {"uuid": row["uuid"], "display_name": row["display_name"]}
        return self.known[user_id]

    def sitting(self, sitting_id: int | None) -> str | None:
        """The uuid of a sitting by its integer id (cached, as the people are)."""
        if sitting_id not in self.sittings:
            row = records.get_by_id(self.db, "sitting", sitting_id) if sitting_id else None
            self.sittings[sitting_id] = row["uuid"] if row else None
        return self.sittings[sitting_id]


def mission(row: dict) -> dict:
    return {**_pick(row, MISSION), "checklist": f"{row['checklist_id']}:{row['checklist_version']}"}


def trial(row: dict, mission_uuid: str) -> dict:
    return {**_pick(row, TRIAL), "mission": mission_uuid}


def defendant(row: dict, trial_uuid: str) -> dict:
    return {
        **_pick(row, DEFENDANT),
        "trial": trial_uuid,
        "conviction_basis": records.as_list(row["conviction_basis"]),
        "custody_hours": missions.custody_hours(row),
    }


def hearing(row: dict, trial_uuid: str, people: People) -> dict:
    observer = people(row["observer_id"])
    return {
        **_pick(row, HEARING),
        "trial": trial_uuid,
        "sitting": people.sitting(row.get("sitting_id")),
        "observer": observer["uuid"],
        "observer_name": observer["display_name"],
    }


def _values(row: dict, specs: dict[str, fields.Field]) -> dict:
    """A witness's or allegation's fields as the autosave takes them: lists as lists, flags as booleans."""
    out = {}
    for name, spec in specs.items():
        value = row[name]
        if spec.kind in ("multi", "refs"):
            value = records.as_list(value)
        elif spec.kind == "flag":
            value = bool(value)
        out[name] = value
    return out


def witness(row: dict, show_identity: bool, people: People) -> dict:
    """A witness heard at a hearing (the appearance: its uuid) with its person's fields; an anonymous
    witness's identity only for those who may see it (else null)."""
    values = _values(row, fields.WITNESS)
    if not show_identity:
        values["identity"] = None
    return {
        **_pick(row, ()),
        **values,
        "identity_hidden": not show_identity,
        "recorded_by": people(row["recorded_by"])["uuid"],
        "person": row["person_uuid"],
        "heard": row["heard"],
    }


PERSON_FIELDS = {name: spec for name, spec in fields.WITNESS.items() if name not in fields.APPEARANCE}


def witness_person(row: dict, show_identity: bool, people: People) -> dict:
    """A witness as a person of the trial, with the sittings they were heard at."""
    values = _values(row, PERSON_FIELDS)
    if not show_identity:
        values["identity"] = None
    return {
        **_pick(row, ()),
        **values,
        "identity_hidden": not show_identity,
        "recorded_by": people(row["recorded_by"])["uuid"],
        "review": row["review"],
        "appearances": [
            {
                "uuid": a["uuid"],
                "hearing": a["hearing_uuid"],
                "hearing_date": a["hearing_date"],
                "observer": a["observer_name"],
            }
            for a in row["appearances"]
        ],
    }


def allegation(row: dict, show_perpetrators: bool = True) -> dict:
    """An allegation; the perpetrators it names only for those who may see them (else null)."""
    values = _values(row, fields.ALLEGATION)
    if not show_perpetrators:
        values["perpetrators"] = None
    return {**_pick(row, ()), **values, "perpetrators_hidden": not show_perpetrators}


def answer(row: dict) -> dict:
    return {
        **_pick(row, ()),
        "subject": row["subject_uuid"],
        "item": row["item_key"],
        "value": row["value"],
        "note": row["note"],
        "provenance": row["provenance"],
    }


def note(row: dict, people: People) -> dict:
    return {
        **_pick(row, ()),
        "typed_at": row["typed_at"],
        "text": row["text"],
        "author": people(row["author_id"])["uuid"],
    }


def review(row: dict, people: People) -> dict:
    return {
        **_pick(row, ()),
        "decision": row["decision"],
        "comment": row["comment"],
        "answer": row["answer_uuid"] or None,
        "reviewer": people(row["reviewer_id"])["uuid"],
    }


def presence(row: dict) -> dict:
    return {"defendant": row["uuid"], "name": row["name"], "present": bool(row["present"])}


SITTING = ("sitting_date", "session", "courtroom", "judge")


def sitting(row: dict, trial_uuid: str) -> dict:
    """A court sitting; ``observations`` (all of them) and ``counted`` (submitted or approved) when the
    row carries those counts."""
    data = {**_pick(row, SITTING), "trial": trial_uuid}
    for name in ("observations", "counted"):
        if name in row:
            data[name] = row[name]
    return data


def reconciliation(row: dict, people: People) -> dict:
    decided = people(row["decided_by"])
    return {
        **_pick(row, ("subject_uuid", "item_key", "value", "reason")),
        "decided_by": decided["uuid"],
        "decided_by_name": decided["display_name"],
    }
