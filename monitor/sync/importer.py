"""Importing a bundle: exactly once, all or nothing, and never over someone else's change.

For each record the receiver compares content hashes (see :mod:`.content`):

- unknown uuid → **inserted**;
- same content as here → **unchanged** (nothing written);
- the version here is one the sender already had (it is in the record's ``history``) → **updated**;
- the incoming version is one this machine already had (it is in ``sync_seen``) → **older**, skipped;
- otherwise both sides changed it → a **conflict** is queued for a lead; nothing is overwritten.

Before anything is written every record is checked: it must belong to the bundle's mission, name only
accounts the importer may speak for, and change only what the importer could change on the pages — for an
observer, a submitted, returned or approved hearing (and all in it) only through a correction, whose kept
revision is the hearing as it stands here; a kept revision or a note never changes. One refusal refuses
the whole bundle, and the import runs in one transaction, so a bundle that fails halfway leaves the
database as it was. A dry run does all of it and rolls back.

Fields the manifest lists as ``withheld`` (an administrator's bundle leaves anonymous witnesses'
identities out) never overwrite a value here, and a new record arrives with them empty.
"""

import base64
import json
import re
import uuid as uuidlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlite_utils import Database

from .. import anchors, audit, checklists, records
from ..audit import Actor
from ..checklists import SOURCES, Checklist, case_items
from ..db import INTEGRITY_ERRORS, atomic, insert_row, utcnow
from ..evidence import files as evidence_files
from ..evidence import records as evidence_records
from ..findings import summary as findings_summary
from ..follow_up import sync as after_court
from ..ids import natural_uuid
from ..observe import fields, sittings
from ..observe import records as observe
from ..permissions import EVIDENCE_TARGETS, assigned_to, evidence_rights, role_in_mission
from ..recommendations import sync as register_sync
from ..witnesses import matching
from ..witnesses import records as witness_records
from . import bundle as bundlelib
from .bundle import BundleError, Refused
from .content import CASE_FILE, KINDS, ORDER, Kind, Reader, content_hash, label

ACTIONS = ("inserted", "updated", "unchanged", "older", "conflict")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_LISTED = 500  # changes listed one by one in a report (the counts are always complete)
BULK_HEARINGS = 200  # from this many incoming hearings, answers' indexes are rebuilt once at the end
# What a manifest may list as withheld ("<record type>.<field>"): the fields the pages treat as sensitive,
# which a new record gets empty, and a kept revision's snapshot, sent with those values blank inside it.
BLANKED = frozenset(
    f"{target}.{name}"
    for target, specs in fields.TARGETS.items()
    for name, spec in specs.items()
    if spec.sensitive
)
WITHHOLDABLE = BLANKED | {"hearing_revision.snapshot"}
OBSERVER_STATUSES = ("draft", "submitted")  # what an observer's own hands can make of a hearing
# The persons made for format-1 witnesses are named after the witness's uuid, so importing one bundle
# twice (or on two machines) makes the same person.
V1_PERSONS = uuidlib.UUID("0b6e2d8c-5f3a-4c1e-9d7b-2a8f4e6c1b3d")


def _per_hearing(record) -> bool:
    """A witness as format-1 bundles carry it: one per hearing, with its person's and testimony's fields."""
    return (
        isinstance(record, dict)
        and isinstance(record.get("content"), dict)
        and "hearing_uuid" in record["content"]
    )


@dataclass
class Report:
    bundle_uuid: str = ""
    sha256: str = ""
    kind: str = ""
    mission_uuid: str = ""
    mission_name: str = ""
    author: dict = field(default_factory=dict)
    dry_run: bool = False
    sealed: bool = False
    counts: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    accounts_created: list = field(default_factory=list)
    audit_entries: int = 0
    linked: bool = False

    def count(self, kind: str, action: str, record_uuid: str, text: str) -> None:
        self.counts.setdefault(kind, dict.fromkeys(ACTIONS, 0))[action] += 1
        if action != "unchanged" and len(self.changes) < MAX_LISTED:
            self.changes.append({"type": kind, "uuid": record_uuid, "action": action, "label": text})

    def total(self, action: str) -> int:
        return sum(c[action] for c in self.counts.values())

    @property
    def changed(self) -> bool:
        return any(self.total(a) for a in ("inserted", "updated", "conflict")) or bool(self.accounts_created)

    def as_dict(self) -> dict:
        return {
            "bundle": self.bundle_uuid,
            "sha256": self.sha256,
            "kind": self.kind,
            "mission": {"uuid": self.mission_uuid, "name": self.mission_name},
            "dry_run": self.dry_run,
            "counts": self.counts,
            "totals": {action: self.total(action) for action in ACTIONS},
            "changes": self.changes,
            "conflicts": self.conflicts,
            "accounts_created": self.accounts_created,
            "audit_entries": self.audit_entries,
        }


def new_laptop(db: Database, user: dict) -> bool:
    """Whether this installation is a laptop being set up, the one place an account may take another uuid:
    ``user`` is the only account here that can sign in, and no mission is here yet. Anywhere else — a
    mission server has other accounts, a laptop in use has its missions — an account's uuid never changes
    by import, or audit entries and records made under the old one would point to no account."""
    others = db.execute(
        "SELECT count(*) FROM user WHERE id != ? AND password_hash != '!'", [user["id"]]
    ).fetchone()[0]
    return others == 0 and db["mission"].count == 0


def link(db: Database, actor: Actor, user: dict, remote_uuid: str, **why) -> bool:
    """Give a laptop's account the uuid of its twin on the mission server (audited); False when it has it.

    Only on a laptop being set up (:func:`new_laptop`); elsewhere :class:`Refused`, and nothing changes.
    Integer ids tie the account's records to it, so nothing else changes; its sessions end (they carry
    the uuid), which the page that links signs back in."""
    if user["uuid"] == remote_uuid:
        return False
    if not UUID.match(remote_uuid or ""):
        raise BundleError("The server named an account without a valid uuid.")
    if not new_laptop(db, user):
        raise Refused(
            f"This would give your account ({user['username']}) the identity of another account "
            f"({remote_uuid}). That happens only once, when a laptop is set up (one account, no mission "
            "yet); on this installation an account's identity never changes by import. Nothing was changed."
        )
    if next(db.query("SELECT 1 FROM user WHERE uuid = ?", [remote_uuid]), None):
        raise Refused(
            "Another account on this machine already stands for that server account (it came in a bundle); "
            "ask an administrator to sort the accounts out before linking."
        )
    with atomic(db):
        db.execute("UPDATE user SET uuid = ? WHERE id = ?", [remote_uuid, user["id"]])
        audit.record(
            db,
            "user.link",
            actor,
            record_type="user",
            record_uuid=remote_uuid,
            before={"uuid": user["uuid"]},
            after={"uuid": remote_uuid, **why},
        )
    return True


def installed_checklist(checklist_id, version) -> Checklist | None:
    """The checklist this installation has under that id and version (built in, or in ``extra_dirs``)."""
    return checklists_installed(checklist_id, version, ())


