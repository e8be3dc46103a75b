"""Findings counts kept by the writes that change them (issue #16, "Findings at the floor").

The findings count every sitting and defendant-at-sitting item by the rule of docs/units.md "What counts":
per (sitting, subject, item), over the *counted* observations (submitted or approved) that answered it, the
lead's reconciled value if there is one, else the value they all agree on (blanks and "not observed" aside;
an answer about a defendant marked absent in that observation ignored, except ``presence``), else
*disputed*. Scanning every answer for that takes about a second at 4,000 sittings; these two tables keep
the result instead:

``findings_cell``  one row per (sitting, item, subject) the rule resolves to something counted: observed,
                   a concern, or disputed (blank cells are not kept). ``sitting_key`` is the sitting's id
                   (``-hearing.id`` for an observation without a sitting, as the scan does).
``findings_unit``  per (trial, item, unit) — a defendant, a witness appearance or the sitting itself — the
                   number of its cells observed (``sittings``), with a concern (``concerns``) and disputed:
                   what ``aggregate._units`` returns, without reading an answer.

An index over ``case_fact`` (defendant, item, value, source, version) lets the case items and the
findings' data stamp read the case facts without their rows.

How they stay right: SQLite triggers on everything the rule reads (``answer``, ``hearing``'s status and
sitting, ``hearing_defendant``'s presence, ``reconciliation``, a mission's checklist) write the sitting
concerned into ``findings_dirty``; the transaction that made the change refreshes those sittings just
before it commits (:func:`upkeep`, called by ``db.atomic``), so a write and the counts it changes commit
together or not at all. Writes to a draft or returned observation leave nothing dirty (the default counts
do not read them), so an observer's autosave pays one indexed look-up per answer. A write made outside
``db.atomic`` leaves its sittings dirty until the next transaction refreshes them; meanwhile
:func:`usable` says no and the findings scan, as before.

The summary answers the default scope (submitted and approved observations), the whole mission or some of
its trials or courts; the other filters (dates, observers, a judge, other statuses) are answered by the
scan (``aggregate._units``), which stays the reference the tests compare against.
"""

# ruff: noqa: S608 — every SQL text here is built from this module's constants (COUNTED, PRESENT, trigger
# bodies) and the scope's fixed conditions; values are always parameters.
import json

from sqlite_utils import Database

from .. import checklists
from .scope import COUNTED_BY_DEFAULT, Scope

COUNTED = "('submitted', 'approved')"  # COUNTED_BY_DEFAULT, as SQL
assert set(COUNTED_BY_DEFAULT) == {"submitted", "approved"}  # noqa: S101 (the SQL above must follow it)

TABLES = """
CREATE TABLE IF NOT EXISTS findings_cell (
    sitting_key INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    subject_uuid TEXT NOT NULL,
    trial_id INTEGER NOT NULL,
    sitting_uuid TEXT NOT NULL,
    observed INTEGER NOT NULL,
    concern INTEGER NOT NULL,
    disputed INTEGER NOT NULL,
    PRIMARY KEY (sitting_key, item_key, subject_uuid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS findings_cell_disputed ON findings_cell (trial_id) WHERE disputed = 1;
CREATE TABLE IF NOT EXISTS findings_unit (
    trial_id INTEGER NOT NULL,
    item_key TEXT NOT NULL,
    unit_uuid TEXT NOT NULL,
    people INTEGER NOT NULL,
    sittings INTEGER NOT NULL,
    concerns INTEGER NOT NULL,
    disputed INTEGER NOT NULL,
    PRIMARY KEY (trial_id, item_key, unit_uuid)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS findings_unit_empty ON findings_unit (trial_id)
    WHERE sittings = 0 AND concerns = 0 AND disputed = 0;
CREATE TABLE IF NOT EXISTS findings_dirty (sitting_key INTEGER PRIMARY KEY);
CREATE INDEX IF NOT EXISTS findings_case_fact ON case_fact (defendant_id, item_key, value, source, version);
"""

