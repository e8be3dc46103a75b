"""One rule for the date something was observed on (a sitting, an event recorded in a form): a real
calendar day, not in the future, and not before 1950 — so a trial of 2012 can be recorded from the notes of
the time, while 2012-02-30, 9999-99-99 or a year typed as 0202 are refused with a message.

"Not in the future" allows tomorrow: an observer east of the server may already be on the next day.
"""

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

EARLIEST = date(1950, 1, 1)


def observed_on(value: "str | date", today: date | None = None) -> date:
    """``value`` (YYYY-MM-DD, or a date) as a date something was observed on; ValueError with a message."""
    day = _parsed(value) if isinstance(value, str) else value
    if day is None:
        raise ValueError(_l("Enter a real date as YYYY-MM-DD."))
    today = today or date.today()
    if day > today + timedelta(days=1):
        raise ValueError(_l("That date is in the future."))
    if day < EARLIEST:
        raise ValueError(_l("Enter a date after %(year)s.", year=EARLIEST.year))
    return day


def _parsed(text: str) -> date | None:
    if len(text) != 10:  # fromisoformat takes 20121231 and other forms too
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