def checklists_installed(checklist_id, version, extra_dirs) -> Checklist | None:
    try:
        return checklists.get(str(checklist_id), int(version), extra_dirs=extra_dirs)
    except (KeyError, ValueError, TypeError):
        return None


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls back."""


def import_bundle(
    db: Database,
    data: bytes,
    user: dict,
    actor: Actor,
    *,
    passphrase: str | None = None,
    dry_run: bool = False,
    checklist_for: Callable[[str, int], Checklist | None] = installed_checklist,
    link_account: bool | str = False,
) -> Report:
    """Import ``data`` as ``user`` (the importing account's row). Raises :class:`BundleError` (or its
    subclass :class:`Refused`) with a message for people; then nothing has changed."""
    reader = bundlelib.Reader(data, passphrase)
    report = Report(dry_run=dry_run, sha256=reader.sha256, sealed=reader.sealed)
    try:
        with atomic(db):
            _Import(db, reader, user, actor, report, checklist_for, link_account).run()
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except INTEGRITY_ERRORS as error:
        raise BundleError(
            f"The bundle holds a value this database refuses ({error}). Nothing was imported."
        ) from error
    finally:
        reader.close()
    return report


def write_over(
    db: Database, user: dict, actor: Actor, checklist_for, kind: Kind, local: dict, content: dict
) -> None:
    """Write ``content`` over the local record ``local`` exactly as an import writes a record (a new
    version, audited): how a resolved sync conflict is applied."""
    writer = _Import(db, None, user, actor, Report(), checklist_for, False)
    record = {
        "uuid": local["uuid"],
        "version": local["version"] + 1,
        "updated_at": utcnow(),
        "content": content,
    }
    writer._write(kind, record, local, local[kind.parent[0]] if kind.parent else None)


Value = TypeVar("Value")


def _checked(value: Value | None, what: str) -> Value:
    """``value``, which an earlier check of this import (or a foreign key) made sure is there."""
    if value is None:
        raise LookupError(f"{what} is missing where this import made sure it is there")
    return value


class _Import:
    def __init__(self, db, reader, user, actor, report, checklist_for, link_account):
        self.db, self.reader, self.user, self.actor, self.report = db, reader, user, actor, report
        self.checklist_for, self.link_account = checklist_for, link_account
        self.rules: dict[tuple, tuple[dict, Checklist] | None] = {}  # see _answer_rules
        self.contents = Reader(db)
        self.ids: dict[tuple[str, str], int | None] = {}
        self.roles: dict[int, str | None] = {}
        self.withheld: dict[str, tuple[str, ...]] = {}  # record type → fields the sender left out
        self.before: dict[str, _Before] = {}  # hearing uuid → how it stood before this import
        self.corrections: dict[str, list[tuple[int, str, str]]] = {}  # hearing uuid → new revisions

    # Set-up ---------------------------------------------------------------------------------------

    def run(self) -> None:
        manifest = self.reader.manifest
        mission = manifest.get("mission") if isinstance(manifest.get("mission"), dict) else {}
        self.mission_uuid = mission.get("uuid")
        if not isinstance(self.mission_uuid, str) or not UUID.match(self.mission_uuid):
            raise BundleError("The bundle's manifest does not name its mission.")
        self.bundle_uuid = str(manifest.get("bundle_uuid") or "")
        if not UUID.match(self.bundle_uuid):
            raise BundleError("The bundle's manifest has no valid bundle id.")
        author = manifest.get("author") if isinstance(manifest.get("author"), dict) else {}
        self.report.bundle_uuid, self.report.kind = self.bundle_uuid, str(manifest.get("kind", ""))
        self.report.mission_uuid, self.report.mission_name = self.mission_uuid, str(mission.get("name", ""))
        self.report.author = {k: str(author.get(k, "")) for k in ("uuid", "username", "display_name")}
        self.withheld = _withheld(manifest)
        self.format_version = manifest.get("format_version", 1)
        self._users()
        self.dropped: list[str] = []  # SQL that rebuilds the answers' indexes, when they were dropped
        self.hearings_before, self.hearings_inserted = self.db["hearing"].count, 0
        for name in ORDER:
            kind = KINDS[name]
            for chunk in self.reader.items(name):
                for record in chunk:
                    if name == "witness" and _per_hearing(record):
                        self._v1_witness(record)
                    else:
                        self._record(kind, record)
        self._check_corrections()
        for sql in self.dropped:  # built again once, from sorted data: much faster than row by row
            self.db.execute(sql)
        if self.dropped:  # the findings' kept counts: the mission's sittings recounted before COMMIT
            findings_summary.resume(self.db, self.mission_uuid)
        self._audit_entries()
        audit.record(
            self.db,
            "sync.import",
            self.actor,
            record_type="mission",
            record_uuid=self.mission_uuid,
            after={
                "bundle": self.bundle_uuid,
                "sha256": self.reader.sha256,
                "kind": self.report.kind,
                "from": self.report.author,
                "totals": {action: self.report.total(action) for action in ACTIONS},
                "audit_anchor": anchors.from_manifest(manifest),  # the sender's head, kept here
            },
        )
        self.db.execute(
            "INSERT INTO sync_bundle (bundle_uuid, sha256, direction, kind, mission_uuid, peer, user_uuid, "
            "counts, created_at) VALUES (?, ?, 'in', ?, ?, ?, ?, ?, ?)",
            [
                self.bundle_uuid,
                self.reader.sha256,
                self.report.kind,
                self.mission_uuid,
                self.report.author.get("username", ""),
                self.user["uuid"],
                audit.canonical_json(self.report.counts),
                utcnow(),
            ],
        )

    def _count_hearing_insert(self) -> None:
        """Once this import has inserted many hearings — at least as many as were here before (a server's
        first import of a mission) — stop keeping the answers' secondary indexes up to date row by row."""
        self.hearings_inserted += 1
        if (
            not self.dropped
            and self.hearings_inserted >= BULK_HEARINGS
            and self.hearings_inserted >= self.hearings_before
        ):
            self.dropped = self._drop_answer_indexes()

    def _drop_answer_indexes(self) -> list[str]:
        """Drop the answers' secondary indexes inside this transaction; return the SQL that rebuilds them.

        Also give this connection a bigger page cache: the unique indexes still grow row by row."""
        self.db.execute("PRAGMA cache_size = -131072")  # 128 MiB, this connection only
        indexes = list(
            self.db.query(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'answer' AND sql IS NOT NULL"
            )
        )
        for index in indexes:
            self.db.execute(f"DROP INDEX [{index['name']}]")  # noqa: S608 (names from the schema itself)
        findings_summary.suspend(self.db)  # no per-row marks for the findings either: resumed with these
        return [index["sql"] for index in indexes]

    def _users(self) -> None:
        """Every account the records name must exist here; a lead's import creates placeholders."""
        listed = [u for chunk in self.reader.items("user") for u in chunk]
        for entry in listed:
            if not isinstance(entry, dict) or not UUID.match(str(entry.get("uuid", ""))):
                raise BundleError("The bundle lists an account without a valid uuid.")
        if self.link_account and self.reader.manifest.get("kind") in ("setup", "pull"):
            self._link(listed)
        for entry in listed:
            if self._id("user", entry["uuid"]) is not None:
                continue
            if not self._may_add_accounts():
                raise Refused(
                    f"The bundle names an account ({entry.get('username', '?')}) this installation does not "
                    "have; only a lead of the mission can import it."
                )
            self._placeholder(entry)

    def _link(self, listed: list[dict]) -> None:
        """On a laptop set up from the server: the importer's own account takes its server uuid — the one
        the server named (``link_account`` is that uuid), else the account with the same user name."""
        me = self.user
        if any(u["uuid"] == me["uuid"] for u in listed):
            return
        if isinstance(self.link_account, str):
            same = [u for u in listed if u["uuid"] == self.link_account]
        else:
            same = [u for u in listed if str(u.get("username", "")).casefold() == me["username"].casefold()]
        if len(same) != 1 or self._id("user", same[0]["uuid"]) is not None:
            return
        link(self.db, self.actor, me, same[0]["uuid"], bundle=self.bundle_uuid)
        self.ids[("user", me["uuid"])] = None
        self.user = {**me, "uuid": same[0]["uuid"]}
        self.report.linked = True

    def _may_add_accounts(self) -> bool:
        mission_id = self._id("mission", self.mission_uuid)
        if mission_id is None:
            return self.user["role"] in ("admin", "lead")
        return self._role(mission_id) in ("admin", "lead")

    def _placeholder(self, entry: dict) -> None:
        username = str(entry.get("username") or "account")[:60]
        if next(self.db.query("SELECT 1 FROM user WHERE username = ?", [username]), None):
            username = f"{username}-{entry['uuid'][:8]}"
        now = utcnow()
        row = {
            "uuid": entry["uuid"],
            "username": username,
            "display_name": str(entry.get("display_name") or username)[:200],
            "password_hash": "!",  # no password: this account cannot sign in here
            "role": "lead" if entry.get("role") in ("lead", "admin") else "observer",
            "active": 0,
            "created_at": now,
            "updated_at": now,
        }
        self.db["user"].insert(row)
        audit.record(
            self.db,
            "user.placeholder",
            self.actor,
            record_type="user",
            record_uuid=entry["uuid"],
            after={"username": username, "bundle": self.bundle_uuid},
        )
        self.report.accounts_created.append(username)

    # Lookups --------------------------------------------------------------------------------------

    def _id(self, table: str, record_uuid: str | None) -> int | None:
        if not record_uuid:
            return None
        key = (table, record_uuid)
        if self.ids.get(key) is None:
            row = next(self.db.query(f"SELECT id FROM [{table}] WHERE uuid = ?", [record_uuid]), None)  # noqa: S608 (table from KINDS)
            self.ids[key] = row["id"] if row else None
        return self.ids[key]

    def _role(self, mission_id: int) -> str | None:
        if mission_id not in self.roles:
            self.roles[mission_id] = role_in_mission(self.db, mission_id, self.user)
        return self.roles[mission_id]

    def _mission_of(self, kind: Kind, parent_id: int | None, local: dict | None) -> int | None:
        """The local mission id a record belongs to, found through its parents."""
        if kind.name == "mission":
            return local["id"] if local else None
        if kind.parent is None:  # a country's recommendation or statistic: the bundle's mission carries it
            return self._id("mission", self.mission_uuid)
        table, row_id = kind.parent[1], _checked(parent_id, f"the parent of a {kind.name}")
        while table != "mission":
            parent = _checked(KINDS[table].parent, f"the parent of a {table}")
            row = records.existing(self.db, table, row_id)
            table, row_id = parent[1], row[parent[0]]
        return row_id

    # One record -----------------------------------------------------------------------------------

    def _record(self, kind: Kind, record) -> None:
        if kind.name == "hearing" and self.format_version < 2:
            record = self._sitting_of_v1(record)
        record_uuid, content = self._shape(kind, record)
        parent_id = None
        if kind.parent:
            parent_uuid = content.get(kind.parent_key)
            parent_id = self._id(kind.parent[1], parent_uuid)
            if parent_id is None:
                raise BundleError(
                    f"The {kind.name} {record_uuid} belongs to {kind.parent[1]} {parent_uuid}, which is "
                    "neither here nor in the bundle."
                )
        local = records.get(self.db, kind.name, record_uuid)
        if kind.name == "mission" and record_uuid != self.mission_uuid:
            raise Refused(f"The bundle is for mission {self.mission_uuid} but carries mission {record_uuid}.")
        mission_id = self._mission_of(kind, parent_id, local)
        if kind.name != "mission" and mission_id != self._id("mission", self.mission_uuid):
            raise Refused(
                f"The {kind.name} {record_uuid} belongs to another mission than the bundle's: refused."
            )
        if local and kind.parent and local[kind.parent[0]] != parent_id:
            raise Refused(f"The {kind.name} {record_uuid} would move to another {kind.parent[1]}: refused.")
        action, local_hash = self._classify(kind, record, local)
        text = label(kind.name, content)
        if action in ("unchanged", "older"):
            if (
                action == "unchanged"
                and local is not None  # (local and its hash: always set but for "inserted")
                and local_hash is not None
                and not self._remembered(record, local, local_hash)
            ):
                self._remember(kind, record_uuid, record, local["version"], local_hash)
            self.report.count(kind.name, action, record_uuid, text)
            return
        if record["hash"] != content_hash(content):
            raise BundleError(
                f"The {kind.name} {record_uuid} does not match its checksum: the file was changed."
            )
        _check_fields(kind, content, record_uuid)
        self._authorize(kind, content, local, mission_id, record_uuid)
        if action == "conflict":  # (a conflict is with a version here: local and its hash are set)
            here, here_hash = _checked(local, record_uuid), _checked(local_hash, record_uuid)
            self._conflict(kind, record, here, here_hash, mission_id, text)
        else:
            if kind.name == "hearing" and local is None:
                self._count_hearing_insert()
            version = self._write(kind, record, local, parent_id)
            self._remember(kind, record_uuid, record, version, self._stored_hash(kind, record))
            audit.record(
                self.db,
                f"sync.{'insert' if action == 'inserted' else 'update'}",
                self.actor,
                record_type=kind.name,
                record_uuid=record_uuid,
                after={"version": version, "hash": record["hash"], "bundle": self.bundle_uuid},
            )
        self.report.count(kind.name, action, record_uuid, text)

    def _v1_witness(self, record) -> None:
        """A per-hearing witness of a format-1 bundle, taken in as a person of the trial and its appearance
        (the appearance keeps the witness's uuid), matched to a person here by the same rule as migration
        ``m013_witness_persons``: the recorder's label, with the same side and anonymity."""
        if not isinstance(record, dict) or not isinstance(record.get("content"), dict):
            raise BundleError("A witness record in the bundle is not readable.")
        content = record["content"]
        record_uuid = record.get("uuid")
        expected = {*matching.PERSON_FIELDS, *matching.APPEARANCE_FIELDS, "hearing_uuid", "recorded_by_uuid"}
        if set(content) != expected or not isinstance(record_uuid, str) or not UUID.match(record_uuid):
            raise BundleError(f"The witness {record_uuid} has fields this installation does not expect.")
        if record.get("hash") != content_hash(content):
            raise BundleError(f"The witness {record_uuid} does not match its checksum: the file was changed.")
        hearing = records.get(self.db, "hearing", str(content["hearing_uuid"]))
        if hearing is None:
            raise BundleError(
                f"The witness {record_uuid} belongs to hearing {content['hearing_uuid']}, which is neither "
                "here nor in the bundle."
            )
        trial_uuid = self.contents.uuid_of("trial", hearing["trial_id"])
        person_values = {name: content[name] for name in matching.PERSON_FIELDS}
        here = witness_records.appearance(self.db, record_uuid)
        history = [str(h) for h in record.get("history", []) if isinstance(h, str)]
        appearance_history = [record["hash"], *history]
        if here is not None:
            person = _checked(witness_records.person(self.db, here["person_uuid"]), "an appearance's person")
            as_v1 = {
                **{name: here[name] for name in (*matching.PERSON_FIELDS, *matching.APPEARANCE_FIELDS)},
                "hearing_uuid": content["hearing_uuid"],
                "recorded_by_uuid": self._uuid_of_user(here["appearance_recorded_by"]),
            }
            if content_hash(as_v1) in history:  # the sender changed what we have: an update, not a conflict
                appearance_history.append(
                    content_hash(self.contents.content(KINDS["witness_appearance"], here))
                )
        else:
            found, review = self._v1_person(hearing["trial_id"], {**person_values, "id": 0})
            person = (
                found
                if found is not None
                else {
                    "uuid": str(uuidlib.uuid5(V1_PERSONS, record_uuid)),
                    "new": True,
                    "review": review,
                }
            )
        if person.get("new") or self._uuid_of_user(person["recorded_by"]) == content["recorded_by_uuid"]:
            base = {} if person.get("new") else self.contents.content(KINDS["witness"], person)
            merged = {
                "trial_uuid": trial_uuid,
                "recorded_by_uuid": base.get("recorded_by_uuid", content["recorded_by_uuid"]),
                "review": base.get("review", person.get("review", "")),
                **{
                    name: base[name] if base.get(name) not in (None, "", 0) else content[name]
                    for name in matching.PERSON_FIELDS
                },
            }
            self._record(
                KINDS["witness"],
                {
                    "uuid": person["uuid"],
                    "version": max(int(record.get("version") or 1), 1)
                    if person.get("new")
                    else person["version"],
                    "created_at": record.get("created_at"),
                    "updated_at": record.get("updated_at"),
                    "hash": content_hash(merged),
                    "history": [] if person.get("new") else [content_hash(base)],
                    "content": merged,
                },
            )
        appearance = {
            "hearing_uuid": content["hearing_uuid"],
            "recorded_by_uuid": content["recorded_by_uuid"],
            "witness_uuid": person["uuid"],
            **{name: content[name] for name in matching.APPEARANCE_FIELDS},
        }
        self._record(
            KINDS["witness_appearance"],
            {
                **record,
                "hash": content_hash(appearance),
                "history": appearance_history,
                "content": appearance,
            },
        )

    def _v1_person(self, trial_id: int, values: dict) -> tuple[dict | None, str]:
        """The person of this trial a format-1 witness is (or None, with the flag a new person gets)."""
        if not matching.matchable(values["label"]):
            return None, matching.NO_LABEL
        key = matching.normalise(values["label"])
        same_label = [
            p
            for p in self.db.query("SELECT * FROM witness WHERE trial_id = ?", [trial_id])
            if matching.normalise(p["label"]) == key
        ]
        fitting = [
            p
            for p in same_label
            if (p["side"] or "", int(bool(p["anonymous"])))
            == (values["side"] or "", int(bool(values["anonymous"])))
            and not matching.differing([p, values])
        ]
        if len(fitting) == 1:
            return fitting[0], ""
        return None, (matching.LABEL_CONFLICT if same_label else "")

    def _sitting_of_v1(self, record):
        """A hearing of a format-1 bundle names no sitting: give it the sitting of its trial and date
        (session 1, the natural uuid the migration and every other laptop make), made here if new. The
        checksum is checked on the content as sent, then made again over the content as translated."""
        content = record.get("content") if isinstance(record, dict) else None
        if not isinstance(content, dict) or "sitting_uuid" in content:
            return record
        trial_uuid, hearing_date = content.get("trial_uuid"), content.get("hearing_date")
        if not isinstance(trial_uuid, str) or not isinstance(hearing_date, str) or not hearing_date:
            return record  # _shape says what is wrong with it
        if record.get("hash") != content_hash(content):
            raise BundleError(
                f"The hearing {record.get('uuid')} does not match its checksum: the file was changed."
            )
        trial_id = self._id("trial", trial_uuid)
        if trial_id is None:
            return record  # _record says the trial is missing
        local = records.get(self.db, "hearing", str(record.get("uuid", "")))
        sitting = None
        if local is not None and local["sitting_id"] and local["hearing_date"] == hearing_date:
            sitting = records.get_by_id(self.db, "sitting", local["sitting_id"])  # its sitting here stays
        sitting = sitting or sittings.find(self.db, trial_id, hearing_date, 1)
        if sitting is None:
            sitting, _made = sittings.sitting_for(
                self.db, self.actor, records.get_by_id(self.db, "trial", trial_id), hearing_date, 1
            )
            self.report.count("sitting", "inserted", sitting["uuid"], hearing_date)
        content = {**content, "sitting_uuid": sitting["uuid"]}
        self.ids[("sitting", sitting["uuid"])] = sitting["id"]
        return {**record, "content": content, "hash": content_hash(content)}

    def _shape(self, kind: Kind, record) -> tuple[str, dict]:
        """Check a record's structure; every field must be one this installation knows."""
        if not isinstance(record, dict) or not isinstance(record.get("content"), dict):
            raise BundleError(f"A {kind.name} record in the bundle is not readable.")
        record_uuid = record.get("uuid")
        if not isinstance(record_uuid, str) or not UUID.match(record_uuid):
            raise BundleError(f"A {kind.name} record has no valid uuid.")
        version = record.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise BundleError(f"The {kind.name} {record_uuid} has no valid version.")
        for key in ("created_at", "updated_at", "hash"):
            if not isinstance(record.get(key), str) or not record[key]:
                raise BundleError(f"The {kind.name} {record_uuid} has no {key}.")
        history = record.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise BundleError(f"The {kind.name} {record_uuid} has an unreadable history.")
        content = record["content"]
        expected = set(self.contents._columns[kind.name]) | {key for _c, key in kind.people} | set(kind.extra)
        expected |= {f"{table}_uuid" for _c, table in kind.links}
        if kind.parent_key:
            expected.add(kind.parent_key)
        unknown, missing = set(content) - expected, expected - set(content)
        if unknown or missing:
            raise BundleError(
                f"The {kind.name} {record_uuid} has fields this installation does not expect "
                f"({', '.join(sorted(unknown | missing))})."
            )
        for key, value in content.items():
            if key in kind.extra:
                continue
            if not (value is None or isinstance(value, str | int | float)) or isinstance(value, bool):
                raise BundleError(f"The {kind.name} {record_uuid} has an unreadable value in {key}.")
        if "checklist_id" in content and self._answer_rules(content) is None:
            raise BundleError(
                f"The {kind.name} {record_uuid} uses checklist {content['checklist_id']} version "
                f"{content['checklist_version']}, which this installation does not have."
            )
        return record_uuid, content

    def _classify(self, kind: Kind, record: dict, local: dict | None) -> tuple[str, str | None]:
        if local is None:
            return "inserted", None
        local_hash = self._local_hash(kind, local)
        if record["hash"] == local_hash:
            return "unchanged", local_hash
        withheld = self.withheld.get(kind.name, ())
        if withheld and record["hash"] == content_hash(
            {**self.contents.content(kind, local), **{name: record["content"][name] for name in withheld}}
        ):
            return "unchanged", local_hash  # only what the sender withheld differs: ours stays
        if local_hash in record.get("history", []):
            return "updated", local_hash
        seen = next(
            self.db.query(
                "SELECT 1 FROM sync_seen WHERE uuid = ? AND hash = ?", [record["uuid"], record["hash"]]
            ),
            None,
        )
        return ("older" if seen else "conflict"), local_hash

    def _local_hash(self, kind: Kind, local: dict) -> str:
        self.known = next(
            self.db.query("SELECT hash, version FROM sync_record WHERE uuid = ?", [local["uuid"]]), None
        )
        if kind.cheap_version and self.known and self.known["version"] == local["version"]:
            return self.known["hash"]
        return content_hash(self.contents.content(kind, local))

    def _remembered(self, record: dict, local: dict, local_hash: str) -> bool:
        """Already known here as this very version, with this hash and its history: nothing to write."""
        known = self.known
        return (
            known is not None
            and known["hash"] == local_hash
            and known["version"] == local["version"]
            and self._history_seen(
                record
                if record["hash"] == local_hash
                else {**record, "history": [record["hash"], *record.get("history", [])]}
            )
        )

    def _history_seen(self, record: dict) -> bool:
        history = record.get("history", [])
        if not history:
            return True
        placeholders = ",".join("?" * len(history))
        found = self.db.execute(
            f"SELECT count(*) FROM sync_seen WHERE uuid = ? AND hash IN ({placeholders})",  # noqa: S608 (placeholders)
            [record["uuid"], *history],
        ).fetchone()[0]
        return found == len(set(history))

    def _remember(self, kind: Kind, record_uuid: str, record: dict, version: int, stored_hash: str) -> None:
        """The incoming version and its history are seen here; ``stored_hash`` is the hash of the record as
        it now stands here at ``version`` (the incoming one, unless withheld fields kept our values)."""
        hashes = {record["hash"], *record.get("history", [])}
        self.db.conn.executemany(
            "INSERT OR IGNORE INTO sync_seen (uuid, hash) VALUES (?, ?)", [(record_uuid, h) for h in hashes]
        )
        self.db.execute(
            "INSERT INTO sync_record (uuid, record_type, hash, version) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (uuid) DO UPDATE SET hash = excluded.hash, version = excluded.version",
            [record_uuid, kind.name, stored_hash, version],
        )

    def _stored_hash(self, kind: Kind, record: dict) -> str:
        if not self.withheld.get(kind.name):
            return record["hash"]
        row = records.get(self.db, kind.name, record["uuid"])
        return content_hash(self.contents.content(kind, row))

    # Withheld fields ------------------------------------------------------------------------------

    def _withholding(self, kind: Kind, ours: dict | None, incoming: dict) -> dict:
        """``incoming`` with each withheld field set to our value; for a record new here, a sensitive field
        empty and a revision's snapshot as sent (its sensitive values are blank inside)."""
        names = self.withheld.get(kind.name, ())
        if not names:
            return incoming
        if ours is not None:
            return {**incoming, **{name: ours[name] for name in names}}
        blanked = {name: _empty(kind.name, name) for name in names if f"{kind.name}.{name}" in BLANKED}
        return {**incoming, **blanked}

    # Who may --------------------------------------------------------------------------------------

    def _authorize(self, kind: Kind, content: dict, local: dict | None, mission_id, record_uuid) -> None:
        role = self._role(mission_id) if mission_id is not None else None
        manages = role in ("admin", "lead")
        me = self.user["uuid"]
        if kind.name == "mission" and local is None:
            if self.user["role"] not in ("admin", "lead"):
                raise Refused(
                    "Only a lead or an administrator can bring a new mission into this installation."
                )
            return
        if kind.setup:
            if not manages:
                raise Refused(
                    f"The bundle changes the {kind.name} “{label(kind.name, content)}”; only a lead of the "
                    "mission can do that."
                )
            return
        if kind.name in CASE_FILE:
            self._authorize_case(kind, content, local, mission_id, manages, record_uuid)
            return
        if kind.name == "reconciliation":
            if not manages:
                raise Refused(
                    "The bundle carries a lead's reconciled answer; only a lead of the mission can import it."
                )
            return
        if kind.name == "sitting":
            trial_id = _checked(self._id("trial", content["trial_uuid"]), "a sitting's trial")
            if manages:
                return
            if not assigned_to(self.db, trial_id, self.user):
                raise Refused(
                    f"The bundle adds a sitting to a trial you do not observe ({record_uuid}): refused."
                )
            if local is not None:
                raise Refused(f"The bundle changes the sitting {record_uuid}; only a lead can: refused.")
            return
        if kind.name == "evidence":
            self._authorize_evidence(content, local, manages, record_uuid)
            return
        if kind.name in after_court.KINDS:  # a lead's follow-up and legal assessment (issue #14)
            after_court.authorize(self.db, self.user, kind.name, content, local, mission_id, record_uuid)
            return
        if kind.name in register_sync.KINDS:  # the recommendations register (issue #14), a lead's
            sender = self.report.author.get("uuid", "")
            register_sync.authorize(self.db, self.user, sender, kind.name, content, mission_id, record_uuid)
            return
        # the record's parent (its trial, or its hearing) is here: _record refused it otherwise
        if kind.name == "hearing":
            hearing_observer = content["observer_uuid"]
            trial_id = _checked(self._id("trial", content["trial_uuid"]), "a hearing's trial")
        elif kind.name == "witness":  # a person of the trial: its recorder sends it
            hearing_observer = me
            trial_id = _checked(self._id("trial", content["trial_uuid"]), "a witness's trial")
        else:
            hearing = _checked(records.get(self.db, "hearing", content["hearing_uuid"]), "a hearing")
            hearing_observer = self._uuid_of_user(hearing["observer_id"])
            trial_id = hearing["trial_id"]
        if (
            local is not None
            and kind.name == "hearing"
            and self._uuid_of_user(local["observer_id"]) != content["observer_uuid"]
        ):
            raise Refused(f"The hearing {record_uuid} would change observer: refused.")
        if kind.name == "hearing_revision" and local is not None:
            raise Refused(
                f"The bundle rewrites a kept revision of a hearing ({record_uuid}); a revision never changes "
                "once kept: refused."
            )
        if manages:
            return
        if kind.name == "review":
            raise Refused("The bundle carries a lead's review; only a lead of the mission can import it.")
        if kind.name == "witness" and local is not None and self._uuid_of_user(local["recorded_by"]) != me:
            raise Refused(
                f"The bundle changes the witness {record_uuid}, recorded by someone else; only its recorder "
                "or a lead can: refused."
            )
        for column, key in kind.people:
            if content[key] != me or (local is not None and self._uuid_of_user(local[column]) != me):
                raise Refused(
                    f"The bundle writes the {kind.name} {record_uuid} in another person's name; you can only "
                    "send your own records."
                )
        if hearing_observer != me or not assigned_to(self.db, trial_id, self.user):
            raise Refused(
                f"The bundle writes into a hearing that is not yours ({kind.name} {record_uuid}): refused."
            )
        if (
            kind.name == "hearing"
            and content["status"] not in OBSERVER_STATUSES
            and (local is None or local["status"] != content["status"])
        ):
            raise Refused("Only a lead can approve or return a hearing; the bundle tries to: refused.")
        if kind.name != "witness":
            self._observer_rules(kind, content, local, record_uuid)
        elif local is not None:
            self._person_rules(local, record_uuid)

    def _authorize_evidence(self, content: dict, local: dict | None, manages: bool, record_uuid: str) -> None:
        """An evidence file: attached to exactly one record of its trial, its bytes those its SHA-256 names
        (else the bundle is refused: they were changed), of a kind accepted here; once attached a file
        never changes but to be withdrawn; an observer sends only files they attached where they may."""
        name = f"“{str(content.get('filename'))[:200]}” ({record_uuid})"
        targets = [t for t in EVIDENCE_TARGETS if content.get(f"{t}_uuid")]
        if len(targets) != 1:
            raise BundleError(f"The evidence file {name} must be attached to exactly one record.")
        for key, kinds in (("file", str), ("size", int), ("sha256", str), ("filename", str), ("kind", str)):
            if not isinstance(content.get(key), kinds) or isinstance(content.get(key), bool):
                raise BundleError(f"The evidence file {name} has an unreadable {key}.")
        if content.get("source") not in ("", *SOURCES):
            raise BundleError(f"The evidence file {name} names a source this installation does not know.")
        try:
            data = base64.b64decode(content["file"], validate=True)
        except ValueError as error:
            raise BundleError(f"The evidence file {name} is not readable base64.") from error
        if content["withdrawn_at"]:
            if data:
                raise BundleError(f"The evidence file {name} is withdrawn but still carries its content.")
        elif evidence_files.sha256(data) != content["sha256"] or len(data) != content["size"]:
            raise Refused(
                f"The evidence file {name} does not match its SHA-256 ({content['sha256']}): its bytes were "
                "changed after it was attached. Nothing was imported."
            )
        elif evidence_files.sniff(data) != content["kind"]:
            raise BundleError(f"The evidence file {name} is not the kind of file it says it is: refused.")
        target = records.get(self.db, targets[0], content[f"{targets[0]}_uuid"])
        if target is None:
            raise BundleError(
                f"The evidence file {name} is attached to a {targets[0]} that is neither here nor in the "
                "bundle."
            )
        if local is not None:
            if any(content[key] != local[key] for key in ("filename", "kind", "sha256", "size")):
                raise Refused(f"The bundle changes the evidence file {name}; a file never changes: refused.")
            if local["withdrawn_at"] and not content["withdrawn_at"]:
                raise Refused(f"The bundle brings back the withdrawn evidence file {name}: refused.")
        if manages:
            return
        _read, may_attach, may_withdraw = evidence_rights(self.db, targets[0], target, self.user)
        if content["recorded_by_uuid"] != self.user["uuid"] or not may_attach:
            raise Refused(
                f"The bundle attaches the evidence file {name} in another person's name or where you may not "
                "attach files: refused."
            )
        if content["withdrawn_at"] and not may_withdraw and not self._removed_by_observer(targets[0], target):
            raise Refused(f"The bundle withdraws the evidence file {name}; only a lead can: refused.")

    def _removed_by_observer(self, target_type: str, target: dict) -> bool:
        """An observer's own file on a witness or allegation of their own observation not yet reviewed: on
        their machine it went with the draft's witness or allegation (evidence.records.remove_with), and
        the withdrawal is theirs to send. (Draft or since submitted: the bundle may carry both.)"""
        if target_type == "allegation":
            hearings = [records.existing(self.db, "hearing", target["hearing_id"])]
        elif target_type == "witness" and target["recorded_by"] == self.user["id"]:
            hearings = list(
                self.db.query(
                    "SELECT hearing.* FROM hearing JOIN witness_appearance ON witness_appearance.hearing_id "
                    "= hearing.id WHERE witness_appearance.witness_id = ?",
                    [target["id"]],
                )
            )
        else:
            return False
        return all(
            h["observer_id"] == self.user["id"] and h["status"] in ("draft", "submitted") for h in hearings
        )

    def _person_rules(self, local: dict, record_uuid: str) -> None:
        """An observer changes a witness person (who the witness is) as the pages let them: from a hearing
        of theirs where it was heard that is open (a draft), or that this bundle corrects. Otherwise the
        change is one to a locked hearing without a correction, and refused at the end like any other."""
        heard = [
            row["uuid"]
            for row in self.db.query(
                "SELECT DISTINCT hearing.uuid FROM witness_appearance "
                "JOIN hearing ON hearing.id = witness_appearance.hearing_id "
                "WHERE witness_appearance.witness_id = ? AND hearing.observer_id = ? ORDER BY hearing.id",
                [local["id"], self.user["id"]],
            )
        ]
        befores = [self._before(hearing_uuid) for hearing_uuid in heard]
        if befores and all(before.locked for before in befores) and befores[0].changed is None:
            befores[0].changed = f"witness {record_uuid}"

    def _authorize_case(
        self, kind: Kind, content: dict, local: dict | None, mission_id, manages, record_uuid
    ):
        """A case fact or an earlier value of one: values the case file's form would save; an earlier value
        never changes once kept; an observer sends only their own changes, in a trial they observe."""
        if kind.name == "case_fact_history" and local is not None:
            raise Refused(
                f"The bundle rewrites an earlier value of a case fact ({record_uuid}); an earlier value "
                "never changes once kept: refused."
            )
        self._check_case(kind, content, mission_id, record_uuid)
        if manages:
            return
        writer = content["recorded_by_uuid" if kind.name == "case_fact" else "changed_by_uuid"]
        if writer != self.user["uuid"]:
            raise Refused(
                f"The bundle writes the {kind.name} {record_uuid} in another person's name; you can only "
                "send your own records."
            )
        fact = (
            content
            if kind.name == "case_fact"
            else _checked(records.get(self.db, "case_fact", content["case_fact_uuid"]), "a case fact")
        )
        # the parent (defendant or case fact) is here: _record refused the record otherwise
        if kind.name == "case_fact":
            defendant = _checked(records.get(self.db, "defendant", content["defendant_uuid"]), "a defendant")
        else:
            defendant = records.existing(self.db, "defendant", fact["defendant_id"])
        if not assigned_to(self.db, defendant["trial_id"], self.user):
            raise Refused(
                f"The bundle writes into the case file of a trial you do not observe ({kind.name} "
                f"{record_uuid}): refused."
            )

    def _check_case(self, kind: Kind, content: dict, mission_id, record_uuid: str) -> None:
        if content.get("source") not in ("", *SOURCES):
            raise BundleError(
                f"The {kind.name} {record_uuid} names a source this installation does not know."
            )
        learned_at = content.get("learned_at_hearing_uuid")
        if learned_at is not None and (not isinstance(learned_at, str) or len(learned_at) not in (0, 36)):
            raise BundleError(f"The {kind.name} {record_uuid} names an observation that is not a uuid.")
        for name in ("value", "note", "learned_from", "reason", "answer_uuid", "item_key", "recorded_at"):
            if name in content and not isinstance(content[name], str):
                raise BundleError(f"The {kind.name} {record_uuid} has an unreadable {name}.")
        if kind.name != "case_fact":
            return
        if natural_uuid(str(content["defendant_uuid"]), str(content["item_key"])) != record_uuid:
            raise BundleError(
                f"The case fact {record_uuid} does not have the uuid of its defendant and question: refused."
            )
        mission = records.existing(self.db, "mission", mission_id)
        checklist = self.checklist_for(mission["checklist_id"], mission["checklist_version"])
        if checklist is None:
            return
        item = next((i for i in case_items(checklist) if i.key == content["item_key"]), None)
        if item is None or (content["value"] and not _valid(checklist, item.key, content["value"])):
            raise BundleError(
                f"The case fact {record_uuid} is not one the mission's checklist keeps, or its value is not "
                "one the checklist allows."
            )

    def _observer_rules(self, kind: Kind, content: dict, local: dict | None, record_uuid: str) -> None:
        """What the pages let an observer do to their own hearing: anything while it is a draft; once it is
        submitted, returned or approved, only a correction opens it (:func:`observe.start_correction`),
        keeping it as it stood as the next numbered revision. Notes are never changed once typed.
        Corrections are checked once every record is in (:meth:`_check_corrections`)."""
        hearing_uuid = record_uuid if kind.name == "hearing" else content["hearing_uuid"]
        if kind.name == "hearing" and local is None:
            self.before[hearing_uuid] = _Before(status=None, revisions=0)
            return
        before = self._before(hearing_uuid)
        if kind.name == "hearing":
            before.sent_status = content["status"]
        if kind.name == "hearing_revision":
            self.corrections.setdefault(hearing_uuid, []).append(
                (content["number"], content["snapshot"], record_uuid)
            )
        elif kind.name == "note" and local is not None:
            raise Refused(
                f"The bundle changes a note already typed ({record_uuid}); a note is kept as it was typed: "
                "refused."
            )
        elif before.locked and before.changed is None:
            before.changed = f"{kind.name} {record_uuid}"

    def _before(self, hearing_uuid: str) -> "_Before":
        """How a hearing stood before this import: read when a record first touches it, before any write."""
        if hearing_uuid not in self.before:
            hearing = _checked(records.get(self.db, "hearing", hearing_uuid), f"hearing {hearing_uuid}")
            locked = not observe.editable(hearing)
            self.before[hearing_uuid] = _Before(
                status=hearing["status"],
                revisions=len(observe.revisions(self.db, hearing["id"])),
                snapshot=json.loads(observe.kept_snapshot(self.db, hearing)) if locked else None,
                label=hearing["hearing_date"],
            )
        return self.before[hearing_uuid]

    def _check_corrections(self) -> None:
        """Every hearing an observer changed while it was locked here came with its correction: the next
        revisions in order, the first one keeping the hearing exactly as it stands here."""
        for hearing_uuid, before in self.before.items():
            kept = sorted(self.corrections.get(hearing_uuid, []))
            numbers = [number for number, _snapshot, _uuid in kept]
            if numbers != list(range(before.revisions + 1, before.revisions + 1 + len(kept))):
                raise Refused(
                    f"The bundle keeps revisions of the hearing {hearing_uuid} numbered {numbers}; the next "
                    f"one here is {before.revisions + 1}: refused."
                )
            if not before.locked:
                continue
            name = f"the hearing of {before.label} ({hearing_uuid}), which is {before.status} here"
            if not kept:
                if before.changed:
                    raise Refused(
                        f"The bundle changes {name}, without a correction ({before.changed}). Only a "
                        "correction opens a submitted, returned or approved hearing: refused."
                    )
                continue
            if before.sent_status not in (None, *OBSERVER_STATUSES):
                raise Refused(
                    f"The bundle corrects {name}, and leaves it {before.sent_status}: a correction makes it "
                    "a draft again, and only a lead approves or returns it: refused."
                )
            try:
                kept_here = json.loads(kept[0][1])
            except (TypeError, ValueError):
                kept_here = None
            if kept_here != before.snapshot:
                raise Refused(
                    f"The correction of {name} keeps a version that is not the hearing as it stands here "
                    "(was it changed here since the laptop last pulled?). Pull, then correct again: refused."
                )

    def _uuid_of_user(self, user_id: int) -> str | None:
        return self.contents.uuid_of("user", user_id)

    # Writing --------------------------------------------------------------------------------------

    def _row(self, kind: Kind, content: dict, parent_id: int | None) -> dict:
        row = {name: content[name] for name in self.contents._columns[kind.name]}
        if kind.parent:
            row[kind.parent[0]] = parent_id
        for column, key in kind.people:
            user_id = self._id("user", content[key])
            if user_id is None:
                raise BundleError(f"The {kind.name} names an account ({content[key]}) that is not here.")
            row[column] = user_id
        if "trial_id" in kind.derived:
            hearing_id = _checked(parent_id, f"the hearing of a {kind.name}")
            row["trial_id"] = records.existing(self.db, "hearing", hearing_id)["trial_id"]
        # A record names others of its own trial only: a hearing its sitting, an appearance its person.
        for column, table in kind.links:
            if kind.optional_links and not content[f"{table}_uuid"]:
                row[column] = None
                continue
            linked = self._id(table, content[f"{table}_uuid"])
            if linked is None:
                raise BundleError(
                    f"The {kind.name} names a {table} ({content[f'{table}_uuid']}) that is neither here nor "
                    "in the bundle."
                )
            target = records.existing(self.db, table, linked)
            if "trial_id" in target and target["trial_id"] != row.get("trial_id"):  # not a recommendation
                raise Refused(f"The {kind.name} names a {table} of another trial: refused.")
            row[column] = linked
        return row

    def _write(self, kind: Kind, record: dict, local: dict | None, parent_id: int | None) -> int:
        """Insert or replace one record with its content; return its version here."""
        content = self._withholding(kind, local, record["content"])
        row = self._row(kind, content, parent_id)
        if local is None:
            version = record["version"]
            row.update(
                uuid=record["uuid"],
                version=version,
                created_at=record["created_at"],
                updated_at=record["updated_at"],
            )
            row_id = insert_row(self.db, kind.name, row)
            self.ids[(kind.name, record["uuid"])] = row_id
        else:
            version = max(local["version"] + 1, record["version"])
            self.db[kind.name].update(
                local["id"], {**row, "version": version, "updated_at": record["updated_at"]}
            )
            row_id = local["id"]
        self._write_extra(kind, row_id, content, replace=local is not None)
        return version

    def _write_extra(self, kind: Kind, row_id: int, content: dict, replace: bool) -> None:
        if kind.name == "mission":
            members = _pairs(content["members"], "members")
            rows = [(row_id, self._known_user(uuid), role) for uuid, role in members]
            if replace:
                self.db.execute("DELETE FROM mission_member WHERE mission_id = ?", [row_id])
            self.db.conn.executemany(
                "INSERT INTO mission_member (mission_id, user_id, role) VALUES (?, ?, ?)", rows
            )
        elif kind.name == "trial":
            observers = content["observers"]
            if not isinstance(observers, list):
                raise BundleError("A trial's observers are not a list.")
            if replace:
                self.db.execute("DELETE FROM trial_observer WHERE trial_id = ?", [row_id])
            self.db.conn.executemany(
                "INSERT INTO trial_observer (trial_id, user_id) VALUES (?, ?)",
                [(row_id, self._known_user(uuid)) for uuid in observers],
            )
        elif kind.name == "hearing":
            self._write_hearing(row_id, content, replace)
        elif kind.name == "evidence":
            self._write_evidence(row_id, content)

    def _write_evidence(self, row_id: int, content: dict) -> None:
        """Keep the file's bytes (checked against its SHA-256 before), or purge them once withdrawn; the
        audit entry records its SHA-256 and size, as an attachment's does (audit-verify compares them)."""
        row = records.existing(self.db, "evidence", row_id)  # just written
        if content["withdrawn_at"]:
            evidence_records.purge_unused(self.db, content["sha256"])
        else:
            evidence_records.store_blob(self.db, base64.b64decode(content["file"]), content["sha256"])
        audit.record(
            self.db,
            "evidence.import",
            self.actor,
            record_type="evidence",
            record_uuid=row["uuid"],
            after={
                "sha256": content["sha256"],
                "size": content["size"],
                "withdrawn": bool(content["withdrawn_at"]),
                "bundle": self.bundle_uuid,
            },
        )

    def _write_hearing(self, hearing_id: int, content: dict, replace: bool) -> None:
        presence, answers = content["presence"], content["answers"]
        if not isinstance(presence, dict) or not isinstance(answers, list):
            raise BundleError("A hearing's presence list or answers are not readable.")
        rows = []
        for defendant_uuid, present in presence.items():
            defendant_id = self._id("defendant", defendant_uuid)
            if defendant_id is None:
                raise BundleError(
                    f"A hearing names a defendant ({defendant_uuid}) this installation does not have; "
                    "the lead must send the trial's defendants first."
                )
            rows.append((hearing_id, defendant_id, 1 if present else 0))
        if replace:
            self.db.execute("DELETE FROM hearing_defendant WHERE hearing_id = ?", [hearing_id])
            self.db.execute("DELETE FROM answer WHERE hearing_id = ?", [hearing_id])
        self.db.conn.executemany(
            "INSERT INTO hearing_defendant (hearing_id, defendant_id, present) VALUES (?, ?, ?)", rows
        )
        now = utcnow()
        rules = self._answer_rules(content)
        if rules is None:  # (never: _shape refused a record with a checklist not installed here)
            raise BundleError(f"A hearing uses checklist {content['checklist_id']}, which is not installed.")
        allowed, checklist = rules
        answer_rows = []
        for answer in answers:
            if type(answer) is not list or len(answer) != 6 or not all(type(part) is str for part in answer):
                raise BundleError("A hearing's answer is not readable.")
            rule = allowed.get(answer[1])
            if rule is None or len(answer[5]) != 36:
                raise BundleError(
                    f"A hearing answers a question its checklist does not have ({answer[1][:80]})."
                )
            value = answer[2]
            if value and value not in rule and (rule or not _valid(checklist, answer[1], value)):
                raise BundleError(f"A hearing's answer to {answer[1]} is not one the checklist allows.")
            answer_rows.append((hearing_id, *answer, now, now))
        self.db.conn.executemany(
            "INSERT INTO answer (hearing_id, subject_uuid, item_key, value, note, provenance, uuid, "
            "created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            answer_rows,
        )

    def _answer_rules(self, content: dict) -> tuple[dict, Checklist] | None:
        """For a checklist version: (item key → the set of allowed answers, empty for free answers; the
        checklist), or None when this installation does not have that checklist."""
        key = (content.get("checklist_id"), content.get("checklist_version"))
        if key not in self.rules:
            checklist = self.checklist_for(*key)
            self.rules[key] = None
            if checklist is not None:
                allowed = {
                    item.key: set(item.values()) if item.answer in ("yesno", "choice") else set()
                    for item in checklist.items
                }
                self.rules[key] = (allowed, checklist)
        return self.rules[key]

    def _known_user(self, user_uuid) -> int:
        user_id = self._id("user", user_uuid) if isinstance(user_uuid, str) else None
        if user_id is None:
            raise BundleError(f"The bundle names an account ({user_uuid}) it does not list.")
        return user_id

    def _conflict(
        self, kind: Kind, record: dict, local: dict, local_hash: str, mission_id, text: str
    ) -> None:
        """Queue both versions for a lead, once per incoming version; write nothing else."""
        exists = next(
            self.db.query(
                "SELECT uuid FROM sync_conflict WHERE record_uuid = ? AND incoming_hash = ?",
                [record["uuid"], record["hash"]],
            ),
            None,
        )
        if exists is None:
            conflict_uuid = str(uuidlib.uuid4())
            self.db["sync_conflict"].insert(
                {
                    "uuid": conflict_uuid,
                    "record_uuid": record["uuid"],
                    "record_type": kind.name,
                    "mission_id": mission_id,
                    "local": audit.canonical_json(self.contents.content(kind, local)),
                    "local_hash": local_hash,
                    "incoming": audit.canonical_json(self._withholding(kind, local, record["content"])),
                    "incoming_hash": record["hash"],
                    "incoming_version": record["version"],
                    "incoming_updated_at": record["updated_at"],
                    "bundle_uuid": self.bundle_uuid,
                    "from_user_uuid": self.report.author.get("uuid") or self.user["uuid"],
                    "from_name": self.report.author.get("display_name") or self.user["display_name"],
                    "created_at": utcnow(),
                }
            )
            audit.record(
                self.db,
                "sync.conflict",
                self.actor,
                record_type=kind.name,
                record_uuid=record["uuid"],
                after={"conflict": conflict_uuid, "incoming_hash": record["hash"], "local_hash": local_hash},
            )
        else:
            conflict_uuid = exists["uuid"]
        self.report.conflicts.append(
            {"uuid": conflict_uuid, "type": kind.name, "record": record["uuid"], "label": text}
        )

    # The sender's audit entries -------------------------------------------------------------------

    def _audit_entries(self) -> None:
        """Keep the sender's audit entries as evidence, once each; a new one must match its own hash
        (one already kept was checked when it came, and a copy of it is not stored again)."""
        for chunk in self.reader.items("audit"):
            if not all(isinstance(entry, dict) and isinstance(entry.get("hash"), str) for entry in chunk):
                raise BundleError("An audit entry in the bundle is not readable.")
            kept = self._kept_audit([entry["hash"] for entry in chunk])
            rows = []
            for entry in chunk:
                if entry["hash"] in kept:
                    continue
                if not all(key in entry for key in audit.HASHED_FIELDS):
                    raise BundleError("An audit entry in the bundle is not readable.")
                if audit.row_hash(entry) != entry["hash"]:
                    raise BundleError(
                        "An audit entry in the bundle does not match its hash: the file was changed."
                    )
                rows.append(
                    (entry["hash"], self.bundle_uuid, entry.get("record_uuid"), audit.canonical_json(entry))
                )
                kept.add(entry["hash"])
            self.db.conn.executemany(
                "INSERT INTO imported_audit (hash, bundle_uuid, record_uuid, entry) VALUES (?, ?, ?, ?)", rows
            )
            self.report.audit_entries += len(rows)

    def _kept_audit(self, hashes: list[str]) -> set[str]:
        kept: set[str] = set()
        for start in range(0, len(hashes), 500):
            part = hashes[start : start + 500]
            kept.update(
                row[0]
                for row in self.db.execute(
                    f"SELECT hash FROM imported_audit WHERE hash IN ({','.join('?' * len(part))})",  # noqa: S608 (placeholders)
                    part,
                ).fetchall()
            )
        return kept


