"""Counts agree with their words in English, Russian and Kazakh: on the findings page, in the Markdown export
and in the PDF's key findings (issue 17: "1 of 1 defendant were…", «1 из 1 подсудимого остались»).

A world here is one submitted sitting of a trial with ``total`` defendants, ``count`` of whom were not told
the reasons for their arrest and were brought before a judge 50 hours after it (one allegation of torture).
"""

import re

import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings import export, wording
from monitor.findings.cli import findings_command
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports.cli import report_command
from tests.conftest import login, setup_trial, start_hearing

CHECKLIST = checklists.get("fair_trial")
REASONS = CHECKLIST.item("informed_of_reasons")  # a defendant item; its finding: "were not promptly told …"
ACTOR = Actor(name="test")


def world(app, count: int, total: int) -> dict:
    setup = setup_trial(app, defendants=total)
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    try:
        changes = [
            {"id": str(n), "target": "answer", "subject": d["uuid"], "item": REASONS.key, "field": "value",
             "value": "no" if n < count else "yes"}
            for n, d in enumerate(setup["defendants"])
        ]  # fmt: skip
        assert observe.save_changes(db, ACTOR, hearing, CHECKLIST, changes) == []
        observe.add_allegation(db, ACTOR, hearing)
        observe.submit(db, ACTOR, hearing)
        for n, defendant in enumerate(setup["defendants"]):
            judge = "2026-03-03T12:00" if n < count else "2026-03-01T20:00"  # after 50 h, or after 10 h
            times = {"apprehended_at": "2026-03-01T10:00", "first_judge_at": judge}
            missions.update_defendant(db, ACTOR, defendant, times)
    finally:
        db.close()
    return setup


