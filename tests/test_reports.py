"""Reports: the demo mission exported as PDF, DOCX and HTML, read back with independent readers."""

import html
import io
import json
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import docx
import pdfplumber
import pytest
from pypdf import PdfReader

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from monitor.findings.aggregate import findings
from monitor.findings.scope import Scope
from monitor.findings.wording import agree
from monitor.observe import records as observe
from monitor.reports.build import build_report
from monitor.reports.cli import report_command
from tests.conftest import make_app, setup_trial, start_hearing

KINDS = ("hearing", "trial", "mission")
FORMATS = ("pdf", "docx", "html")
PERPETRATOR = "Captain Serik Testbayev, unit 7"
PROFILE_LINES = {
    "internal": "Profile: internal",
    "partner": "Profile: partner",
    "public": "Profile: public — names replaced by pseudonyms; free text removed.",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo mission once for the whole module, with a named perpetrator for the redaction checks."""
    folder = tmp_path_factory.mktemp("reports")
    app = make_app(folder)
    app.cli.add_command(report_command)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    db = connect(app.config["DATABASE"])
    try:
        db.execute("UPDATE allegation SET perpetrators = ?", [PERPETRATOR])
        db.conn.commit()
        mission = next(db.query("SELECT * FROM mission"))
        hearing = next(db.query("SELECT * FROM hearing WHERE status = 'approved' ORDER BY id"))
        draft = next(db.query("SELECT * FROM hearing WHERE status = 'draft' ORDER BY id"))
        trial = next(db.query("SELECT * FROM trial WHERE id = ?", [hearing["trial_id"]]))
        secrets = {
            "defendants": [r["name"] for r in db.query("SELECT name FROM defendant")],
            "anonymous": [
                r["identity"] for r in db.query("SELECT identity FROM witness WHERE anonymous = 1")
            ],
            "identities": [
                r["identity"] for r in db.query("SELECT identity FROM witness WHERE identity != ''")
            ],
            "perpetrators": [r["perpetrators"] for r in db.query("SELECT perpetrators FROM allegation")],
            "people": [r["display_name"] for r in db.query("SELECT display_name FROM user")],
        }
    finally:
        db.close()
    assert secrets["anonymous"] and "Police officer, name withheld" in secrets["anonymous"]
    ids = {"hearing": hearing["uuid"], "trial": trial["uuid"], "mission": None}
    made = {}

    def export(kind, fmt, profile="internal", lang="en"):
        """Run the command once per combination; the file's path."""
        key = (kind, fmt, profile, lang)
        if key not in made:
            path = folder / f"{kind}-{profile}-{lang}.{fmt}"
            args = ["report", mission["uuid"], "--kind", kind, "--format", fmt, "--profile", profile]
            args += ["--lang", lang, "-o", str(path)] + (["--id", ids[kind]] if ids[kind] else [])
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
            made[key] = path
        return made[key]

    return SimpleNamespace(
        app=app,
        runner=runner,
        mission=mission,
        hearing=hearing,
        draft=draft,
        trial=trial,
        secrets=secrets,
        export=export,
    )


def flat(value: str) -> str:
    """Text with every run of white space as one space (PDF text breaks lines anywhere)."""
    return " ".join(value.split())


def pdf_text(path) -> str:
    """The text of every page; a line broken after a hyphen ("ill-|treatment") is joined again."""
    text = flat("\n".join(page.extract_text() for page in PdfReader(path).pages))
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)


def docx_text(path) -> str:
    """Every paragraph, table cell, header and footer of a DOCX."""
    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return flat("\n".join(parts))


def text_of(path) -> str:
    suffix = path.suffix
    if suffix == ".pdf":
        return pdf_text(path)
    if suffix == ".docx":
        return docx_text(path)
    return flat(path.read_text(encoding="utf-8"))


class Tree(HTMLParser):
    """Checks that every element opened is closed in order, and collects the text."""

    VOID = {"meta", "col", "br", "img", "link", "input", "hr"}

    def __init__(self):
        super().__init__()
        self.open, self.tags, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def the_findings(demo):
    db = connect(demo.app.config["DATABASE"])
    try:
        checklist = checklists.get(demo.mission["checklist_id"], demo.mission["checklist_version"])
        return findings(db, Scope(demo.mission["id"]), checklist, demo.mission), checklist
    finally:
        db.close()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_kind_and_format_is_written_and_names_its_profile(demo, kind, fmt):
    path = demo.export(kind, fmt)
    content = path.read_bytes()
    assert content[:4] == {"pdf": b"%PDF", "docx": b"PK\x03\x04", "html": b"<!do"}[fmt]
    text = text_of(path)
    assert PROFILE_LINES["internal"] in text
    assert demo.mission["name"] in text


