"""A submitted hearing as a lead reads it to decide: concerns first, then each subject's answers, the
unanswered questions set apart.

One pass over the checklist per subject (the hearing, each present defendant, each witness) gives what
the page shows, so the template only loops: a 37-defendant hearing is about 1,700 questions, and looking
each one up in the template was most of the page's time.
"""

from dataclasses import dataclass, field

from ..checklists import Checklist, Item
from . import sitting_form


@dataclass
class Row:
    item: Item
    answer: dict  # the answer row (value, note, provenance, uuid)
    concern: bool
    question: str = ""  # the item's label, its references and the answer, in the page's language
    refs: str = ""
    shown: str = ""


@dataclass
class Subject:
    """One subject's answers: ``stages`` is [(stage label, [Row])] of answered items in checklist order."""

    scope: str  # hearing | defendant | witness
    uuid: str
    name: str
    stages: list = field(default_factory=list)
    concerns: list = field(default_factory=list)
    unanswered: list = field(default_factory=list)  # [Item]
    answered: int = 0


def subject(checklist: Checklist, scope: str, uuid: str, name: str, answers: dict, lang: str) -> Subject:
    """``answers`` maps "<subject uuid>|<item key>" to the answer rows of the hearing."""
    found = Subject(scope, uuid, name)
    for stage, items in _asked(checklist, scope):
        rows = []
        for item in items:
            answer = answers.get(f"{uuid}|{item.key}")
            if not answer or not answer["value"]:
                found.unanswered.append(item)
                continue
            value = answer["value"]
            row = Row(
                item,
                answer,
                item.is_concern(value),
                item.label.get(lang),
                " · ".join(item.refs),
                item.value_label(value, lang),
            )
            rows.append(row)
            if row.concern:
                found.concerns.append(row)
        if rows:
            found.stages.append((stage.label.get(lang), rows))
        found.answered += len(rows)
    return found


def _asked(checklist: Checklist, scope: str) -> list[tuple]:
    """The items of ``scope`` by stage, as the hearing's form asked them: for a checklist that declares
    units, the sitting's and each defendant's (case facts and facts kept in records are not asked there)."""
    if checklist.declares_units and scope == "hearing":
        return sitting_form.by_stage(checklist, sitting_form.sitting_items(checklist))
    if checklist.declares_units and scope == "defendant":
        return sitting_form.by_stage(checklist, sitting_form.defendant_items(checklist))
    return checklist.by_stage(scope, asked_only=True)


def subjects(
    checklist: Checklist, answers: dict, defendants: list[dict], witnesses: list[dict], lang: str
) -> dict:
    """``{"hearing": Subject, "defendants": [Subject], "witnesses": {uuid: Subject}, "concerns": [see
    :func:`by_question`]}`` for the present ``defendants`` (every one for a checklist that declares units)
    and the ``witnesses`` heard, in their order."""
    hearing = subject(checklist, "hearing", "", "", answers, lang)
    people = [
        subject(checklist, "defendant", d["uuid"], d["name"], answers, lang)
        for d in defendants
        if d["present"] or checklist.declares_units  # v2: the absent too, with their presence answer
    ]
    heard = {
        w["uuid"]: subject(checklist, "witness", w["uuid"], w["label"], answers, lang) for w in witnesses
    }
    everyone = [hearing, *people, *heard.values()]
    return {
        "hearing": hearing,
        "defendants": people,
        "witnesses": heard,
        "concerns": by_question(checklist, everyone, lang),
        "concern_count": sum(len(s.concerns) for s in everyone),
    }


def by_question(checklist: Checklist, found: list[Subject], lang: str) -> list[dict]:
    """The concerns as a lead scans them: one entry per question and answer, naming every subject it was
    given for — ``{"item", "value", "label", "who": [(Subject, Row)]}`` in checklist order. Eleven
    defendants held incommunicado are one line, not eleven."""
    order = {item.key: n for n, item in enumerate(checklist.items)}
    grouped: dict[tuple, dict] = {}
    for s in found:
        for row in s.concerns:
            value = row.answer["value"]
            entry = grouped.setdefault(
                (row.item.key, value),
                {"item": row.item, "value": value, "label": row.item.value_label(value, lang), "who": []},
            )
            entry["who"].append((s, row))
    return [grouped[key] for key in sorted(grouped, key=lambda k: (order.get(k[0], len(order)), k[1]))]


def find(found: dict, answer_uuid: str | None) -> tuple[Subject, Row] | None:
    """The subject and row of one answer of :func:`subjects`' result, or None."""
    if not answer_uuid:
        return None
    for s in (found["hearing"], *found["defendants"], *found["witnesses"].values()):
        for _label, rows in s.stages:
            for row in rows:
                if row.answer["uuid"] == answer_uuid:
                    return s, row
    return None