def text(html: str) -> str:
    """The page as a reader sees it: no tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def findings_page(app, client, setup, lang: str) -> str:
    login(client, "lena")
    db = connect(app.config["DATABASE"])
    try:
        db.execute("UPDATE user SET language = ? WHERE username = 'lena'", [lang])
        db.conn.commit()
    finally:
        db.close()
    response = client.get(f"/missions/{setup['mission']['uuid']}/findings")
    assert response.status_code == 200
    return text(response.get_data(as_text=True))


FINDING = {lang: REASONS.finding.get(lang) for lang in ("en", "ru", "kk")}


# The sentences themselves ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "count", "total", "expected"),
    [
        ("en", 1, 37, "1 of 37 defendants was not promptly told the reasons"),
        ("en", 2, 37, "2 of 37 defendants were not promptly told the reasons"),
        ("en", 1, 1, "1 of 1 defendant was not promptly told the reasons"),
        ("ru", 1, 37, f"Подсудимых, которые {FINDING['ru']}, — 1 из 37"),
        ("ru", 2, 37, f"2 из 37 подсудимых {FINDING['ru']}"),
        ("ru", 5, 37, f"5 из 37 подсудимых {FINDING['ru']}"),
        ("ru", 21, 37, f"Подсудимых, которые {FINDING['ru']}, — 21 из 37"),
        ("ru", 11, 37, f"11 из 37 подсудимых {FINDING['ru']}"),  # 11 takes the "many" form, not "one"
        ("ru", 2, 21, f"2 из 21 подсудимого {FINDING['ru']}"),  # the noun follows the total
        ("kk", 1, 37, f"37 айыпталушының ішінде 1 адам {FINDING['kk']}"),
        ("kk", 2, 37, f"37 айыпталушының ішінде 2 адам {FINDING['kk']}"),
    ],
)
def test_an_items_sentence_agrees_with_its_count_and_total(app, lang, count, total, expected):
    with app.test_request_context(), force_locale(lang):
        assert wording.item_sentence("defendant", count, total, FINDING[lang], lang).startswith(expected)


@pytest.mark.parametrize(
    ("lang", "count", "total", "expected"),
    [
        ("en", 1, 1, "In 1 of 1 sitting, the public"),
        ("en", 1, 2, "In 1 of 2 sittings, the public"),
        ("ru", 1, 21, "В 1 из 21 судебного заседания"),
        ("ru", 5, 11, "В 5 из 11 судебных заседаний"),
        (
            "kk",
            5,
            12,
            "12 сот отырысының ішінде 5 отырыста",
        ),  # no "5-інде": a suffix that depends on the digit
    ],
)
def test_a_sittings_sentence_agrees_with_its_total(app, lang, count, total, expected):
    public = CHECKLIST.item("public_admitted")
    with app.test_request_context(), force_locale(lang):
        line = wording.item_sentence("hearing", count, total, public.finding.get(lang), lang)
    assert line.startswith(expected)


def test_english_findings_are_past_tense_predicates_that_agree_by_one_word():
    """The rule of :func:`wording.agree` covers every finding shipped: a past-tense or modal first word,
    where only "were" changes for one."""
    for version in (1, 2):
        for item in checklists.get("fair_trial", version).items:
            if item.scope == "hearing" or not item.finding:
                continue
            first = item.finding.en.split()[0]
            assert first in wording.SINGULAR_EN or first.endswith("ed") or first in {
                "could", "did", "had", "said", "told", "went", "held", "kept", "showed"
            }, (item.key, first)  # fmt: skip
    assert wording.agree("were held for days", 1, "en") == "was held for days"
    assert wording.agree("were held for days", 2, "en") == "were held for days"
    assert wording.agree("said they were beaten", 1, "en") == "said they were beaten"
    police_key = "police_identification_conditions_doubtful"
    police = CHECKLIST.item(police_key).finding.en
    assert wording.agree(police, 1, "en").startswith("was a police officer involved in the events")
    # After "were", a past participle, "not" or "under": never a plural noun left after "was".
    for version in (1, 2):
        for item in checklists.get("fair_trial", version).items:
            if item.finding and item.finding.en.startswith("were ") and item.key != police_key:
                second = item.finding.en.split()[1]
                assert second.endswith("ed") or second in {"not", "under", "held", "kept", "absent"}, item.key


# The findings page ------------------------------------------------------------------------------------------


def test_the_english_page_says_was_for_one_and_were_for_two(app, client):
    page = findings_page(app, client, world(app, count=1, total=1), "en")
    assert "1 of 1 defendant was not promptly told the reasons" in page
    assert "Based on 1 sitting (1 observation by 1 observer) in 1 trial between" in page
    assert "1 defendant was seen in court." in page
    assert "1 of 1 defendant was brought before a judge more than 48 hours" in page
    assert "1 allegation was raised in court" in page


def test_the_english_page_for_two(app, client):
    page = findings_page(app, client, world(app, count=2, total=3), "en")
    assert "2 of 3 defendants were not promptly told the reasons" in page
    assert "2 of 3 defendants were brought before a judge more than 48 hours" in page
    assert "3 defendants were seen in court." in page


RUSSIAN = {
    # count: (the item's sentence, the custody key finding, the verb of "seen in court" for 37)
    1: (f"Подсудимых, которые {FINDING['ru']}, — 1 из 37", "1 из 37 подсудимых был доставлен к судье"),
    2: (f"2 из 37 подсудимых {FINDING['ru']}", "2 из 37 подсудимых были доставлены к судье"),
    5: (f"5 из 37 подсудимых {FINDING['ru']}", "5 из 37 подсудимых были доставлены к судье"),
    21: (f"Подсудимых, которые {FINDING['ru']}, — 21 из 37", "21 из 37 подсудимых был доставлен к судье"),
    11: (f"11 из 37 подсудимых {FINDING['ru']}", "11 из 37 подсудимых были доставлены к судье"),
}


@pytest.mark.parametrize("count", sorted(RUSSIAN))
def test_the_russian_page_uses_the_form_of_the_count(app, client, count):
    page = findings_page(app, client, world(app, count=count, total=37), "ru")
    sentence, custody = RUSSIAN[count]
    assert sentence in page
    assert custody in page
    assert (
        "Данные собраны на 1 судебном заседании (наблюдений: 1; наблюдателей: 1) в 1 судебном процессе"
        in page
    )
    assert "в суде присутствовали 37 подсудимых." in page


def test_the_russian_page_names_a_total_of_21_in_the_singular(app, client):
    page = findings_page(app, client, world(app, count=2, total=21), "ru")
    assert f"2 из 21 подсудимого {FINDING['ru']}" in page
    assert "2 из 21 подсудимого были доставлены к судье" in page
    assert "в суде присутствовал 21 подсудимый." in page


@pytest.mark.parametrize("count", [1, 2])
def test_the_kazakh_page_reads_alike_for_one_and_two(app, client, count):
    page = findings_page(app, client, world(app, count=count, total=3), "kk")
    assert f"3 айыпталушының ішінде {count} адам {FINDING['kk']}" in page
    assert f"3 айыпталушының ішінде {count} адам іс жүзінде ұсталғаннан кейін 48 сағаттан кеш" in page


# The Markdown export --------------------------------------------------------------------------------


def markdown(app, setup, lang: str) -> str:
    result = app.test_cli_runner().invoke(
        findings_command, [setup["mission"]["uuid"], "--format", "md", "--lang", lang]
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_the_markdown_agrees_in_english(app):
    text = markdown(app, world(app, count=1, total=2), "en")
    assert "- 1 of 2 defendants was not promptly told the reasons" in text
    assert "Based on 1 sitting (1 observation by 1 observer) in 1 trial" in text


@pytest.mark.parametrize("count", [1, 2, 5, 21, 11])
def test_the_markdown_agrees_in_russian(app, count):
    text = markdown(app, world(app, count=count, total=37), "ru")
    assert f"- {RUSSIAN[count][0]}" in text
    # Its labels come from the catalogs now: nothing of the English phrase table is left.
    for english in ("Sittings observed", "Method", "Custody", "Verdicts", "Concerns by stage"):
        assert english not in text


def test_the_markdown_has_no_phrase_table_of_its_own():
    """Translators see the Markdown's phrases in the catalogs (tests/test_i18n.py checks them)."""
    assert not hasattr(export, "T")