def test_the_profile_line_is_on_the_first_page(demo):
    for kind in KINDS:
        first = flat(PdfReader(demo.export(kind, "pdf", "public")).pages[0].extract_text())
        assert PROFILE_LINES["public"] in first
        paragraphs = [p.text for p in docx.Document(demo.export(kind, "docx", "public")).paragraphs[:15]]
        assert PROFILE_LINES["public"] in paragraphs


def test_mission_pdf_states_the_counts_of_the_findings(demo):
    data, checklist = the_findings(demo)
    text = pdf_text(demo.export("mission", "pdf"))
    method, torture, custody = data["method"], data["torture"], data["custody"]
    assert (
        f"Based on {method['sittings']['count']} sittings ({method['observations']['count']} observations by "
        f"{method['observers']} observers) in {method['trials']['count']} trials"
    ) in text
    alleging = torture["defendants_alleging"]
    assert (
        f"{alleging['count']} of {alleging['of']} defendants on trial told the court they had been tortured"
        in text
    )
    over48 = custody["judge_over_48"]
    assert (
        f"{over48['count']} of {over48['of']} defendants were brought before a judge more than 48 hours"
        in text
    )
    stated = 0
    for entry in data["items"]:
        item = checklist.item(entry["key"])
        if entry["concern"]["count"] and entry.get("unit") == "case":
            # a fact of the case file: established and alleged in sentences of their own (test_reports_units)
            established, alleged = entry["concern_established"], entry["concern_alleged"]
            on_trial = "defendant on trial" if established["of"] == 1 else "defendants on trial"
            if established["count"]:
                finding = agree(item.finding.en, established["count"], "en")
                phrase = f"{established['count']} of {established['of']} {on_trial} {finding} — established"
                assert flat(phrase) in text
            if alleged["count"]:
                phrase = f"Alleged, not established, for {alleged['count']} of {alleged['of']} {on_trial}"
                assert flat(f"{phrase}: “{item.finding.en}”") in text
            stated += 1
        elif entry["concern"]["count"] and item.scope == "defendant":
            observed = entry["observed"]["count"]
            phrase = (
                f"{entry['concern']['count']} of {observed} {'defendant' if observed == 1 else 'defendants'} "
                + agree(item.finding.en, entry["concern"]["count"], "en")  # "1 of 11 … was tried"
            )
            assert flat(phrase) in text
            stated += 1
    assert stated > 10
    assert "Page 1 of" in text and "Annex: legal standards cited" in text
    assert "International Covenant on Civil and Political Rights" in text
    assert re.search(r"head hash: [0-9a-f]{64}", text)


def test_trial_pdf_flags_custody_over_48_and_72_hours(demo):
    data, _checklist = the_findings(demo)
    text = pdf_text(demo.export("trial", "pdf"))
    hours = [d["to_judge"] for d in data["custody"]["defendants"] if d["trial_uuid"] == demo.trial["uuid"]]
    if any(h > 72 for h in hours):
        assert "over 72 h" in text
    if any(48 < h <= 72 for h in hours):
        assert "over 48 h" in text
    assert "Sittings observed" in text and "Observations" in text and "Custody timeline" in text


def test_russian_and_kazakh_reports_are_in_cyrillic(demo):
    russian = pdf_text(demo.export("mission", "pdf", lang="ru"))
    assert "Задержание и содержание в полиции" in russian  # a stage of the checklist
    assert "подсудимых" in russian  # the findings' sentences
    kazakh = docx_text(demo.export("hearing", "docx", lang="kk"))
    assert "Дәлелдемелер және куәлар" in kazakh  # a stage the observation answers (v2: evidence, witnesses)
    for kind in ("mission", "trial"):  # hours in the custody chart and tables: "81 ч", never "81 h"
        page = demo.export(kind, "html", lang="ru").read_text()
        assert re.search(r"\d ч\b", page) and not re.search(r"\d h\b", page), kind


def test_docx_has_real_headings_tables_and_page_numbers(demo):
    path = demo.export("mission", "docx")
    document = docx.Document(path)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    styles = {p.style.name for p in document.paragraphs}
    assert {"Title", "Heading 1", "Heading 2"} <= styles
    assert "1. Summary" in headings and "Annex: legal standards cited" in headings
    assert sum(1 for h in headings if re.match(r"\d+\. ", h)) == 8
    html = Tree()
    html.feed(demo.export("mission", "html").read_text(encoding="utf-8"))
    assert len(document.tables) == sum(1 for tag, _ in html.tags if tag == "table")
    # the trial × right summary: stage bands, question numbers, a row per trial and one for the mission,
    # its 51 defendant questions over tables of at most 14 columns (the matrix is in the trial reports)
    assert not [t for t in document.tables if len(t.rows) > 1 and t.rows[1].cells[1].text == "Σ"]
    summaries = [t for t in document.tables if len(t.rows) > 1 and t.rows[1].cells[0].text == "Trial"]
    summaries = [t for t in summaries if t.rows[1].cells[1].text.isdigit()]
    assert [len(t.rows) for t in summaries] == [2 + 2 + 1] * len(summaries)
    assert sum(len(t.columns) - 1 for t in summaries) == 51 and len(summaries) == 4
    assert all("w:tblHeader" in t.rows[1]._tr.xml for t in summaries)
    assert 'w:instr="PAGE"' in document.sections[0].footer.paragraphs[0]._p.xml
    assert "charts are in the PDF edition" in docx_text(path)


