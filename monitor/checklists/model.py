"""What a checklist is once loaded: stages, items and their texts in English, Russian and Kazakh.

Everything here is frozen, so one loaded checklist can be cached and shared by every request.
"""

import re
from dataclasses import dataclass

YESNO = ("yes", "no", "unclear", "not_observed")
SCOPES = ("hearing", "defendant", "witness")
ANSWERS = ("yesno", "choice", "number", "text")
LANGUAGES = ("en", "ru", "kk")

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

        ``""`` (or ``None``) means "not answered" and is always allowed.
        """
        text = (value or "").strip()
        if not text:
            return ""
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

    def by_stage(self, scope: str) -> list[tuple[Stage, list[Item]]]:
        """The items of one scope grouped under their stages, in stage order; empty stages left out."""
        items = self.items_for(scope)
        groups = [(stage, [item for item in items if item.stage == stage.key]) for stage in self.stages]
        return [(stage, stage_items) for stage, stage_items in groups if stage_items]
