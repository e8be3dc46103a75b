"""Case facts and their history: reading a defendant's case file and changing its facts.

A case fact is one (defendant, checklist item): its current value, the source it rests on, where it was
learned (an observation of a sitting, or a document) and who recorded it. Changing it keeps the value it
had as a ``case_fact_history`` entry (who, when, source, where learned, and why it changed), written in
the same transaction through :mod:`monitor.records`. A change carries the version the writer saw: when
someone changed the fact since, nothing is saved and :class:`StaleFact` says which facts.
"""

from dataclasses import dataclass

from sqlite_utils import Database

from .. import records
from ..audit import Actor
from ..checklists import SOURCES, Checklist, Item, case_items
from ..db import atomic
from ..ids import natural_uuid

# Sources that state a fact established by the monitors themselves or by the court's own record; the
# others are what someone alleges or told the mission (counted apart in the findings).
ESTABLISHED = ("observed", "court_record")
MAX_NOTE = 2000
MAX_LEARNED_FROM = 200
MAX_REASON = 500
# The fields of a fact that a change replaces (recorded_by follows whoever makes the change).
FACT_FIELDS = ("value", "note", "source", "learned_at_hearing_uuid", "learned_from")


class CaseFileError(ValueError):
    """A change the rules refuse; the message says why (in English: pages and the API translate codes)."""

    def __init__(self, message: str, code: str = "invalid", keys: tuple[str, ...] = ()):
        super().__init__(message)
        self.code, self.keys = code, keys


class StaleFact(CaseFileError):
    """Someone changed these facts after the writer read them: nothing was saved."""

    def __init__(self, keys: tuple[str, ...]):
        message = f"changed by someone else since you opened it: {', '.join(keys)}; nothing was saved"
        super().__init__(message, "stale", keys)


@dataclass
class Change:
    """One fact as the writer wants it, with the version they saw (0: they saw no fact yet)."""

    item_key: str
    value: str
    note: str = ""
    version: int = 0
    source: str = ""  # blank: the source common to the changes (Learned.source)


@dataclass
class Learned:
    """What a set of changes rests on and why, common to the facts changed together."""

    source: str = ""  # for the facts whose change names none itself
    learned_at_hearing_uuid: str | None = None
    learned_from: str = ""
    reason: str = ""


# Reading ------------------------------------------------------------------------------------------


def facts(db: Database, defendant_id: int) -> dict[str, dict]:
    """The defendant's case facts by item key, with the recorder's name and where they were learned."""
    rows = db.query(
        """
        SELECT case_fact.*, user.display_name AS recorded_by_name, user.uuid AS recorded_by_uuid,
               hearing.hearing_date AS learned_at_date
        FROM case_fact JOIN user ON user.id = case_fact.recorded_by
        LEFT JOIN hearing ON hearing.uuid = case_fact.learned_at_hearing_uuid
        WHERE case_fact.defendant_id = ?
        """,
        [defendant_id],
    )
    return {row["item_key"]: row for row in rows}


def history(db: Database, defendant_id: int) -> dict[str, list[dict]]:
    """Every earlier value of the defendant's facts by item key, newest first."""
    rows = db.query(
        """
        SELECT case_fact_history.*, case_fact.item_key, recorder.display_name AS recorded_by_name,
               changer.display_name AS changed_by_name, recorder.uuid AS recorded_by_uuid,
               changer.uuid AS changed_by_uuid, hearing.hearing_date AS learned_at_date,
               hearing.status AS learned_at_status
        FROM case_fact_history JOIN case_fact ON case_fact.id = case_fact_history.case_fact_id
        JOIN user AS recorder ON recorder.id = case_fact_history.recorded_by
        JOIN user AS changer ON changer.id = case_fact_history.changed_by
        LEFT JOIN hearing ON hearing.uuid = case_fact_history.learned_at_hearing_uuid
        WHERE case_fact.defendant_id = ?
        ORDER BY case_fact_history.recorded_at DESC, case_fact_history.id DESC
        """,
        [defendant_id],
    )
    found: dict[str, list[dict]] = {}
    for row in rows:
        found.setdefault(row["item_key"], []).append(row)
    return found


def disagreements(entries: list[dict]) -> dict[str, list[dict]]:
    """Where the observations moved from v1 answers disagreed on a fact (value → the entries saying it):
    only submitted or approved observations, only answers that say something. Empty when they agree."""
    said: dict[str, list[dict]] = {}
    for entry in entries:
        if (
            entry["answer_uuid"]
            and entry["learned_at_status"] in ("submitted", "approved")
            and entry["value"] not in ("", "not_observed")
        ):
            said.setdefault(entry["value"], []).append(entry)
    return said if len(said) > 1 else {}


def observations(db: Database, trial_id: int) -> list[dict]:
    """The trial's observations a fact may have been learned at, newest first."""
    return list(
        db.query(
            """
            SELECT hearing.uuid, hearing.hearing_date, hearing.status, user.display_name AS observer_name
            FROM hearing JOIN user ON user.id = hearing.observer_id WHERE hearing.trial_id = ?
            ORDER BY hearing.hearing_date DESC, hearing.id DESC
            """,
            [trial_id],
        )
    )