# The sitting key of an observation, and "it counts" — the triggers' two look-ups.
_KEY = "SELECT coalesce(sitting_id, -id) FROM hearing WHERE id = {hearing} AND status IN " + COUNTED
_MARK = "INSERT OR IGNORE INTO findings_dirty (sitting_key) " + _KEY + ";"

TRIGGERS = {
    "findings_answer_insert": f"AFTER INSERT ON answer BEGIN {_MARK.format(hearing='NEW.hearing_id')} END",
    "findings_answer_delete": f"AFTER DELETE ON answer BEGIN {_MARK.format(hearing='OLD.hearing_id')} END",
    "findings_answer_update": (
        "AFTER UPDATE OF hearing_id, subject_uuid, item_key, value ON answer BEGIN "
        f"{_MARK.format(hearing='OLD.hearing_id')} {_MARK.format(hearing='NEW.hearing_id')} END"
    ),
    "findings_presence_insert": (
        f"AFTER INSERT ON hearing_defendant BEGIN {_MARK.format(hearing='NEW.hearing_id')} END"
    ),
    "findings_presence_delete": (
        f"AFTER DELETE ON hearing_defendant BEGIN {_MARK.format(hearing='OLD.hearing_id')} END"
    ),
    "findings_presence_update": (
        "AFTER UPDATE ON hearing_defendant WHEN OLD.present IS NOT NEW.present "
        "OR OLD.hearing_id IS NOT NEW.hearing_id OR OLD.defendant_id IS NOT NEW.defendant_id BEGIN "
        f"{_MARK.format(hearing='OLD.hearing_id')} {_MARK.format(hearing='NEW.hearing_id')} END"
    ),
    "findings_hearing_insert": (
        f"AFTER INSERT ON hearing WHEN NEW.status IN {COUNTED} BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (coalesce(NEW.sitting_id, -NEW.id)); END"
    ),
    "findings_hearing_delete": (
        f"AFTER DELETE ON hearing WHEN OLD.status IN {COUNTED} BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (coalesce(OLD.sitting_id, -OLD.id)); END"
    ),
    "findings_hearing_update": (
        "AFTER UPDATE OF status, sitting_id, trial_id ON hearing "
        f"WHEN OLD.status IN {COUNTED} OR NEW.status IN {COUNTED} BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (coalesce(OLD.sitting_id, -OLD.id)); "
        "INSERT OR IGNORE INTO findings_dirty VALUES (coalesce(NEW.sitting_id, -NEW.id)); END"
    ),
    # a field of a counted observation that holds a sitting item's fact (``home: sitting.<field>``)
    "findings_hearing_fields": (
        f"AFTER UPDATE ON hearing WHEN OLD.status IN {COUNTED} AND NEW.status IN {COUNTED} BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (coalesce(NEW.sitting_id, -NEW.id)); END"
    ),
    "findings_sitting_update": (
        "AFTER UPDATE OF uuid, trial_id ON sitting BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (NEW.id); END"
    ),
    "findings_reconciliation_insert": (
        "AFTER INSERT ON reconciliation BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (NEW.sitting_id); END"
    ),
    "findings_reconciliation_delete": (
        "AFTER DELETE ON reconciliation BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (OLD.sitting_id); END"
    ),
    "findings_reconciliation_update": (
        "AFTER UPDATE OF sitting_id, subject_uuid, item_key, value ON reconciliation BEGIN "
        "INSERT OR IGNORE INTO findings_dirty VALUES (OLD.sitting_id); "
        "INSERT OR IGNORE INTO findings_dirty VALUES (NEW.sitting_id); END"
    ),
    # the concerns are the mission's checklist's: another checklist recounts every sitting of the mission
    "findings_mission_checklist": (
        "AFTER UPDATE OF checklist_id, checklist_version ON mission BEGIN "
        "INSERT OR IGNORE INTO findings_dirty SELECT coalesce(hearing.sitting_id, -hearing.id) FROM hearing "
        f"JOIN trial ON trial.id = hearing.trial_id WHERE trial.mission_id = NEW.id "
        f"AND hearing.status IN {COUNTED}; END"
    ),
}


