"""Mission findings, computed in SQL over the observations (``hearing`` rows) a lead chooses.

Every number comes with its denominator and the uuids behind it (``{"count", "of", "uuids"}``), so a
report can state "27 of 37 defendants …" and a reader can open the list of people counted. A person
(or sitting, or witness) is counted once however many sittings repeat the same concern; drafts never
count; only answers about a defendant present at that observation count.

The unit of every "hearings" number is the court **sitting** (``COUNT DISTINCT sitting``): two observers
at one sitting are one sitting, two observations. An answer counts per (sitting, subject, item) by the
rule of docs/units.md "What counts": the lead's reconciled value if there is one; else the value every
counted observation that answered agrees on (blanks and "not observed" ignored); else it is *disputed*,
not counted, and the item's ``disputed`` count says how many units it left out.
"""

import contextvars
import copy
import json
import marshal
import statistics
import threading
from collections import OrderedDict
from datetime import UTC, datetime

from sqlite_utils import Database

from .. import checklists
from ..checklists.model import ESTABLISHED_SOURCES
from . import follow_up, summary
from .scope import Scope

NOT_ANSWERED = ("", "not_observed")


def count(uuids, of: int | None = None) -> dict:
    """The shape of every number in the findings."""
    unique = sorted(set(u for u in uuids if u))
    return {"count": len(unique), "of": of, "uuids": unique}


# Within one computation of the findings (compute_findings), the lists several parts read — the witnesses
# heard, the defendants present or on trial, the witness persons — are read once.
_COMPUTING: contextvars.ContextVar[dict | None] = contextvars.ContextVar("findings_computing", default=None)


def _once(key: tuple, read):
    cache = _COMPUTING.get()
    if cache is None:
        return read()
    if key not in cache:
        cache[key] = read()
    return copy.copy(cache[key])


def _hearings_cte(scope: Scope) -> tuple[str, dict]:
    where, params = scope.where()
    cte = f"""
        h AS (
            SELECT hearing.id, hearing.uuid, hearing.trial_id, hearing.hearing_date, hearing.observer_id,
                   coalesce(hearing.sitting_id, -hearing.id) AS sitting_id,
                   coalesce(sitting.uuid, hearing.uuid) AS sitting_uuid
            FROM hearing JOIN trial ON trial.id = hearing.trial_id
            LEFT JOIN sitting ON sitting.id = hearing.sitting_id WHERE {where}
        )"""  # noqa: S608 (conditions built from constants; values are parameters)
    return cte, params


def _arrays(row: dict, *names: str) -> dict:
    return {name: json.loads(row[name] or "[]") for name in names}


def method(db: Database, scope: Scope) -> dict:
    """How much was observed: sittings, observations of them, observers, trials, defendants present, dates.

    ``sittings`` is the unit of every "hearings" number; ``observations`` counts the observers' records
    (``hearings`` is kept, the same as ``observations``, for readers of the format before sittings)."""
    cte, params = _hearings_cte(scope)
    row = next(
        db.query(
            f"""
            WITH {cte}
            SELECT json_group_array(DISTINCT h.uuid) AS hearings,
                   json_group_array(DISTINCT h.sitting_uuid) AS sittings,
                   count(DISTINCT h.observer_id) AS observers,
                   json_group_array(DISTINCT trial.uuid) AS trials,
                   min(h.hearing_date) AS first_date, max(h.hearing_date) AS last_date
            FROM h JOIN trial ON trial.id = h.trial_id
            """,  # noqa: S608
            params,
        )
    )
    months = list(
        db.query(
            f"WITH {cte} SELECT substr(hearing_date, 1, 7) AS month, count(*) AS n, "  # noqa: S608
            "count(DISTINCT sitting_id) AS sittings FROM h GROUP BY month ORDER BY month",
            params,
        )
    )
    present = observed_defendants(db, scope)
    arrays = _arrays(row, "hearings", "sittings", "trials")
    return {
        "sittings": count(arrays["sittings"]),
        "observations": count(arrays["hearings"]),
        "hearings": count(arrays["hearings"]),
        "trials": count(arrays["trials"]),
        "observers": row["observers"],
        "defendants_observed": count(present),
        "first_date": row["first_date"],
        "last_date": row["last_date"],
        "sittings_by_month": {m["month"]: m["sittings"] for m in months},
        "hearings_by_month": {m["month"]: m["n"] for m in months},
    }


def observed_defendants(db: Database, scope: Scope) -> list[str]:
    """Defendants present at one or more of the hearings in scope."""
    return _once(("present", id(db), scope), lambda: _observed_defendants(db, scope))


def _observed_defendants(db: Database, scope: Scope) -> list[str]:
    if not SCAN_ONLY and summary.usable(db, scope):
        return summary.present(db, scope)
    cte, params = _hearings_cte(scope)
    rows = db.query(
        f"""
        WITH {cte}
        SELECT DISTINCT defendant.uuid FROM hearing_defendant
        JOIN h ON h.id = hearing_defendant.hearing_id
        JOIN defendant ON defendant.id = hearing_defendant.defendant_id
        WHERE hearing_defendant.present = 1
        """,  # noqa: S608
        params,
    )
    return [r["uuid"] for r in rows]


