"""A mission's records as plain tables — what reports and data exports are made from.

Drafts are left out: they are unfinished work, not observations. Every row keeps its uuid, so the
tables join on uuids (integer ids never leave the machine).
"""

import json
from collections.abc import Callable, Iterable, Iterator

from sqlite_utils import Database

from .. import checklists
from ..observe.sittings import open_sittings

TABLES = (
    "trials",
    "defendants",
    "sittings",
    "hearings",
    "presence",
    "answers",
    "witnesses",
    "witness_persons",
    "witness_appearances",
    "allegations",
    "notes",
    "reviews",
    "reconciliations",
    "case_facts",
    "case_fact_history",
)
# Read a row at a time by an export, like the answers (a case file's history runs into millions of rows
# after a large v1 database is migrated): ``load(with_answers=False)`` leaves them out.
STREAMED = ("answers", "case_fact_history")
COUNTED = ("submitted", "returned", "approved")
ANSWER_FIELDS = ("uuid", "hearing_uuid", "subject_uuid", "item_key", "value", "note", "provenance")


# Each table of a dataset: its query, with {hearing_ids} and {defendant_ids} standing for the hearings and
# defendants the dataset covers (parameters :mission, :statuses, :trial, :hearing). Fixed SQL.
HEARING_IDS = (
    "SELECT hearing.id FROM hearing JOIN trial ON trial.id = hearing.trial_id "
    "WHERE trial.mission_id = :mission AND hearing.status IN (SELECT value FROM json_each(:statuses)) "
    "AND (:trial IS NULL OR trial.uuid = :trial) AND (:hearing IS NULL OR hearing.uuid = :hearing)"
)
# The trials' defendants, for the case file (a fact belongs to the defendant, not to a hearing).
DEFENDANT_IDS = (
    "SELECT defendant.id FROM defendant JOIN trial ON trial.id = defendant.trial_id "
    "WHERE trial.mission_id = :mission AND (:trial IS NULL OR trial.uuid = :trial)"
)
MISSION_COLUMNS = (
    "uuid",
    "name",
    "country",
    "description",
    "start_date",
    "end_date",
    "checklist_id",
    "checklist_version",
)
QUERIES = {
    "trials": (
        "SELECT uuid, title, court, case_number, judges, prosecutor, charges, status FROM trial "
        "WHERE mission_id = :mission ORDER BY title"
    ),
    "defendants": (
        """
        SELECT defendant.uuid, trial.uuid AS trial_uuid, defendant.position, defendant.name,
               defendant.pseudonym,
               defendant.sex, defendant.age, defendant.charges, defendant.apprehended_at,
               defendant.arrest_registered_at, defendant.first_judge_at, defendant.pretrial_detention,
               defendant.counsel, defendant.counsel_from, defendant.verdict, defendant.sentence,
               defendant.sentence_months, defendant.conviction_basis
        FROM defendant JOIN trial ON trial.id = defendant.trial_id
        WHERE trial.mission_id = :mission ORDER BY trial.title, defendant.position
        """
    ),
    "sittings": (
        """
        SELECT sitting.uuid, trial.uuid AS trial_uuid, sitting.sitting_date, sitting.session,
               sitting.courtroom, sitting.judge, counted.observations
        FROM (SELECT hearing.sitting_id, count(*) AS observations FROM hearing
              WHERE hearing.id IN ({hearing_ids}) GROUP BY hearing.sitting_id) AS counted
        JOIN sitting ON sitting.id = counted.sitting_id JOIN trial ON trial.id = sitting.trial_id
        ORDER BY sitting.sitting_date, sitting.session, trial.title
        """
    ),
    "hearings": (
        """
        SELECT hearing.uuid, trial.uuid AS trial_uuid, hearing.hearing_date, hearing.start_time,
               hearing.end_time, hearing.courtroom, hearing.judge, hearing.public_access,
               hearing.observers_admitted, hearing.access_note, hearing.present, hearing.summary,
               hearing.status, hearing.checklist_id, hearing.checklist_version, hearing.submitted_at,
               user.uuid AS observer_uuid, user.display_name AS observer,
               coalesce(sitting.uuid, '') AS sitting_uuid
        FROM hearing JOIN trial ON trial.id = hearing.trial_id JOIN user ON user.id = hearing.observer_id
        LEFT JOIN sitting ON sitting.id = hearing.sitting_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, hearing.id
        """
    ),
    "presence": (
        """
        SELECT hearing.uuid AS hearing_uuid, defendant.uuid AS defendant_uuid, hearing_defendant.present
        FROM hearing_defendant JOIN hearing ON hearing.id = hearing_defendant.hearing_id
        JOIN defendant ON defendant.id = hearing_defendant.defendant_id
        WHERE hearing.id IN ({hearing_ids})
        """
    ),
    "answers": (
        """
        SELECT answer.uuid, hearing.uuid AS hearing_uuid, answer.subject_uuid, answer.item_key,
               answer.value, answer.note, answer.provenance
        FROM answer JOIN hearing ON hearing.id = answer.hearing_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, hearing.id, answer.id
        """
    ),
    "witnesses": (
        """
        SELECT witness_appearance.uuid, hearing.uuid AS hearing_uuid, witness.uuid AS person_uuid,
               witness.label, witness.identity, witness.side,
               witness.anonymous, witness.anonymity_reason, witness.identity_known_to_defence,
               witness.voice_hidden, witness.image_hidden, witness.police_officer,
               witness_appearance.against, witness_appearance.testimony
        FROM witness_appearance JOIN hearing ON hearing.id = witness_appearance.hearing_id
        JOIN witness ON witness.id = witness_appearance.witness_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, witness_appearance.id
        """
    ),
    "witness_persons": (
        """
        SELECT witness.uuid, trial.uuid AS trial_uuid, witness.label, witness.identity, witness.side,
               witness.anonymous, witness.anonymity_reason, witness.identity_known_to_defence,
               witness.voice_hidden, witness.image_hidden, witness.police_officer,
               count(witness_appearance.id) AS appearances
        FROM witness JOIN trial ON trial.id = witness.trial_id
        JOIN witness_appearance ON witness_appearance.witness_id = witness.id
        WHERE witness_appearance.hearing_id IN ({hearing_ids})
        GROUP BY witness.id ORDER BY trial.title, witness.id
        """
    ),
    "witness_appearances": (
        """
        SELECT witness_appearance.uuid, witness.uuid AS person_uuid, hearing.uuid AS hearing_uuid,
               coalesce(sitting.uuid, '') AS sitting_uuid, hearing.hearing_date AS sitting_date
        FROM witness_appearance JOIN witness ON witness.id = witness_appearance.witness_id
        JOIN hearing ON hearing.id = witness_appearance.hearing_id
        LEFT JOIN sitting ON sitting.id = hearing.sitting_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, witness_appearance.id
        """
    ),
    "allegations": (
        """
        SELECT allegation.*, hearing.uuid AS hearing_uuid FROM allegation
        JOIN hearing ON hearing.id = allegation.hearing_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY hearing.hearing_date, allegation.id
        """
    ),
    "notes": (
        """
        SELECT note.uuid, hearing.uuid AS hearing_uuid, note.typed_at, note.text, note.publishable
        FROM note JOIN hearing ON hearing.id = note.hearing_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY note.typed_at
        """
    ),
    "reviews": (
        """
        SELECT review.uuid, hearing.uuid AS hearing_uuid, review.decision, review.comment,
               review.answer_uuid, review.created_at, user.display_name AS reviewer
        FROM review JOIN hearing ON hearing.id = review.hearing_id
        JOIN user ON user.id = review.reviewer_id
        WHERE hearing.id IN ({hearing_ids}) ORDER BY review.id
        """
    ),
    "reconciliations": (
        """
        SELECT reconciliation.uuid, sitting.uuid AS sitting_uuid, sitting.sitting_date,
               reconciliation.subject_uuid, reconciliation.item_key, reconciliation.value,
               reconciliation.reason, user.uuid AS decided_by_uuid, user.display_name AS decided_by,
               reconciliation.updated_at
        FROM reconciliation JOIN sitting ON sitting.id = reconciliation.sitting_id
        JOIN user ON user.id = reconciliation.decided_by
        WHERE sitting.id IN (SELECT hearing.sitting_id FROM hearing WHERE hearing.id IN ({hearing_ids}))
        ORDER BY sitting.sitting_date, sitting.session, reconciliation.id
        """
    ),
    "case_facts": (
        """
        SELECT case_fact.uuid, defendant.uuid AS defendant_uuid, case_fact.item_key, case_fact.value,
               case_fact.note, case_fact.source, case_fact.learned_at_hearing_uuid,
               hearing.hearing_date AS learned_at_date, case_fact.learned_from,
               user.uuid AS recorded_by_uuid, user.display_name AS recorded_by,
               case_fact.updated_at, case_fact.version
        FROM case_fact JOIN defendant ON defendant.id = case_fact.defendant_id
        JOIN trial ON trial.id = defendant.trial_id JOIN user ON user.id = case_fact.recorded_by
        LEFT JOIN hearing ON hearing.uuid = case_fact.learned_at_hearing_uuid
        WHERE case_fact.defendant_id IN ({defendant_ids})
        ORDER BY trial.title, defendant.position, case_fact.id
        """
    ),
}