# The per-row triggers an import's bulk load switches off (see :func:`suspend`).
BULK = tuple(name for name in TRIGGERS if name.startswith(("findings_answer_", "findings_presence_")))


def suspend(db: Database) -> None:
    """For a bulk load inside one transaction (a mission's first import): drop the per-row triggers on
    answers and presence; :func:`resume`, in the same transaction, puts them back and marks every counted
    sitting of the mission. Should the load fail, the rollback restores them with everything else."""
    for name in BULK:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def resume(db: Database, mission_uuid: str) -> None:
    """Undo :func:`suspend` and mark the mission's counted sittings for the recount before COMMIT."""
    for name in BULK:
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {TRIGGERS[name]}")
    db.execute(
        "INSERT OR IGNORE INTO findings_dirty SELECT coalesce(hearing.sitting_id, -hearing.id) FROM hearing "
        "JOIN trial ON trial.id = hearing.trial_id JOIN mission ON mission.id = trial.mission_id "
        f"WHERE mission.uuid = ? AND hearing.status IN {COUNTED}",
        [mission_uuid],
    )


def install(db: Database) -> None:
    """Create the tables and triggers (idempotent) — ``m018_findings_summary``."""
    _script(db, TABLES)
    for name, body in TRIGGERS.items():
        db.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")


def _script(db: Database, script: str) -> None:
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def fill(db: Database) -> int:
    """Count everything again from the answers (the migration, and a repair); return the cells kept."""
    install(db)
    db.execute("DELETE FROM findings_cell")
    db.execute("DELETE FROM findings_unit")
    db.execute("DELETE FROM findings_dirty")
    db.execute(
        f"INSERT INTO findings_dirty SELECT DISTINCT coalesce(sitting_id, -id) FROM hearing "
        f"WHERE status IN {COUNTED}"
    )
    _refresh(db, everything=True)
    return db.execute("SELECT count(*) FROM findings_cell").fetchone()[0]


def upkeep(db: Database) -> None:
    """Recount the sittings this transaction changed (``db.atomic`` calls it just before COMMIT).

    Costs one indexed look-up when nothing counted changed; a database before ``m018`` has no table yet."""
    try:
        row = db.execute("SELECT 1 FROM findings_dirty LIMIT 1").fetchone()
    except Exception as error:  # noqa: BLE001 (only "no such table" is expected; anything else is raised)
        if "no such table" in str(error):
            return
        raise
    if row is not None:
        _refresh(db)


def concern_pairs(checklist) -> str:
    """Every (item, value that is a concern) of ``checklist`` as a JSON list of "key<US>value" texts, for
    ``item_key || char(31) || value IN (SELECT value FROM json_each(:concerns))``: SQLite reads the list
    once per statement (a path into a JSON object per row would parse it again for every row)."""
    return json.dumps(sorted(f"{item.key}\x1f{value}" for item in checklist.items for value in item.concern))


def _rules(db: Database, mission_id: int) -> tuple[str, list]:
    """Per mission, from its checklist: the concern pairs (:func:`concern_pairs`) and the sitting items
    kept in an observation's field (``home``)."""
    mission = db.execute(
        "SELECT checklist_id, checklist_version FROM mission WHERE id = ?", [mission_id]
    ).fetchone()
    try:
        checklist = checklists.get(mission[0], mission[1])
    except Exception:  # noqa: BLE001 (a checklist no longer offered: nothing is a concern)
        return "[]", []
    concerns = concern_pairs(checklist)
    fields = []
    for key, home in checklists.homes(checklist).items():
        record, _dot, field = (home.home or "").partition(".")
        if record == "sitting" and "=" not in field and field.isidentifier():
            fields.append((key, field, json.dumps(sorted(home.concern))))
    return concerns, fields


HOME = "@home:"  # + an item's key: the cells of a sitting item kept in the observations' field