def _scope_tables(db: Database, scope: Scope, observations_only: bool = False) -> tuple[int, int]:
    """Temporary tables of the observations in scope, the reconciled answers of their sittings and the
    absences in them, for the per-item scans; return (observations, those whose sitting needs the
    counting rule: observed more than once in scope, or reconciled).

    Temporary tables belong to this connection only, so concurrent requests do not see each other's.
    ``observations_only``: only the observations (what the records' facts need when the kept counts
    answer the items); the other two are left empty.
    """
    cte, params = _hearings_cte(scope)
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS scope_observation (id INTEGER PRIMARY KEY, uuid TEXT, "
        "sitting_id INTEGER, sitting_uuid TEXT, shared INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS scope_reconciled (sitting_id INTEGER, subject_uuid TEXT, "
        "item_key TEXT, value TEXT, PRIMARY KEY (item_key, sitting_id, subject_uuid)) WITHOUT ROWID"
    )
    db.execute(
        "CREATE TEMP TABLE IF NOT EXISTS scope_absent (hearing_id INTEGER, defendant_uuid TEXT, "
        "PRIMARY KEY (hearing_id, defendant_uuid)) WITHOUT ROWID"
    )
    # No BEGIN IMMEDIATE here: these statements write only to this connection's temp schema, and a
    # findings page must not take the database's write lock away from observers' autosaves.
    db.execute("DELETE FROM temp.scope_observation")
    db.execute("DELETE FROM temp.scope_absent")
    db.execute("DELETE FROM temp.scope_reconciled")
    db.execute(
        f"WITH {cte} INSERT INTO temp.scope_observation (id, uuid, sitting_id, sitting_uuid) "  # noqa: S608
        "SELECT id, uuid, sitting_id, sitting_uuid FROM h",
        params,
    )
    if observations_only:
        return (0, 0)
    db.execute(
        """
        INSERT INTO temp.scope_reconciled
        SELECT sitting_id, subject_uuid, item_key, value FROM reconciliation
        WHERE sitting_id IN (SELECT sitting_id FROM temp.scope_observation)
        """
    )
    db.execute(
        """
        UPDATE temp.scope_observation SET shared = 1
        WHERE sitting_id IN (SELECT sitting_id FROM temp.scope_observation GROUP BY sitting_id
                             HAVING count(*) > 1)
           OR sitting_id IN (SELECT sitting_id FROM temp.scope_reconciled)
        """
    )
    db.execute(
        """
        INSERT INTO temp.scope_absent
        SELECT hearing_defendant.hearing_id, defendant.uuid FROM hearing_defendant
        JOIN temp.scope_observation ON scope_observation.id = hearing_defendant.hearing_id
        JOIN defendant ON defendant.id = hearing_defendant.defendant_id
        WHERE hearing_defendant.present = 0
        """
    )
    return tuple(db.execute("SELECT count(*), total(shared) FROM temp.scope_observation").fetchone())


# Each item is counted in two parts. Sittings with one observation in scope and no reconciliation (most of
# them) need no rule: their answers are the answers, and one scan of the item's answers through the
# answer_units index (item_key, subject_uuid, value, hearing_id) counts them as before sittings existed.
# Only the *shared* sittings (two observations or more, or a lead's reconciliation) go through the rule
# (_RESOLVED): per (sitting, subject) how many different answers the observations gave (blanks and "not
# observed" aside), one of them, the lead's reconciled value if any. Drafts, absent defendants and other
# missions fall out in both parts.
# v2's ``presence`` is answered for absent defendants too, so that they count for the right to be present.
_NOT_ABSENT = """
    (:item = 'presence' OR NOT EXISTS (SELECT 1 FROM temp.scope_absent
                WHERE scope_absent.hearing_id = answer.hearing_id
                AND scope_absent.defendant_uuid = answer.subject_uuid))
"""
_FAST_PEOPLE = f"""
    SELECT answer.subject_uuid AS unit,
           max(answer.value NOT IN ('', 'not_observed')) AS observed,
           max(answer.value IN (SELECT value FROM json_each(:concern))) AS concern,
           count(DISTINCT answer.hearing_id)
               FILTER (WHERE answer.value NOT IN ('', 'not_observed')) AS sittings,
           count(DISTINCT answer.hearing_id)
               FILTER (WHERE answer.value IN (SELECT value FROM json_each(:concern))) AS concerns
    FROM answer
    WHERE answer.item_key = :item AND answer.subject_uuid != ''
      AND answer.hearing_id IN (SELECT id FROM temp.scope_observation WHERE shared = 0)
      AND {_NOT_ABSENT}
    GROUP BY answer.subject_uuid
"""  # noqa: S608 (constant pieces)
_FAST_SITTINGS = """
    SELECT o.sitting_uuid AS unit,
           max(answer.value NOT IN ('', 'not_observed')) AS observed,
           max(answer.value IN (SELECT value FROM json_each(:concern))) AS concern
    FROM answer JOIN temp.scope_observation o ON o.id = answer.hearing_id
    WHERE answer.item_key = :item AND answer.subject_uuid = '' AND o.shared = 0
    GROUP BY answer.hearing_id
"""
# The shared part, driven from the item's answers (many shared sittings) or from the shared observations
# (few: CROSS JOIN makes SQLite start from them and look their answers up by the (hearing, subject, item)
# index).
_FROM = {
    "answers": "answer JOIN temp.scope_observation o ON o.id = answer.hearing_id",
    "observations": "temp.scope_observation o CROSS JOIN answer ON answer.hearing_id = o.id",
}
_RESOLVED = """
    WITH per AS (
        SELECT o.sitting_id, o.sitting_uuid, answer.subject_uuid,
               count(DISTINCT answer.value) FILTER (WHERE answer.value NOT IN ('', 'not_observed')) AS n,
               max(answer.value) FILTER (WHERE answer.value NOT IN ('', 'not_observed')) AS agreed,
               max(answer.value) AS any_value
        FROM {source}
        WHERE o.shared = 1 AND answer.item_key = :item AND {subject} AND {not_absent}
        GROUP BY o.sitting_id, answer.subject_uuid
    ),
    resolved AS (
        SELECT per.sitting_uuid, per.subject_uuid,
               CASE WHEN r.value IS NOT NULL THEN r.value WHEN per.n = 1 THEN per.agreed
                    WHEN per.n = 0 THEN coalesce(per.any_value, '') END AS value,
               (r.value IS NULL AND per.n > 1) AS disputed
        FROM per LEFT JOIN temp.scope_reconciled r ON r.item_key = :item AND r.sitting_id = per.sitting_id
             AND r.subject_uuid = per.subject_uuid
    )
    SELECT {unit} AS unit, sitting_uuid,
           coalesce(value NOT IN ('', 'not_observed'), 0) AS observed,
           coalesce(value IN (SELECT value FROM json_each(:concern)), 0) AS concern,
           disputed
    FROM resolved
"""


def _shared_sql(people: bool, many: bool) -> str:
    return _RESOLVED.format(
        source=_FROM["answers" if many else "observations"],
        subject="answer.subject_uuid != ''" if people else "answer.subject_uuid = ''",
        not_absent=_NOT_ABSENT,
        unit="subject_uuid" if people else "sitting_uuid",
    )


