"""The fair-trial checklist file and the loader that refuses broken checklists with the line at fault."""

import pytest

from monitor.checklists import (
    SCOPES,
    YESNO,
    ChecklistError,
    Text,
    available,
    checklist_validate_command,
    get,
    load,
)
from monitor.checklists.registry import PACKAGE_DIR

DEFAULT = PACKAGE_DIR / "fair_trial.yaml"
INSTALLED = [("fair_trial", 1), ("fair_trial", 2)]  # v2 installed, not offered (tests/test_checklist_v2.py)
STAGES = ("arrest", "pretrial", "investigation", "hearing", "evidence", "torture", "verdict", "detention")
WITNESS_CONCERNS = {
    "cross_examination_allowed": "no",
    "says_statement_coerced": "yes",
    "witness_intimidated": "yes",
    "anonymous_defence_could_question": "no",
    "police_identification_conditions_doubtful": "yes",
}

SAMPLE = """\
# A small checklist that is correct; each broken case below changes one thing.
id: sample
version: 1
title: {en: Sample, ru: Образец, kk: Үлгі}
stages:
  - key: arrest
    label: {en: Arrest, ru: Задержание, kk: Ұстау}
items:
  - key: informed_of_reasons
    stage: arrest
    scope: defendant
    answer: yesno
    concern: [no]
    label: {en: Told the reasons, ru: Сообщили причины, kk: Себебі айтылды}
    help: {en: Ask the lawyer., ru: Спросите адвоката., kk: Адвокаттан сұраңыз.}
    finding: {en: were not told the reasons, ru: не узнали причин, kk: себебін білмеді}
    refs: ["ICCPR 9(2)", "BoP 10"]
"""
SECOND_ITEM = """\
  - key: informed_of_reasons
    stage: arrest
    scope: hearing
    answer: text
    concern: []
    label: {en: Notes, ru: Заметки, kk: Жазбалар}
    help: {en: Anything else., ru: Что-то ещё., kk: Басқа.}
    finding: {en: had notes taken, ru: имеют заметки, kk: жазбалары бар}
    refs: [ICCPR 14(1)]
"""


@pytest.fixture(scope="module")
def fair_trial():
    return load(DEFAULT)