_DIRTY_OBSERVATIONS = f"""
    CREATE TEMP TABLE IF NOT EXISTS summary_observation (
        id INTEGER PRIMARY KEY, sitting_key INTEGER NOT NULL, sitting_uuid TEXT NOT NULL,
        trial_id INTEGER NOT NULL, mission_id INTEGER NOT NULL, shared INTEGER NOT NULL DEFAULT 0);
    DELETE FROM temp.summary_observation;
    INSERT INTO temp.summary_observation (id, sitting_key, sitting_uuid, trial_id, mission_id)
        SELECT hearing.id, hearing.sitting_id, sitting.uuid, hearing.trial_id, trial.mission_id
        FROM findings_dirty JOIN hearing ON hearing.sitting_id = findings_dirty.sitting_key
        JOIN sitting ON sitting.id = hearing.sitting_id JOIN trial ON trial.id = hearing.trial_id
        WHERE findings_dirty.sitting_key > 0 AND hearing.status IN {COUNTED};
    INSERT INTO temp.summary_observation (id, sitting_key, sitting_uuid, trial_id, mission_id)
        SELECT hearing.id, -hearing.id, hearing.uuid, hearing.trial_id, trial.mission_id
        FROM findings_dirty JOIN hearing ON hearing.id = -findings_dirty.sitting_key
        JOIN trial ON trial.id = hearing.trial_id
        WHERE findings_dirty.sitting_key < 0 AND hearing.sitting_id IS NULL AND hearing.status IN {COUNTED};
    UPDATE temp.summary_observation SET shared = 1 WHERE sitting_key IN (
        SELECT sitting_key FROM temp.summary_observation GROUP BY sitting_key HAVING count(*) > 1);
    CREATE TEMP TABLE IF NOT EXISTS summary_absent (
        hearing_id INTEGER NOT NULL, defendant_uuid TEXT NOT NULL, PRIMARY KEY (hearing_id, defendant_uuid)
    ) WITHOUT ROWID;
    DELETE FROM temp.summary_absent;
    INSERT INTO temp.summary_absent
        SELECT hearing_defendant.hearing_id, defendant.uuid FROM temp.summary_observation o
        JOIN hearing_defendant ON hearing_defendant.hearing_id = o.id AND hearing_defendant.present = 0
        JOIN defendant ON defendant.id = hearing_defendant.defendant_id
"""

# The rule of docs/units.md, per (sitting, item, subject) of the dirty sittings of one mission that more
# than one counted observation saw (``shared``): their answers grouped per cell.
_CELLS = """
    INSERT INTO findings_cell
    WITH per AS (
        SELECT o.sitting_key, min(o.sitting_uuid) AS sitting_uuid, min(o.trial_id) AS trial_id,
               answer.item_key, answer.subject_uuid,
               count(DISTINCT answer.value) FILTER (WHERE answer.value NOT IN ('', 'not_observed')) AS n,
               max(answer.value) FILTER (WHERE answer.value NOT IN ('', 'not_observed')) AS agreed,
               max(answer.value) AS any_value
        FROM temp.summary_observation o CROSS JOIN answer ON answer.hearing_id = o.id
        WHERE o.mission_id = :mission AND o.shared = 1
          AND (answer.item_key = 'presence' OR answer.subject_uuid = '' OR NOT EXISTS (
                SELECT 1 FROM temp.summary_absent a
                WHERE a.hearing_id = answer.hearing_id AND a.defendant_uuid = answer.subject_uuid))
        GROUP BY o.sitting_key, answer.item_key, answer.subject_uuid
    ),
    resolved AS (
        SELECT per.*,
               CASE WHEN r.value IS NOT NULL THEN r.value WHEN per.n = 1 THEN per.agreed
                    WHEN per.n = 0 THEN coalesce(per.any_value, '') END AS value,
               (r.value IS NULL AND per.n > 1) AS disputed
        FROM per LEFT JOIN reconciliation r ON r.sitting_id = per.sitting_key
             AND r.subject_uuid = per.subject_uuid AND r.item_key = per.item_key
    ),
    judged AS (
        SELECT sitting_key, item_key, subject_uuid, trial_id, sitting_uuid,
               coalesce(value NOT IN ('', 'not_observed'), 0) AS observed,
               coalesce(item_key || char(31) || value IN (SELECT value FROM json_each(:concerns)), 0)
                   AS concern,
               disputed
        FROM resolved
    )
    SELECT * FROM judged WHERE observed OR concern OR disputed
"""