def _units(db: Database, item, shared: tuple[int, int]) -> dict[str, dict]:
    """Per unit of ``item`` (a defendant or witness uuid, or a sitting's): observed, concern, disputed,
    the sittings where it was observed and those where it was disputed, by the counting rule."""
    params = {"item": item.key, "concern": json.dumps(sorted(item.concern))}
    people = item.scope != "hearing"
    units: dict[str, dict] = {}
    for row in db.query(_FAST_PEOPLE if people else _FAST_SITTINGS, params):
        units[row["unit"]] = {
            "observed": bool(row["observed"]),
            "concern": bool(row["concern"]),
            "sittings": row["sittings"] if people else int(bool(row["observed"])),
            "concerns": row["concerns"] if people else int(bool(row["concern"])),
            "disputed": [],
        }
    total, count_shared = shared
    if count_shared:
        many = count_shared * 10 >= total
        for row in db.query(_shared_sql(people, many), params):
            unit = units.setdefault(row["unit"], _unit())
            unit["observed"] |= bool(row["observed"])
            unit["concern"] |= bool(row["concern"])
            unit["sittings"] += int(bool(row["observed"]))
            unit["concerns"] += int(bool(row["concern"]))
            if row["disputed"]:
                unit["disputed"].append(row["sitting_uuid"])
    return units


def _kept_units(db: Database, scope: Scope, checklist) -> summary.Kept | None:
    """The counts the writes keep (monitor/findings/summary.py), or None where they cannot answer
    ``scope`` (a date, observer or judge filter, other statuses): then each item is scanned.
    ``SCAN_ONLY`` makes every caller scan (the reference the tests compare against)."""
    if SCAN_ONLY or not summary.usable(db, scope, checklist):
        return None
    return summary.Kept(db, scope, tuple(i.key for i in checklist.items if i.scope == "witness"))


def _kept_count(item, kept: summary.Kept, persons: dict[str, str]) -> dict:
    """An item counted from the kept lists: what the loop of :func:`item_counts` makes of ``_units``
    (with a witness item's appearances folded into persons, as :func:`_as_persons` does)."""
    people = item.scope != "hearing"
    disputed = kept.disputed.get((item.key, people), {})
    if item.scope == "witness":
        observed_units, concern_units = kept.persons.get(item.key, ([], []))
        folded: dict[str, list[str]] = {}
        for unit, where in disputed.items():
            folded.setdefault(persons.get(unit, unit), []).extend(where)
        disputed = folded
    else:
        observed_units, concern_units = kept.lists.get((item.key, people), ([], []))
    observed = count(observed_units)
    return {
        "key": item.key,
        "stage": item.stage,
        "scope": item.scope,
        "refs": list(item.refs),
        "observed": observed,
        "concern": count(concern_units, of=observed["count"]),
        "disputed": count(disputed),
        "disputed_sittings": count(s for where in disputed.values() for s in where),
    }


SCAN_ONLY = False


def _witness_persons(db: Database) -> dict[str, str]:
    """Each witness appearance's uuid → its person's uuid: a witness's answers are kept per appearance
    (v2 ``unit: witness`` items: per person, which maps to itself); the unit counted is the person."""
    return _once(("persons", id(db)), lambda: _read_witness_persons(db))


def _read_witness_persons(db: Database) -> dict[str, str]:
    return {
        row["appearance"]: row["person"]
        for row in db.query(
            "SELECT witness_appearance.uuid AS appearance, witness.uuid AS person FROM witness_appearance "
            "JOIN witness ON witness.id = witness_appearance.witness_id"
        )
    }


def _as_persons(units: dict[str, dict], persons: dict[str, str]) -> dict[str, dict]:
    """``_units`` of a witness item, per appearance, folded into persons (heard thrice: counted once)."""
    folded: dict[str, dict] = {}
    for uuid, unit in units.items():
        person = folded.setdefault(persons.get(uuid, uuid), _unit())
        person["observed"] |= unit["observed"]
        person["concern"] |= unit["concern"]
        person["sittings"] += unit["sittings"]
        person["concerns"] += unit["concerns"]
        person["disputed"] += unit["disputed"]
    return folded


def item_counts(db: Database, scope: Scope, checklist) -> list[dict]:
    """For every checklist item: people (or sittings, or witnesses) observed, those with a concern, and
    those left out because observations of a sitting disagree and no lead has reconciled them
    (``disputed``: the units; ``disputed_sittings``: the sittings where that happened)."""
    kept = _kept_units(db, scope, checklist)
    shared = _scope_tables(db, scope, observations_only=kept is not None)
    persons = _witness_persons(db)
    result = []
    case_file = _case_file_counted(checklist)
    homes = checklists.homes(checklist)
    # The denominator of every case fact, answered in the case file or kept in a record (a home): only a
    # checklist that declares units counts them here (v1's case items are answers of their own).
    on_trial = len(defendants_on_trial(db, scope)) if checklist.declares_units else 0
    groups = case_groups(db, scope, checklist) if case_file else {}
    for item in checklist.items:
        if item.key in case_file:
            result.append(_case_count(item, groups.get(item.key, []), on_trial))
            continue
        home = homes.get(item.key)
        if home is not None and checklist.declares_units:
            result.append(home_item_count(db, scope, item, home, persons, on_trial, kept))
            continue
        if kept is not None and home is None:
            result.append(_kept_count(item, kept, persons))
            continue
        units = _units(db, item, shared) if kept is None else kept.units(item.key, item.scope != "hearing")
        if item.scope == "witness":
            units = _as_persons(units, persons)
        if home is not None:  # v1: the fact was asked and also kept in its record; either place counts
            units = _merged(units, home_units(db, scope, home, persons, kept))
        observed = count(u for u, v in units.items() if v["observed"])
        result.append(
            {
                "key": item.key,
                "stage": item.stage,
                "scope": item.scope,
                "refs": list(item.refs),
                "observed": observed,
                "concern": count((u for u, v in units.items() if v["concern"]), of=observed["count"]),
                "disputed": count(u for u, v in units.items() if v["disputed"]),
                "disputed_sittings": count(s for v in units.values() for s in v["disputed"]),
            }
        )
    return result


