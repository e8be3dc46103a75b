"""Choosing what goes into a bundle and writing it.

Three kinds of bundle, each for one mission:

- ``setup`` — a mission's set-up (mission, members, trials, assignments, defendants) for a new laptop: all
  of it from a lead, only the trials they observe for an observer;
- ``trial`` — one whole trial: its set-up and the hearings the exporter may read, with everything in them;
- ``pull`` — what a laptop pulls: the set-up, and the hearings its person observed as they stand on the
  server (a lead's return and comments come back this way);
- ``changes`` — everything the exporter may send that this machine has not sent or received in that form
  ("new since my last sync"): a record is pending while its content hash is not in ``sync_seen``.

An observer sends only their own hearings and what is in them; set-up records travel from leads.

What the sender may not receive never leaves in a bundle (the identity gate in monitor.permissions): an
administrator who is not a lead of the mission sends anonymous witnesses' identities and named
perpetrators blank — also inside kept revisions — and the manifest's ``withheld`` names those fields
("witness.identity", "allegation.perpetrators", "hearing_revision.snapshot"), so the receiving side keeps
its own values instead of taking the blanks. Such a record is not marked as sent: it stays pending until
someone who may send it whole does.
"""

import itertools
import json
import uuid as uuidlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlite_utils import Database

from .. import records, sensitive
from ..anchors import manifest_anchor
from ..audit import HASHED_FIELDS, canonical_json
from ..db import atomic, utcnow
from ..permissions import evidence_rights, membership, receives_identities
from .bundle import Builder
from .content import CASE_FILE, KINDS, ORDER, Kind, Reader, content_hash

WHATS = ("changes", "trial", "setup")  # what a person may choose to export; "pull" is what sync pull gets
SETUP = ("mission", "trial", "defendant")
# The recommendations register (issue #14): sent by a lead (or an administrator) with every bundle but a
# set-up; the country's recommendations and statistics with the mission that reports on the country.
REGISTER = (
    "mission_country",
    "recommendation",
    "official_statistic",
    "assessment",
    "assessment_link",
    "submission_theme",
)
HEARINGS_PER_PUSH = 50  # a push sends hearings in bundles of this many, so a cut connection loses little


class ExportError(ValueError):
    """The export asked for is not possible (e.g. set-up by an observer); the message says why."""


def sender_role(db: Database, user: dict, mission: dict) -> str | None:
    """The user's part in the mission on this machine: their membership, else 'lead' for an administrator
    (an administrator who is an observer member sends as an observer). An administrator sends the
    records a lead would, less what only leads may receive (see :class:`Withholding`)."""
    return membership(db, mission["id"], user) or ("lead" if user["role"] == "admin" else None)


