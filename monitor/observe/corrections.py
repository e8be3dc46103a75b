"""The corrections page in the forms' own words: what changed, grouped by whom it is about, in form order.

``records.differences`` compares two snapshots field by field and names each field by its path in the
snapshot (``("answers", "<subject>|<item>", "value")``). A lead deciding on a correction needs the
question as the form asks it and the answer as the observer chose it ("Was a lawyer present? Yes → Partly"),
not those paths and codes, and needs the rows of one defendant together, stage by stage, as the form shows
them. This module turns the rows into that, and nothing else: who may see a value is decided before (the
``hidden`` rows stay hidden).
"""

import json
from collections.abc import Iterable

from flask_babel import gettext as _

from .. import checklists
from ..checklists import Checklist
from ..missions import records as missions
from ..permissions import receives_identities
from . import fields
from . import records as observe

ANSWER_PARTS = ("value", "provenance", "note")  # the order an answer's parts are listed in


def _shown(field: fields.Field | None, value, names: dict) -> str:
    """A stored value as the form shows it (people named through ``names``)."""
    if field is None:
        return "" if value in ("", None) else str(value)
    people = names if field.kind == "refs" or field.name in ("defendant_uuid", "witness_uuid") else None
    return field.display(value, people)


def _answer_row(path: tuple, row: dict, checklist: Checklist, lang: str) -> tuple[tuple, dict]:
    _section, key, part = path
    subject, item_key = key.split("|", 1)
    try:
        item = checklist.item(item_key)
    except KeyError:
        item = None
    stages = [stage.key for stage in checklist.stages]
    if item is None:
        order, stage, question = (len(stages), 0), "", item_key
    else:
        index = next(i for i, candidate in enumerate(checklist.items) if candidate.key == item.key)
        order = (stages.index(item.stage) if item.stage in stages else len(stages), index)
        stage = next((s.label.get(lang) for s in checklist.stages if s.key == item.stage), "")
        question = item.label.get(lang)

    def show(value):
        if value in ("", None):
            return ""
        if part == "value" and item is not None:
            return item.value_label(value, lang)
        return _shown(fields.ANSWER[part], value, {})

    what = question if part == "value" else f"{question} — {fields.ANSWER[part].label}"
    shown = {"what": what, "stage": stage, "before": show(row["before"]), "after": show(row["after"])}
    return (*order, ANSWER_PARTS.index(part)), shown


def grouped(
    rows: Iterable[dict], checklist: Checklist, names: dict, defendants: list[str], lang: str
) -> list[dict]:
    """The rows of one correction as groups ``{"title", "rows": [{"what", "stage", "before", "after",
    "hidden"}]}``: the hearing itself first, then each defendant in the trial's order, then witnesses,
    allegations and notes; within a group, in the checklist's order of stages and items.

    ``names`` maps defendants' and witnesses' uuids to how the page names them; ``defendants`` is the
    trial's defendants' uuids in their order.
    """
    groups: dict[tuple, dict] = {}

    def add(group_key: tuple, title: str, order: tuple, row: dict, shown: dict) -> None:
        group = groups.setdefault(group_key, {"title": title, "rows": []})
        group["rows"].append((order, {**shown, "hidden": row.get("hidden", False)}))

    position = {uuid: n for n, uuid in enumerate(defendants)}
    for row in rows:
        path = row["path"]
        section = path[0]
        if section == "answers":
            subject = path[1].split("|", 1)[0]
            order, shown = _answer_row(path, row, checklist, lang)
            if not subject:
                add((0, 0, ""), _("The hearing"), (1, *order), row, shown)
            elif subject in position:
                add((1, position[subject], subject), names.get(subject, ""), (1, *order), row, shown)
            else:
                add(
                    (2, 0, subject),
                    _("Witness %(label)s", label=names.get(subject, "")),
                    (1, *order),
                    row,
                    shown,
                )
        elif section == "hearing":
            field = fields.HEARING.get(path[1])
            what = str(field.label) if field else path[1]
            shown = {"what": what, "stage": "", "before": _shown(field, row["before"], names)}
            shown["after"] = _shown(field, row["after"], names)
            order = (0, list(fields.HEARING).index(path[1]) if field else 0)
            add((0, 0, ""), _("The hearing"), order, row, shown)
        elif section == "presence":
            subject = path[1]
            present = {1: _("Yes"), 0: _("No")}
            shown = {
                "what": _("Present at the hearing"),
                "stage": "",
                "before": present.get(row["before"], ""),
            }
            shown["after"] = present.get(row["after"], "")
            key = (1, position.get(subject, len(position)), subject)
            add(key, names.get(subject, ""), (0,), row, shown)
        elif section == "witnesses":
            field = fields.WITNESS.get(path[2])
            shown = {"what": str(field.label) if field else path[2], "stage": ""}
            shown.update(before=_shown(field, row["before"], names), after=_shown(field, row["after"], names))
            order = (0, list(fields.WITNESS).index(path[2]) if field else 0)
            add((2, 0, path[1]), _("Witness %(label)s", label=names.get(path[1], "")), order, row, shown)
        elif section == "allegations":
            field = fields.ALLEGATION.get(path[2])
            shown = {"what": str(field.label) if field else path[2], "stage": ""}
            shown.update(before=_shown(field, row["before"], names), after=_shown(field, row["after"], names))
            order = (list(fields.ALLEGATION).index(path[2]) if field else 0,)
            add((3, 0, path[1]), _("Torture allegation"), order, row, shown)
        else:
            shown = {"what": _("Running note"), "stage": "", "before": row["before"], "after": row["after"]}
            add((4, 0, ""), _("Running notes"), (path[1:],), row, shown)
    return [
        {
            "title": group["title"],
            "rows": [shown for _order, shown in sorted(group["rows"], key=lambda r: r[0])],
        }
        for _key, group in sorted(groups.items(), key=lambda g: g[0])
    ]


def history(db, hearing: dict, trial: dict, mission: dict, user: dict, lang: str) -> list[dict]:
    """Every correction of a hearing, oldest first: ``{"revision", "groups" (see :func:`grouped`),
    "changed"}``, each revision compared with the next one (the last with the hearing as it is now).

    An anonymous witness's identity and named perpetrators are shown only to those who may receive them
    (the mission's leads, the observer who recorded them): for anyone else the row is marked hidden and
    carries neither value. The corrections page and the API both read this."""
    revisions = observe.revisions(db, hearing["id"])
    snapshots = [json.loads(revision["snapshot"]) for revision in revisions]
    current = observe.snapshot(db, hearing)
    witnesses = observe.witnesses(db, hearing["id"])
    defendants = missions.defendants(db, trial["id"])
    names = {d["uuid"]: d["name"] for d in defendants}
    names.update({w["uuid"]: w["label"] for w in witnesses})
    recorded_by = {w["uuid"]: w["recorded_by"] for w in witnesses}

    def receives(table: str, record_uuid: str) -> bool:
        recorder = recorded_by.get(record_uuid) if table == "witness" else None
        return receives_identities(db, mission["id"], user, recorder or hearing["observer_id"])

    hidden = observe.withheld_paths([*snapshots, current], receives)
    order = [d["uuid"] for d in defendants]
    steps = []
    for n, revision in enumerate(revisions):
        newer = snapshots[n + 1] if n + 1 < len(revisions) else current
        rows = [
            {**row, "before": None, "after": None, "hidden": True} if row["path"] in hidden else row
            for row in observe.differences(snapshots[n], newer)
        ]
        groups = grouped(rows, checklists.of(hearing), names, order, lang)
        steps.append({"revision": revision, "groups": groups, "changed": len(rows)})
    return steps