# Facts kept in a record (``home``, docs/checklists.md "Homes") ----------------------------------------------
# A v2 item with a home is not asked: its fact is the record's field, read here with the same counting
# rules (a sitting's field by the observations' agreement or the lead's reconciliation; allegations of the
# observations in scope; the defendant's conviction basis). A v1 mission asked the same fact as an answer
# too: both places count (a unit is observed, or has a concern, if either says so).


def _unit() -> dict:
    return {"observed": False, "concern": False, "sittings": 0, "concerns": 0, "disputed": []}


def _merged(*parts: dict[str, dict]) -> dict[str, dict]:
    merged: dict[str, dict] = {}
    for part in parts:
        for uuid, unit in part.items():
            into = merged.setdefault(uuid, _unit())
            into["observed"] |= unit["observed"]
            into["concern"] |= unit["concern"]
            into["sittings"] = max(into["sittings"], unit["sittings"])
            into["concerns"] = max(into["concerns"], unit.get("concerns", 0))
            into["disputed"] = sorted(set(into["disputed"]) | set(unit["disputed"]))
    return merged


# A record's field that says something (not NULL, blank or "not observed"), as SQL over hearing.[{field}].
_SAID = "hearing.[{field}] IS NOT NULL AND hearing.[{field}] NOT IN ('', 'not_observed')"


def home_units(
    db: Database, scope: Scope, item, persons: dict[str, str], kept: summary.Kept | None = None
) -> dict[str, dict]:
    """Per unit, what the record holding ``item``'s fact (``item.home``) says, in ``_units``' shape
    (a sitting's field from the kept counts, where they answer the scope)."""
    record, _dot, rest = item.home.partition(".")
    field, _eq, wanted = rest.partition("=")
    units: dict[str, dict] = {}
    if record == "sitting" and kept is not None:
        return kept.units(summary.HOME + item.key, False)
    if record == "sitting":  # per sitting: the lead's value (if any), else the one value all gave
        for sitting, n, agreed, reconciled in db.execute(
            f"SELECT o.sitting_uuid, count(DISTINCT hearing.[{field}]) FILTER (WHERE {_SAID}), "  # noqa: S608 (field from the checklist loader's closed list)
            f"max(hearing.[{field}]) FILTER (WHERE {_SAID}), max(r.value) "
            "FROM temp.scope_observation o JOIN hearing ON hearing.id = o.id "
            "LEFT JOIN temp.scope_reconciled r ON r.sitting_id = o.sitting_id AND r.subject_uuid = '' "
            "AND r.item_key = :item GROUP BY o.sitting_uuid".replace("{field}", field),
            {"item": item.key},
        ):
            value = reconciled or (agreed if n == 1 else "")
            units[sitting] = {
                "observed": bool(value),
                "concern": item.is_concern(value),
                "sittings": int(bool(value)),
                "concerns": int(item.is_concern(value)),
                "disputed": [sitting] if not reconciled and n > 1 else [],
            }
    elif record == "allegation":
        for row in db.query(
            "SELECT allegation.alleged_by, allegation.defendant_uuid, allegation.witness_uuid, "
            "allegation.court_response, o.sitting_uuid FROM allegation "
            "JOIN temp.scope_observation o ON o.id = allegation.hearing_id"
        ):
            if item.unit in ("witness", "appearance"):
                if row["alleged_by"] != "witness" or not row["witness_uuid"]:
                    continue
                subject = persons.get(row["witness_uuid"], row["witness_uuid"])
            else:
                if row["alleged_by"] != "defendant" or not row["defendant_uuid"]:
                    continue
                subject = row["defendant_uuid"]
            unit = units.setdefault(subject, {**_unit(), "sittings_seen": set(), "responses": set()})
            unit["sittings_seen"].add(row["sitting_uuid"])
            unit["responses"] |= set(json.loads(row["court_response"] or "[]"))
        if not field:  # no record is not "no": known for those seen in court (or heard), who could have
            heard = witness_uuids(db, scope) if item.unit in ("witness", "appearance") else None
            for subject in heard if heard is not None else observed_defendants(db, scope):
                units.setdefault(subject, {**_unit(), "sittings_seen": set(), "responses": set()})
        for unit in units.values():
            unit["sittings"] = len(unit.pop("sittings_seen"))
            responses = unit.pop("responses")
            alleged = bool(unit["sittings"])
            if not field:  # the record itself is the fact: the person alleged it
                unit["observed"] = True
                unit["concern"] = alleged and item.is_concern("yes")
            else:  # one response of the court to the allegation: known once any response is recorded
                unit["observed"] = bool(responses)
                unit["concern"] = bool(responses) and item.is_concern("yes" if wanted in responses else "no")
    elif record == "case":  # a field of the defendant record; kept for those convicted (the form's rule)
        trial_where, params = scope.trial_where()
        for row in db.query(
            f"SELECT defendant.uuid, defendant.[{field}] AS value FROM defendant "  # noqa: S608 (field from the loader's closed list)
            "JOIN trial ON trial.id = defendant.trial_id "
            f"WHERE {trial_where} AND defendant.verdict = 'convicted'",
            params,
        ):
            chosen = [value for value in json.loads(row["value"] or "[]") if value]
            if chosen:
                units[row["uuid"]] = {
                    "observed": True,
                    "concern": any(item.is_concern(value) for value in chosen),
                    "sittings": 0,
                    "disputed": [],
                }
    return units


# Where a record's fact comes from, for the established / alleged split of a case fact kept there.
HOME_SOURCES = {"allegation": "defendant", "case": "court_record", "sitting": "observed"}


