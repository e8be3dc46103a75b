"""Missions, their members, trials, observer assignments and defendants."""

from datetime import datetime

from sqlite_utils import Database

from .. import records
from ..audit import Actor
from ..db import atomic

# Missions -----------------------------------------------------------------------------------------


def find(db: Database, reference: str) -> dict:
    """The mission with this uuid, or else the one mission with exactly this name (commands and the sync
    API name missions so); :class:`LookupError` saying why not."""
    mission = records.get(db, "mission", reference.strip().lower())
    if mission is not None:
        return mission
    named = list(db.query("SELECT * FROM mission WHERE name = ? ORDER BY id", [reference]))
    if len(named) == 1:
        return named[0]
    if named:
        uuids = ", ".join(m["uuid"] for m in named)
        raise LookupError(f"{len(named)} missions are called {reference!r}; give one uuid: {uuids}")
    raise LookupError(f"No mission has the uuid or the name {reference!r}.")


def missions_for(db: Database, user: dict) -> list[dict]:
    """The missions a user may open: all for an administrator, else those they belong to."""
    if user["role"] == "admin":
        return list(db.query("SELECT mission.*, NULL AS my_role FROM mission ORDER BY start_date DESC, name"))
    return list(
        db.query(
            """
            SELECT mission.*, mission_member.role AS my_role FROM mission
            JOIN mission_member ON mission_member.mission_id = mission.id
            WHERE mission_member.user_id = ? ORDER BY start_date DESC, name
            """,
            [user["id"]],
        )
    )


def create_mission(db: Database, actor: Actor, creator: dict, fields: dict) -> dict:
    """Create a mission; a lead who creates it becomes its first lead member."""
    with atomic(db):
        mission = records.insert(db, "mission", actor, fields)
        if creator["role"] == "lead":
            add_member(db, actor, mission, creator, "lead")
    return mission


def update_mission(db: Database, actor: Actor, mission: dict, fields: dict) -> dict:
    return records.update(db, "mission", actor, mission, fields)


def members(db: Database, mission_id: int) -> list[dict]:
    return list(
        db.query(
            """
            SELECT user.id, user.uuid, user.username, user.display_name, user.role AS account_role,
                   user.active, mission_member.role
            FROM mission_member JOIN user ON user.id = mission_member.user_id
            WHERE mission_member.mission_id = ? ORDER BY mission_member.role, user.display_name
            """,
            [mission_id],
        )
    )


class LastLead(ValueError):
    """The change would leave the mission with no lead: nobody could review, reconcile or export it."""


def _other_leads(db: Database, mission: dict, user: dict) -> int:
    return next(
        db.query(
            "SELECT count(*) AS n FROM mission_member "
            "WHERE mission_id = ? AND role = 'lead' AND user_id != ?",
            [mission["id"], user["id"]],
        )
    )["n"]


def _is_lead(db: Database, mission: dict, user: dict) -> bool:
    return bool(
        db.execute(
            "SELECT 1 FROM mission_member WHERE mission_id = ? AND user_id = ? AND role = 'lead'",
            [mission["id"], user["id"]],
        ).fetchone()
    )


def add_member(db: Database, actor: Actor, mission: dict, user: dict, role: str) -> None:
    """Add or re-role a member. Only lead or admin accounts can lead a mission; the last lead stays one
    (:class:`LastLead`)."""
    if role == "lead" and user["role"] not in ("lead", "admin"):
        raise ValueError("only a lead or administrator account can lead a mission")
    with atomic(db):
        if role != "lead" and _is_lead(db, mission, user) and not _other_leads(db, mission, user):
            raise LastLead("the mission's only lead cannot become an observer")
        db.execute(
            "INSERT INTO mission_member (mission_id, user_id, role) VALUES (?, ?, ?) "
            "ON CONFLICT (mission_id, user_id) DO UPDATE SET role = excluded.role",
            [mission["id"], user["id"], role],
        )
        records.audit.record(
            db,
            "mission.member_add",
            actor,
            record_type="mission",
            record_uuid=mission["uuid"],
            after={"user": user["uuid"], "username": user["username"], "role": role},
        )


def remove_member(db: Database, actor: Actor, mission: dict, user: dict) -> None:
    """Remove a member and their trial assignments in this mission (their hearings stay); the last lead
    cannot be removed (:class:`LastLead`)."""
    with atomic(db):
        if _is_lead(db, mission, user) and not _other_leads(db, mission, user):
            raise LastLead("the mission's only lead cannot be removed")
        db.execute(
            "DELETE FROM mission_member WHERE mission_id = ? AND user_id = ?", [mission["id"], user["id"]]
        )
        db.execute(
            "DELETE FROM trial_observer WHERE user_id = ? "
            "AND trial_id IN (SELECT id FROM trial WHERE mission_id = ?)",
            [user["id"], mission["id"]],
        )
        records.audit.record(
            db,
            "mission.member_remove",
            actor,
            record_type="mission",
            record_uuid=mission["uuid"],
            after={"user": user["uuid"], "username": user["username"]},
        )