class Withholding:
    """Takes out of a bundle's records what its sender may not receive: an anonymous witness's identity
    and named perpetrators (also inside a kept revision's snapshot), unless the sender is a lead of the
    mission or the observer who recorded them. The record's hash is made again from what it carries."""

    def __init__(self, db: Database, user: dict, mission: dict):
        self.db, self.user, self.mission = db, user, mission
        self.lead = receives_identities(db, mission["id"], user)
        # someone who sends everyone's records without being a lead: an administrator
        self.sends_others = not self.lead and sender_role(db, user, mission) == "lead"
        self.fields: set[str] = set()
        self._receives: dict[str | None, bool] = {}
        self._observers: dict[str | None, str | None] = {}
        self._witnesses: dict[str | None, dict | None] = {}

    def receives(self, recorder: str | None) -> bool:
        if self.lead:
            return True
        if recorder not in self._receives:
            self._receives[recorder] = receives_identities(self.db, self.mission["id"], self.user, recorder)
        return self._receives[recorder]

    def record(self, kind: Kind, record: dict) -> tuple[dict, list[str]]:
        """The record as it may leave (a copy when something was taken out), and what was taken out."""
        if self.lead or kind.name not in ("witness", "allegation", "hearing_revision"):
            return record, []
        content = dict(record["content"])
        if kind.name == "hearing_revision":
            withheld = self._snapshot(content)
        else:
            if kind.name == "witness":
                recorder = content.get("recorded_by_uuid")
            else:
                recorder = self._observer(content.get("hearing_uuid"))
            names = [] if self.receives(recorder) else sensitive.withheld_from(kind.name, content)
            for name in names:
                content[name] = ""
            withheld = [f"{kind.name}.{name}" for name in names]
        if not withheld:
            return record, []
        self.fields.update(withheld)
        return {**record, "content": content, "hash": content_hash(content)}, withheld

    def _snapshot(self, content: dict) -> list[str]:
        if not content.get("snapshot"):
            return []
        observer = self._observer(content.get("hearing_uuid"))
        changed = []

        def blank(table: str, record_uuid: str | None, values: dict) -> None:
            if table == "hearing":
                return
            recorder, anonymous_now = observer, False
            if table == "witness":
                here = self._witness(record_uuid)
                recorder = (here or {}).get("recorded_by") or observer
                anonymous_now = bool((here or {}).get("anonymous"))
            if self.receives(recorder):
                return
            names = sensitive.withheld_from(
                table, {**values, "anonymous": values.get("anonymous") or anonymous_now}
            )
            for name in names:
                values[name] = ""
            changed.extend(names)

        try:
            snapshot = sensitive.map_snapshot(content["snapshot"], blank)
        except ValueError:  # not JSON: nothing in it can be read, nothing of it is sent
            snapshot, changed = {}, ["snapshot"]
        if not changed:
            return []
        content["snapshot"] = sensitive.snapshot_text(snapshot)
        return ["hearing_revision.snapshot"]

    def _observer(self, hearing_uuid: str | None) -> str | None:
        """The uuid of the account that observed a hearing (the recorder of what is in it)."""
        if hearing_uuid not in self._observers:
            row = next(
                self.db.query(
                    "SELECT user.uuid FROM hearing JOIN user ON user.id = hearing.observer_id "
                    "WHERE hearing.uuid = ?",
                    [hearing_uuid],
                ),
                None,
            )
            self._observers[hearing_uuid] = row["uuid"] if row else None
        return self._observers[hearing_uuid]

    def _witness(self, witness_uuid: str | None) -> dict | None:
        if witness_uuid not in self._witnesses:
            self._witnesses[witness_uuid] = next(
                self.db.query(
                    "SELECT user.uuid AS recorded_by, witness.anonymous FROM witness_appearance "
                    "JOIN witness ON witness.id = witness_appearance.witness_id "
                    "JOIN user ON user.id = witness.recorded_by WHERE witness_appearance.uuid = ?",
                    [witness_uuid],
                ),
                None,
            )
        return self._witnesses[witness_uuid]

    def audit_entry(self, entry: dict) -> bool:
        """Whether an audit entry may travel. From an administrator outside the mission's leads (or in a
        bundle that withholds anything) not one written before keyed hashes that holds a sensitive value
        in clear or as a plain SHA-256: such an entry cannot be masked without breaking its hash."""
        if not (self.fields or self.sends_others):
            return True
        return not sensitive.carries_clear_value(entry)


