"""A lead's legal assessment of a trial: a conclusion per right, with reasoning and references, and an
overall fairness grade on the scale of docs/follow_up.md — kept apart from the observers' answers.

The rights are the sections of the mission's checklist (its stages), each with the international
standards its questions cite, so the assessment follows the order of the trial report's findings. Each
row is changed in place through :mod:`monitor.records` (a new version, an audit entry with the value
before and after); its uuid is natural (trial, right), so two laptops assessing the same right make the
same record and sync turns a difference into a conflict for a lead.
"""

from sqlite_utils import Database

from .. import records
from ..audit import Actor
from ..db import atomic
from ..ids import natural_uuid

CONCLUSIONS = ("respected", "concerns", "violated", "not_assessed")
GRADES = ("fair", "fair_with_concerns", "unfair")
OVERALL = ""  # the right_key of the trial's overall grade
MAX_REASONING, MAX_REFS = 5000, 500
FIELDS = ("right_key", "conclusion", "reasoning", "refs")


class AssessmentError(ValueError):
    def __init__(self, code: str, right_key: str = ""):
        super().__init__(code)
        self.code = code
        self.right_key = right_key


def rights(checklist) -> list[dict]:
    """The rights assessed: the checklist's stages, each with the references its questions cite."""
    out = []
    for stage in checklist.stages:
        refs: list[str] = []
        for item in checklist.items:
            if item.stage == stage.key:
                refs += [r for r in item.refs if r not in refs]
        out.append({"key": stage.key, "label": stage.label, "refs": refs})
    return out


def assessment_uuid(trial_uuid: str, right_key: str) -> str:
    return natural_uuid(trial_uuid, "legal-assessment", right_key)


def current(db: Database, trial_id: int) -> dict[str, dict]:
    """right_key → the row, with who recorded it."""
    rows = db.query(
        "SELECT legal_assessment.*, user.uuid AS recorded_by_uuid,"
        " coalesce(nullif(user.display_name, ''), user.username) AS recorded_by_name"
        " FROM legal_assessment JOIN user ON user.id = legal_assessment.recorded_by WHERE trial_id = ?",
        [trial_id],
    )
    return {row["right_key"]: row for row in rows}


def clean(values: dict, known: set[str]) -> dict:
    out = {name: str(values.get(name) or "").strip() for name in FIELDS}
    key = out["right_key"]
    if key != OVERALL and key not in known:
        raise AssessmentError("right", key)
    allowed = GRADES if key == OVERALL else CONCLUSIONS
    if out["conclusion"] not in allowed:
        raise AssessmentError("conclusion", key)
    if len(out["reasoning"]) > MAX_REASONING:
        raise AssessmentError("reasoning", key)
    if len(out["refs"]) > MAX_REFS:
        raise AssessmentError("refs", key)
    if out["conclusion"] in ("violated", "concerns", "unfair", "fair_with_concerns") and not out["reasoning"]:
        raise AssessmentError("reasoning_needed", key)
    return out


def save(
    db: Database, actor: Actor, user: dict, trial: dict, checklist, entries: list[dict], uuids=None
) -> list[dict]:
    """Record or change the conclusions in ``entries`` (all or none: the first wrong one refuses them all).

    An entry with an empty conclusion and nothing else leaves that right as it is. Returns the rows that
    changed."""
    known = {r["key"] for r in rights(checklist)}
    cleaned = []
    for entry in entries:
        if not any(str(entry.get(k) or "").strip() for k in ("conclusion", "reasoning", "refs")):
            continue
        cleaned.append(clean(entry, known))
    changed = []
    with atomic(db):
        existing = current(db, trial["id"])
        for fields in cleaned:
            row = existing.get(fields["right_key"])
            if row is None:
                row = records.insert(
                    db,
                    "legal_assessment",
                    actor,
                    {
                        "uuid": (uuids or {}).get(fields["right_key"])
                        or assessment_uuid(trial["uuid"], fields["right_key"]),
                        "trial_id": trial["id"],
                        **fields,
                        "recorded_by": user["id"],
                    },
                )
                changed.append(row)
                continue
            changes = {k: fields[k] for k in ("conclusion", "reasoning", "refs")}
            if all(row[k] == v for k, v in changes.items()):
                continue
            plain = records.existing(db, "legal_assessment", row["id"])
            changed.append(
                records.update(db, "legal_assessment", actor, plain, {**changes, "recorded_by": user["id"]})
            )
    return changed


def for_report(db: Database, trial_uuid: str, checklist, profile: str) -> dict | None:
    """The trial's assessment as a report shows it, or None when there is none. Who assessed is named in
    the internal edition only; the public edition keeps the conclusions and references, not the reasoning
    (free text may name people, as every free text in a public export)."""
    trial = records.get(db, "trial", trial_uuid)
    rows = current(db, trial["id"]) if trial else {}
    if not rows:
        return None
    entries = []
    for right in rights(checklist):
        row = rows.get(right["key"])
        if row:
            entries.append(_shown(right["key"], right["label"], row, profile))
    overall = rows.get(OVERALL)
    return {
        "rights": entries,
        "overall": _shown(OVERALL, None, overall, profile) if overall else None,
    }


def _shown(key: str, label, row: dict, profile: str) -> dict:
    return {
        "key": key,
        "label": label,
        "conclusion": row["conclusion"],
        "reasoning": "" if profile == "public" else row["reasoning"],
        "refs": row["refs"],
        "recorded_by": row["recorded_by_name"] if profile == "internal" else "",
        "updated_at": row["updated_at"][:10] if profile == "internal" else "",
    }