def home_item_count(
    db: Database, scope: Scope, item, home, persons: dict[str, str], on_trial: int, kept=None
) -> dict:
    """An item of a checklist that declares units whose fact is kept in a record (``home``), counted
    from that record: a case fact against the defendants on trial, with its source; a sitting's field
    by the counting rule; a witness's against the witnesses heard."""
    if kept is not None and home.home.partition(".")[0] == "sitting":  # the kept lists, as _kept_count
        observed_units, concern_units = kept.lists.get((summary.HOME + home.key, False), ([], []))
        where = kept.disputed.get((summary.HOME + home.key, False), {})
    else:
        units = home_units(db, scope, home, persons, kept)
        observed_units = [u for u, v in units.items() if v["observed"]]
        concern_units = [u for u, v in units.items() if v["concern"]]
        where = {u: v["disputed"] for u, v in units.items() if v["disputed"]}
    of = on_trial if item.unit == "case" else None
    observed = count(observed_units, of=of)
    found = {
        "key": item.key,
        "stage": item.stage,
        "scope": item.scope,
        "unit": item.unit,
        "home": home.home,
        "refs": list(item.refs),
        "observed": observed,
        "concern": count(concern_units, of=of if of is not None else observed["count"]),
        "disputed": count(where),
        "disputed_sittings": count(s for sittings in where.values() for s in sittings),
    }
    if item.unit == "case":
        source = HOME_SOURCES[home.home.partition(".")[0]]
        established = concern_units if source in ESTABLISHED_SOURCES else []
        found["concern_established"] = count(established, of=of)
        found["concern_alleged"] = count([u for u in concern_units if u not in established], of=of)
        found["by_source"] = {source: count(concern_units, of=of)} if concern_units else {}
    return found


# Case facts (issue #11, docs/units.md step 3) -----------------------------------------------------------
# For a checklist that declares units (v2), an item kept in the defendant's case file counts once per
# defendant from case_fact, against the defendants on trial; the source splits the concern: observed in
# court or stated in a court record (established) apart from what someone alleged or told the mission.
# v1 missions keep counting these items from the observations' answers, as before.


_CASE_FACTS = """
    SELECT defendant.uuid AS unit, case_fact.value, case_fact.source FROM case_fact
    JOIN defendant ON defendant.id = case_fact.defendant_id JOIN trial ON trial.id = defendant.trial_id
    WHERE {where} AND case_fact.item_key = :item
"""


def _case_file_counted(checklist) -> frozenset[str]:
    """The keys counted from the case file: a v2 checklist's answered case items; none for v1."""
    if not checklist.declares_units:
        return frozenset()
    return frozenset(item.key for item in checklists.case_items(checklist))


def defendants_on_trial(db: Database, scope: Scope) -> list[str]:
    """Every defendant of the trials in scope, observed or not: the denominator of case facts."""
    return _once(("on_trial", id(db), scope), lambda: _defendants_on_trial(db, scope))


def _defendants_on_trial(db: Database, scope: Scope) -> list[str]:
    trial_where, params = scope.trial_where()
    joined = "defendant JOIN trial ON trial.id = defendant.trial_id"
    rows = db.query(f"SELECT defendant.uuid FROM {joined} WHERE {trial_where}", params)  # noqa: S608
    return [r["uuid"] for r in rows]


def case_groups(db: Database, scope: Scope, checklist) -> dict[str, list[tuple[str, list, list]]]:
    """Every case item of the trials in scope in one statement: per item and source, the defendants
    whose fact says something and those whose fact is a concern (JSON arrays SQLite builds)."""
    trial_where, params = scope.trial_where()
    concerns = summary.concern_pairs(checklist)
    found: dict[str, list[tuple[str, list, list]]] = {}
    for key, source, known, concern in db.execute(
        "SELECT case_fact.item_key, case_fact.source, "  # noqa: S608 (constant conditions)
        "json_group_array(defendant.uuid) FILTER (WHERE case_fact.value NOT IN ('', 'not_observed')), "
        "json_group_array(defendant.uuid) FILTER (WHERE case_fact.item_key || char(31) || case_fact.value "
        "IN (SELECT value FROM json_each(:concerns))) "
        "FROM case_fact JOIN defendant ON defendant.id = case_fact.defendant_id "
        f"JOIN trial ON trial.id = defendant.trial_id WHERE {trial_where} "
        "GROUP BY case_fact.item_key, case_fact.source",
        {**params, "concerns": concerns},
    ):
        found.setdefault(key, []).append((source, json.loads(known), json.loads(concern)))
    return found


def _case_count(item, groups: list[tuple[str, list, list]], on_trial: int) -> dict:
    """:func:`case_item_count` from :func:`case_groups`: the same shape, read in one statement."""
    observed = [unit for _source, known, _concern in groups for unit in known]
    concern: list[str] = []
    established: list[str] = []
    sources: dict[str, list[str]] = {}  # source → the defendants with a concern it states
    for source, _known, units in groups:
        if not units:
            continue
        concern += units
        sources.setdefault(source or "other", []).extend(units)
        if source in ESTABLISHED_SOURCES:
            established += units
    settled = set(established)
    return {
        "key": item.key,
        "stage": item.stage,
        "scope": item.scope,
        "unit": "case",
        "refs": list(item.refs),
        "observed": count(observed, of=on_trial),
        "concern": count(concern, of=on_trial),
        "concern_established": count(established, of=on_trial),
        "concern_alleged": count((u for u in concern if u not in settled), of=on_trial),
        "by_source": {source: count(units, of=on_trial) for source, units in sorted(sources.items())},
        "disputed": count([]),
        "disputed_sittings": count([]),
    }


def case_item_count(db: Database, scope: Scope, item, on_trial: int | None = None) -> dict:
    """One case item over the defendants on trial: known for (``observed``), with a concern, and the
    concern split by source (``by_source``) and into established and alleged. (The findings read every
    case item at once: :func:`case_groups`.)"""
    if on_trial is None:
        on_trial = len(defendants_on_trial(db, scope))
    trial_where, params = scope.trial_where()
    facts = list(db.query(_CASE_FACTS.format(where=trial_where), {**params, "item": item.key}))
    concern = [f for f in facts if item.is_concern(f["value"])]
    sources: dict[str, list[str]] = {}
    for fact in concern:
        sources.setdefault(fact["source"] or "other", []).append(fact["unit"])
    established = [f["unit"] for f in concern if f["source"] in ESTABLISHED_SOURCES]
    return {
        "key": item.key,
        "stage": item.stage,
        "scope": item.scope,
        "unit": "case",
        "refs": list(item.refs),
        "observed": count((f["unit"] for f in facts if f["value"] not in NOT_ANSWERED), of=on_trial),
        "concern": count((f["unit"] for f in concern), of=on_trial),
        "concern_established": count(established, of=on_trial),
        "concern_alleged": count((f["unit"] for f in concern if f["unit"] not in established), of=on_trial),
        "by_source": {source: count(units, of=on_trial) for source, units in sorted(sources.items())},
        # one value per defendant: observations do not dispute a case fact (two machines' changes to it
        # meet as a sync conflict for a lead instead)
        "disputed": count([]),
        "disputed_sittings": count([]),
    }