# The PDF ------------------------------------------------------------------------------------------


def pdf(app, setup, lang: str, tmp_path) -> str:
    app.cli.add_command(report_command)
    path = tmp_path / f"mission-{lang}.pdf"
    args = ["report", setup["mission"]["uuid"], "--kind", "mission", "--format", "pdf"]
    result = app.test_cli_runner().invoke(
        args=[*args, "--profile", "internal", "--lang", lang, "-o", str(path)]
    )
    assert result.exit_code == 0, result.output
    joined = " ".join("\n".join(page.extract_text() for page in PdfReader(path).pages).split())
    return re.sub(r"(\w)- (\w)", r"\1-\2", joined)


def test_the_pdfs_key_findings_agree_in_english(app, tmp_path):
    text = pdf(app, world(app, count=1, total=1), "en", tmp_path)
    assert "1 of 1 defendant was brought before a judge more than 48 hours" in text
    assert "0 of 1 defendant on trial told the court they had been tortured or ill-treated" in text
    assert "1 of 1 defendant was not promptly told the reasons" in text
    assert "Based on 1 sitting (1 observation by 1 observer) in 1 trial" in text


@pytest.mark.parametrize("count", [21, 2])
def test_the_pdfs_key_findings_agree_in_russian(app, tmp_path, count):
    text = pdf(app, world(app, count=count, total=37), "ru", tmp_path)
    assert RUSSIAN[count][1] in text
    assert " ".join(RUSSIAN[count][0].split()) in text
