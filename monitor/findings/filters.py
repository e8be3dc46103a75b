"""A lead's filters — from a query string or from command-line options — turned into a :class:`Scope`.

Framework-free: ``args`` is anything with ``getlist(name)`` and ``get(name)`` (werkzeug's ``MultiDict``,
or :class:`OptionArgs` around click's options). The page, the ``findings`` command and the API all read
their filters here, so they accept the same names and refuse the same mistakes:

``status``   repeatable or comma-separated: submitted, returned, approved (default submitted + approved);
             ``draft`` is accepted and ignored, because drafts never count
``trial``    repeatable trial uuid
``court``    the trial's court, exactly as entered
``judge``    the presiding judge, exactly as the observer recorded it on the hearing
``from``     first hearing date, YYYY-MM-DD (inclusive)
``to``       last hearing date, YYYY-MM-DD (inclusive)
``observer`` repeatable observer (user) uuid
"""

import re
from datetime import date

from .scope import COUNTED_BY_DEFAULT, STATUSES, Scope

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
COUNTABLE = tuple(status for status in STATUSES if status != "draft")


class FilterError(ValueError):
    """A filter that cannot be read. ``field`` names the parameter (``"from"``, ``"status"``, …)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class OptionArgs:
    """Click's options (a dict of values and tuples) read like werkzeug's ``MultiDict``."""

    def __init__(self, options: dict):
        self.options = options

    def getlist(self, name: str) -> list[str]:
        value = self.options.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, tuple | list) else [str(value)]

    def get(self, name: str, default=None):
        values = self.getlist(name)
        return values[0] if values else default


def scope_from(mission: dict, args) -> Scope:
    """The hearings of ``mission`` that ``args`` ask for; :class:`FilterError` (a ValueError) if malformed."""
    date_from, date_to = _date(args, "from"), _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise FilterError("to", f"The end date {date_to} is before the start date {date_from}.")
    return Scope(
        mission_id=mission["id"],
        statuses=_statuses(args),
        trial_uuids=_uuids(args, "trial"),
        court=(args.get("court") or "").strip(),
        judge=(args.get("judge") or "").strip(),
        date_from=date_from,
        date_to=date_to,
        observer_uuids=_uuids(args, "observer"),
    )


def _values(args, name: str) -> list[str]:
    """Every value of a repeatable parameter, commas splitting too; blanks and repeats dropped."""
    found = []
    for value in args.getlist(name):
        for part in str(value).split(","):
            part = part.strip()
            if part and part not in found:
                found.append(part)
    return found


def _statuses(args) -> tuple[str, ...]:
    asked = [status.lower() for status in _values(args, "status")]
    unknown = [status for status in asked if status not in STATUSES]
    if unknown:
        raise FilterError(
            "status",
            f"Unknown hearing status {unknown[0]!r}: choose from {', '.join(COUNTABLE)} "
            "(drafts never count).",
        )
    return tuple(status for status in asked if status != "draft") or COUNTED_BY_DEFAULT


def _uuids(args, name: str) -> tuple[str, ...]:
    values = _values(args, name)
    for value in values:
        if not UUID.match(value):
            raise FilterError(name, f"{value!r} is not a {name} uuid.")
    return tuple(value.lower() for value in values)


def _date(args, name: str) -> str:
    text = (args.get(name) or "").strip()
    if not text:
        return ""
    try:
        if not DATE.match(text):
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FilterError(name, f"{text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-20.") from None