# The same rule where one counted observation saw the sitting (most sittings): a cell is one answer, so
# nothing to group — its value, or the lead's reconciled value should there be one.
_SINGLE_CELLS = """
    INSERT INTO findings_cell
    WITH resolved AS (
        SELECT o.sitting_key, answer.item_key, answer.subject_uuid, o.trial_id, o.sitting_uuid,
               coalesce(r.value, answer.value) AS value
        FROM temp.summary_observation o CROSS JOIN answer ON answer.hearing_id = o.id
        LEFT JOIN reconciliation r ON r.sitting_id = o.sitting_key
             AND r.subject_uuid = answer.subject_uuid AND r.item_key = answer.item_key
        WHERE o.mission_id = :mission AND o.shared = 0
          AND (answer.item_key = 'presence' OR answer.subject_uuid = '' OR NOT EXISTS (
                SELECT 1 FROM temp.summary_absent a
                WHERE a.hearing_id = answer.hearing_id AND a.defendant_uuid = answer.subject_uuid))
    ),
    judged AS (
        SELECT sitting_key, item_key, subject_uuid, trial_id, sitting_uuid,
               value NOT IN ('', 'not_observed') AS observed,
               item_key || char(31) || value IN (SELECT value FROM json_each(:concerns)) AS concern,
               0 AS disputed
        FROM resolved
    )
    SELECT * FROM judged WHERE observed OR concern
"""

# A sitting item kept in an observation's field (``aggregate.home_units``, record "sitting"): per sitting,
# the lead's value if there is one (and says something), else the one value the observations gave.
_HOME_CELLS = """
    INSERT INTO findings_cell
    WITH per AS (
        SELECT o.sitting_key, min(o.sitting_uuid) AS sitting_uuid, min(o.trial_id) AS trial_id,
               count(DISTINCT hearing.[{field}]) FILTER (WHERE {said}) AS n,
               max(hearing.[{field}]) FILTER (WHERE {said}) AS agreed
        FROM temp.summary_observation o JOIN hearing ON hearing.id = o.id
        WHERE o.mission_id = :mission GROUP BY o.sitting_key
    ),
    resolved AS (
        SELECT per.*, coalesce(r.value, '') AS reconciled,
               CASE WHEN coalesce(r.value, '') != '' THEN r.value WHEN per.n = 1 THEN per.agreed ELSE '' END
                   AS value
        FROM per LEFT JOIN reconciliation r ON r.sitting_id = per.sitting_key AND r.subject_uuid = ''
             AND r.item_key = :item
    )
    SELECT sitting_key, :cell, '', trial_id, sitting_uuid, value != '',
           value IN (SELECT value FROM json_each(:concern)), reconciled = '' AND n > 1
    FROM resolved WHERE value != '' OR (reconciled = '' AND n > 1)
"""
_SAID = "hearing.[{field}] IS NOT NULL AND hearing.[{field}] NOT IN ('', 'not_observed')"

# Defendants present at a counted observation of the sitting (``aggregate.observed_defendants``), kept as
# cells of the pseudo-item PRESENT (no checklist key starts with "@").
PRESENT = "@present"
_PRESENT_CELLS = f"""
    INSERT INTO findings_cell
    SELECT o.sitting_key, '{PRESENT}', defendant.uuid, min(o.trial_id), min(o.sitting_uuid), 1, 0, 0
    FROM temp.summary_observation o
    JOIN hearing_defendant ON hearing_defendant.hearing_id = o.id AND hearing_defendant.present = 1
    JOIN defendant ON defendant.id = hearing_defendant.defendant_id
    GROUP BY o.sitting_key, defendant.uuid
"""