@dataclass
class _Before:
    """A hearing as it stood before an observer's import touched it (``status`` None: new in the bundle)."""

    status: str | None
    revisions: int
    snapshot: dict | None = None
    label: str = ""
    changed: str | None = None  # the first record that changed it while it was locked
    sent_status: str | None = None  # the status the bundle gives it, when the bundle changes it

    @property
    def locked(self) -> bool:
        return self.status is not None and not observe.editable({"status": self.status})


def _withheld(manifest: dict) -> dict[str, tuple[str, ...]]:
    """The manifest's ``withheld`` list as record type → fields; unknown entries refuse the bundle."""
    listed = manifest.get("withheld", [])
    if not isinstance(listed, list) or not all(isinstance(entry, str) for entry in listed):
        raise BundleError(
            "The bundle's manifest lists its withheld fields in a form this installation cannot read."
        )
    unknown = sorted(set(listed) - WITHHOLDABLE)
    if unknown:
        raise BundleError(
            f"The bundle's manifest says it withholds fields this installation does not know "
            f"({', '.join(entry[:80] for entry in unknown[:5])}); it can withhold only "
            f"{', '.join(sorted(WITHHOLDABLE))}."
        )
    found: dict[str, list[str]] = {}
    for entry in sorted(set(listed)):
        record_type, _dot, name = entry.partition(".")
        found.setdefault(record_type, []).append(name)
    return {record_type: tuple(names) for record_type, names in found.items()}