def test_the_trial_report_has_the_matrix_of_its_defendants_and_the_mission_report_none(demo):
    page = demo.export("trial", "html").read_text(encoding="utf-8")
    start = page.index('id="matrix"')
    matrix = page[start : page.index("</section>", start)]
    captions = re.findall(r'<table class="data matrix[^"]*">\s*<caption>([^<]*)</caption>', matrix)
    db = connect(demo.app.config["DATABASE"])
    try:
        names = [
            r["name"]
            for r in db.query(
                "SELECT name FROM defendant WHERE trial_id = ? ORDER BY position", [demo.trial["id"]]
            )
        ]
    finally:
        db.close()
    assert [html.unescape(c) for c in captions] == [demo.trial["title"]]
    assert matrix.count("<tr>") - 1 == len(names)  # the question numbers, then a row each
    rows = re.findall(r"<tr><td>([^<]*)</td>", matrix)
    assert [html.unescape(r) for r in rows] == names
    mission = demo.export("mission", "html").read_text(encoding="utf-8")
    assert 'id="matrix"' not in mission and 'id="rights-summary"' in mission
    assert "Page 1 of" in pdf_text(demo.export("trial", "pdf"))


def test_html_parses_and_has_no_web_navigation(demo):
    for kind in KINDS:
        tree = Tree()
        tree.feed(demo.export(kind, "html").read_text(encoding="utf-8"))
        tree.close()
        assert tree.open == []
        tags = [tag for tag, _ in tree.tags]
        assert tags.count("h1") == 1
        assert "script" not in tags and "form" not in tags
        assert not any(attrs.get("class") in ("nav", "top", "skip") for tag, attrs in tree.tags)  # the app's
        links = [attrs["href"] for tag, attrs in tree.tags if "href" in attrs]
        assert all(href.startswith(("#", "data:text/css;")) for href in links)  # nothing to fetch


@pytest.mark.parametrize("kind", KINDS)
def test_public_reports_name_no_one(demo, kind):
    secrets = demo.secrets
    forbidden = secrets["defendants"] + secrets["identities"] + secrets["perpetrators"] + secrets["people"]
    for fmt in FORMATS:
        text = text_of(demo.export(kind, fmt, "public"))
        leaked = [name for name in forbidden if flat(name) in text]
        assert leaked == [], f"{kind} {fmt}"


def test_partner_reports_keep_names_but_not_anonymous_witnesses_or_perpetrators(demo):
    internal = text_of(demo.export("hearing", "html"))
    partner = text_of(demo.export("hearing", "html", "partner"))
    assert PERPETRATOR in internal and "Police officer, name withheld" in internal  # the check can see them
    assert PERPETRATOR not in partner and "Police officer, name withheld" not in partner
    present = [name for name in demo.secrets["defendants"] if name in partner]
    assert present, "partners see the defendants' names"


def test_every_export_is_audited(demo):
    demo.export("trial", "html", "partner", "ru")
    db = connect(demo.app.config["DATABASE"])
    try:
        entry = next(db.query("SELECT * FROM audit ORDER BY id DESC LIMIT 1"))
    finally:
        db.close()
    assert entry["action"] == "report.export"
    assert entry["actor_name"] == "command line"
    assert (entry["record_type"], entry["record_uuid"]) == ("mission", demo.mission["uuid"])
    assert json.loads(entry["after"]) == {
        "kind": "trial",
        "format": "html",
        "profile": "partner",
        "lang": "ru",
        "id": demo.trial["uuid"],
    }