def _rows_sql(kind: Kind, mission_id: int, trial_id: int | None, observer_id: int | None) -> tuple[str, dict]:
    """SQL for the rows of one kind in a mission (one trial's, one observer's hearings), unordered."""
    where, params = ["trial.mission_id = :m"], {"m": mission_id, "t": trial_id, "o": observer_id}
    if trial_id is not None:
        where.append("trial.id = :t")
    if kind.name == "mission":
        return "SELECT * FROM mission WHERE id = :m", params
    if kind.name == "trial":
        return "SELECT trial.* FROM trial WHERE " + " AND ".join(where), params  # noqa: S608
    if kind.name == "defendant":
        sql = "SELECT defendant.* FROM defendant JOIN trial ON trial.id = defendant.trial_id WHERE "
        return sql + " AND ".join(where), params
    if kind.name in CASE_FILE:
        return _case_file_sql(kind, where, observer_id), params
    if kind.name == "evidence":  # the mission's files; an observer's: those they attached
        sql = "SELECT evidence.* FROM evidence JOIN trial ON trial.id = evidence.trial_id WHERE "
        sql += " AND ".join(where) + (" AND evidence.recorded_by = :o" if observer_id is not None else "")
        return sql, params
    if kind.name in ("follow_up", "legal_assessment"):  # a lead's (issue #14): one's own otherwise
        table = f"[{kind.name}]"
        sql = f"SELECT {table}.* FROM {table} JOIN trial ON trial.id = {table}.trial_id WHERE "  # noqa: S608
        sql += " AND ".join(where) + (f" AND {table}.recorded_by = :o" if observer_id is not None else "")
        return sql, params
    if kind.name in REGISTER:  # the recommendations register (issue #14): a lead's, never an observer's
        country = "country = (SELECT country_code FROM mission_country WHERE mission_id = :m)"
        condition = {  # the country's recommendations and figures; the mission's assessments and links
            "recommendation": country,
            "official_statistic": country,
            "assessment_link": "assessment_id IN (SELECT id FROM assessment WHERE mission_id = :m)",
        }.get(kind.name, "mission_id = :m")
        return f"SELECT * FROM [{kind.name}] WHERE {condition}", params  # noqa: S608 (constant pieces)
    if kind.name in ("sitting", "reconciliation"):
        # the mission's sittings; an observer's: those of sittings they observed
        mine = " AND sitting.id IN (SELECT sitting_id FROM hearing WHERE observer_id = :o)"
        conditions = " AND ".join(where)
        sql = f"SELECT sitting.* FROM sitting JOIN trial ON trial.id = sitting.trial_id WHERE {conditions}"  # noqa: S608
        sql += mine if observer_id is not None else ""
        if kind.name == "reconciliation":
            sql = f"SELECT reconciliation.* FROM reconciliation WHERE sitting_id IN (SELECT id FROM ({sql}))"  # noqa: S608
        return sql, params
    if observer_id is not None:
        where.append("hearing.observer_id = :o")
    conditions = " AND ".join(where)
    sql = f"SELECT hearing.* FROM hearing JOIN trial ON trial.id = hearing.trial_id WHERE {conditions}"  # noqa: S608
    if kind.name == "witness":  # the persons heard at the hearings chosen
        sql = (
            "SELECT witness.* FROM witness WHERE id IN (SELECT witness_id FROM witness_appearance "  # noqa: S608
            f"WHERE hearing_id IN (SELECT id FROM ({sql})))"
        )
    elif kind.name != "hearing":
        sql = f"SELECT [{kind.name}].* FROM [{kind.name}] WHERE hearing_id IN (SELECT id FROM ({sql}))"  # noqa: S608
    return sql, params


def _case_file_sql(kind: Kind, where: list[str], observer_id: int | None) -> str:
    """A trial's case facts (or their earlier values), each with its trial's id; one person's only
    (those they recorded, the earlier values they replaced) when ``observer_id`` is given."""
    sql = (
        "SELECT case_fact.*, defendant.trial_id AS trial_id FROM case_fact "
        if kind.name == "case_fact"
        else "SELECT case_fact_history.*, defendant.trial_id AS trial_id FROM case_fact_history "
        "JOIN case_fact ON case_fact.id = case_fact_history.case_fact_id "
    )
    sql += (
        "JOIN defendant ON defendant.id = case_fact.defendant_id JOIN trial ON trial.id = defendant.trial_id"
    )
    if observer_id is not None:
        column = "recorded_by" if kind.name == "case_fact" else "changed_by"
        where = [*where, f"[{kind.name}].{column} = :o"]
    return f"{sql} WHERE {' AND '.join(where)}"  # noqa: S608 (constant pieces)


def _rows(
    db: Database, kind: Kind, mission_id: int, trial_id: int | None, observer_id: int | None
) -> Iterator[dict]:
    """The rows of one kind, in a stable order (by id)."""
    sql, params = _rows_sql(kind, mission_id, trial_id, observer_id)
    yield from db.query(f"SELECT * FROM ({sql}) ORDER BY id", params)  # noqa: S608 (constant pieces)