def torture(db: Database, scope: Scope) -> dict:
    """Torture and ill-treatment allegations raised at the hearings in scope."""
    cte, params = _hearings_cte(scope)
    allegations = list(
        db.query(
            f"""
            WITH {cte}
            SELECT allegation.uuid, alleged_by, defendant_uuid, witness_uuid, stage, place_type,
                   perpetrators, methods, court_response
            FROM allegation JOIN h ON h.id = allegation.hearing_id
            """,  # noqa: S608
            params,
        )
    )
    on_trial = defendants_on_trial(db, scope)
    witnesses = witness_uuids(db, scope)

    def where(predicate) -> list[str]:
        return [a["uuid"] for a in allegations if predicate(a)]

    def grouped(field: str, multi: bool = False) -> dict:
        groups: dict[str, list] = {}
        for a in allegations:
            values = json.loads(a[field] or "[]") if multi else [a[field]]
            for value in values:
                if value:
                    groups.setdefault(value, []).append(a["uuid"])
        return {value: count(uuids, of=len(allegations)) for value, uuids in sorted(groups.items())}

    responses = grouped("court_response", multi=True)
    # The court's response per person who alleged (a person's allegation is often recorded again: by the
    # second observer of the sitting, at a later sitting), so "an investigation for 0 of 27 people"
    # counts each person once, whatever the number of records.
    persons = _witness_persons(db)
    answered: dict[str, set] = {}
    for a in allegations:
        if a["alleged_by"] == "defendant" and a["defendant_uuid"]:
            person = a["defendant_uuid"]
        elif a["alleged_by"] == "witness" and a["witness_uuid"]:
            person = persons.get(a["witness_uuid"], a["witness_uuid"])
        else:
            continue
        answered.setdefault(person, set()).update(json.loads(a["court_response"] or "[]"))

    def people_with(response: str) -> dict:
        return count([p for p, seen in answered.items() if response in seen], of=len(answered))

    return {
        "allegations": count(where(lambda a: True)),
        # of the defendants on trial (the whole: "27 of 37"); method.defendants_observed says how many
        # of them were seen in court, the second figure where fewer were observed
        "defendants_alleging": count(
            [a["defendant_uuid"] for a in allegations if a["alleged_by"] == "defendant"], of=len(on_trial)
        ),
        "witnesses_alleging": count(
            _persons_of(db, [a["witness_uuid"] for a in allegations if a["alleged_by"] == "witness"]),
            of=len(witnesses),
        ),
        "by_stage": grouped("stage"),
        "by_place": grouped("place_type"),
        "by_method": grouped("methods", multi=True),
        "perpetrators_named": count(where(lambda a: a["perpetrators"].strip()), of=len(allegations)),
        "court_response": responses,
        "persons_alleging": count(answered),
        # per person who alleged (see above); of = the persons alleging
        "investigation_ordered": people_with("investigation_ordered"),
        "evidence_excluded": people_with("evidence_excluded"),
        "relied_on": people_with("relied_on"),
    }


def witness_uuids(db: Database, scope: Scope, anonymous_only: bool = False) -> list[str]:
    """The witness persons heard at the hearings in scope: a person heard at three sittings is one."""
    return _once(
        ("witnesses", id(db), scope, anonymous_only), lambda: _witness_uuids(db, scope, anonymous_only)
    )


def _witness_uuids(db: Database, scope: Scope, anonymous_only: bool) -> list[str]:
    cte, params = _hearings_cte(scope)
    condition = "WHERE witness.anonymous = 1" if anonymous_only else ""
    rows = db.query(
        f"WITH {cte} SELECT DISTINCT witness.uuid FROM witness_appearance "  # noqa: S608
        "JOIN h ON h.id = witness_appearance.hearing_id "
        f"JOIN witness ON witness.id = witness_appearance.witness_id {condition}",
        params,
    )
    return [r["uuid"] for r in rows]


def _persons_of(db: Database, appearance_uuids: list[str]) -> list[str]:
    """The witness persons these appearances (or, in older records, persons) are of."""
    rows = db.query(
        "SELECT witness.uuid FROM witness_appearance "
        "JOIN witness ON witness.id = witness_appearance.witness_id "
        "WHERE witness_appearance.uuid IN (SELECT value FROM json_each(:u)) "
        "UNION SELECT uuid FROM witness WHERE uuid IN (SELECT value FROM json_each(:u))",
        {"u": json.dumps(sorted(set(appearance_uuids)))},
    )
    return [r["uuid"] for r in rows]


def anonymous_witnesses(db: Database, scope: Scope) -> dict:
    """Anonymous witnesses, their safeguards, and the convictions resting mainly on them."""
    cte, params = _hearings_cte(scope)
    # per person heard at an observation in scope: whether an answer about one of those appearances says
    # the defence could question them (one grouped read; a subquery per witness re-read the scope's
    # observations for each, which grew with witnesses × observations)
    could = {
        witness_id: yes
        for witness_id, yes in db.execute(
            f"""
            WITH {cte}
            SELECT a.witness_id, max(answer.value = 'yes') FROM witness_appearance AS a
            JOIN h ON h.id = a.hearing_id
            LEFT JOIN answer ON answer.hearing_id = a.hearing_id AND answer.subject_uuid = a.uuid
                 AND answer.item_key = 'anonymous_defence_could_question'
            GROUP BY a.witness_id
            """,  # noqa: S608
            params,
        )
    }
    rows = list(
        db.query(
            "SELECT id, uuid, identity_known_to_defence, voice_hidden, image_hidden, police_officer "
            "FROM witness WHERE anonymous = 1 AND id IN (SELECT value FROM json_each(:heard)) ORDER BY id",
            {"heard": json.dumps(sorted(could))},
        )
    )
    for row in rows:
        row["defence_could_question"] = could[row.pop("id")]
    total = len(rows)
    trial_where, trial_params = scope.trial_where()
    convicted = list(
        db.query(
            f"""
            SELECT defendant.uuid, defendant.conviction_basis FROM defendant
            JOIN trial ON trial.id = defendant.trial_id
            WHERE {trial_where} AND defendant.verdict = 'convicted'
            """,  # noqa: S608
            trial_params,
        )
    )
    resting = [
        d["uuid"] for d in convicted if "anonymous_witness" in json.loads(d["conviction_basis"] or "[]")
    ]
    return {
        "witnesses": count(witness_uuids(db, scope)),
        "anonymous": count([r["uuid"] for r in rows], of=len(witness_uuids(db, scope))),
        "identity_known_to_defence": count(
            [r["uuid"] for r in rows if r["identity_known_to_defence"] == "yes"], total
        ),
        "voice_hidden": count([r["uuid"] for r in rows if r["voice_hidden"]], total),
        "image_hidden": count([r["uuid"] for r in rows if r["image_hidden"]], total),
        "police_officers": count([r["uuid"] for r in rows if r["police_officer"] == "yes"], total),
        "defence_could_question": count([r["uuid"] for r in rows if r["defence_could_question"]], total),
        "convictions_resting_on_anonymous": count(resting, of=len(convicted)),
    }