def load(
    db: Database,
    mission: dict,
    statuses: tuple[str, ...] = COUNTED,
    *,
    trial_uuid: str | None = None,
    hearing_uuid: str | None = None,
    with_answers: bool = True,
    tables: Iterable[str] = TABLES,
) -> dict:
    """Everything recorded in the mission's non-draft hearings, as lists of dicts keyed by table.

    ``trial_uuid`` / ``hearing_uuid`` keep only that trial's or that hearing's hearings (and what was
    recorded in them); ``with_answers=False`` leaves the checklist answers out — the mission report
    states findings computed in SQL and does not need millions of answers in memory (an export reads
    them with :class:`Answers`). A table not in ``tables`` is left empty.
    """
    params = {
        "mission": mission["id"],
        "statuses": json.dumps([s for s in statuses if s != "draft"]),
        "trial": trial_uuid,
        "hearing": hearing_uuid,
    }
    wanted = set(tables) - (set() if with_answers else set(STREAMED))
    data: dict = {"mission": {k: mission[k] for k in MISSION_COLUMNS}}
    for table, sql in {**QUERIES, "case_fact_history": history_sql(DEFENDANT_IDS)}.items():
        query = sql.replace("{hearing_ids}", HEARING_IDS).replace("{defendant_ids}", DEFENDANT_IDS)
        data[table] = list(db.query(query, params)) if table in wanted else []
    if data["sittings"]:
        # the rule of the lead's disagreements page (items of shared sittings not yet reconciled)
        open_items = {
            row["uuid"]: row["open"] for row in open_sittings(db, mission["id"], checklists.of(mission))
        }
        for sitting in data["sittings"]:
            sitting["disputed_open"] = open_items.get(sitting["uuid"], 0)
    for allegation in data["allegations"]:
        for key in ("id", "hearing_id", "trial_id"):
            allegation.pop(key, None)
    data["private"] = private(db, mission)
    return data