# Add (sign 1) or take away (sign -1) the dirty sittings' cells from their units.
_UNITS = """
    INSERT INTO findings_unit (trial_id, item_key, unit_uuid, people, sittings, concerns, disputed)
    SELECT trial_id, item_key, CASE WHEN subject_uuid = '' THEN sitting_uuid ELSE subject_uuid END,
           subject_uuid != '', :sign * sum(observed), :sign * sum(concern), :sign * sum(disputed)
    FROM findings_cell WHERE sitting_key IN (SELECT sitting_key FROM findings_dirty)
    GROUP BY 1, 2, 3
    ON CONFLICT (trial_id, item_key, unit_uuid) DO UPDATE SET
        sittings = sittings + excluded.sittings, concerns = concerns + excluded.concerns,
        disputed = disputed + excluded.disputed
"""
_UNITS_ALL = """
    INSERT INTO findings_unit (trial_id, item_key, unit_uuid, people, sittings, concerns, disputed)
    SELECT trial_id, item_key, CASE WHEN subject_uuid = '' THEN sitting_uuid ELSE subject_uuid END,
           subject_uuid != '', sum(observed), sum(concern), sum(disputed)
    FROM findings_cell GROUP BY 1, 2, 3
"""


def _refresh(db: Database, everything: bool = False) -> None:
    """Recount the sittings listed in ``findings_dirty``, then empty it."""
    if not everything:
        db.execute(_UNITS.replace(":sign", "-1"))
    db.execute("DELETE FROM findings_cell WHERE sitting_key IN (SELECT sitting_key FROM findings_dirty)")
    _script(db, _DIRTY_OBSERVATIONS)
    missions = [r[0] for r in db.execute("SELECT DISTINCT mission_id FROM temp.summary_observation")]
    for mission_id in missions:
        concerns, fields = _rules(db, mission_id)
        db.execute(_CELLS, {"mission": mission_id, "concerns": concerns})
        db.execute(_SINGLE_CELLS, {"mission": mission_id, "concerns": concerns})
        for key, field, concern in fields:
            sql = _HOME_CELLS.replace("{said}", _SAID).replace("{field}", field)
            db.execute(sql, {"mission": mission_id, "item": key, "cell": HOME + key, "concern": concern})
    db.execute(_PRESENT_CELLS)
    if everything:
        db.execute(_UNITS_ALL)
    else:
        db.execute(_UNITS.replace(":sign", "1"))
        db.execute("DELETE FROM findings_unit WHERE sittings = 0 AND concerns = 0 AND disputed = 0")
    db.execute("DELETE FROM findings_dirty")
    db.execute("DELETE FROM temp.summary_observation")
    db.execute("DELETE FROM temp.summary_absent")


# Reading -----------------------------------------------------------------------------------------------


def usable(db: Database, scope: Scope, checklist=None) -> bool:
    """Whether the summary answers ``scope`` (for ``checklist``, if given): the default statuses, no date,
    observer or judge filter, the mission's own checklist, and nothing waiting to be recounted."""
    if set(scope.statuses) != set(COUNTED_BY_DEFAULT):
        return False
    if scope.date_from or scope.date_to or scope.observer_uuids or scope.judge:
        return False
    try:
        mission = db.execute(
            "SELECT checklist_id, checklist_version FROM mission WHERE id = ?", [scope.mission_id]
        ).fetchone()
        dirty = db.execute("SELECT 1 FROM findings_dirty LIMIT 1").fetchone()
    except Exception as error:  # noqa: BLE001
        if "no such table" in str(error):
            return False
        raise
    if mission is None:
        return False
    if checklist is not None and (mission[0], mission[1]) != (checklist.id, checklist.version):
        return False
    return dirty is None


