"""What a checklist is once loaded: stages, items and their texts in English, Russian and Kazakh.

Everything here is frozen, so one loaded checklist can be cached and shared by every request.
"""

import re
from dataclasses import dataclass

YESNO = ("yes", "no", "unclear", "not_observed")
SCOPES = ("hearing", "defendant", "witness")
ANSWERS = ("yesno", "choice", "number", "text")

# Where a fact belongs (docs/checklists.md, "Units"): the defendant's case file, the court sitting, a
# defendant at one sitting, the witness as a person, a witness's appearance at one sitting.
UNITS = ("case", "sitting", "defendant_at_sitting", "witness", "appearance")
# The v1 scope a unit is asked under by code that knows only scopes (forms and findings of v1 missions).
UNIT_SCOPE = {
    "case": "defendant",
    "sitting": "hearing",
    "defendant_at_sitting": "defendant",
    "witness": "witness",
    "appearance": "witness",
}
# A v1 item's derived unit: v1 stored every answer per hearing, so this says where its answers were
# recorded (a sitting), not where the fact belongs; the v2 item with the same key says that.
SCOPE_UNIT = {"hearing": "sitting", "defendant": "defendant_at_sitting", "witness": "appearance"}
# The person (or sitting) a unit's facts are about: two items about the same subject may not share a home.
UNIT_SUBJECT = {
    "case": "defendant",
    "sitting": "sitting",
    "defendant_at_sitting": "defendant",
    "witness": "witness",
    "appearance": "witness",
}
# Records a fact may live in instead of a checklist answer (``home: <record>.<field>``): the units, plus
# the torture-allegation record (one per person per episode), whose facts belong to a defendant's case
# file or to a witness.
HOME_RECORDS = {
    "case": ("case",),
    "sitting": ("sitting",),
    "defendant_at_sitting": ("defendant_at_sitting",),
    "witness": ("witness",),
    "appearance": ("appearance",),
    "allegation": ("case", "witness"),
}
# The record fields the app keeps that a home may name (the loader refuses any other, so SQL that reads a
# home's field names only these): the observation's access fields (a sitting's facts), the defendant's
# conviction basis, the allegation's court response.
HOME_FIELDS = {
    "sitting": ("public_access", "observers_admitted"),
    "case": ("conviction_basis",),
    "allegation": ("court_response",),
}
# Where an answer was learned, as the case file records it (issue #11): observed in court, the judgment
# or another court record, defence counsel, the defendant, family, the prosecution, an official statement.
SOURCES = ("observed", "court_record", "counsel", "defendant", "family", "prosecution", "official", "other")
# Of those, the ones that establish a fact (seen in court, or in the court's own record); the others allege.
ESTABLISHED_SOURCES = ("observed", "court_record")
# The two answers every question offers besides its own: never a concern (docs/checklists.md).
NOT_ANSWERED = ("unclear", "not_observed")

MAX_NUMBER = 1_000_000
MAX_TEXT = 2000
NUMBER = re.compile(r"(\d+)([.,]\d+)?")