@dataclass
class Selection:
    """The records chosen for a bundle, each with its content already read and hashed."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    sent: list[tuple[str, str, str, int]] = field(default_factory=list)  # (uuid, type, hash, version)

    def add(self, kind: Kind, record: dict) -> None:
        self.records.setdefault(kind.name, []).append(record)
        self.sent.append((record["uuid"], kind.name, record["hash"], record["version"]))

    def count(self) -> int:
        return sum(len(v) for v in self.records.values())

    def __iter__(self) -> Iterator[tuple[Kind, dict]]:
        for name in ORDER:
            for record in self.records.get(name, []):
                yield KINDS[name], record


def stream(
    db: Database,
    user: dict,
    mission: dict,
    what: str,
    *,
    trial: dict | None = None,
    only_kinds: tuple[str, ...] = ORDER,
) -> Iterator[tuple[Kind, dict]]:
    """The records of a bundle of kind ``what`` that ``user`` may send, read one at a time, parents first."""
    leads, kinds = _plan(db, user, mission, what, trial, only_kinds)
    reader = Reader(db)
    known = _known_hashes(db) if what == "changes" else {}
    assigned = None if leads else _assigned_trials(db, user)
    for name in kinds:
        kind = KINDS[name]
        # An observer pulls every witness person of the trials they observe (to record one heard again),
        # identities withheld by the gate; they send only the persons they recorded.
        everyone = name in SETUP or (leads and what != "pull") or (name == "witness" and what == "pull")
        observer = None if everyone else user["id"]
        if name in CASE_FILE:  # the whole case file of the trials one may read; one's own changes to send
            observer = user["id"] if what == "changes" and not leads else None
        trial_id = trial["id"] if trial is not None else None
        for row in _rows(db, kind, mission["id"], trial_id, observer):
            if (
                assigned is not None
                and name in ("trial", "defendant", "witness", *CASE_FILE)
                and (row["id"] if name == "trial" else row["trial_id"]) not in assigned
            ):
                continue  # an observer's set-up holds only the trials they observe
            if name == "witness" and not leads and what != "pull" and row["recorded_by"] != user["id"]:
                continue
            if name == "evidence" and not _reads_evidence(db, user, row):
                continue  # a file on a witness or an allegation never leaves with someone who may not see it
            if what == "changes":
                cached = known.get(row["uuid"])
                if kind.cheap_version and cached and cached[1] == row["version"] and cached[2]:
                    continue  # unchanged since it last crossed: its hash is already known there
            record = reader.record(kind, row)
            if what == "changes" and _seen(db, row["uuid"], record["hash"]):
                continue
            yield kind, record
        if name == "evidence" and what == "changes":
            yield from removed_files(db, user, mission, leads)


def removed_files(db: Database, user: dict, mission: dict, leads: bool) -> Iterator[tuple[Kind, dict]]:
    """Files removed here with a draft's witness or allegation after they had crossed: each leaves once
    more, withdrawn (the tombstone its ``evidence.remove`` audit entry keeps), so it is withdrawn there."""
    trials = {row["uuid"] for row in db.query("SELECT uuid FROM trial WHERE mission_id = ?", [mission["id"]])}
    for entry in db.query(  # from the files that crossed and are gone here (audit_record index)
        "SELECT audit.after FROM sync_record JOIN audit ON audit.record_uuid = sync_record.uuid "
        "WHERE sync_record.record_type = 'evidence' AND audit.action = 'evidence.remove' "
        "AND audit.after IS NOT NULL AND NOT EXISTS (SELECT 1 FROM evidence WHERE evidence.uuid = "
        "sync_record.uuid) ORDER BY audit.id"
    ):
        record = json.loads(entry["after"]).get("withdrawal")
        if not record or record["content"].get("trial_uuid") not in trials:
            continue
        if not leads and record["content"].get("recorded_by_uuid") != user["uuid"]:
            continue  # an observer withdraws only what they attached
        if not _seen(db, record["uuid"], record["hash"]):
            yield KINDS["evidence"], record


def _plan(db, user, mission, what, trial, only_kinds) -> tuple[bool, list[str]]:
    if what not in (*WHATS, "pull"):
        raise ExportError(f"Unknown kind of bundle: {what}.")
    role = sender_role(db, user, mission)
    if role is None:
        raise ExportError("You are not a member of this mission.")
    if what == "trial" and trial is None:
        raise ExportError("Choose the trial to export.")
    leads = role == "lead"
    kinds = [k for k in only_kinds if ((k in SETUP) or what != "setup") and (leads or k not in REGISTER)]
    if what == "changes" and not leads:
        kinds = [k for k in kinds if k not in SETUP and k not in ("review", "reconciliation")]
    return leads, kinds


def select(db: Database, user: dict, mission: dict, what: str, **options) -> Selection:
    """:func:`stream`, held in memory (a push splits it into bundles; a page lists it)."""
    chosen = Selection()
    for kind, record in stream(db, user, mission, what, **options):
        chosen.add(kind, record)
    return chosen


def _reads_evidence(db: Database, user: dict, row: dict) -> bool:
    from ..evidence.records import target_of

    target_type, target_id = target_of(row)
    return evidence_rights(db, target_type, records.existing(db, target_type, target_id), user)[0]


def _assigned_trials(db: Database, user: dict) -> set[int]:
    return {
        r["trial_id"] for r in db.query("SELECT trial_id FROM trial_observer WHERE user_id = ?", [user["id"]])
    }


def _known_hashes(db: Database) -> dict[str, tuple[str, int, bool]]:
    """uuid → (last synced hash, local version then, whether that hash is in sync_seen)."""
    return {
        row["uuid"]: (row["hash"], row["version"], bool(row["seen"]))
        for row in db.query(
            "SELECT sync_record.*, EXISTS (SELECT 1 FROM sync_seen WHERE sync_seen.uuid = sync_record.uuid "
            "AND sync_seen.hash = sync_record.hash) AS seen FROM sync_record"
        )
    }


def _seen(db: Database, record_uuid: str, record_hash: str) -> bool:
    return (
        next(
            db.query("SELECT 1 FROM sync_seen WHERE uuid = ? AND hash = ?", [record_uuid, record_hash]), None
        )
        is not None
    )


def pending_counts(db: Database, user: dict, mission: dict) -> dict[str, int]:
    """About how many records of each type ``user`` would send in a ``changes`` bundle now: those changed
    since they last crossed (by version, without reading every answer; the bundle itself compares hashes)."""
    try:
        leads, kinds = _plan(db, user, mission, "changes", None, ORDER)
    except ExportError:
        return {}
    counts = {}
    for name in kinds:
        kind = KINDS[name]
        if not kind.cheap_version:  # a mission or trial: few, and their members are not versioned
            number = sum(1 for _pair in stream(db, user, mission, "changes", only_kinds=(name,)))
        else:
            observer = None if leads or name in SETUP else user["id"]
            sql, params = _rows_sql(kind, mission["id"], None, observer)
            number = db.execute(
                f"SELECT count(*) FROM ({sql}) AS row LEFT JOIN sync_record ON sync_record.uuid = row.uuid "  # noqa: S608
                "WHERE sync_record.uuid IS NULL OR sync_record.version != row.version",
                params,
            ).fetchone()[0]
        if name == "evidence":  # and the withdrawals of files removed here with a draft's record
            number += sum(1 for _pair in removed_files(db, user, mission, leads))
        if number:
            counts[name] = number
    return counts


def build(
    db: Database,
    user: dict,
    mission: dict,
    records: Iterable[tuple[Kind, dict]],
    what: str,
    *,
    trial: dict | None = None,
    passphrase: str | None = None,
) -> tuple[bytes, dict, list]:
    """The bundle file for these records (in :data:`ORDER`), its manifest, and what it carries as
    ``(uuid, type, hash, version)`` for :func:`mark_sent`. Records are written as they come."""
    manifest = {
        "bundle_uuid": str(uuidlib.uuid4()),
        "created_at": utcnow(),
        "audit_anchor": manifest_anchor(db),  # the sender's audit log head: an anchor kept elsewhere
        "kind": what,
        "mission": {"uuid": mission["uuid"], "name": mission["name"]},
        "trial": trial["uuid"] if trial else None,
        "checklist": {"id": mission["checklist_id"], "version": mission["checklist_version"]},
        "author": {"uuid": user["uuid"], "username": user["username"], "display_name": user["display_name"]},
    }
    builder = Builder(manifest)
    sent, people, carried_uuids = [], {user["uuid"]}, []
    withholding = Withholding(db, user, mission)

    def carried(kind_records: Iterable[tuple[Kind, dict]]) -> Iterator[dict]:
        for kind, full in kind_records:
            record, withheld = withholding.record(kind, full)
            record["history"] = _history(db, record["uuid"], full["hash"])
            carried_uuids.append(record["uuid"])
            if not withheld:  # a record sent without what was withheld has not really crossed
                sent.append((record["uuid"], kind.name, record["hash"], record["version"]))
            people.update(_people(kind, record["content"]))
            yield record

    for name, group in itertools.groupby(records, key=lambda pair: pair[0].name):
        builder.add_records(name, carried(group))
    builder.add_users(_users(db, people))
    builder.add_audit(entry for entry in _audit(db, carried_uuids) if withholding.audit_entry(entry))
    manifest["withheld"] = sorted(withholding.fields)  # written with the manifest, by builder.build
    return builder.build(passphrase), {**manifest, "counts": builder.counts()}, sent


def _people(kind: Kind, content: dict) -> set[str]:
    found = {content[key] for _column, key in kind.people if content.get(key)}
    if kind.name == "mission":
        found.update(uuid for uuid, _role in content["members"])
    elif kind.name == "trial":
        found.update(content["observers"])
    return found


def _history(db: Database, record_uuid: str, current: str) -> list[str]:
    return sorted(
        row["hash"]
        for row in db.query("SELECT hash FROM sync_seen WHERE uuid = ?", [record_uuid])
        if row["hash"] != current
    )


def _users(db: Database, wanted: set[str]) -> list[dict]:
    """The accounts the records name: uuid, user name, display name, kind of account."""
    placeholders = ",".join("?" * len(wanted))
    return [
        {
            "uuid": row["uuid"],
            "username": row["username"],
            "display_name": row["display_name"],
            "role": "lead" if row["role"] in ("lead", "admin") else "observer",
        }
        for row in db.query(
            f"SELECT uuid, username, display_name, role FROM user "  # noqa: S608 (placeholders only)
            f"WHERE uuid IN ({placeholders}) ORDER BY uuid",
            sorted(wanted),
        )
    ]


def _audit(db: Database, uuids: list[str]) -> Iterator[dict]:
    """The audit entries about these records, as they are in the chain here (by record, then order)."""
    columns = ", ".join(f"[{name}]" for name in (*HASHED_FIELDS, "hash"))
    for start in range(0, len(uuids), 500):
        chunk = uuids[start : start + 500]
        yield from db.query(
            f"SELECT {columns} FROM audit WHERE record_uuid IN ({','.join('?' * len(chunk))}) "  # noqa: S608 (constant columns, placeholders)
            "ORDER BY id",
            chunk,
        )


def mark_sent(db: Database, sent: list, manifest: dict, peer: str, user: dict) -> None:
    """Remember that these versions left this machine, so a ``changes`` bundle does not send them again."""
    with atomic(db):
        _mark_sent(db, sent, manifest, peer, user)


def _mark_sent(db: Database, sent: list, manifest: dict, peer: str, user: dict) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO sync_seen (uuid, hash) VALUES (?, ?)", [(u, h) for u, _t, h, _v in sent]
    )
    db.conn.executemany(
        "INSERT INTO sync_record (uuid, record_type, hash, version) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (uuid) DO UPDATE SET hash = excluded.hash, version = excluded.version",
        [(u, t, h, v) for u, t, h, v in sent],
    )
    db.execute(
        "INSERT INTO sync_bundle (bundle_uuid, sha256, direction, kind, mission_uuid, peer, user_uuid, "
        "counts, created_at) VALUES (?, '', 'out', ?, ?, ?, ?, ?, ?)",
        [
            manifest["bundle_uuid"],
            manifest["kind"],
            manifest["mission"]["uuid"],
            peer,
            user["uuid"],
            canonical_json(manifest["counts"]),
            utcnow(),
        ],
    )


def push_batches(chosen: Selection, size: int = HEARINGS_PER_PUSH) -> list[Selection]:
    """Split a ``changes`` selection into bundles of at most ``size`` hearings (set-up and witness persons
    first), each hearing with the records in it, so each bundle can be imported on its own."""
    setup = Selection()
    by_hearing: dict[str, Selection] = {}
    # a sitting travels with the first hearing of the selection that names it (so it lands before it)
    first_of: dict[str | None, str] = {}
    for record in chosen.records.get("hearing", []):
        first_of.setdefault(record["content"].get("sitting_uuid"), record["uuid"])
    for name in ORDER:
        kind = KINDS[name]
        for record in chosen.records.get(name, []):
            key = None
            if name == "sitting":
                key = first_of.get(record["uuid"])
            elif name == "hearing":
                key = record["uuid"]
            elif name not in SETUP and name not in ("reconciliation", "witness", "evidence", *CASE_FILE):
                key = record["content"]["hearing_uuid"]
            # set-up, case files, a lead's reconciliations, witness persons (the trial's: sent before its
            # hearings), a sitting no hearing here names
            if key is None:
                setup.add(kind, record)
            else:
                by_hearing.setdefault(key, Selection()).add(kind, record)
    batches = [setup] if setup.count() else []
    keys = list(by_hearing)
    for start in range(0, len(keys), size):
        batch = Selection()
        for key in keys[start : start + size]:
            for name, rows in by_hearing[key].records.items():
                for record in rows:
                    batch.add(KINDS[name], record)
        batches.append(batch)
    return batches
