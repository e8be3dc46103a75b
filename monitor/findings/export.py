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

from ..checklists import Text
from ..missions.labels import CONVICTION_BASIS_LABELS, COUNSEL_LABELS, VERDICT_LABELS
from ..observe.fields import ALLEGATION, WITNESS

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
# The report's own phrases, in the three languages of the checklist. Labels the screens already have
# (torture methods, verdicts, witness fields) come from their Babel catalogs through force_locale.

T = {
    "title": Text("Findings: {mission}", "Выводы: {mission}", "Қорытындылар: {mission}"),
    "made": Text(
        "{checklist}, version {version}. Generated {at}.",
        "{checklist}, версия {version}. Сформировано {at}.",
        "{checklist}, {version}-нұсқа. Жасалған уақыты: {at}.",
    ),
    "method": Text("Method", "Методология", "Әдістеме"),
    "sittings": Text("Sittings observed", "Судебных заседаний под наблюдением", "Бақыланған сот отырыстары"),
    "observations": Text(
        "Observations (observers' records of them)",
        "Наблюдений (записей наблюдателей о них)",
        "Бақылаулар (бақылаушылардың олар туралы жазбалары)",
    ),
    "trials": Text("Trials", "Процессов", "Сот процестері"),
    "observers": Text("Observers", "Наблюдателей", "Бақылаушылар"),
    "dates": Text("Dates", "Даты", "Күндер"),
    "present": Text("Defendants present", "Подсудимых присутствовало", "Қатысқан айыпталушылар"),
    "counted": Text("Hearings counted", "Учтены заседания", "Есепке алынған отырыстар"),
    "court": Text("Court", "Суд", "Сот"),
    "from": Text("From", "С", "Бастап"),
    "to": Text("To", "По", "Дейін"),
    "trials_chosen": Text("Trials selected", "Выбрано процессов", "Таңдалған процестер"),
    "observers_chosen": Text("Observers selected", "Выбрано наблюдателей", "Таңдалған бақылаушылар"),
    "submitted": Text("submitted", "отправленные", "жіберілген"),
    "returned": Text("returned", "возвращённые", "қайтарылған"),
    "approved": Text("approved", "утверждённые", "бекітілген"),
    "of": Text("{count} of {of}", "{count} из {of}", "{of} ішінен {count}"),
    # The count before an item's finding, as docs/checklists.md ("Findings: the sentence in a report") sets it
    "defendant": Text(
        "{count} of {of} defendants", "{count} из {of} подсудимых", "{of} айыпталушының {count}-і"
    ),
    "hearing": Text(
        "In {count} of {of} sittings",
        "В {count} из {of} судебных заседаний",
        "{of} сот отырысының {count}-інде",
    ),
    "disputed": Text(
        "{count} more disputed: observers of one sitting disagree; not counted",
        "ещё {count} спорных: наблюдатели одного заседания расходятся; не учтены",
        "тағы {count} даулы: бір отырыстың бақылаушылары келіспейді; есепке алынбады",
    ),
    "witness": Text("{count} of {of} witnesses", "{count} из {of} свидетелей", "{of} куәнің {count}-і"),
    "concerns": Text("Concerns by stage", "Нарушения стандартов по этапам", "Кезеңдер бойынша бұзушылықтар"),
    "no_concerns": Text(
        "No concerns were recorded on the checklist items.",
        "По пунктам перечня нарушений не зафиксировано.",
        "Тізбе тармақтары бойынша бұзушылықтар тіркелмеген.",
    ),
    "torture": Text(
        "Allegations of torture and ill-treatment",
        "Заявления о пытках и жестоком обращении",
        "Азаптау және қатыгез қарым-қатынас туралы арыздар",
    ),
    "no_allegations": Text(
        "No allegations of torture or ill-treatment were recorded.",
        "Заявлений о пытках или жестоком обращении не зафиксировано.",
        "Азаптау немесе қатыгез қарым-қатынас туралы арыздар тіркелмеген.",
    ),
    "allegations": Text("Allegations recorded", "Зафиксировано заявлений", "Тіркелген арыздар"),
    "defendants_alleging": Text(
        "Defendants alleging torture or ill-treatment",
        "Подсудимые, заявившие о пытках или жестоком обращении",
        "Азаптау немесе қатыгез қарым-қатынас туралы мәлімдеген айыпталушылар",
    ),
    "witnesses_alleging": Text(
        "Witnesses alleging torture or ill-treatment",
        "Свидетели, заявившие о пытках или жестоком обращении",
        "Азаптау немесе қатыгез қарым-қатынас туралы мәлімдеген куәлар",
    ),
    "anonymous_witnesses": Text("Anonymous witnesses", "Анонимные свидетели", "Жасырын куәлар"),
    "witnesses": Text("Witnesses heard", "Допрошено свидетелей", "Тыңдалған куәлар"),
    "anonymous": Text("Testified anonymously", "Дали показания анонимно", "Жасырын түрде айғақ берді"),
    "defence_could_question": Text(
        "Defence could question them effectively",
        "Защита могла эффективно их допросить",
        "Қорғау тарапы олардан тиімді жауап ала алды",
    ),
    "convictions_resting_on_anonymous": Text(
        "Convictions resting mainly on anonymous testimony",
        "Обвинительные приговоры, основанные главным образом на анонимных показаниях",
        "Негізінен жасырын айғақтарға сүйенген айыптау үкімдері",
    ),
    "custody": Text("Custody", "Задержание и содержание под стражей", "Ұстау және қамауда ұстау"),
    "with_times": Text(
        "Defendants with known custody times",
        "Подсудимые с известным временем задержания",
        "Ұстау уақыты белгілі айыпталушылар",
    ),
    "median_hours_to_registration": Text(
        "Median hours from apprehension to registration",
        "Медиана часов от фактического задержания до регистрации",
        "Іс жүзінде ұстаудан тіркеуге дейінгі сағаттар медианасы",
    ),
    "median_hours_to_judge": Text(
        "Median hours from apprehension to a judge",
        "Медиана часов от задержания до доставления к судье",
        "Ұстаудан судьяға жеткізуге дейінгі сағаттар медианасы",
    ),
    "median_hours_to_counsel": Text(
        "Median hours from apprehension to counsel",
        "Медиана часов от задержания до допуска защитника",
        "Ұстаудан қорғаушыға қол жеткізуге дейінгі сағаттар медианасы",
    ),
    "registration_over_48": Text(
        "Registered more than 48 hours after apprehension",
        "Зарегистрированы позже чем через 48 часов после задержания",
        "Ұсталғаннан кейін 48 сағаттан кеш тіркелген",
    ),
    "judge_over_48": Text(
        "Before a judge more than 48 hours after apprehension",
        "Доставлены к судье позже чем через 48 часов после задержания",
        "Ұсталғаннан кейін 48 сағаттан кеш судьяға жеткізілген",
    ),
    "judge_over_72": Text(
        "Before a judge more than 72 hours after apprehension",
        "Доставлены к судье позже чем через 72 часа после задержания",
        "Ұсталғаннан кейін 72 сағаттан кеш судьяға жеткізілген",
    ),
    "counsel_after_24": Text(
        "Counsel more than 24 hours after apprehension",
        "Защитник допущен позже чем через 24 часа после задержания",
        "Қорғаушы ұсталғаннан кейін 24 сағаттан кеш жіберілген",
    ),
    "verdicts": Text("Verdicts", "Приговоры", "Үкімдер"),
    "sentences": Text("Sentences", "Сроки наказания", "Жаза мерзімдері"),
    "sentence_range": Text(
        "{min}–{max} months, median {median} (known for {known})",
        "от {min} до {max} мес., медиана {median} (известны для {known})",
        "{min}–{max} ай, медиана {median} ({known} үшін белгілі)",
    ),
    "basis": Text(
        "What the convictions rest on",
        "На чём основаны обвинительные приговоры",
        "Айыптау үкімдерінің негіздері",
    ),
}