def _empty(record_type: str, name: str):
    """The value a field has before anyone fills it in (as the pages' first save leaves it)."""
    spec = fields.TARGETS[record_type][name]
    return {"multi": "[]", "refs": "[]", "flag": 0}.get(spec.kind, "")


def _check_fields(kind: Kind, content: dict, record_uuid: str) -> None:
    """A hearing's, witness's or allegation's fields must be values the form itself would save."""
    for name, spec in fields.TARGETS.get(kind.name, {}).items():
        if name not in content:  # a person's form fields include its appearances' (checked there)
            continue
        value = content.get(name)
        try:
            if spec.kind in ("multi", "refs"):
                value = json.loads(value) if isinstance(value, str) else value
            elif spec.kind != "flag" and value is None:
                value = ""
            spec.clean(value)
        except (ValueError, TypeError) as error:
            raise BundleError(
                f"The {kind.name} {record_uuid} has a value the form refuses in {name}: {error}"
            ) from error


def _valid(checklist: Checklist, item_key: str, value: str) -> bool:
    """A free answer (number, text) as the pages would store it."""
    try:
        return checklist.item(item_key).validate(value) == value
    except ValueError:
        return False


def _pairs(value, what: str) -> list[tuple[str, str]]:
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 and p[1] in ("lead", "observer") for p in value
    ):
        raise BundleError(f"A mission's {what} are not readable.")
    return [(p[0], p[1]) for p in value]