def custody(db: Database, scope: Scope) -> dict:
    """Custody clocks per defendant of the trials in scope: hours to registration, to a judge, to counsel."""
    trial_where, params = scope.trial_where()
    rows = list(
        db.query(
            f"""
            SELECT defendant.uuid, defendant.name, trial.uuid AS trial_uuid, defendant.counsel,
              round((julianday(arrest_registered_at) - julianday(apprehended_at)) * 24, 1) AS to_registration,
              round((julianday(first_judge_at) - julianday(apprehended_at)) * 24, 1) AS to_judge,
              round((julianday(counsel_from) - julianday(apprehended_at)) * 24, 1) AS to_counsel
            FROM defendant JOIN trial ON trial.id = defendant.trial_id
            WHERE {trial_where} ORDER BY trial.title, defendant.position
            """,  # noqa: S608
            params,
        )
    )
    timed = [r for r in rows if r["to_judge"] is not None]

    def median(field):
        values = [r[field] for r in rows if r[field] is not None]
        return round(statistics.median(values), 1) if values else None

    return {
        "defendants": rows,
        "with_times": count([r["uuid"] for r in timed], of=len(rows)),
        "median_hours_to_registration": median("to_registration"),
        "median_hours_to_judge": median("to_judge"),
        "median_hours_to_counsel": median("to_counsel"),
        "registration_over_48": count(
            [r["uuid"] for r in rows if (r["to_registration"] or 0) > 48], of=len(rows)
        ),
        "judge_over_48": count([r["uuid"] for r in timed if r["to_judge"] > 48], of=len(timed)),
        "judge_over_72": count([r["uuid"] for r in timed if r["to_judge"] > 72], of=len(timed)),
        "counsel_after_24": count([r["uuid"] for r in rows if (r["to_counsel"] or 0) > 24], of=len(rows)),
        "no_counsel": count([r["uuid"] for r in rows if r["counsel"] == "none"], of=len(rows)),
    }


def verdicts(db: Database, scope: Scope) -> dict:
    """Verdicts, sentence ranges and what the convictions rest on, for the trials in scope."""
    trial_where, params = scope.trial_where()
    rows = list(
        db.query(
            f"""
            SELECT defendant.uuid, verdict, sentence_months, conviction_basis FROM defendant
            JOIN trial ON trial.id = defendant.trial_id WHERE {trial_where}
            """,  # noqa: S608
            params,
        )
    )
    total = len(rows)
    by = {
        v: count([r["uuid"] for r in rows if r["verdict"] == v], of=total)
        for v in ("convicted", "acquitted", "pending", "discontinued")
    }
    convicted = [r for r in rows if r["verdict"] == "convicted"]
    months = sorted(r["sentence_months"] for r in convicted if r["sentence_months"] is not None)
    basis: dict[str, list] = {}
    for r in convicted:
        for value in json.loads(r["conviction_basis"] or "[]"):
            basis.setdefault(value, []).append(r["uuid"])
    return {
        **by,
        "sentence_months": {
            "min": months[0] if months else None,
            "max": months[-1] if months else None,
            "median": statistics.median(months) if months else None,
            "with_sentence": count(
                [r["uuid"] for r in convicted if r["sentence_months"] is not None], len(convicted)
            ),
        },
        "basis": {value: count(uuids, of=len(convicted)) for value, uuids in sorted(basis.items())},
    }


# Findings already computed, per server process: (database file, mission, scope, checklist) →
# (data stamp, findings).
_MEMO: OrderedDict = OrderedDict()
MEMO_SIZE = 8
_memo_lock = threading.Lock()


def data_stamp(db: Database, mission_id: int) -> tuple:
    """Changes whenever anything the findings read changes in this mission: per table the number of
    rows, the sum of their versions (every write raises one) and the highest id (an insert after a
    removal raises it).

    Drafts never count (:class:`Scope` drops them whatever is asked), so an observer's autosave of a
    draft — its hearing row, its witnesses' appearances, its allegations — does not change the stamp:
    a lead reviewing during a sitting keeps the findings computed (issue #16). A draft that is submitted,
    or a counted observation opened again for a correction, changes the rows counted here."""
    counted = "JOIN hearing ON hearing.id = {table}.hearing_id AND hearing.status != 'draft' "
    parts = []
    for table, join in (
        ("trial", ""),
        ("defendant", "JOIN trial ON trial.id = defendant.trial_id"),
        ("hearing", "JOIN trial ON trial.id = hearing.trial_id AND hearing.status != 'draft'"),
        ("witness", "JOIN trial ON trial.id = witness.trial_id"),
        (
            "witness_appearance",
            counted.format(table="witness_appearance")
            + "JOIN trial ON trial.id = witness_appearance.trial_id",
        ),
        ("allegation", counted.format(table="allegation") + "JOIN trial ON trial.id = allegation.trial_id"),
        (
            "case_fact",
            "JOIN defendant ON defendant.id = case_fact.defendant_id "
            "JOIN trial ON trial.id = defendant.trial_id",
        ),
        (
            "reconciliation",
            "JOIN sitting ON sitting.id = reconciliation.sitting_id "
            "JOIN trial ON trial.id = sitting.trial_id",
        ),
    ):
        parts.append(
            f"SELECT count(*), total([{table}].version), max([{table}].id) FROM [{table}] {join} "  # noqa: S608 (constant names)
            "WHERE trial.mission_id = :m"
        )
    return tuple(tuple(db.execute(sql, {"m": mission_id}).fetchone()) for sql in parts)