def write(tmp_path, text, name="file.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_default_checklist_loads(fair_trial):
    assert (fair_trial.id, fair_trial.version) == ("fair_trial", 1)
    assert fair_trial.title.get("kk") and fair_trial.path == str(DEFAULT)
    assert 40 <= len(fair_trial.items) <= 60
    assert {item.scope for item in fair_trial.items} == set(SCOPES)


def test_every_item_has_references_and_texts_in_three_languages(fair_trial):
    for item in fair_trial.items:
        assert item.refs, item.key
        for text in (item.label, item.help, item.finding, *(option.label for option in item.options)):
            assert all(language.strip() for language in (text.en, text.ru, text.kk)), item.key
        assert item.label.en.endswith("?"), f"{item.key}: a label is a question"


def test_every_item_has_a_finding_that_continues_the_count(fair_trial):
    # "27 of 37 defendants <finding>", "In 5 of 12 hearings <finding>": a lower-case predicate, no full stop.
    for item in fair_trial.items:
        for language in ("en", "ru", "kk"):
            finding = getattr(item.finding, language)
            assert finding.strip() == finding and finding, (item.key, language)
            assert finding[0].islower() and finding[-1] not in ".?!;:", (item.key, language, finding)
            assert finding != getattr(item.label, language), (item.key, language)


def test_findings_state_the_concern_as_the_mission_reports_do(fair_trial):
    reasons = fair_trial.item("informed_of_reasons").finding
    assert f"27 of 37 defendants {reasons.en}" == (
        "27 of 37 defendants were not promptly told the reasons for their arrest and the charges"
    )
    assert (
        reasons.get("ru")
        == "не были своевременно уведомлены о причинах задержания и предъявленных обвинениях"
    )
    assert reasons.get("kk") == "ұсталу себептері мен тағылған айыптар туралы дер кезінде хабардар етілмеді"
    public = fair_trial.item("public_admitted").finding
    assert (public.en, public.ru, public.kk) == (
        "the public was not admitted or was removed",
        "публику не допустили или удалили из зала",
        "көпшілік залға жіберілмеді немесе шығарылды",
    )
    basis = fair_trial.item("conviction_main_basis").finding
    assert basis.en == "were convicted mainly on a confession or on anonymous testimony"


def test_the_stages_are_those_of_the_standards_and_none_is_empty(fair_trial):
    assert tuple(stage.key for stage in fair_trial.stages) == STAGES
    assert {item.stage for item in fair_trial.items} == set(STAGES)


def test_every_yes_no_item_has_exactly_one_concern(fair_trial):
    for item in fair_trial.items:
        if item.answer == "yesno":
            assert len(item.concern) == 1, item.key


def test_the_witness_items_count_the_right_answer_as_a_concern(fair_trial):
    for key, concern in WITNESS_CONCERNS.items():
        item = fair_trial.item(key)
        assert item.scope == "witness" and item.concern == {concern}, key


def test_what_a_conviction_rests_on_is_a_choice(fair_trial):
    item = fair_trial.item("conviction_main_basis")
    assert (item.stage, item.scope, item.answer) == ("verdict", "defendant", "choice")
    assert item.values() == ("confession", "anonymous_witness", "police_witnesses", "documents", "other")
    assert item.concern == {"confession", "anonymous_witness"}
    assert item.value_label("anonymous_witness", "ru") == "Показания засекреченного свидетеля"


def test_items_are_grouped_by_scope_and_stage_in_file_order(fair_trial):
    hearing = fair_trial.by_stage("hearing")
    assert [stage.key for stage, _ in hearing] == ["hearing", "verdict"]
    assert hearing[0][1][0].key == "public_admitted"
    assert sum(len(items) for _, items in fair_trial.by_stage("defendant")) == len(
        fair_trial.items_for("defendant")
    )
    with pytest.raises(KeyError):
        fair_trial.item("no_such_item")


def test_a_yes_no_answer_is_checked_and_counted(fair_trial):
    item = fair_trial.item("informed_of_reasons")
    assert item.values() == YESNO
    assert item.is_concern("no") and not item.is_concern("yes")
    assert not item.is_concern("unclear") and not item.is_concern(None)
    assert item.validate(" no ") == "no"
    assert item.validate("") == "" and item.validate(None) == ""
    with pytest.raises(ValueError, match="'maybe' is not an answer to 'informed_of_reasons'"):
        item.validate("maybe")
    assert item.value_label("not_observed", "kk") == "Байқалмады"


def test_a_number_answer_is_a_non_negative_number_kept_as_text(fair_trial):
    item = fair_trial.item("days_to_study_case_file")
    assert item.values() == () and not item.is_concern("3")
    assert item.validate("007") == "7"
    assert item.validate("2,5") == "2.5"
    assert item.validate("1000000") == "1000000"
    for wrong in ("-1", "three", "1e3", "nan"):
        with pytest.raises(ValueError, match="not a number"):
            item.validate(wrong)
    with pytest.raises(ValueError, match="too large"):
        item.validate("1000001")


def test_a_text_answer_is_limited_in_length(tmp_path):
    item = load(write(tmp_path, SAMPLE + SECOND_ITEM.replace("key: informed_of_reasons", "key: notes"))).item(
        "notes"
    )
    assert item.validate("  the judge left twice  ") == "the judge left twice"
    assert item.validate("x" * 2000) == "x" * 2000
    with pytest.raises(ValueError, match="at most 2000"):
        item.validate("x" * 2001)


def test_texts_fall_back_to_english():
    text = Text("Lawyer", "Адвокат", "Адвокат")
    assert text.get("ru") == "Адвокат" and text.get("kk_KZ") == "Адвокат"
    assert text.get("de") == "Lawyer" and text.get("") == "Lawyer"


BROKEN = [
    # (what is wrong, how to break SAMPLE: (old, new), the line at fault as text, what the message says)
    (
        "syntax error",
        ("    scope: defendant", "    scope: defendant: yes"),
        "scope: defendant",
        "not valid YAML",
    ),
    (
        "duplicate item key",
        ("", SECOND_ITEM),
        "  - key: informed_of_reasons\n    stage: arrest\n    scope: hearing",
        "item 'informed_of_reasons' is given twice",
    ),
    ("unknown stage", ("stage: arrest", "stage: arest"), "stage: arest", "unknown stage 'arest' (expected"),
    ("unknown scope", ("scope: defendant", "scope: accused"), "scope: accused", "unknown scope 'accused'"),
    ("unknown field", ("    label: {en: Told", "    lable: {en: Told"), "lable:", "did you mean 'label'?"),
    ("field twice", ("    refs:", "    help: {en: a, ru: b, kk: c}\n    refs:"), "help: {en: a", "twice"),
    ("missing kk", (", kk: Себебі айтылды}", "}"), "label: {en: Told", "label: missing 'kk'"),
    ("empty kk", ("kk: Себебі айтылды", "kk: ''"), "label: {en: Told", "label (kk) must be a non-empty"),
    (
        "missing finding",
        ("    finding: {en: were not told the reasons, ru: не узнали причин, kk: себебін білмеді}\n", ""),
        "  - key: informed_of_reasons",
        "item 'informed_of_reasons': missing 'finding'",
    ),
    (
        "missing finding kk",
        (", kk: себебін білмеді}", "}"),
        "finding: {en: were",
        "item 'informed_of_reasons' finding: missing 'kk'",
    ),
    (
        "empty finding en",
        ("en: were not told the reasons", "en: ''"),
        "finding: {en:",
        "item 'informed_of_reasons' finding (en) must be a non-empty",
    ),
    (
        "finding not in three languages",
        (
            "finding: {en: were not told the reasons, ru: не узнали причин, kk: себебін білмеді}",
            "finding: no",
        ),
        "finding: no",
        "item 'informed_of_reasons' finding must be a mapping of en, ru, kk, not 'no'",
    ),
    ("misspelt finding", ("    finding:", "    findings:"), "findings:", "did you mean 'finding'?"),
    ("empty refs", ('["ICCPR 9(2)", "BoP 10"]', "[]"), "refs: []", "refs is empty"),
    ("concern not allowed", ("concern: [no]", "concern: [unclear]"), "concern:", "only yes or no can be a"),
    ("concern is no list", ("concern: [no]", "concern: no"), "concern:", "must be a list"),
    (
        "choice without options",
        ("answer: yesno", "answer: choice"),
        "answer: choice",
        "needs a list of options",
    ),
    (
        "options on yes/no",
        ("    label: {en: Told", "    options: []\n    label: {en: Told"),
        "options:",
        "only",
    ),
    ("version zero", ("version: 1", "version: 0"), "version:", "positive whole number"),
    ("version as text", ("version: 1", "version: one"), "version:", "positive whole number, not 'one'"),
    ("bad id", ("id: sample", "id: Fair Trial"), "id:", "snake_case"),
    ("missing items", (SAMPLE[SAMPLE.index("items:") :], ""), "id: sample", "checklist: missing 'items'"),
    (
        "missing stage label",
        ("    label: {en: Arrest, ru: Задержание, kk: Ұстау}\n", ""),
        "  - key: arrest",
        "label",
    ),
    (
        "title is a list",
        ("title: {en: Sample, ru: Образец, kk: Үлгі}", "title: [Sample]"),
        "title:",
        "mapping",
    ),
]


@pytest.mark.parametrize(
    ("change", "at", "message"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN]
)
def test_a_broken_checklist_is_refused_with_its_line(tmp_path, change, at, message):
    old, new = change
    text = SAMPLE.replace(old, new, 1) if old else SAMPLE + new
    assert text != SAMPLE
    line = text[: text.rindex(at)].count("\n") + 1
    path = write(tmp_path, text)
    with pytest.raises(ChecklistError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}:{line}: "), str(caught.value)
    assert message in caught.value.message
    assert caught.value.line == line


def test_an_empty_file_is_refused(tmp_path):
    with pytest.raises(ChecklistError, match=r"file.yaml:1: the file is empty"):
        load(write(tmp_path, "# nothing here\n"))


def test_validate_command_passes_the_default_checklist(runner):
    result = runner.invoke(checklist_validate_command, [str(DEFAULT)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("fair_trial v1: ")
    assert "(hearing 6, defendant 45, witness 5) in 8 stages — OK" in result.output


def test_validate_command_names_the_line_of_a_broken_file(runner, tmp_path):
    path = write(tmp_path, SAMPLE.replace("stage: arrest", "stage: arest"))
    result = runner.invoke(checklist_validate_command, [str(path)])
    assert result.exit_code == 1
    assert "file.yaml:10: item 'informed_of_reasons': unknown stage 'arest'" in result.stderr


def test_get_returns_the_newest_or_the_exact_version(tmp_path):
    assert get("fair_trial").version == 2, "the newest offered"
    assert get("fair_trial", 1).path == str(DEFAULT)
    write(tmp_path, SAMPLE, "sample.yaml")
    write(tmp_path, SAMPLE.replace("version: 1", "version: 2"), "sample_2.yaml")
    assert get("sample", extra_dirs=[tmp_path]).version == 2
    assert get("sample", 1, extra_dirs=[str(tmp_path)]).version == 1
    assert get("sample", 1, extra_dirs=str(tmp_path)).version == 1, "one folder given as text"
    with pytest.raises(KeyError, match="no checklist sample v3"):
        get("sample", 3, extra_dirs=[tmp_path])
    with pytest.raises(KeyError, match="no checklist no_such_checklist"):
        get("no_such_checklist")


def test_available_skips_broken_files_and_sees_changes(tmp_path):
    write(tmp_path, SAMPLE.replace("stage: arrest", "stage: arest"), "broken.yaml")
    write(tmp_path, SAMPLE.replace("id: sample", "id: fair_trial"), "copy_of_v1.yaml")
    assert [(c.id, c.version) for c in available([tmp_path, tmp_path / "missing"])] == INSTALLED
    assert get("fair_trial", 1, extra_dirs=[tmp_path]).path == str(DEFAULT), "the package's own v1 wins"

    path = write(tmp_path, SAMPLE, "broken.yaml")
    assert [(c.id, c.version) for c in available([tmp_path])] == [*INSTALLED, ("sample", 1)]
    path.write_text(SAMPLE.replace("Sample", "Renamed"), encoding="utf-8")
    assert get("sample", extra_dirs=[tmp_path]).title.en == "Renamed"
