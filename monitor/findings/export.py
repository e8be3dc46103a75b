"""The findings as files: JSON (the data as it is), CSV (one row per figure) and a Markdown summary.

All three take the plain data of :func:`monitor.findings.aggregate.findings`. The CSV columns and the JSON
fields are described in ``docs/findings.md``; the JSON Schema is ``schema.json`` next to this file.
"""

import csv
import io
import json
from functools import cache
from pathlib import Path

from flask_babel import force_locale
from flask_babel import gettext as _

from ..missions.labels import CONVICTION_BASIS_LABELS, COUNSEL_LABELS, VERDICT_LABELS
from ..observe.fields import ALLEGATION, WITNESS
from . import follow_up, wording

CSV_COLUMNS = ("path", "count", "of", "uuids", "value", "stage", "scope", "label_en", "refs")
TABLES = {"custody.defendants"}  # per-person rows: in the JSON only; the CSV has the counts built on them
SCHEMA_PATH = Path(__file__).with_name("schema.json")


@cache
def json_schema() -> dict:
    """The JSON Schema (draft 2020-12) of :func:`to_json`'s output. Treat the result as read-only."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def to_json(data: dict) -> str:
    """The findings as UTF-8 JSON, indented, in the order the data was built."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# CSV ------------------------------------------------------------------------------------------------


def to_csv(data: dict, checklist) -> str:
    """One row per figure: counts fill ``count, of, uuids``; other figures (dates, medians) fill ``value``."""
    labels = {item.key: item.label.en for item in checklist.items}
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for path, node, item in _figures(data):
        row = {"path": path}
        if _is_count(node):
            row.update(count=node["count"], of=_cell(node["of"]), uuids=" ".join(node["uuids"]))
        else:
            row["value"] = _cell(node)
        if item is not None:
            row.update(
                stage=item["stage"],
                scope=item["scope"],
                label_en=labels.get(item["key"], ""),
                refs="; ".join(item["refs"]),
            )
        writer.writerow(row)
    return out.getvalue()


def _is_count(node) -> bool:
    return isinstance(node, dict) and set(node) == {"count", "of", "uuids"}


def _figures(node, path: tuple = ()):
    """(path, figure, checklist item entry or None) for every leaf of the findings, in document order."""
    name = ".".join(path)
    if name in TABLES:
        return
    if _is_count(node):
        yield name, node, None
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _figures(value, (*path, str(key)))
    elif isinstance(node, list) and node and all(isinstance(v, dict) and "key" in v for v in node):
        for item in node:  # checklist items: their counts, with the item's stage, label and refs alongside
            for key, value in item.items():
                if _is_count(value):
                    yield f"{name}.{item['key']}.{key}", value, item
    else:
        yield name, node, None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return _number(value) if isinstance(value, float) else str(value)


def _number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 82.0 hours reads as 82
    return str(value)


# Markdown -------------------------------------------------------------------------------------------
# Its phrases are in the Babel catalogs like the pages' (translated with them, checked by tests/test_i18n.py);
# force_locale picks the language asked for, whatever the request's. Sentences with counts come from
# wording.py, in the catalogs' plural forms.