class Kept:
    """The kept counts of the trials of a scope (see :func:`usable`), read for the findings.

    Items are keyed ``(key, people)``: people items (defendants, witness appearances) apart from sitting
    items, since the scan reads only the answers of its item's kind."""

    def __init__(self, db: Database, scope: Scope, witness_keys: tuple[str, ...] = ()):
        self.db = db
        trial_where, self.params = scope.trial_where()
        self.trials = f"SELECT trial.id FROM trial WHERE {trial_where}"
        # per item: the units observed and those with a concern, as JSON arrays built by SQLite
        self.lists: dict[tuple[str, bool], tuple[list[str], list[str]]] = {
            (key, bool(people)): (json.loads(observed), json.loads(concern))
            for key, people, observed, concern in db.execute(
                "SELECT item_key, people, json_group_array(unit_uuid) FILTER (WHERE sittings > 0), "
                "json_group_array(unit_uuid) FILTER (WHERE concerns > 0) FROM findings_unit "
                f"WHERE trial_id IN ({self.trials}) AND item_key != '{PRESENT}' GROUP BY item_key, people",
                self.params,
            )
        }
        # witness items: the appearances folded into their persons (a person heard thrice counts once;
        # a v2 item about the person names the person, who maps to itself)
        self.persons: dict[str, tuple[list[str], list[str]]] = {
            key: (json.loads(observed), json.loads(concern))
            for key, observed, concern in db.execute(
                "SELECT u.item_key, "
                "json_group_array(coalesce(w.uuid, u.unit_uuid)) FILTER (WHERE u.sittings > 0), "
                "json_group_array(coalesce(w.uuid, u.unit_uuid)) FILTER (WHERE u.concerns > 0) "
                "FROM findings_unit u LEFT JOIN witness_appearance a ON a.uuid = u.unit_uuid "
                "LEFT JOIN witness w ON w.id = a.witness_id "
                f"WHERE u.trial_id IN ({self.trials}) AND u.people = 1 "
                "AND u.item_key IN (SELECT value FROM json_each(:keys)) GROUP BY u.item_key",
                {**self.params, "keys": json.dumps(list(witness_keys))},
            )
        }
        # per item and unit: the sittings where the unit's answers are disputed (few)
        self.disputed: dict[tuple[str, bool], dict[str, list[str]]] = {}
        for key, subject, sitting_uuid in db.execute(
            "SELECT item_key, subject_uuid, sitting_uuid FROM findings_cell "
            f"WHERE disputed = 1 AND trial_id IN ({self.trials})",
            self.params,
        ):
            people = subject != ""
            unit = subject if people else sitting_uuid
            self.disputed.setdefault((key, people), {}).setdefault(unit, []).append(sitting_uuid)

    def units(self, key: str, people: bool) -> dict[str, dict]:
        """One item's units in ``aggregate._units``' shape (observed, concern, sittings, concerns,
        disputed sittings)."""
        found = {
            unit: {
                "observed": sittings > 0,
                "concern": concerns > 0,
                "sittings": sittings,
                "concerns": concerns,
                "disputed": [],
            }
            for unit, sittings, concerns in self.db.execute(
                "SELECT unit_uuid, sittings, concerns FROM findings_unit "
                f"WHERE trial_id IN ({self.trials}) AND item_key = :key AND people = :people "
                "AND (sittings > 0 OR concerns > 0)",
                {**self.params, "key": key, "people": int(people)},
            )
        }
        for unit, where in self.disputed.get((key, people), {}).items():
            into = found.setdefault(
                unit, {"observed": False, "concern": False, "sittings": 0, "concerns": 0, "disputed": []}
            )
            into["disputed"] = list(where)
        return found


def present(db: Database, scope: Scope) -> list[str]:
    """The defendants present at one or more counted observations of the trials in ``scope``."""
    trial_where, params = scope.trial_where()
    trials = f"SELECT trial.id FROM trial WHERE {trial_where}"
    return [
        row[0]
        for row in db.execute(
            f"SELECT DISTINCT unit_uuid FROM findings_unit WHERE item_key = '{PRESENT}' "
            f"AND sittings > 0 AND trial_id IN ({trials})",
            params,
        )
    ]