def history_sql(defendant_ids: str) -> str:
    """Every earlier value of the case facts of ``defendant_ids`` (SQL, parameters :mission, :trial)."""
    return f"""
        SELECT case_fact_history.uuid, case_fact.uuid AS case_fact_uuid, defendant.uuid AS defendant_uuid,
               case_fact.item_key, case_fact_history.value, case_fact_history.note, case_fact_history.source,
               case_fact_history.learned_at_hearing_uuid, hearing.hearing_date AS learned_at_date,
               case_fact_history.learned_from, recorder.uuid AS recorded_by_uuid,
               recorder.display_name AS recorded_by, case_fact_history.recorded_at,
               changer.uuid AS changed_by_uuid, changer.display_name AS changed_by,
               case_fact_history.created_at AS changed_at, case_fact_history.reason
        FROM case_fact_history JOIN case_fact ON case_fact.id = case_fact_history.case_fact_id
        JOIN defendant ON defendant.id = case_fact.defendant_id
        JOIN user AS recorder ON recorder.id = case_fact_history.recorded_by
        JOIN user AS changer ON changer.id = case_fact_history.changed_by
        LEFT JOIN hearing ON hearing.uuid = case_fact_history.learned_at_hearing_uuid
        WHERE case_fact.defendant_id IN ({defendant_ids})
        ORDER BY case_fact.id, case_fact_history.recorded_at, case_fact_history.id
    """  # noqa: S608 (fixed SQL)


