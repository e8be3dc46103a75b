"""The checklist answers as a mission lead reads them: a row per hearing, per defendant at a hearing and per
witness, with a column per question; and, beside them, the answers that carry a note.

One row per answer (answers.csv, the JSON export) runs into millions of rows for a large mission — more
than a spreadsheet holds, and nothing a person reads. These tables have a row per person per hearing
instead (4,000 hearings of 20 defendants: 80,000 rows), which is what an analyst filters, sorts and pivots.
Each cell holds the answer in the export's language (a number stays a number) and the writers shade an
answer that raises a concern. They are made from the same redacted answers as answers.csv, read hearing by
hearing from the database (see dataset.Answers), so only one hearing's answers are held at a time.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from .columns import COLUMNS, HEARING_UUID, Column

WIDE = {"hearing_answers": "hearing", "defendant_answers": "defendant", "witness_answers": "witness"}
DETAILS = "answer_notes"
TABLES = (*WIDE, DETAILS)

TRIAL = Column("trial", "The trial's title (trials.title).")
DATE = Column("hearing_date", "Date of the hearing.", "date")
CONCERNS = Column("concerns", "How many of the row's answers raise a concern (the shaded cells).", "integer")
# The columns before the questions (what a reader scans) and after them (the uuids that join).
FIXED = {
    "hearing": ((TRIAL, DATE, CONCERNS), (HEARING_UUID,)),
    "defendant": (
        (
            TRIAL,
            DATE,
            Column("defendant", "The defendant's name (a pseudonym in public exports)."),
            Column("present", "1 if the defendant was present, 0 if absent, empty if not recorded.", "flag"),
            CONCERNS,
        ),
        (HEARING_UUID, Column("defendant_uuid", "The defendant (defendants.uuid).", "uuid")),
    ),
    "witness": (
        (TRIAL, DATE, Column("witness", "How reports refer to the witness (witnesses.label)."), CONCERNS),
        (HEARING_UUID, Column("witness_uuid", "The witness (witnesses.uuid).", "uuid")),
    ),
}


@dataclass
class WideTable:
    """One answer table: its columns (fixed ones, then a question each, then uuids) and its questions."""

    name: str
    scope: str
    items: list
    columns: list[Column]
    first_item: int  # the column of the first question


def wide_table(name: str, checklist, lang: str) -> WideTable:
    scope = WIDE[name]
    before, after = FIXED[scope]
    items = checklist.items_for(scope)
    questions = [Column(item.key, _about(item, lang), _kind(item)) for item in items]
    return WideTable(name, scope, items, [*before, *questions, *after], len(before))


def _kind(item) -> str:
    return {"number": "number", "text": "text"}.get(item.answer, "label")


def _about(item, lang: str) -> str:
    about = f"{item.label.get(lang)} ({'; '.join(item.refs)})" if item.refs else item.label.get(lang)
    if item.concern:
        concerns = ", ".join(item.value_label(value, lang) for value in sorted(item.concern))
        about += f". Raises a concern: {concerns}"
    return about + "."


def wide_rows(
    table: WideTable, data: dict, answers: Iterable[tuple[str, list[tuple]]], lang: str
) -> Iterator[tuple[list, list[int]]]:
    """Each row of ``table`` as (values, the columns whose answer raises a concern).

    ``answers`` are the (redacted) answers to the table's questions: for each hearing with any, in the
    order of ``data["hearings"]``, its uuid and its (subject_uuid, item_key, value) — as
    dataset.Answers.values() reads them, or :func:`by_hearing` groups a list.
    """
    cells = _Cells(table.items, lang)
    trials = {trial["uuid"]: trial["title"] for trial in data["trials"]}
    subjects = _Subjects(table.scope, data)
    first = table.first_item
    answers = iter(answers)
    pending = next(answers, None)
    for hearing in data["hearings"]:
        answered: dict[str, dict[str, str]] = {}
        if pending is not None and pending[0] == hearing["uuid"]:
            for subject, item_key, value in pending[1]:
                answered.setdefault(subject, {})[item_key] = value
            pending = next(answers, None)
        trial = trials.get(hearing["trial_uuid"], "")
        for named, subject in subjects.of(hearing, answered):
            values, concerns = cells.row(answered.get(subject, {}))
            uuids = [hearing["uuid"], subject] if table.scope != "hearing" else [hearing["uuid"]]
            yield (
                [trial, hearing["hearing_date"], *named, len(concerns), *values, *uuids],
                [first + n for n in concerns],
            )
    if pending is not None:
        raise ValueError("the answers are not in the order of the hearings")


def by_hearing(answers: Iterable[dict]) -> Iterator[tuple[str, list[tuple[str, str, str]]]]:
    """Answer rows (grouped by hearing, as dataset.load lists them) as :func:`wide_rows` takes them."""
    for hearing_uuid, rows in groupby(answers, key=itemgetter("hearing_uuid")):
        yield hearing_uuid, [(row["subject_uuid"], row["item_key"], row["value"]) for row in rows]


# A cell as written (the answer in words, a number, or None: empty) and whether it raises a concern.
_Cell = tuple[str | int | float | None, bool]


class _Cells:
    """An answer as its cell shows it (its label in the export's language, a number as a number), and
    whether it raises a concern — worked out once per question and answer."""

    def __init__(self, items: list, lang: str):
        self.items, self.lang = items, lang
        # Per question: answer → (cell, raises a concern); no answer → an empty cell.
        self._seen: list[dict[str | None, _Cell]] = [{None: (None, False)} for _ in items]
        self._keys = [(item.key, seen) for item, seen in zip(items, self._seen, strict=True)]

    def _cell(self, n: int, value: str) -> _Cell:
        item = self.items[n]
        cell: _Cell
        if not value:
            cell = (None, False)
        elif item.answer == "number":
            try:
                number = float(value)
            except ValueError:
                cell = (value, item.is_concern(value))
            else:
                cell = (int(number) if number.is_integer() else number), item.is_concern(value)
        else:
            cell = item.value_label(value, self.lang), item.is_concern(value)
        self._seen[n][value] = cell
        return cell

    def row(self, answered: dict[str, str]) -> tuple[list, list[int]]:
        known = [seen.get(answered.get(key)) for key, seen in self._keys]
        cells = [  # an answer not seen before is worked out now
            self._cell(n, answered[self.items[n].key]) if cell is None else cell
            for n, cell in enumerate(known)
        ]
        return [cell[0] for cell in cells], [n for n, cell in enumerate(cells) if cell[1]]


class _Subjects:
    """Whom a table has a row for at a hearing, in order: the hearing itself; each defendant of the trial
    who was recorded present or absent or was answered for (in the order of the indictment); each witness
    heard. A subject answered for but unknown to the dataset still gets a row."""

    def __init__(self, scope: str, data: dict):
        self.scope = scope
        self.names: dict[str, str] = {}
        self.by_trial: dict[str, list[str]] = {}
        self.by_hearing: dict[str, list[str]] = {}
        self.present: dict[tuple[str, str], int] = {}
        if scope == "defendant":
            for defendant in data["defendants"]:
                self.names[defendant["uuid"]] = defendant["name"] or ""
                self.by_trial.setdefault(defendant["trial_uuid"], []).append(defendant["uuid"])
            for row in data["presence"]:
                self.present[row["hearing_uuid"], row["defendant_uuid"]] = row["present"]
        elif scope == "witness":
            for witness in data["witnesses"]:
                self.names[witness["uuid"]] = witness["label"] or ""
                self.by_hearing.setdefault(witness["hearing_uuid"], []).append(witness["uuid"])

    def of(self, hearing: dict, answered: dict) -> Iterator[tuple[list, str]]:
        if self.scope == "hearing":
            yield [], ""
            return
        hearing_uuid = hearing["uuid"]
        if self.scope == "defendant":
            listed = [
                uuid
                for uuid in self.by_trial.get(hearing["trial_uuid"], ())
                if (hearing_uuid, uuid) in self.present or uuid in answered
            ]
        else:
            listed = list(self.by_hearing.get(hearing_uuid, ()))
        known = set(listed)
        listed += [uuid for uuid in answered if uuid and uuid not in known]
        for uuid in listed:
            name = self.names.get(uuid, "")
            if self.scope == "defendant":
                yield [name, self.present.get((hearing_uuid, uuid))], uuid
            else:
                yield [name], uuid


def noteworthy(answer: dict, item_keys: set[str], reviewed: set[str]) -> bool:
    """Whether a (redacted) answer belongs in answer_notes: it has a note or a source, a lead commented
    on it, or it answers a question the mission's checklist does not have."""
    return bool(
        answer["note"]
        or answer["provenance"]
        or answer["item_key"] not in item_keys
        or answer["uuid"] in reviewed
    )


DETAIL_COLUMNS = COLUMNS["answers"]