def test_a_hearing_of_another_mission_or_a_draft_is_refused(demo):
    app = demo.app
    setup = setup_trial(app)
    foreign = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    try:
        observe.submit(db, Actor(name="test"), foreign)
        audited = next(db.query("SELECT count(*) AS n FROM audit"))["n"]
    finally:
        db.close()
    for hearing in (foreign, demo.draft):
        args = [
            "report",
            demo.mission["uuid"],
            "--kind",
            "hearing",
            "--id",
            hearing["uuid"],
            "--profile",
            "internal",
        ]
        result = demo.runner.invoke(args=[*args, "-o", "-"])
        assert result.exit_code == 1
        assert "no submitted hearing" in result.output
    db = connect(app.config["DATABASE"])
    try:
        assert next(db.query("SELECT count(*) AS n FROM audit"))["n"] == audited  # nothing was exported
        with app.app_context(), pytest.raises(ValueError, match="no submitted hearing"):
            build_report(
                db, demo.mission, "hearing", "pdf", "public", "en", app.instance_path, foreign["uuid"]
            )
    finally:
        db.close()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "mission", "--id", "x"], "--id is for --kind hearing or trial"),
        (["--kind", "trial"], "needs --id"),
        (["--kind", "trial", "--id", "00000000-0000-0000-0000-000000000000"], "no trial"),
        (["--format", "odt"], "Invalid value for '--format'"),
        (["--lang", "fr"], "Invalid value for '--lang'"),
    ],
)
def test_clear_errors(demo, args, message):
    result = demo.runner.invoke(args=["report", demo.mission["uuid"], "--profile", "public", *args])
    assert result.exit_code != 0
    assert message in result.output


def test_unknown_mission_and_missing_profile_are_explained(demo):
    result = demo.runner.invoke(args=["report", "No such mission", "--profile", "public"])
    assert result.exit_code == 1 and "No mission has the uuid or the name" in result.output
    result = demo.runner.invoke(args=["report", demo.mission["uuid"]])
    assert result.exit_code == 2 and "--profile" in result.output


def test_build_report_refuses_unknown_choices(demo):
    db = connect(demo.app.config["DATABASE"])
    try:
        with demo.app.app_context():
            for kind, fmt, profile, lang in [
                ("summary", "pdf", "public", "en"),
                ("mission", "odt", "public", "en"),
                ("mission", "pdf", "press", "en"),
                ("mission", "pdf", "public", "fr"),
            ]:
                with pytest.raises(ValueError, match="unknown"):
                    build_report(db, demo.mission, kind, fmt, profile, lang, demo.app.instance_path)
            content, mimetype, filename = build_report(
                db, demo.mission, "mission", "html", "public", "en", demo.app.instance_path
            )
    finally:
        db.close()
    assert mimetype.startswith("text/html") and filename.endswith("-findings-public-en.html")
    assert io.BytesIO(content).read(15) == b"<!doctype html>"


def test_a_mission_with_nothing_counted_yet_still_reports(app):
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    try:
        mission = next(db.query("SELECT * FROM mission WHERE uuid = ?", [setup["mission"]["uuid"]]))
        with app.app_context():
            for kind, fmt in (("mission", "html"), ("mission", "docx"), ("trial", "html")):
                content, _mimetype, _name = build_report(
                    db,
                    mission,
                    kind,
                    fmt,
                    "public",
                    "en",
                    app.instance_path,
                    trial_uuid=setup["trial"]["uuid"],
                )
                text = docx_text(io.BytesIO(content)) if fmt == "docx" else content.decode()
                assert "No submitted or approved hearing yet" in text
                # the real name as a whole word (a pseudonym "Defendant 0B93F2" is not a name)
                assert not re.search(r"Defendant 0(?![0-9A-F])", text)
    finally:
        db.close()


def test_an_observer_prints_the_report_of_their_own_submitted_hearing(app):
    from tests.conftest import login, post, setup_trial, start_hearing

    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    observer = app.test_client()
    login(observer, "oleg")
    url = f"/hearings/{hearing['uuid']}/report"
    assert observer.get(url).status_code == 302  # a draft has no report yet
    post(observer, f"/hearings/{hearing['uuid']}/submit")
    page = observer.get(url)
    assert page.status_code == 200 and "Test trial" in page.get_data(as_text=True)
    assert "style-src 'self' data:" in page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    pdf = observer.get(url, query_string={"format": "pdf"})
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert observer.get(url, query_string={"format": "exe"}).status_code == 400


@pytest.mark.parametrize(("kind", "lang"), [("mission", "en"), ("mission", "ru"), ("trial", "en")])
def test_the_matrix_page_stays_inside_its_margins(demo, kind, lang):
    """No word on the landscape page of the trial × right summary (mission) or the matrix (trial) ends past
    the right end of the page's own footer, and the stages above the columns are letters, named in full
    above the table (long names overlapped)."""
    with pdfplumber.open(demo.export(kind, "pdf", lang=lang)) as pdf:
        pages = [page for page in pdf.pages if page.width > page.height]
        assert pages, "the matrix is on a landscape page"
        for page in pages:
            words = page.extract_words()
            footer = [w for w in words if w["top"] > page.height - 60]
            right = max(w["x1"] for w in footer)
            beyond = [w["text"] for w in words if w["x1"] > right + 0.5]
            assert not beyond, (page.page_number, beyond[:10])
        text = pages[0].extract_text()
        assert re.search(r"\bA — .+; B — ", text)