class History:
    """The case facts' earlier values of a mission, read from the database as they are used (after a
    large v1 database is migrated they run into millions of rows), each row through ``prepare`` (an
    export's redaction). Iterating again reads again; ``len()`` counts without reading."""

    def __init__(self, db: Database, mission: dict, prepare: Callable[[dict], dict] | None = None):
        self.db, self.prepare = db, prepare
        self._params = {"mission": mission["id"], "trial": None}
        self._ids = (
            "SELECT defendant.id FROM defendant JOIN trial ON trial.id = defendant.trial_id "
            "WHERE trial.mission_id = :mission AND (:trial IS NULL OR trial.uuid = :trial)"
        )
        self._count: int | None = None

    def __iter__(self) -> Iterator[dict]:
        cursor = self.db.execute(history_sql(self._ids), self._params)
        names = [column[0] for column in cursor.description]
        while batch := cursor.fetchmany(1000):
            for values in batch:
                row = dict(zip(names, values, strict=True))
                yield self.prepare(row) if self.prepare else row

    def __len__(self) -> int:
        if self._count is None:
            sql = (
                "SELECT count(*) FROM case_fact_history JOIN case_fact "  # noqa: S608
                "ON case_fact.id = case_fact_history.case_fact_id "
                f"WHERE case_fact.defendant_id IN ({self._ids})"
            )
            self._count = self.db.execute(sql, self._params).fetchone()[0]
        return self._count


def private(db: Database, mission: dict) -> dict:
    """What the public profile needs to know and no export shows: every name the mission's records
    hold (drafts included — a name typed in a draft may still be in a trial's title or a mission's
    name), and the order the defendants were added in (the first to take a chosen pseudonym keeps it).

    ``accounts`` (uuid, username, display_name): the mission's members, observers and reviewers and the
    authors of its notes and witnesses; ``witnesses`` (uuid, label, identity); ``judges`` and
    ``perpetrators`` as typed; ``defendant_order``: defendant uuids. Redaction takes this part out of
    the dataset whatever the profile.
    """
    params = {"mission": mission["id"]}
    in_mission = "JOIN trial ON trial.id = {0}.trial_id WHERE trial.mission_id = :mission"

    def column(sql: str) -> list:
        return [row[0] for row in db.execute(sql, params)]

    accounts = db.query(
        f"""
        SELECT uuid, username, display_name FROM user WHERE id IN (
            SELECT user_id FROM mission_member WHERE mission_id = :mission
            UNION SELECT trial_observer.user_id FROM trial_observer {in_mission.format("trial_observer")}
            UNION SELECT hearing.observer_id FROM hearing {in_mission.format("hearing")}
            UNION SELECT witness.recorded_by FROM witness {in_mission.format("witness")}
            UNION SELECT review.reviewer_id FROM review JOIN hearing ON hearing.id = review.hearing_id
                {in_mission.format("hearing")}
            UNION SELECT note.author_id FROM note JOIN hearing ON hearing.id = note.hearing_id
                {in_mission.format("hearing")}
            UNION SELECT reconciliation.decided_by FROM reconciliation
                JOIN sitting ON sitting.id = reconciliation.sitting_id {in_mission.format("sitting")}
            UNION SELECT case_fact.recorded_by FROM case_fact
                JOIN defendant ON defendant.id = case_fact.defendant_id {in_mission.format("defendant")}
            UNION SELECT h.recorded_by FROM case_fact_history AS h
                JOIN case_fact ON case_fact.id = h.case_fact_id
                JOIN defendant ON defendant.id = case_fact.defendant_id {in_mission.format("defendant")}
            UNION SELECT h.changed_by FROM case_fact_history AS h
                JOIN case_fact ON case_fact.id = h.case_fact_id
                JOIN defendant ON defendant.id = case_fact.defendant_id {in_mission.format("defendant")}
        ) ORDER BY id
        """,  # noqa: S608 (fixed SQL)
        params,
    )
    witnesses = db.query(
        f"SELECT witness.uuid, witness.label, witness.identity FROM witness {in_mission.format('witness')}",  # noqa: S608
        params,
    )
    return {
        "accounts": list(accounts),
        "witnesses": list(witnesses),
        "judges": column(
            "SELECT DISTINCT hearing.judge FROM hearing "  # noqa: S608
            f"{in_mission.format('hearing')} AND hearing.judge != ''"
        ),
        "perpetrators": column(
            "SELECT DISTINCT allegation.perpetrators FROM allegation "  # noqa: S608
            f"{in_mission.format('allegation')} AND allegation.perpetrators != ''"
        ),
        "defendant_order": column(
            f"SELECT defendant.uuid FROM defendant {in_mission.format('defendant')} ORDER BY defendant.id"  # noqa: S608
        ),
    }


