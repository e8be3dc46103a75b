"""What each record type carries in a bundle, how its content hash is made, and how it is written back.

A record's *content* is everything an observer or a lead wrote — its columns, its parent and the people
it names as uuids (integer ids never leave a machine), and for a hearing its presence list and answers.
``uuid``, ``version``, ``created_at`` and ``updated_at`` travel beside the content, not in it, so the same
words typed on two machines hash the same. The columns come from the table itself, so a migration that
adds a column makes it travel without a change here.
"""

import base64
import hashlib
from dataclasses import dataclass

from sqlite_utils import Database

from ..audit import canonical_json

META = ("id", "uuid", "created_at", "updated_at", "version")


@dataclass(frozen=True)
class Kind:
    """One record type: its table, its parent, the accounts it names, what it carries besides columns."""

    name: str
    parent: tuple[str, str] | None = None  # (column, parent table); the content key is "<table>_uuid"
    people: tuple[tuple[str, str], ...] = ()  # (column, content key) naming an account
    derived: tuple[str, ...] = ()  # columns filled from the parent, never taken from a bundle
    links: tuple[tuple[str, str], ...] = ()  # (column, table) naming another record; content "<table>_uuid"
    setup: bool = False  # part of a mission's set-up (only its leads change it)
    cheap_version: bool = True  # version bumps on every change of the content (so a hash can be reused)
    extra: tuple[str, ...] = ()
    optional_links: bool = False  # a link may be empty (an evidence file names one of several records)

    @property
    def parent_key(self) -> str | None:
        return f"{self.parent[1]}_uuid" if self.parent else None


KINDS = {
    kind.name: kind
    for kind in (
        Kind("mission", setup=True, cheap_version=False, extra=("members",)),
        Kind(
            "trial", parent=("mission_id", "mission"), setup=True, cheap_version=False, extra=("observers",)
        ),
        Kind("defendant", parent=("trial_id", "trial"), setup=True),
        # The defendant's case file (issue #11): its uuid is natural (defendant, item), so the same fact
        # recorded on two laptops is one record, and two different values of it are a conflict for a lead.
        Kind(
            "case_fact", parent=("defendant_id", "defendant"), people=(("recorded_by", "recorded_by_uuid"),)
        ),
        Kind(
            "case_fact_history",
            parent=("case_fact_id", "case_fact"),
            people=(("recorded_by", "recorded_by_uuid"), ("changed_by", "changed_by_uuid")),
        ),
        # A sitting's uuid is natural (trial, date, session): two laptops that start one agree on it.
        Kind("sitting", parent=("trial_id", "trial")),
        Kind(
            "hearing",
            parent=("trial_id", "trial"),
            people=(("observer_id", "observer_uuid"),),
            links=(("sitting_id", "sitting"),),
            extra=("presence", "answers"),
        ),
        # A witness is a person of the trial; each time they are heard at an observation is an appearance.
        Kind("witness", parent=("trial_id", "trial"), people=(("recorded_by", "recorded_by_uuid"),)),
        Kind(
            "witness_appearance",
            parent=("hearing_id", "hearing"),
            people=(("recorded_by", "recorded_by_uuid"),),
            derived=("trial_id",),
            links=(("witness_id", "witness"),),
        ),
        Kind("allegation", parent=("hearing_id", "hearing"), derived=("trial_id",)),
        Kind("note", parent=("hearing_id", "hearing"), people=(("author_id", "author_uuid"),)),
        Kind("review", parent=("hearing_id", "hearing"), people=(("reviewer_id", "reviewer_uuid"),)),
        Kind("hearing_revision", parent=("hearing_id", "hearing"), people=(("author_id", "author_uuid"),)),
        Kind("reconciliation", parent=("sitting_id", "sitting"), people=(("decided_by", "decided_by_uuid"),)),
        # An evidence file (issue #13), attached to exactly one of these records of its trial; its bytes
        # travel in base64 ("file", empty once withdrawn) and the importer checks them against its SHA-256.
        Kind(
            "evidence",
            parent=("trial_id", "trial"),
            people=(("recorded_by", "recorded_by_uuid"),),
            links=(
                ("defendant_id", "defendant"),
                ("sitting_id", "sitting"),
                ("witness_id", "witness"),
                ("allegation_id", "allegation"),
            ),
            optional_links=True,
            extra=("file",),
        ),
        # After the courtroom (issue #14): a lead's follow-up of an allegation, and legal assessment.
        Kind("follow_up", parent=("trial_id", "trial"), people=(("recorded_by", "recorded_by_uuid"),)),
        Kind("legal_assessment", parent=("trial_id", "trial"), people=(("recorded_by", "recorded_by_uuid"),)),
        # The recommendations register (issue #14): a mission's country, that country's recommendations and
        # official figures (no parent: they travel with a mission whose country they are), the mission's
        # assessments with their links, and its submission's new recommendations per theme. A lead's only.
        Kind("mission_country", parent=("mission_id", "mission")),
        Kind("recommendation"),
        Kind("official_statistic"),
        Kind(
            "assessment",
            parent=("mission_id", "mission"),
            people=(("assessed_by", "assessed_by_uuid"),),
            links=(("recommendation_id", "recommendation"),),
        ),
        Kind("assessment_link", parent=("assessment_id", "assessment")),
        Kind("submission_theme", parent=("mission_id", "mission")),
    )
}
ORDER = tuple(KINDS)  # parents before children
CASE_FILE = ("case_fact", "case_fact_history")  # per defendant, not per hearing