def findings(db: Database, scope: Scope, checklist, mission: dict) -> dict:
    """Everything a report states, as plain data (the JSON of the CLI and the API).

    Computing them takes a few hundred milliseconds for a mission of thousands of sittings (seconds where
    a filter needs the scan of the answers), so the result is kept per process and used again while
    :func:`data_stamp` says nothing has changed. It is kept as marshal bytes: each caller gets its own
    copy, made in a few milliseconds (``copy.deepcopy`` of the same data took ten times as long)."""
    database = db.execute("PRAGMA database_list").fetchone()[2]
    key = (database, mission["uuid"], scope, checklist.id, checklist.version)
    stamp = data_stamp(db, mission["id"])
    with _memo_lock:
        hit = _MEMO.get(key)
        if hit is not None and hit[0] == stamp:
            _MEMO.move_to_end(key)
    if hit is None or hit[0] != stamp:
        data = compute_findings(db, scope, checklist, mission)
        with _memo_lock:
            _MEMO[key] = (stamp, _frozen(data))
            while len(_MEMO) > MEMO_SIZE:
                _MEMO.popitem(last=False)
        return follow_up.add_to(db, {**data, "generated_at": _now()}, mission)
    return follow_up.add_to(db, {**_thawed(hit[1]), "generated_at": _now()}, mission)


def _frozen(data: dict):
    """The findings as kept: marshal bytes (plain dicts, lists, strings and numbers), else a deep copy."""
    try:
        return marshal.dumps(data)
    except ValueError:  # something marshal cannot write: keep a copy instead
        return copy.deepcopy(data)


def _thawed(kept) -> dict:
    # marshal bytes made by _frozen in this process from our own findings, never read from outside
    return marshal.loads(kept) if isinstance(kept, bytes) else copy.deepcopy(kept)  # noqa: S302


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def compute_findings(db: Database, scope: Scope, checklist, mission: dict) -> dict:
    """The findings, computed now (see :func:`findings`)."""
    token = _COMPUTING.set({})
    try:
        return _computed(db, scope, checklist, mission)
    finally:
        _COMPUTING.reset(token)


def _computed(db: Database, scope: Scope, checklist, mission: dict) -> dict:
    return {
        "format": "trial-monitor-findings/1",
        "generated_at": _now(),
        "mission": {"uuid": mission["uuid"], "name": mission["name"]},
        "checklist": {"id": checklist.id, "version": checklist.version},
        "scope": scope.describe(),
        "method": method(db, scope),
        "items": item_counts(db, scope, checklist),
        "torture": torture(db, scope),
        "anonymous_witnesses": anonymous_witnesses(db, scope),
        "custody": custody(db, scope),
        "verdicts": verdicts(db, scope),
    }


def resolve(data: dict, path: str) -> dict | None:
    """The count at ``path`` ("torture.defendants_alleging", "items.<key>.concern", …), or None."""
    node: object = data
    for part in path.split("."):
        if isinstance(node, list):
            node = next((entry for entry in node if entry.get("key") == part), None)
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
        if node is None:
            return None
    return node if isinstance(node, dict) and "uuids" in node else None


def matrix(db: Database, scope: Scope, checklist) -> dict:
    """Defendant × item: for each pair, sittings where it was observed (``hearings``, the key readers
    know), those where it was a concern (``concerns``) and whether any was, by the counting rule of
    :func:`_units`. A fact of the case
    file, or one kept in a record (v2), is a cell with ``case_file`` and no sittings (``hearings`` 0)."""
    kept = _kept_units(db, scope, checklist)
    shared = _scope_tables(db, scope, observations_only=kept is not None)
    grid: dict[str, dict] = {}
    case_file = _case_file_counted(checklist)
    homes = checklists.homes(checklist) if checklist.declares_units else {}
    trial_where, trial_params = scope.trial_where()
    for item in checklist.items_for("defendant"):
        if item.key in case_file:  # a fact of the case file: one value per defendant, no sittings
            facts = db.query(_CASE_FACTS.format(where=trial_where), {**trial_params, "item": item.key})
            for fact in facts:
                if fact["value"] not in NOT_ANSWERED:
                    grid.setdefault(fact["unit"], {})[item.key] = {
                        "hearings": 0,
                        "concerns": 0,
                        "concern": item.is_concern(fact["value"]),
                        "case_file": True,
                    }
            continue
        if item.key in homes:  # kept in a record (allegations, the conviction basis)
            for defendant, unit in home_units(db, scope, homes[item.key], {}).items():
                if unit["observed"] and (unit["concern"] or homes[item.key].home != "allegation"):
                    grid.setdefault(defendant, {})[item.key] = {
                        "hearings": unit["sittings"],
                        "concerns": unit["sittings"] if unit["concern"] else 0,
                        "concern": unit["concern"],
                        "case_file": True,
                    }
            continue
        units = _units(db, item, shared) if kept is None else kept.units(item.key, True)
        for defendant, unit in units.items():
            if unit["sittings"]:
                grid.setdefault(defendant, {})[item.key] = {
                    "hearings": unit["sittings"],
                    "concerns": unit["concerns"],
                    "concern": unit["concern"],
                }
    defendants = list(
        db.query(
            f"""
            SELECT defendant.uuid, defendant.name, trial.title AS trial FROM defendant
            JOIN trial ON trial.id = defendant.trial_id WHERE {trial_where}
            ORDER BY trial.title, defendant.position
            """,  # noqa: S608
            trial_params,
        )
    )
    return {"defendants": defendants, "cells": grid}


def judges(db: Database, scope: Scope) -> list[str]:
    """The presiding judges recorded at the hearings in scope."""
    cte, params = _hearings_cte(scope)
    rows = db.query(
        f"WITH {cte} SELECT DISTINCT hearing.judge FROM hearing JOIN h ON h.id = hearing.id ORDER BY 1",  # noqa: S608
        params,
    )
    return [r["judge"] for r in rows]