class Answers:
    """The checklist answers of some hearings, read from the database hearing by hearing as they are used.

    A mission's answers run into millions of rows; an export iterates over this instead of a list, so one
    hearing's answers at a time are in memory. Rows are dicts with :data:`ANSWER_FIELDS`, in the order of
    ``hearing_uuids`` (the order of ``load()``'s hearings) and, within a hearing, in the order they were
    first saved — the order of ``load()``'s answers. Each row passes through ``prepare`` (an export's
    redaction) as it is read, each value read by :meth:`values` through ``prepare_value``. Iterating again
    reads again; ``len()`` counts without reading.
    """

    def __init__(
        self,
        db: Database,
        hearing_uuids: Iterable[str],
        prepare: Callable[[dict], dict] | None = None,
        prepare_value: Callable[[str], str] | None = None,
        *,
        where: str = "",
        params: tuple = (),
    ):
        self.db, self.hearing_uuids = db, tuple(hearing_uuids)
        self.prepare, self.prepare_value = prepare, prepare_value
        self._where, self._params = where, params
        self._count: int | None = None

    def _narrowed(self, where: str, params: tuple) -> "Answers":
        return Answers(
            self.db,
            self.hearing_uuids,
            self.prepare,
            self.prepare_value,
            where=f"{self._where} AND ({where})" if self._where else where,
            params=self._params + params,
        )

    def about(self, item_keys: Iterable[str]) -> "Answers":
        """Only the answers to these checklist items."""
        keys = json.dumps(list(item_keys))
        return self._narrowed("item_key IN (SELECT value FROM json_each(?))", (keys,))

    def with_details(self, item_keys: Iterable[str]) -> "Answers":
        """The answers that carry a note or a source, were commented on by a lead, or are to an item not
        among ``item_keys`` (a question the mission's checklist no longer has)."""
        keys = json.dumps(list(item_keys))
        return self._narrowed(
            "note != '' OR provenance != '' OR item_key NOT IN (SELECT value FROM json_each(?)) "
            # the reviews of this answer's hearing only (review_hearing index): a subquery over every
            # review was built again for each hearing read — quadratic in the mission's size
            "OR EXISTS (SELECT 1 FROM review WHERE review.hearing_id = answer.hearing_id "
            "AND review.answer_uuid = answer.uuid)",
            (keys,),
        )

    def __iter__(self) -> Iterator[dict]:
        where = f"AND ({self._where})" if self._where else ""
        sql = (
            "SELECT uuid, subject_uuid, item_key, value, note, provenance FROM answer "  # noqa: S608
            f"WHERE hearing_id = (SELECT id FROM hearing WHERE uuid = ?) {where} ORDER BY id"
        )
        prepare = self.prepare
        for hearing_uuid in self.hearing_uuids:
            for uuid, subject, item, value, note, provenance in self.db.execute(
                sql, (hearing_uuid, *self._params)
            ):
                row = {
                    "uuid": uuid,
                    "hearing_uuid": hearing_uuid,
                    "subject_uuid": subject,
                    "item_key": item,
                    "value": value,
                    "note": note,
                    "provenance": provenance,
                }
                yield prepare(row) if prepare else row

    def values(self) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
        """For each hearing in order, its answers as (subject_uuid, item_key, value), each value passed
        through ``prepare_value`` — the answer tables need no more, and no dict per answer."""
        where = f"AND ({self._where})" if self._where else ""
        sql = (
            "SELECT subject_uuid, item_key, value FROM answer "  # noqa: S608
            f"WHERE hearing_id = (SELECT id FROM hearing WHERE uuid = ?) {where}"
        )
        prepare = self.prepare_value
        for hearing_uuid in self.hearing_uuids:
            rows = self.db.execute(sql, (hearing_uuid, *self._params)).fetchall()
            if prepare:
                rows = [(subject, item, prepare(value)) for subject, item, value in rows]
            yield hearing_uuid, rows

    def __len__(self) -> int:
        if self._count is None:
            where = f"AND ({self._where})" if self._where else ""
            sql = (
                "SELECT count(*) FROM answer WHERE hearing_id IN (SELECT id FROM hearing "  # noqa: S608
                f"WHERE uuid IN (SELECT value FROM json_each(?))) {where}"
            )
            params = (json.dumps(self.hearing_uuids), *self._params)
            self._count = self.db.execute(sql, params).fetchone()[0]
        return self._count
