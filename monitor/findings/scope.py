"""Which hearings a set of findings is computed over: a mission, and the lead's filters."""

import json
from dataclasses import asdict, dataclass, field

STATUSES = ("draft", "submitted", "returned", "approved")
COUNTED_BY_DEFAULT = ("submitted", "approved")


@dataclass(frozen=True)
class Scope:
    """The hearings that count. Drafts never do, whatever is asked."""

    mission_id: int
    statuses: tuple[str, ...] = COUNTED_BY_DEFAULT
    trial_uuids: tuple[str, ...] = ()
    court: str = ""
    date_from: str = ""
    date_to: str = ""
    observer_uuids: tuple[str, ...] = ()
    judge: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self):
        allowed = tuple(s for s in self.statuses if s in STATUSES and s != "draft")
        object.__setattr__(self, "statuses", allowed or COUNTED_BY_DEFAULT)

    def where(self) -> tuple[str, dict]:
        """SQL conditions on ``hearing`` and ``trial`` (joined), with their parameters."""
        conditions = [
            "trial.mission_id = :mission",
            "hearing.status IN (SELECT value FROM json_each(:statuses))",
        ]
        params = {"mission": self.mission_id, "statuses": _json(self.statuses)}
        if self.trial_uuids:
            conditions.append("trial.uuid IN (SELECT value FROM json_each(:trials))")
            params["trials"] = _json(self.trial_uuids)
        if self.court:
            conditions.append("trial.court = :court")
            params["court"] = self.court
        if self.date_from:
            conditions.append("hearing.hearing_date >= :date_from")
            params["date_from"] = self.date_from
        if self.date_to:
            conditions.append("hearing.hearing_date <= :date_to")
            params["date_to"] = self.date_to
        if self.judge:
            conditions.append("hearing.judge = :judge")
            params["judge"] = self.judge
        if self.observer_uuids:
            observers = "SELECT id FROM user WHERE uuid IN (SELECT value FROM json_each(:observers))"
            conditions.append(f"hearing.observer_id IN ({observers})")
            params["observers"] = _json(self.observer_uuids)
        return " AND ".join(conditions), params

    def trial_where(self) -> tuple[str, dict]:
        """SQL conditions on ``trial`` alone (for records that do not depend on hearings)."""
        conditions = ["trial.mission_id = :mission"]
        params: dict[str, object] = {"mission": self.mission_id}
        if self.trial_uuids:
            conditions.append("trial.uuid IN (SELECT value FROM json_each(:trials))")
            params["trials"] = _json(self.trial_uuids)
        if self.court:
            conditions.append("trial.court = :court")
            params["court"] = self.court
        return " AND ".join(conditions), params

    def describe(self) -> dict:
        data = asdict(self)
        data.pop("mission_id")
        data.pop("extra")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


def _json(values) -> str:
    return json.dumps(list(values))