def columns(db: Database, kind: Kind) -> list[str]:
    """The plain columns a record of this kind carries (its table's, less ids, metadata and references)."""
    skip = {
        *META,
        *(c for c, _k in kind.people),
        *(c for c, _t in kind.links),
        *kind.derived,
        *([kind.parent[0]] if kind.parent else []),
    }
    return [c.name for c in db[kind.name].columns if c.name not in skip]


def content_hash(content: dict) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


class Reader:
    """Reads records of one database as bundle content, with the uuid lookups cached."""

    def __init__(self, db: Database):
        self.db = db
        self._columns = {name: columns(db, kind) for name, kind in KINDS.items()}
        self._uuids: dict[tuple[str, int], str | None] = {}

    def uuid_of(self, table: str, row_id: int | None) -> str | None:
        if row_id is None:
            return None
        key = (table, row_id)
        if key not in self._uuids:
            row = next(self.db.query(f"SELECT uuid FROM [{table}] WHERE id = ?", [row_id]), None)  # noqa: S608 (table from KINDS)
            self._uuids[key] = row["uuid"] if row else None
        return self._uuids[key]

    def content(self, kind: Kind, row: dict) -> dict:
        content = {name: row[name] for name in self._columns[kind.name]}
        if kind.parent is not None:
            column, table = kind.parent
            content[f"{table}_uuid"] = self.uuid_of(table, row[column])  # its parent_key
        for column, key in kind.people:
            content[key] = self.uuid_of("user", row[column])
        for column, table in kind.links:
            content[f"{table}_uuid"] = self.uuid_of(table, row[column])
        if kind.name == "mission":
            content["members"] = [
                [m["uuid"], m["role"]]
                for m in self.db.query(
                    "SELECT user.uuid, mission_member.role FROM mission_member "
                    "JOIN user ON user.id = mission_member.user_id WHERE mission_id = ? ORDER BY user.uuid",
                    [row["id"]],
                )
            ]
        elif kind.name == "trial":
            content["observers"] = [
                o["uuid"]
                for o in self.db.query(
                    "SELECT user.uuid FROM trial_observer JOIN user ON user.id = trial_observer.user_id "
                    "WHERE trial_id = ? ORDER BY user.uuid",
                    [row["id"]],
                )
            ]
        elif kind.name == "evidence":
            data = (
                None
                if row["withdrawn_at"]
                else self.db.execute(
                    "SELECT content FROM evidence_blob WHERE sha256 = ?", [row["sha256"]]
                ).fetchone()
            )
            content["file"] = base64.b64encode(bytes(data[0])).decode("ascii") if data else ""
        elif kind.name == "hearing":
            content["presence"] = {
                p["uuid"]: p["present"]
                for p in self.db.query(
                    "SELECT defendant.uuid, hearing_defendant.present FROM hearing_defendant "
                    "JOIN defendant ON defendant.id = hearing_defendant.defendant_id "
                    "WHERE hearing_id = ? ORDER BY defendant.uuid",
                    [row["id"]],
                )
            }
            content["answers"] = [
                list(a)
                for a in self.db.execute(
                    "SELECT subject_uuid, item_key, value, note, provenance, uuid FROM answer "
                    "WHERE hearing_id = ? ORDER BY subject_uuid, item_key",
                    [row["id"]],
                ).fetchall()
            ]
        return content

    def record(self, kind: Kind, row: dict) -> dict:
        """The bundle form of one row: metadata beside its content and the content's hash."""
        content = self.content(kind, row)
        return {
            "uuid": row["uuid"],
            "version": row["version"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
            "hash": content_hash(content),
            "content": content,
        }


def label(kind_name: str, content: dict) -> str:
    """A short human name for a record, for import reports and the conflict queue."""
    for key in (
        "filename",
        "name",
        "title",
        "label",
        "hearing_date",
        "sitting_date",
        "typed_at",
        "decision",
        "number",
        "item_key",
    ):
        value = content.get(key)
        if value not in (None, ""):
            return str(value)
    return ""
