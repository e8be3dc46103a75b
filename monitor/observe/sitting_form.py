"""What the observation form asks for a checklist that declares units (v2), and the "same for all
present defendants" view of a mass trial's per-defendant answers.

A v2 observation asks, per present defendant, only the ``defendant_at_sitting`` items, and the ``sitting``
items once; ``case`` items belong to the defendant's case file and items with a ``home`` are kept in a
record, so neither is asked here. A v1 checklist keeps its form: every defendant-scope item per defendant.

Nothing is stored for "same for all": it is read from the answers themselves. For each per-defendant item
the shared answer is the one most present defendants have; a present defendant whose own answer differs
is an *exception*. Setting the shared answer (static/hearing.js) writes it to every present defendant who
has no answer yet or still has the old shared one, in one autosave batch of ordinary answer changes.
"""

from collections import Counter

from flask_babel import gettext as _
from markupsafe import Markup, escape

from . import fields

PRESENCE = "presence"
# The ``presence`` answers that mean the defendant was not in the courtroom (the form's "absent" tick).
ABSENT = ("waived", "not_brought")


def asks_units(checklist) -> bool:
    return bool(getattr(checklist, "declares_units", False))


def sitting_items(checklist) -> list:
    """The items asked once for the whole sitting (v2: the asked ``sitting`` items)."""
    if not asks_units(checklist):
        return checklist.items_for("hearing")
    return [item for item in checklist.items_at("sitting") if item.asked]


def defendant_items(checklist) -> list:
    """The items asked for each present defendant (v2: the asked ``defendant_at_sitting`` items)."""
    if not asks_units(checklist):
        return checklist.items_for("defendant")
    return [item for item in checklist.items_at("defendant_at_sitting") if item.asked]


def by_stage(checklist, items: list) -> list[tuple]:
    """``items`` grouped under their stages, in stage order; empty stages left out."""
    groups = [(stage, [item for item in items if item.stage == stage.key]) for stage in checklist.stages]
    return [(stage, stage_items) for stage, stage_items in groups if stage_items]


def shared_answers(answers: dict, present: list[dict], items: list) -> dict[str, str]:
    """For each item (by key), the answer most present defendants share ("" when none is answered).

    Ties go to the answer that comes first among the item's options (then alphabetically), so the page
    shows the same thing on every reload."""
    shared = {}
    for item in items:
        values = Counter(
            value for d in present if (value := (answers.get((d["uuid"], item.key)) or {}).get("value", ""))
        )
        if not values:
            shared[item.key] = ""
            continue
        order = {value: n for n, value in enumerate(item.values())}
        shared[item.key] = min(values, key=lambda v: (-values[v], order.get(v, len(order)), v))
    return shared


def exceptions(answers: dict, defendants: list[dict], items: list, shared: dict[str, str]) -> dict:
    """Per defendant uuid, the items whose answer differs from the shared one: ``[(item, value)]``.

    An absent defendant's only exception is their ``presence`` answer (nothing else is asked of them)."""
    result = {}
    for d in defendants:
        rows = []
        for item in items:
            value = (answers.get((d["uuid"], item.key)) or {}).get("value", "")
            if not d["present"]:
                if item.key == PRESENCE:
                    rows.append((item, value))
                continue
            if value and value != shared.get(item.key, ""):
                rows.append((item, value))
        result[d["uuid"]] = rows
    return result


def choices(items: list, lang: str) -> dict[str, list[tuple]]:
    """Per item key, its options as ``(value, label, concern)`` with the label escaped once: the form
    writes them for every defendant (37 × each question), so the page does not translate and escape
    the same label 37 times."""
    return {
        item.key: [
            (escape(value), escape(item.value_label(value, lang)), value in item.concern)
            for value in item.values()
        ]
        for item in items
    }


def form_context(checklist, answers: dict, defendants: list[dict], lang: str = "en") -> dict:
    """What the v2 parts of the form need: the items by stage, the shared answers, the exceptions and
    how many defendants are present and absent."""
    present = [d for d in defendants if d["present"]]
    items = defendant_items(checklist)
    shared = shared_answers(answers, present, items)
    texts = {
        "note": escape(_("Note")),
        "source": escape(_("Source")),
        "choose_source": escape(_("Source …")),
        "sources": [(escape(code), escape(str(label))) for code, label in fields.PROVENANCE.items()],
    }
    options = choices(items, lang)
    legends = {item.key: escape(item.label.get(lang)) for item in items}
    return {
        "question": question_html,
        "texts": texts,
        "parts": _parts(items, options, legends, texts),
        "sitting_stages": by_stage(checklist, sitting_items(checklist)),
        "defendant_stages": by_stage(checklist, items),
        "per_defendant_items": items,
        "shared": shared,
        "exceptions": exceptions(answers, defendants, items, shared),
        "present_count": len(present),
        "absent_count": len(defendants) - len(present),
    }


def question_html(subject: str, item, answer: dict | None, ctx: dict) -> Markup:
    """One defendant's yes/no or choice question as the form's markup (the same as ``item_block`` in
    templates/observe/_items.html writes).

    Written here rather than in the template because a mass trial's page holds 37 × 6 of them, and the
    Jinja loop over their options and labels was most of the page's time (docs/benchmarks.md). What does
    not depend on the defendant is put together once per page (:func:`_parts`)."""
    answer = answer or {}
    value = answer.get("value", "")
    parts = ctx["parts"][item.key]
    # Every value put into the markup is escaped (here, or in the escaped pieces of _parts).
    base = f"a-{escape(subject)}-{parts['key']}"
    radios = "".join(
        f"{start}{base}{middle}{' checked' if value == option else ''}{end}"
        for option, start, middle, end in parts["options"]
    )
    chosen = answer.get("provenance", "")
    sources = parts["sources"] if not chosen else _sources(ctx["texts"]["sources"], chosen)
    return Markup(  # noqa: S704 (escaped: see above)
        f'<fieldset class="item{" answered" if value else ""}" id="{base}" data-target="answer" '
        f'data-subject="{escape(subject)}" {parts["head"]}{radios}{parts["note"]}'
        f"{escape(answer.get('note', ''))}{parts['select']}{sources}{parts['tail']}"
    )


def _sources(sources: list[tuple], chosen: str) -> str:
    return "".join(
        f'<option value="{code}"{" selected" if chosen == code else ""}>{label}</option>'
        for code, label in sources
    )


def _parts(items: list, choices_of: dict, legends: dict, texts: dict) -> dict:
    """Per item, the escaped pieces of its markup that are the same for every defendant."""
    parts = {}
    for item in items:
        key = escape(item.key)
        parts[item.key] = {
            "key": key,
            "head": f'data-item="{key}"><legend>{legends[item.key]} <span class="refs">'
            f'{escape(" · ".join(item.refs))}</span></legend><div class="answer"><span class="choices">',
            "options": [
                (
                    option,
                    f'<label class="choice{" concern" if concern else ""}"><input type="radio" name="',
                    f'" value="{option}" data-field="value"',
                    f">{label}</label>",
                )
                for option, label, concern in choices_of[item.key]
            ],
            "note": f'</span><input type="text" class="note" placeholder="{texts["note"]}" '
            f'aria-label="{texts["note"]}" value="',
            "select": f'" data-field="note"><select aria-label="{texts["source"]}" data-field="provenance">'
            f'<option value="">{texts["choose_source"]}</option>',
            "sources": _sources(texts["sources"], ""),
            "tail": '</select></div><p class="field-error" hidden></p></fieldset>',
        }
    return parts