def to_markdown(data: dict, checklist, lang: str = "en") -> str:
    """A readable summary in ``lang``: method, concerns per stage, torture, anonymous witnesses, custody,
    verdicts."""
    with force_locale(lang):
        sections = [
            _header(data, checklist, lang),
            _concerns(data, checklist, lang),
            _torture(data["torture"], lang),
            _anonymous(data["anonymous_witnesses"], lang),
            _custody(data["custody"], lang),
            _verdicts(data["verdicts"], lang),
        ]
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"


def _say(key: str, lang: str, **values) -> str:
    return T[key].get(lang).format(**values)


def _of(count: dict, lang: str) -> str:
    if count["of"] is None:
        return str(count["count"])
    return _say("of", lang, count=count["count"], of=count["of"])


def _bullet(label, text: str) -> str:
    return f"- {label}: {text}"


def _header(data: dict, checklist, lang: str) -> list[str]:
    method, scope = data["method"], data["scope"]
    dates = f"{method['first_date']} – {method['last_date']}" if method["first_date"] else "—"
    parts = [
        (_say("sittings", lang), method["sittings"]["count"]),
        (_say("observations", lang), method["observations"]["count"]),
        (_say("trials", lang), method["trials"]["count"]),
        (_say("observers", lang), method["observers"]),
        (_say("dates", lang), dates),
        (_say("present", lang), method["defendants_observed"]["count"]),
        (_say("counted", lang), ", ".join(_say(status, lang) for status in scope["statuses"])),
    ]
    filters = [
        ("court", scope["court"]),
        ("from", scope["date_from"]),
        ("to", scope["date_to"]),
        ("trials_chosen", len(scope["trial_uuids"])),
        ("observers_chosen", len(scope["observer_uuids"])),
    ]
    parts += [(_say(key, lang), value) for key, value in filters if value]
    made = _say(
        "made",
        lang,
        checklist=checklist.title.get(lang),
        version=data["checklist"]["version"],
        at=data["generated_at"],
    )
    return [
        "# " + _say("title", lang, mission=data["mission"]["name"]),
        "",
        f"_{made}_",
        "",
        "## " + _say("method", lang),
        "",
        " · ".join(f"{label}: {value}" for label, value in parts),
    ]