def mission_counts(db: Database, mission_id: int) -> dict:
    return next(
        db.query(
            """
            SELECT
              (SELECT count(*) FROM trial WHERE mission_id = :m) AS trials,
              (SELECT count(*) FROM defendant JOIN trial ON trial.id = defendant.trial_id
                 WHERE trial.mission_id = :m) AS defendants,
              (SELECT count(*) FROM hearing JOIN trial ON trial.id = hearing.trial_id
                 WHERE trial.mission_id = :m) AS hearings,
              (SELECT count(DISTINCT hearing.sitting_id) FROM hearing
                 JOIN trial ON trial.id = hearing.trial_id WHERE trial.mission_id = :m) AS sittings,
              (SELECT count(DISTINCT hearing.sitting_id) FROM hearing
                 JOIN trial ON trial.id = hearing.trial_id
                 WHERE trial.mission_id = :m AND hearing.status IN ('submitted', 'approved'))
                 AS sittings_counted,
              (SELECT count(*) FROM hearing JOIN trial ON trial.id = hearing.trial_id
                 WHERE trial.mission_id = :m AND hearing.status = 'draft') AS drafts,
              (SELECT count(*) FROM hearing JOIN trial ON trial.id = hearing.trial_id
                 WHERE trial.mission_id = :m AND hearing.status = 'submitted') AS awaiting_review
            """,
            {"m": mission_id},
        )
    )


# Trials ---------------------------------------------------------------------------------------------


def trials(db: Database, mission_id: int) -> list[dict]:
    return list(
        db.query(
            """
            SELECT trial.*,
              (SELECT count(*) FROM defendant WHERE trial_id = trial.id) AS defendant_count,
              (SELECT count(*) FROM hearing WHERE trial_id = trial.id) AS hearing_count
            FROM trial WHERE mission_id = ? ORDER BY title
            """,
            [mission_id],
        )
    )


def trials_assigned_to(db: Database, user_id: int) -> list[dict]:
    return list(
        db.query(
            """
            SELECT trial.*, mission.name AS mission_name, mission.uuid AS mission_uuid
            FROM trial JOIN trial_observer ON trial_observer.trial_id = trial.id
            JOIN mission ON mission.id = trial.mission_id
            WHERE trial_observer.user_id = ? ORDER BY mission.name, trial.title
            """,
            [user_id],
        )
    )


def create_trial(db: Database, actor: Actor, mission: dict, fields: dict) -> dict:
    return records.insert(db, "trial", actor, {"mission_id": mission["id"], **fields})


def update_trial(db: Database, actor: Actor, trial: dict, fields: dict) -> dict:
    return records.update(db, "trial", actor, trial, fields)


def observers(db: Database, trial_id: int) -> list[dict]:
    return list(
        db.query(
            """
            SELECT user.id, user.uuid, user.username, user.display_name FROM trial_observer
            JOIN user ON user.id = trial_observer.user_id WHERE trial_observer.trial_id = ?
            ORDER BY user.display_name
            """,
            [trial_id],
        )
    )


def assign_observer(db: Database, actor: Actor, trial: dict, user: dict, mission: dict) -> None:
    """Assign an observer to a trial (making them a mission member if they are not yet)."""
    with atomic(db):
        if not next(
            db.query(
                "SELECT 1 FROM mission_member WHERE mission_id = ? AND user_id = ?",
                [mission["id"], user["id"]],
            ),
            None,
        ):
            add_member(db, actor, mission, user, "observer")
        db.execute(
            "INSERT OR IGNORE INTO trial_observer (trial_id, user_id) VALUES (?, ?)",
            [trial["id"], user["id"]],
        )
        records.audit.record(
            db,
            "trial.assign",
            actor,
            record_type="trial",
            record_uuid=trial["uuid"],
            after={"user": user["uuid"], "username": user["username"]},
        )


def unassign_observer(db: Database, actor: Actor, trial: dict, user: dict) -> None:
    with atomic(db):
        db.execute("DELETE FROM trial_observer WHERE trial_id = ? AND user_id = ?", [trial["id"], user["id"]])
        records.audit.record(
            db,
            "trial.unassign",
            actor,
            record_type="trial",
            record_uuid=trial["uuid"],
            after={"user": user["uuid"], "username": user["username"]},
        )


# Defendants -----------------------------------------------------------------------------------------


def defendants(db: Database, trial_id: int) -> list[dict]:
    return list(db.query("SELECT * FROM defendant WHERE trial_id = ? ORDER BY position, id", [trial_id]))


def _next_position(db: Database, trial_id: int) -> int:
    row = next(
        db.query("SELECT coalesce(max(position), 0) AS p FROM defendant WHERE trial_id = ?", [trial_id])
    )
    return row["p"] + 1


def create_defendant(db: Database, actor: Actor, trial: dict, fields: dict) -> dict:
    with atomic(db):
        position = _next_position(db, trial["id"])
        return records.insert(
            db, "defendant", actor, {"trial_id": trial["id"], "position": position, **fields}
        )


def bulk_add_defendants(db: Database, actor: Actor, trial: dict, names: list[str]) -> list[dict]:
    """Add one defendant per name, in the order given, in one transaction."""
    with atomic(db):
        position = _next_position(db, trial["id"])
        return [
            records.insert(
                db, "defendant", actor, {"trial_id": trial["id"], "position": position + n, "name": name}
            )
            for n, name in enumerate(names)
        ]


def update_defendant(db: Database, actor: Actor, defendant: dict, fields: dict) -> dict:
    return records.update(db, "defendant", actor, defendant, fields)


def hours_between(start: str | None, end: str | None) -> float | None:
    """Hours from ``start`` to ``end`` to a tenth (None if either is missing), as the findings' SQL counts
    them (``round((julianday(end) - julianday(start)) * 24, 1)``)."""
    if not start or not end:
        return None
    delta = datetime.fromisoformat(end.rstrip("Z")) - datetime.fromisoformat(start.rstrip("Z"))
    return round(delta.total_seconds() / 3600, 1)


def custody_hours(defendant: dict) -> dict:
    """Hours from actual apprehension to registration and to a judge (None where a time is missing)."""
    return {
        "to_registration": hours_between(defendant["apprehended_at"], defendant["arrest_registered_at"]),
        "to_judge": hours_between(defendant["apprehended_at"], defendant["first_judge_at"]),
    }