def case_file(db: Database, defendant: dict, checklist: Checklist) -> list[tuple]:
    """The case items grouped by the checklist's stages, each with its fact, history and disagreement:
    ``[(stage, [{"item", "fact", "history", "disagreed"}, …]), …]``."""
    current, earlier = facts(db, defendant["id"]), history(db, defendant["id"])
    items = case_items(checklist)
    groups = []
    for stage in checklist.stages:
        entries = [
            {
                "item": item,
                "fact": current.get(item.key),
                "history": earlier.get(item.key, []),
                "disagreed": disagreements(earlier.get(item.key, [])),
            }
            for item in items
            if item.stage == stage.key
        ]
        if entries:
            groups.append((stage, entries))
    return groups


# Writing ------------------------------------------------------------------------------------------


def change_facts(
    db: Database,
    actor: Actor,
    user: dict,
    defendant: dict,
    checklist: Checklist,
    changes: list[Change],
    learned: Learned,
) -> list[dict]:
    """Apply ``changes`` together (all or nothing); return the facts that really changed.

    Refused with :class:`CaseFileError` (bad value, no source, no reason where a value is replaced, an
    observation of another trial) or :class:`StaleFact` (someone changed a fact since it was read).
    """
    items = {item.key: item for item in case_items(checklist)}
    learned = _clean_learned(db, defendant, learned)
    with atomic(db):
        current = facts(db, defendant["id"])
        stale = tuple(
            c.item_key
            for c in changes
            if c.version != (current[c.item_key]["version"] if c.item_key in current else 0)
        )
        if stale:
            raise StaleFact(stale)
        changed = []
        for change in changes:
            item = items.get(change.item_key)
            if item is None:
                raise CaseFileError(f"{change.item_key!r} is not a fact of the case file", "unknown_item")
            row = _apply(db, actor, user, defendant, item, change, learned, current.get(item.key))
            if row is not None:
                changed.append(row)
    return changed


def _clean_learned(db: Database, defendant: dict, learned: Learned) -> Learned:
    source = (learned.source or "").strip()
    if source and source not in SOURCES:
        raise CaseFileError(f"{source!r} is not a source (expected one of: {', '.join(SOURCES)})", "source")
    hearing_uuid = (learned.learned_at_hearing_uuid or "").strip() or None
    if hearing_uuid is not None:
        hearing = records.get(db, "hearing", hearing_uuid)
        if hearing is None or hearing["trial_id"] != defendant["trial_id"]:
            raise CaseFileError("the observation named is not one of this trial's", "learned_at")
    learned_from, reason = (learned.learned_from or "").strip(), (learned.reason or "").strip()
    if len(learned_from) > MAX_LEARNED_FROM:
        raise CaseFileError(f"“learned from” is longer than {MAX_LEARNED_FROM} characters", "learned_from")
    if len(reason) > MAX_REASON:
        raise CaseFileError(f"the reason is longer than {MAX_REASON} characters", "reason")
    return Learned(source, hearing_uuid, learned_from, reason)


def _apply(
    db: Database,
    actor: Actor,
    user: dict,
    defendant: dict,
    item: Item,
    change: Change,
    learned: Learned,
    fact: dict | None,
) -> dict | None:
    try:
        value = item.validate(change.value)
    except ValueError as error:
        raise CaseFileError(f"{item.key}: {error}", "value", (item.key,)) from error
    note = (change.note or "").strip()
    if len(note) > MAX_NOTE:
        raise CaseFileError(f"{item.key}: the note is longer than {MAX_NOTE} characters", "note", (item.key,))
    own_source = (change.source or "").strip()
    if own_source and own_source not in SOURCES:
        raise CaseFileError(f"{own_source!r} is not a source", "source", (item.key,))
    source = own_source or learned.source
    same = fact is not None and (fact["value"], fact["note"]) == (value, note)
    if fact is not None and same and (not own_source or own_source == fact["source"]):
        return None  # nothing new about this fact: its source and history stay as they are
    if fact is None and not value and not note:
        return None
    if (value or note) and not source:
        raise CaseFileError(f"{item.key}: say where this was learned (its source)", "source", (item.key,))
    new = {
        "value": value,
        "note": note,
        "source": source if (value or note) else "",
        "learned_at_hearing_uuid": learned.learned_at_hearing_uuid,
        "learned_from": learned.learned_from,
        "recorded_by": user["id"],
    }
    if fact is None:
        return records.insert(
            db,
            "case_fact",
            actor,
            {
                "uuid": natural_uuid(defendant["uuid"], item.key),
                "defendant_id": defendant["id"],
                "item_key": item.key,
                **new,
            },
        )
    if fact["value"] or fact["note"]:
        if not learned.reason:
            raise CaseFileError(
                f"{item.key}: say why the recorded value changes (a reason)", "reason", (item.key,)
            )
        keep_earlier(db, actor, fact, user["id"], learned.reason)
    return records.update(db, "case_fact", actor, fact, new)


def keep_earlier(db: Database, actor: Actor, fact: dict, changed_by: int, reason: str) -> dict:
    """Keep ``fact`` as it stands as an earlier value, before it is replaced (also by a lead resolving a
    sync conflict over it)."""
    return records.insert(
        db,
        "case_fact_history",
        actor,
        {
            "case_fact_id": fact["id"],
            **{name: fact[name] for name in FACT_FIELDS},
            "recorded_by": fact["recorded_by"],
            "recorded_at": fact["updated_at"],
            "changed_by": changed_by,
            "reason": reason,
        },
    )