def _concerns(data: dict, checklist, lang: str) -> list[str]:
    by_key = {item.key: item for item in checklist.items}
    lines = ["## " + _say("concerns", lang)]
    for stage in checklist.stages:
        found = [
            entry
            for entry in data["items"]
            if entry["stage"] == stage.key and entry["concern"]["count"] and entry["key"] in by_key
        ]
        if found:
            lines += ["", f"### {stage.label.get(lang)}", ""]
            lines += [_sentence(by_key[entry["key"]], entry, lang) for entry in found]
    return lines if len(lines) > 1 else [*lines, "", _say("no_concerns", lang)]


def _sentence(item, entry: dict, lang: str) -> str:
    """One line such as "27 of 37 defendants were not promptly told … (ICCPR 9(2))." from the item's finding,
    or from its question and concern answers for a checklist without findings."""
    concern = entry["concern"]
    counted = _say(item.scope, lang, count=concern["count"], of=concern["of"])
    refs = f" ({', '.join(entry['refs'])})" if entry["refs"] else ""
    disputed = entry.get("disputed", {}).get("count", 0)
    if disputed:
        refs = f" ({_say('disputed', lang, count=disputed)}){refs}"
    finding = getattr(item, "finding", None)
    text = finding.get(lang).strip().rstrip(".") if finding is not None else ""
    if text:
        return f"- {counted} {text}{refs}."
    answers = ", ".join(item.value_label(value, lang) for value in sorted(item.concern))
    return f"- {counted}: {item.label.get(lang)} — {answers}{refs}."