@dataclass(frozen=True)
class Text:
    """One text in the three languages of the checklist."""

    en: str
    ru: str
    kk: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``"ru"``, ``"kk_KZ"``, …), or the English one."""
        return {"ru": self.ru, "kk": self.kk}.get(lang[:2].lower(), self.en) or self.en


YESNO_LABELS = {
    "yes": Text("Yes", "Да", "Иә"),
    "no": Text("No", "Нет", "Жоқ"),
    "unclear": Text("Unclear", "Неясно", "Анық емес"),
    "not_observed": Text("Not observed", "Не наблюдалось", "Байқалмады"),
}


@dataclass(frozen=True)
class Option:
    """One possible answer to a ``choice`` item."""

    value: str
    label: Text


@dataclass(frozen=True)
class Stage:
    """A stage of the proceedings (arrest, hearing, verdict, …) that groups items."""

    key: str
    label: Text


@dataclass(frozen=True)
class Item:
    """One question of the checklist, asked once per hearing, defendant or witness (its scope).

    ``finding`` is what a report writes after the count to state the concern: "27 of 37 defendants" +
    "were not promptly told the reasons for their arrest and the charges", "In 5 of 12 hearings" + "the
    public was not admitted or was removed" (see docs/checklists.md).

    ``unit`` is where the fact belongs (one of UNITS): declared by a v2 file, derived from ``scope`` for
    a v1 one. ``home`` is ``None`` when the fact is this item's answer, or the record field that holds it
    instead (``"case.conviction_basis"``): such an item is not asked, its value is read from the record.
    ``sources`` are where an answer is usually learned, the likeliest first.
    """

    key: str
    stage: str
    scope: str
    answer: str
    concern: frozenset[str]
    options: tuple[Option, ...]
    label: Text
    help: Text
    finding: Text
    refs: tuple[str, ...]
    unit: str = ""
    home: str | None = None
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.unit:
            object.__setattr__(self, "unit", SCOPE_UNIT[self.scope])

    @property
    def asked(self) -> bool:
        """Whether observers answer this item; ``False`` when its fact lives in a record field."""
        return self.home is None

    @property
    def subject(self) -> str:
        """Who or what the fact is about: ``defendant``, ``witness`` or ``sitting``."""
        return UNIT_SUBJECT[self.unit]

    @property
    def where(self) -> str:
        """The one place the fact is kept: its ``home``, or ``<unit>.<key>`` for an answered item."""
        return self.home or f"{self.unit}.{self.key}"

    def values(self) -> tuple[str, ...]:
        """The answers allowed for a yes/no or choice item; ``()`` for free numbers and text."""
        if self.answer == "yesno":
            return YESNO
        return tuple(option.value for option in self.options)

    def value_label(self, value: str, lang: str = "en") -> str:
        """How to show an answer to a person: the option's label, or the value itself for numbers and text."""
        if self.answer == "yesno" and value in YESNO_LABELS:
            return YESNO_LABELS[value].get(lang)
        labels = {option.value: option.label for option in self.options}
        return labels[value].get(lang) if value in labels else value

    def is_concern(self, value: str | None) -> bool:
        """Whether this answer counts against the standard in the findings."""
        return value in self.concern

    def validate(self, value: str | None) -> str:
        """The answer as it is stored, or :class:`ValueError` saying why it cannot be.

        ``""`` (or ``None``) means "not answered" and is always allowed. An item whose fact lives in a
        record field (``home``) takes no answer: storing one would give the fact a second home.
        """
        text = (value or "").strip()
        if not text:
            return ""
        if self.home:
            raise ValueError(f"{self.key!r} is not answered here: its fact is kept in {self.home}")
        if self.answer in ("yesno", "choice"):
            if text not in self.values():
                raise ValueError(
                    f"{text!r} is not an answer to {self.key!r} (expected one of: {', '.join(self.values())})"
                )
            return text
        if self.answer == "number":
            return _number(text)
        if len(text) > MAX_TEXT:
            raise ValueError(f"the answer is {len(text)} characters long; at most {MAX_TEXT} are allowed")
        return text


def _number(text: str) -> str:
    """A count or amount from 0 to MAX_NUMBER, as text (``"2,5"`` → ``"2.5"``, ``"007"`` → ``"7"``)."""
    if not NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number (write digits, e.g. 12 or 2.5)")
    number = float(text.replace(",", "."))
    if number > MAX_NUMBER:
        raise ValueError(f"{text} is too large (at most {MAX_NUMBER})")
    return str(int(number)) if number.is_integer() else repr(number)


@dataclass(frozen=True)
class Checklist:
    """A versioned list of items. A hearing keeps the id and version it was answered with."""

    id: str
    version: int
    title: Text
    stages: tuple[Stage, ...]
    items: tuple[Item, ...]
    path: str
    declares_units: bool = False

    def items_at(self, unit: str) -> list[Item]:
        """The items whose fact belongs to ``unit`` (see UNITS), in file order."""
        if unit not in UNITS:
            raise ValueError(f"unknown unit {unit!r} (expected one of: {', '.join(UNITS)})")
        return [item for item in self.items if item.unit == unit]

    def item(self, key: str) -> Item:
        """The item with this key; :class:`KeyError` if there is none."""
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def items_for(self, scope: str) -> list[Item]:
        """The items asked per hearing, per defendant or per witness, in file order."""
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r} (expected one of: {', '.join(SCOPES)})")
        return [item for item in self.items if item.scope == scope]

    def by_stage(self, scope: str, asked_only: bool = False) -> list[tuple[Stage, list[Item]]]:
        """The items of one scope grouped under their stages, in stage order; empty stages left out.
        ``asked_only`` leaves out the items whose fact is kept in a record (``home``): forms ask the rest."""
        items = [item for item in self.items_for(scope) if item.asked or not asked_only]
        groups = [(stage, [item for item in items if item.stage == stage.key]) for stage in self.stages]
        return [(stage, stage_items) for stage, stage_items in groups if stage_items]
