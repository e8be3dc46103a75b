"""The defendant × right matrix of a trial report, and the trial × right summary that stands for it in
the mission report.

A mission of a thousand defendants made a matrix of fifty thousand cells that WeasyPrint laid out for
most of the mission PDF's time and memory (issue #16): the mission report now carries one row per trial
(its defendants with a concern on each right, of those observed on it), and each trial's report the
matrix of its own defendants.
"""

from flask_babel import gettext as _

from .blocks import DASH, Block, Cell, Section, Table, note, people
from .findings import question_numbers

# Columns of "12 of 20" side by side on a landscape page (the rest go to the next table of the same rows).
SUMMARY_COLUMNS = 14


def lettered(stages: list) -> list:
    """The stages of the matrix, left to right, with their letters: A … Z, then AA, AB …"""
    return [
        (chr(65 + n) if n < 26 else chr(64 + n // 26) + chr(65 + n % 26), stage)
        for n, stage in enumerate(stages)
    ]


def stage_legend(checklist, lang: str) -> str:
    """ "A — Arrest; B — Pre-trial …": the letters above the columns, named in full."""
    return "; ".join(
        f"{letter} — {stage.label.get(lang)}"
        for letter, (stage, _items) in lettered(checklist.by_stage("defendant"))
    )


# The defendant × right matrix (trial reports) ---------------------------------------------------------


def matrix_tables(data: dict, found: dict, checklist, lang: str) -> list[Table]:
    """Defendant × question, one table per trial (its title as the caption): hearings where the question
    was answered, shaded red where any showed a concern.

    A table per trial rather than one for the mission: each is short enough to read on a page and to break
    between pages cheaply, and the trial need not be repeated on every row.
    """
    names, numbers = people(data), question_numbers(checklist)
    grid = found.get("matrix", {"defendants": [], "cells": {}})
    items = checklist.items_for("defendant")
    # Stages are named by letter above their columns (a stage of two questions is two narrow columns:
    # its name overlapped its neighbours' and pushed the table past the margin); the legend says which.
    bands = [("", 2)] + [
        (letter, len(stage_items))
        for letter, (_stage, stage_items) in lettered(checklist.by_stage("defendant"))
    ]
    trial_of = {d["uuid"]: d["trial_uuid"] for d in data["defendants"]}
    rows_by_trial: dict[str, list] = {}
    for defendant in grid["defendants"]:
        if defendant["uuid"] not in trial_of:  # not in this report's scope
            continue
        row = grid["cells"].get(defendant["uuid"], {})
        cells = []
        for item in items:
            cell = row.get(item.key)
            if cell:
                # a case-file fact has no sittings: its cell is shaded, with no number
                shown = str(cell["hearings"]) if cell["hearings"] else ""
                cells.append(Cell(shown, "concern" if cell["concern"] else "fine"))
            else:
                cells.append(Cell(""))
        concerns = sum(1 for c in row.values() if c["concern"])
        rows = rows_by_trial.setdefault(trial_of[defendant["uuid"]], [])
        rows.append([Cell(names.get(defendant["uuid"], DASH)), Cell(str(concerns)), *cells])
    head = [_("Defendant"), "Σ", *(str(numbers[item.key]) for item in items)]
    # The cells are parted by 0.5 pt gaps that WeasyPrint adds beyond the table's width (60 gaps: about 4 %
    # of a landscape page): the columns take 95 %, so the last one stays inside the margin.
    share = 0.75 / max(len(items), 1)
    widths = (0.17, 0.03, *([share] * len(items)))
    titles = {t["uuid"]: t["title"] for t in data["trials"]}
    order = [t["uuid"] for t in data["trials"]] + [uuid for uuid in rows_by_trial if uuid not in titles]
    return [
        Table(
            head,
            rows_by_trial[uuid],
            widths=widths,
            numeric=(1,),
            css="matrix",
            bands=bands,
            caption=titles.get(uuid, DASH),
        )
        for uuid in order
        if uuid in rows_by_trial
    ]


def matrix_section(data: dict, found: dict, checklist, lang: str) -> Section:
    """The trial report's matrix: a row per defendant of the trial, a column per question."""
    tables = matrix_tables(data, found, checklist, lang)
    legend = _(
        "Each cell: the number of hearings where the question was answered for the "
        "defendant; red: a concern at one or more of them; blue: no concern; blank: not "
        "observed. Column numbers are the question numbers of the findings by stage; Σ is "
        "the number of questions with a concern."
    )
    return Section(
        _("Defendant × right matrix"),
        [
            note(legend),
            note(stage_legend(checklist, lang)),
            *([Block("table", t) for t in tables] or [note(_("No defendants."))]),
        ],
        ident="matrix",
        landscape=True,
    )


# The trial × right summary (the mission report) -------------------------------------------------------


def trial_right_counts(data: dict, found: dict, checklist) -> dict[tuple[str, str], tuple[int, int]]:
    """(trial uuid, item key) → (defendants with a concern, defendants observed on it), for every
    defendant item, from the findings' own lists of people: the mission's count of an item is the sum of
    its trials' (each defendant is on one trial), and a trial's is the count of that trial alone."""
    trial_of = {d["uuid"]: d["trial_uuid"] for d in data["defendants"]}
    entries = {entry["key"]: entry for entry in found["items"]}
    counts: dict[tuple[str, str], list[int]] = {}
    for item in checklist.items_for("defendant"):
        entry = entries.get(item.key)
        if entry is None:
            continue
        for index, part in ((1, "observed"), (0, "concern")):
            for uuid in entry[part]["uuids"]:
                trial = trial_of.get(uuid)
                if trial is not None:
                    counts.setdefault((trial, item.key), [0, 0])[index] += 1
    return {key: (concern, observed) for key, (concern, observed) in counts.items()}


def _count_cell(concern: int, observed: int) -> Cell:
    if not observed:
        return Cell("")
    text = _("%(count)s of %(total)s", count=concern, total=observed)
    return Cell(text, "concern" if concern else "fine")


def _column_groups(checklist) -> list[list[tuple[str, list]]]:
    """The stages (letter, items) of each table, whole stages side by side up to :data:`SUMMARY_COLUMNS`
    columns; a stage longer than that is split over tables."""
    groups: list[list[tuple[str, list]]] = [[]]
    used = 0
    for letter, (_stage, items) in lettered(checklist.by_stage("defendant")):
        while items:
            if used and used + len(items) > SUMMARY_COLUMNS:
                groups.append([])
                used = 0
            part, items = items[:SUMMARY_COLUMNS], items[SUMMARY_COLUMNS:]
            groups[-1].append((letter, part))
            used += len(part)
    return [group for group in groups if group]


def summary_tables(data: dict, found: dict, checklist) -> list[Table]:
    """Trial × question: a row per trial and one for the mission, a column per defendant question, each
    cell "k of n"; as many tables (of the same rows) as the questions need."""
    numbers = question_numbers(checklist)
    counts = trial_right_counts(data, found, checklist)
    entries = {entry["key"]: entry for entry in found["items"]}
    tables = []
    for group in _column_groups(checklist):
        items = [item for _letter, part in group for item in part]
        rows = []
        for trial in data["trials"]:
            cells = [_count_cell(*counts.get((trial["uuid"], item.key), (0, 0))) for item in items]
            rows.append([Cell(trial["title"] or DASH), *cells])
        total = []
        for item in items:
            entry = entries.get(item.key)
            total.append(
                _count_cell(entry["concern"]["count"], entry["observed"]["count"]) if entry else Cell("")
            )
        rows.append([Cell(_("All trials")), *total])
        # The trial's title, then the counts; a little of the width left for the gaps between cells.
        share = 0.73 / len(items)
        tables.append(
            Table(
                [_("Trial"), *(str(numbers[item.key]) for item in items)],
                rows,
                widths=(0.24, *([share] * len(items))),
                css="matrix summary",
                bands=[("", 1)] + [(letter, len(part)) for letter, part in group],
            )
        )
    return tables


def summary_section(data: dict, found: dict, checklist, lang: str) -> Section:
    """The mission report's trial × right summary, where the per-defendant matrix used to be."""
    legend = _(
        "Each cell: the defendants of the trial with a concern on the question, of the defendants for "
        "whom it was observed (for a fact of the case file: whose file records it), each counted once "
        "however many hearings repeat it, as the findings by stage count them; the last row is the whole "
        "mission. A fact of the case file counts here whether established or alleged, as in the matrix; "
        "the findings by stage tell them apart. Red: one or more with a concern; blue: none; blank: not "
        "observed. Column numbers are the question numbers of the findings by stage."
    )
    where = _("The defendant × right matrix, a row per defendant, is in each trial's report.")
    tables = summary_tables(data, found, checklist) if data["trials"] else []
    return Section(
        _("Trial × right summary"),
        [
            note(legend),
            note(stage_legend(checklist, lang)),
            note(where),
            *([Block("table", t) for t in tables] or [note(_("No defendants."))]),
        ],
        ident="rights-summary",
        landscape=True,
    )