def _by_value(counts: dict, labels: dict, lang: str) -> str:
    return (
        "; ".join(f"{labels.get(value, value)} {_of(count, lang)}" for value, count in counts.items()) or "—"
    )


def _torture(torture: dict, lang: str) -> list[str]:
    lines = ["## " + _say("torture", lang), ""]
    if not torture["allegations"]["count"]:
        return [*lines, _say("no_allegations", lang)]
    return lines + [
        _bullet(_say("allegations", lang), _of(torture["allegations"], lang)),
        _bullet(_say("defendants_alleging", lang), _of(torture["defendants_alleging"], lang)),
        _bullet(_say("witnesses_alleging", lang), _of(torture["witnesses_alleging"], lang)),
        _bullet(
            ALLEGATION["methods"].label, _by_value(torture["by_method"], ALLEGATION["methods"].choices, lang)
        ),
        _bullet(ALLEGATION["stage"].label, _by_value(torture["by_stage"], ALLEGATION["stage"].choices, lang)),
        _bullet(
            ALLEGATION["place_type"].label,
            _by_value(torture["by_place"], ALLEGATION["place_type"].choices, lang),
        ),
        _bullet(ALLEGATION["perpetrators"].label, _of(torture["perpetrators_named"], lang)),
        _bullet(
            ALLEGATION["court_response"].label,
            _by_value(torture["court_response"], ALLEGATION["court_response"].choices, lang),
        ),
    ]


def _anonymous(witnesses: dict, lang: str) -> list[str]:
    labels = {
        "witnesses": _say("witnesses", lang),
        "anonymous": _say("anonymous", lang),
        "identity_known_to_defence": WITNESS["identity_known_to_defence"].label,
        "voice_hidden": WITNESS["voice_hidden"].label,
        "image_hidden": WITNESS["image_hidden"].label,
        "police_officers": WITNESS["police_officer"].label,
        "defence_could_question": _say("defence_could_question", lang),
        "convictions_resting_on_anonymous": _say("convictions_resting_on_anonymous", lang),
    }
    return ["## " + _say("anonymous_witnesses", lang), ""] + [
        _bullet(label, _of(witnesses[key], lang)) for key, label in labels.items()
    ]


def _custody(custody: dict, lang: str) -> list[str]:
    lines = [
        "## " + _say("custody", lang),
        "",
        _bullet(_say("with_times", lang), _of(custody["with_times"], lang)),
    ]
    for key in ("median_hours_to_registration", "median_hours_to_judge", "median_hours_to_counsel"):
        lines.append(_bullet(_say(key, lang), _number(custody[key])))
    for key in ("registration_over_48", "judge_over_48", "judge_over_72", "counsel_after_24"):
        lines.append(_bullet(_say(key, lang), _of(custody[key], lang)))
    lines.append(_bullet(COUNSEL_LABELS["none"], _of(custody["no_counsel"], lang)))
    return lines


def _verdicts(verdicts: dict, lang: str) -> list[str]:
    lines = ["## " + _say("verdicts", lang), ""]
    lines += [_bullet(VERDICT_LABELS[key], _of(verdicts[key], lang)) for key in VERDICT_LABELS]
    sentence = verdicts["sentence_months"]
    if sentence["with_sentence"]["count"]:
        span = _say(
            "sentence_range",
            lang,
            min=_number(sentence["min"]),
            max=_number(sentence["max"]),
            median=_number(sentence["median"]),
            known=_of(sentence["with_sentence"], lang),
        )
        lines.append(_bullet(_say("sentences", lang), span))
    lines.append(_bullet(_say("basis", lang), _by_value(verdicts["basis"], CONVICTION_BASIS_LABELS, lang)))
    return lines