def to_markdown(data: dict, checklist, lang: str = "en") -> str:
    """A readable summary in ``lang``: method, concerns per stage, torture, anonymous witnesses, custody,
    verdicts."""
    with force_locale(lang):
        sections = [
            _header(data, checklist, lang),
            _concerns(data, checklist, lang),
            _torture(data["torture"]) + follow_up.markdown_lines(data["torture"]),
            _anonymous(data["anonymous_witnesses"]),
            _custody(data["custody"]),
            _verdicts(data["verdicts"]),
        ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _of(count: dict) -> str:
    if count["of"] is None:
        return str(count["count"])
    return _("%(count)s of %(total)s", count=count["count"], total=count["of"])


def _bullet(label, text: str) -> str:
    return f"- {label}: {text}"


def _header(data: dict, checklist, lang: str) -> list[str]:
    method, scope = data["method"], data["scope"]
    dates = f"{method['first_date']} – {method['last_date']}" if method["first_date"] else "—"
    statuses = {"submitted": _("submitted"), "returned": _("returned"), "approved": _("approved")}
    parts = [
        (_("Sittings observed"), method["sittings"]["count"]),
        (_("Observations (observers' records of them)"), method["observations"]["count"]),
        (_("Trials"), method["trials"]["count"]),
        (_("Observers"), method["observers"]),
        (_("Dates"), dates),
        (_("Defendants present"), method["defendants_observed"]["count"]),
        (_("Hearings counted"), ", ".join(str(statuses.get(status, status)) for status in scope["statuses"])),
    ]
    filters = [
        (_("Court"), scope["court"]),
        (_("From"), scope["date_from"]),
        (_("To"), scope["date_to"]),
        (_("Trials selected"), len(scope["trial_uuids"])),
        (_("Observers selected"), len(scope["observer_uuids"])),
    ]
    parts += [(label, value) for label, value in filters if value]
    made = _(
        "%(checklist)s, version %(version)s. Generated %(at)s.",
        checklist=checklist.title.get(lang),
        version=data["checklist"]["version"],
        at=data["generated_at"],
    )
    return [
        "# " + _("Findings: %(mission)s", mission=data["mission"]["name"]),
        "",
        f"_{made}_",
        "",
        "## " + _("Method"),
        "",
        wording.method_sentence(method),
        "",
        " · ".join(f"{label}: {value}" for label, value in parts),
    ]


def _concerns(data: dict, checklist, lang: str) -> list[str]:
    by_key = {item.key: item for item in checklist.items}
    lines = ["## " + _("Concerns by stage")]
    for stage in checklist.stages:
        found = [
            entry
            for entry in data["items"]
            if entry["stage"] == stage.key and entry["concern"]["count"] and entry["key"] in by_key
        ]
        if found:
            lines += ["", f"### {stage.label.get(lang)}", ""]
            lines += [_sentence(by_key[entry["key"]], entry, lang) for entry in found]
    return lines if len(lines) > 1 else [*lines, "", _("No concerns were recorded on the checklist items.")]


def _sentence(item, entry: dict, lang: str) -> str:
    """One line such as "27 of 37 defendants were not promptly told … (ICCPR 9(2))." from the item's finding,
    or from its question and concern answers for a checklist without findings."""
    concern = entry["concern"]
    refs = f" ({', '.join(entry['refs'])})" if entry["refs"] else ""
    disputed = entry.get("disputed", {}).get("count", 0)
    if disputed:
        more = _("(%(count)s more disputed: observers of one sitting disagree; not counted)", count=disputed)
        refs = f" {more}{refs}"
    finding = getattr(item, "finding", None)
    text = finding.get(lang).strip().rstrip(".") if finding is not None else ""
    if text:
        return f"- {wording.item_sentence(item.scope, concern, concern['of'], text, lang)}{refs}."
    answers = ", ".join(item.value_label(value, lang) for value in sorted(item.concern))
    return f"- {_of(concern)}: {item.label.get(lang)} — {answers}{refs}."


def _by_value(counts: dict, labels: dict) -> str:
    return "; ".join(f"{labels.get(value, value)} {_of(count)}" for value, count in counts.items()) or "—"


def _torture(torture: dict) -> list[str]:
    lines = ["## " + _("Allegations of torture and ill-treatment"), ""]
    if not torture["allegations"]["count"]:
        return [*lines, _("No allegations of torture or ill-treatment were recorded.")]
    return lines + [
        _bullet(_("Allegations recorded"), _of(torture["allegations"])),
        _bullet(_("Defendants alleging torture or ill-treatment"), _of(torture["defendants_alleging"])),
        _bullet(_("Witnesses alleging torture or ill-treatment"), _of(torture["witnesses_alleging"])),
        _bullet(ALLEGATION["methods"].label, _by_value(torture["by_method"], ALLEGATION["methods"].choices)),
        _bullet(ALLEGATION["stage"].label, _by_value(torture["by_stage"], ALLEGATION["stage"].choices)),
        _bullet(
            ALLEGATION["place_type"].label, _by_value(torture["by_place"], ALLEGATION["place_type"].choices)
        ),
        _bullet(ALLEGATION["perpetrators"].label, _of(torture["perpetrators_named"])),
        _bullet(
            ALLEGATION["court_response"].label,
            _by_value(torture["court_response"], ALLEGATION["court_response"].choices),
        ),
    ]


def _anonymous(witnesses: dict) -> list[str]:
    labels = {
        "witnesses": _("Witnesses heard"),
        "anonymous": _("Testified anonymously"),
        "identity_known_to_defence": WITNESS["identity_known_to_defence"].label,
        "voice_hidden": WITNESS["voice_hidden"].label,
        "image_hidden": WITNESS["image_hidden"].label,
        "police_officers": WITNESS["police_officer"].label,
        "defence_could_question": _("Defence could question them effectively"),
        "convictions_resting_on_anonymous": _("Convictions resting mainly on anonymous testimony"),
    }
    return ["## " + _("Anonymous witnesses"), ""] + [
        _bullet(label, _of(witnesses[key])) for key, label in labels.items()
    ]


def _custody(custody: dict) -> list[str]:
    labels = {
        "median_hours_to_registration": _("Median hours from apprehension to registration"),
        "median_hours_to_judge": _("Median hours from apprehension to a judge"),
        "median_hours_to_counsel": _("Median hours from apprehension to counsel"),
        "registration_over_48": _("Registered more than 48 hours after apprehension"),
        "judge_over_48": _("Before a judge more than 48 hours after apprehension"),
        "judge_over_72": _("Before a judge more than 72 hours after apprehension"),
        "counsel_after_24": _("Counsel more than 24 hours after apprehension"),
    }
    lines = [
        "## " + _("Custody"),
        "",
        _bullet(_("Defendants with known custody times"), _of(custody["with_times"])),
    ]
    for key in ("median_hours_to_registration", "median_hours_to_judge", "median_hours_to_counsel"):
        lines.append(_bullet(labels[key], _number(custody[key])))
    for key in ("registration_over_48", "judge_over_48", "judge_over_72", "counsel_after_24"):
        lines.append(_bullet(labels[key], _of(custody[key])))
    lines.append(_bullet(COUNSEL_LABELS["none"], _of(custody["no_counsel"])))
    return lines


def _verdicts(verdicts: dict) -> list[str]:
    lines = ["## " + _("Verdicts"), ""]
    lines += [_bullet(VERDICT_LABELS[key], _of(verdicts[key])) for key in VERDICT_LABELS]
    sentence = verdicts["sentence_months"]
    if sentence["with_sentence"]["count"]:
        span = wording.sentence_months(sentence["min"], sentence["max"], sentence["median"])
        known = _("Known for %(known)s.", known=_of(sentence["with_sentence"]))
        lines.append(f"- {span} {known}")
    basis = _by_value(verdicts["basis"], CONVICTION_BASIS_LABELS)
    lines.append(_bullet(_("What the convictions rest on"), basis))
    return lines
