"""The public edition names no one: a mission whose every free-text and title field holds real names
(Latin and Cyrillic, inflected too), exported and reported in every format through the real functions and
the real download route; every text, file name and metadata field of every public file is searched."""

import base64
import html
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from types import SimpleNamespace

import docx
import openpyxl
import pytest
from pypdf import PdfReader

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports import build, exports
from monitor.reports.redact import Redaction, pseudonym, pseudonym_key
from tests.conftest import PASSWORD, csrf_token, login, make_app, make_user, wait_for_job

ACTOR = Actor(name="test")
MISSION = {
    "name": "Trial watch Almaty: the Testbayev case",
    "country": "Kazakhstan",
    "description": "Led by Aigerim Nurpeisova. Observing Serik Testbayev, Nurlan Abenov and Иванова Мария.",
}
TRIALS = [
    {
        "title": "Prosecutor v. Testbayev and others",
        "court": "Almaty City Court, chamber of Judge Kairatov",
        "case_number": "2-1234/2026 (Testbayev)",
        "judges": "Judge Bakhyt Kairatov",
        "prosecutor": "Prosecutor Gulmira Sarsenova",
        "charges": "Art. 174: inciting discord, with Abenov and Kassymova",
    },
    {
        "title": "Дело Сулейменова и Ивановой",
        "court": "Алматинский городской суд",
        "case_number": "1-77/2026",
        "judges": "Судья Асель Жумабаева",
        "prosecutor": "Прокурор Олжас Тулегенов",
        "charges": "Статья 174, организатор — Сулейменов",
    },
]
# (name, the lead's chosen pseudonym)
DEFENDANTS = [
    [("Serik Testbayev", "Client Alpha"), ("Nurlan Abenov", "Client Alpha"), ("Dinara Kassymova", "")],
    [("Сулейменов Арман Болатович", "Клиент Б"), ("Иванова Мария Петровна", "Мария И.")],
]
# Every name above, as it begins (a Cyrillic one inflected: Сулейменова, Ивановой, Сулейменовтың).
NAMES = str.split(
    """
    Serik Testbayev Nurlan Abenov Dinara Kassymova Сулейменов Арман Болатович Иванов Мария Петровна
    Bakhyt Kairatov Асель Жумабаев Gulmira Sarsenova Олжас Тулегенов Kanat Omarov Ержан Бекболатов
    Нұржан Абдрахманов Yerlan Dzhaksybekov Timur Zhaksylykov Jonathan Whitfield jwhitfield Даурен
    Сейтказиев dauren Aigerim Nurpeisova
    """
)


@dataclass
class Output:
    """One file as a reader gets it: every text in it, and the names it went by."""

    label: str
    texts: list[str]
    names: list[str] = field(default_factory=list)

    def leaks(self) -> list[str]:
        return [name for name in NAMES if self.finds(name)]

    def finds(self, name: str) -> bool:
        starts = re.compile(rf"(?<!\w){re.escape(name)}", re.IGNORECASE)
        if any(starts.search(text) for text in [*self.texts, *self.names]):
            return True
        # a name a PDF broke over two lines ("Testba- yev"), searched with the white space taken out
        joined = [re.sub(r"-?\s+", "", text).casefold() for text in self.texts]
        return len(name) >= 7 and any(name.casefold() in text for text in joined)


def seed(app) -> SimpleNamespace:
    """The mission: two trials (one in Cyrillic), five defendants, two submitted hearings and a draft."""
    lead = make_user(app, "aigerim.n", "lead", display_name="Aigerim Nurpeisova")
    observer = make_user(app, "jwhitfield", "observer", display_name="Jonathan Whitfield")
    observer2 = make_user(app, "dauren.s", "observer", display_name="Даурен Сейтказиев")
    db = connect(app.config["DATABASE"])
    try:
        checklist = checklists.get("fair_trial", 1)
        mission = missions.create_mission(
            db,
            ACTOR,
            lead,
            {**MISSION, "checklist_id": checklist.id, "checklist_version": checklist.version},
        )
        trials, defendants = [], []
        for fields, people, who in zip(TRIALS, DEFENDANTS, (observer, observer2), strict=True):
            trial = missions.create_trial(db, ACTOR, mission, fields)
            added = missions.bulk_add_defendants(db, ACTOR, trial, [name for name, _ in people])
            for defendant, (_name, chosen) in zip(added, people, strict=True):
                missions.update_defendant(
                    db, ACTOR, defendant, {"pseudonym": chosen, "charges": "Together with Abenov"}
                )
            missions.assign_observer(db, ACTOR, trial, who, mission)
            trials.append(trial)
            defendants.append(added)
        testbayev, abenov = defendants[0][0], defendants[0][1]
        suleimenov = defendants[1][0]

        # The first trial's hearing: names in every field an observer types.
        first = observe.start_hearing(db, ACTOR, trials[0], mission, observer, "2026-03-02")
        named = observe.add_witness(db, ACTOR, first, observer["id"])
        secret = observe.add_witness(db, ACTOR, first, observer["id"])
        allegation = observe.add_allegation(db, ACTOR, first)
        changes = observe.changes(
            "hearing",
            {
                "judge": "Bakhyt Kairatov",
                "courtroom": "Room 5, Kairatov's courtroom",
                "access_note": "Testbayev's mother was refused entry",
                "present": "Nurpeisova and Whitfield",
                "summary": "Testbayev and Abenov testified about Zhaksylykov.",
                "public_access": "open",
            },
        )
        changes += observe.changes(
            "witness",
            {
                "label": "Kanat Omarov",
                "identity": "Kanat Omarov, neighbour",
                "testimony": "Saw Abenov taken away by Zhaksylykov",
                "side": "defence",
            },
            named["uuid"],
        )
        changes += observe.changes(
            "witness",
            {
                "label": "Secret witness",
                "identity": "Капитан Ержан Бекболатов, ДП Алматы",
                "anonymous": 1,
                "anonymity_reason": "Бекболатов fears for his family",
                "side": "prosecution",
            },
            secret["uuid"],
        )
        changes += observe.changes(
            "allegation",
            {
                "alleged_by": "defendant",
                "defendant_uuid": testbayev["uuid"],
                "perpetrators": "Major Timur Zhaksylykov, unit 7",
                "account": "Testbayev said Zhaksylykov beat him",
                "place": "Police station, the cell of Abenov",
                "medical_by": "Dr Kassymova",
                "methods": ["beating"],
            },
            allegation["uuid"],
        )
        changes += [
            {"target": "answer", "item": "informed_of_reasons", "subject": testbayev["uuid"], **part}
            for part in (
                {"field": "value", "value": "no"},
                {"field": "note", "value": "Testbayev said Zhaksylykov refused to tell him"},
                {"field": "provenance", "value": "counsel"},
            )
        ]
        changes += [
            {"target": "answer", "item": "informed_of_reasons", "subject": abenov["uuid"], **part}
            for part in ({"field": "value", "value": "yes"}, {"field": "note", "value": "Abenov: yes"})
        ]
        assert observe.save_changes(db, ACTOR, first, checklist, changes) == []
        note = observe.add_note(
            db,
            ACTOR,
            first,
            observer["id"],
            "Testbayev and Kassymova looked exhausted; Yerlan Dzhaksybekov was not called; "
            "jwhitfield left at noon; Judge Kairatov adjourned; Aigerim Nurpeisova came at two.",
            "2026-03-02T10:05:00Z",
        )
        observe.add_note(
            db, ACTOR, first, observer["id"], "Serik told me about Zhaksylykov.", "2026-03-02T10:09:00Z"
        )
        observe.submit(db, ACTOR, first)
        observe.review(db, ACTOR, first, lead["id"], "approved", "Ask Kanat Omarov about Abenov again.")

        # The second trial's hearing, in Russian and Kazakh, the names inflected.
        second = observe.start_hearing(db, ACTOR, trials[1], mission, observer2, "2026-03-03")
        witness = observe.add_witness(db, ACTOR, second, observer2["id"])
        changes = observe.changes(
            "hearing", {"judge": "Жумабаева А.", "summary": "Сулейменова допросили"}
        ) + observe.changes(
            "witness",
            {"label": "Свидетель Абдрахманов", "identity": "Нұржан Абдрахманов, сосед"},
            witness["uuid"],
        )
        changes += [
            {"target": "answer", "item": "informed_of_reasons", "subject": suleimenov["uuid"], **part}
            for part in ({"field": "value", "value": "no"}, {"field": "note", "value": "Со слов Ивановой"})
        ]
        assert observe.save_changes(db, ACTOR, second, checklist, changes) == []
        note2 = observe.add_note(
            db,
            ACTOR,
            second,
            observer2["id"],
            "Сулейменова Армана вывели из зала; Ивановой Марии стало плохо; Сулейменовтың адвокаты "
            "Абдрахмановты сұрамады; Даурен Сейтказиев (dauren.s) записывал; прокурор Тулегенов молчал.",
            "2026-03-03T11:00:00Z",
        )
        observe.submit(db, ACTOR, second)

        # A draft: never reported, but the name of its witness is still a name.
        draft = observe.start_hearing(db, ACTOR, trials[0], mission, observer, "2026-03-09")
        late = observe.add_witness(db, ACTOR, draft, observer["id"])
        observe.save_changes(
            db,
            ACTOR,
            draft,
            checklist,
            observe.changes("witness", {"identity": "Yerlan Dzhaksybekov"}, late["uuid"]),
        )
        with db.conn:
            db.execute("UPDATE note SET publishable = 1 WHERE uuid IN (?, ?)", [note["uuid"], note2["uuid"]])
        mission = next(db.query("SELECT * FROM mission WHERE id = ?", [mission["id"]]))
    finally:
        db.close()
    return SimpleNamespace(
        mission=mission,
        trials=trials,
        defendants=defendants,
        hearings=[first, second],
        lead=lead,
    )


# Reading every file back ------------------------------------------------------------------------------


def zip_parts(content: bytes) -> list[str]:
    """Every member of a zip (CSV files, a workbook, a Word file) as text, XML references undone."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        texts = [archive.comment.decode("utf-8", "replace")]
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig", errors="replace")
            texts += [text, html.unescape(text)]
    return texts


def zip_names(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.namelist()


def pdf_texts(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    metadata = [str(value) for value in (reader.metadata or {}).values()]
    # the bookmarks (the headings, for the reader's side panel) and the named link targets
    marks = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                marks.append(str(item.title))

    walk(reader.outline)
    assert reader.xmp_metadata is None  # no second copy of the metadata to search
    return [" ".join(text.split()), *metadata, *marks, *reader.named_destinations]


def docx_texts(content: bytes) -> list[str]:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header, section.even_page_header):
            parts += [p.text for p in part.paragraphs]
    properties = document.core_properties
    parts += [
        str(getattr(properties, name) or "")
        for name in (
            "author",
            "category",
            "comments",
            "content_status",
            "identifier",
            "keywords",
            "language",
            "last_modified_by",
            "subject",
            "title",
            "version",
        )
    ]
    return [*parts, *zip_parts(content)]


def xlsx_texts(content: bytes) -> list[str]:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    properties = workbook.properties
    cells += [
        str(getattr(properties, name) or "") for name in ("creator", "lastModifiedBy", "title", "subject")
    ]
    return [*workbook.sheetnames, *cells, *zip_parts(content)]


def html_texts(content: bytes) -> list[str]:
    text = content.decode()
    # the stylesheet (with the running header: mission and title) is a base64 data: URL
    styles = [
        base64.b64decode(m).decode()
        for m in re.findall(r"data:text/css;charset=utf-8;base64,([^\"']+)", text)
    ]
    return [text, html.unescape(text), *styles]


def csv_texts(content: bytes) -> list[str]:
    return zip_parts(content)


READERS = {
    "pdf": pdf_texts,
    "docx": docx_texts,
    "html": html_texts,
    "csv": csv_texts,
    "xlsx": xlsx_texts,
    "json": lambda content: [content.decode(), json.dumps(json.loads(content), ensure_ascii=False)],
}


def editions_of(app, world, profile: str, formats=build.FORMATS) -> dict[str, Output]:
    """Every export, and every report in ``formats``, of the mission with ``profile``, read back."""
    made = {}
    with app.app_context():
        db = connect(app.config["DATABASE"])
        try:
            for fmt in exports.FORMATS:
                content, _mimetype, name = exports.export(
                    db, world.mission, fmt, profile, "en", app.instance_path
                )
                names = [name, *(zip_names(content) if fmt == "csv" else [])]
                made[f"export.{fmt}"] = Output(f"export.{fmt}", READERS[fmt](content), names)
            reports = [("mission", {}, "en")]
            reports += [
                ("trial", {"trial_uuid": t["uuid"]}, lang)
                for t, lang in zip(world.trials, ("en", "ru"), strict=True)
            ]
            reports += [("hearing", {"hearing_uuid": h["uuid"]}, "kk") for h in world.hearings]
            for number, (kind, ids, lang) in enumerate(reports):
                for fmt in formats:
                    content, _mimetype, name = build.build_report(
                        db, world.mission, kind, fmt, profile, lang, app.instance_path, **ids
                    )
                    label = f"{kind}{number}.{fmt}"
                    made[label] = Output(label, READERS[fmt](content), [name])
        finally:
            db.close()
    return made


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("public"))
    world = seed(app)
    world.app = app
    world.editions = {
        "public": editions_of(app, world, "public"),
        "partner": editions_of(app, world, "partner", ("html",)),
        "internal": editions_of(app, world, "internal", ("html",)),
    }
    return world


PUBLIC_OUTPUTS = [
    *(f"export.{fmt}" for fmt in exports.FORMATS),
    *(
        f"{kind}.{fmt}"
        for kind in ("mission0", "trial1", "trial2", "hearing3", "hearing4")
        for fmt in build.FORMATS
    ),
]


# The claims -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", PUBLIC_OUTPUTS)
def test_no_name_survives_in_a_public_file_its_name_or_its_metadata(world, label):
    output = world.editions["public"][label]
    assert output.texts and output.names
    assert output.leaks() == []


def test_the_search_sees_every_name_in_the_internal_edition(world):
    """Every name is in the internal files somewhere (so the search above could fail)."""
    internal = world.editions["internal"].values()
    missing = [name for name in NAMES if not any(o.finds(name) for o in internal)]
    # User names are in no file, even internal, but here notes name observers by them; the draft's
    # witness only in a note of a submitted hearing.
    assert missing == []


def test_public_files_keep_what_names_no_one(world):
    public = world.editions["public"]
    trial = " ".join(public["trial1.pdf"].texts)
    assert "Prosecutor v. Client Alpha and others" in trial  # the title, with the lead's pseudonym
    assert "Almaty City Court, chamber of Judge Person" in trial  # the court, the judge's name replaced
    assert "Trial watch Almaty: the Client Alpha case" in trial  # the mission's name
    document = json.loads(public["export.json"].texts[0])
    assert document["mission"]["name"] == "Trial watch Almaty: the Client Alpha case"
    assert document["mission"]["description"] == ""
    courts = sorted(t["court"] for t in document["trials"])
    assert re.fullmatch(r"Almaty City Court, chamber of Judge Person [0-9A-F]{6}", courts[0])
    assert courts[1] == "Алматинский городской суд"
    assert all(
        t["judges"] == t["prosecutor"] == t["charges"] == t["case_number"] == "" for t in document["trials"]
    )
    (note, note2) = sorted(document["notes"], key=lambda n: n["typed_at"])
    assert note["text"].startswith("Client Alpha and Defendant ") and "looked exhausted" in note["text"]
    assert "вывели из зала" in note2["text"] and "Клиент Б" in note2["text"]


def test_the_leads_pseudonym_is_used_once_and_never_when_it_names_someone(world):
    document = json.loads(world.editions["public"]["export.json"].texts[0])
    names = {d["uuid"]: d["name"] for d in document["defendants"]}
    key = pseudonym_key(world.app.instance_path)
    (testbayev, abenov, kassymova), (suleimenov, ivanova) = world.defendants
    assert names[testbayev["uuid"]] == "Client Alpha"  # chosen first
    assert names[abenov["uuid"]] == pseudonym(key, "defendant", abenov["uuid"])  # chosen second
    assert names[kassymova["uuid"]] == pseudonym(key, "defendant", kassymova["uuid"])  # none chosen
    assert names[suleimenov["uuid"]] == "Клиент Б"
    assert names[ivanova["uuid"]] == pseudonym(key, "defendant", ivanova["uuid"])  # "Мария И." names her
    assert len(set(names.values())) == len(names)
    again = json.loads(editions_of(world.app, world, "public")["export.json"].texts[0])
    assert {d["uuid"]: d["name"] for d in again["defendants"]} == names  # stable


def test_partner_and_internal_editions_keep_what_they_should(world):
    partner, internal = world.editions["partner"], world.editions["internal"]
    document = json.loads(partner["export.json"].texts[0])
    assert document["mission"] == {**document["mission"], **MISSION}
    assert [t["title"] for t in document["trials"]] == [t["title"] for t in TRIALS]
    assert {d["name"] for d in document["defendants"]} == {n for people in DEFENDANTS for n, _ in people}
    assert {d["pseudonym"] for d in document["defendants"]} == {p for people in DEFENDANTS for _, p in people}
    assert all(t["judges"] and t["charges"] for t in document["trials"])
    identities = {w["label"]: w["identity"] for w in document["witnesses"]}
    assert identities == {
        "Kanat Omarov": "Kanat Omarov, neighbour",
        "Secret witness": "",
        "Свидетель Абдрахманов": "Нұржан Абдрахманов, сосед",
    }
    assert [a["perpetrators"] for a in document["allegations"]] == [""]
    for label, output in partner.items():
        assert not output.finds("Капитан Ержан"), label  # the anonymous witness's identity
        assert not output.finds("Major Timur"), label  # the perpetrator
    assert internal["hearing3.html"].finds("Капитан Ержан") and internal["hearing3.html"].finds("Major Timur")
    assert partner["export.csv"].names[0].startswith("trial-watch-almaty-the-testbayev-case-partner-")
    assert (
        partner["trial1.html"].names[0].startswith("trial-watch-almaty-the-testbayev-case-trial-prosecutor-")
    )


def test_document_metadata_says_the_app_and_the_redacted_title_only(world):
    public = world.editions["public"]
    core = docx.Document(io.BytesIO(_report(world, "trial", "docx", "public"))).core_properties
    assert (core.author, core.last_modified_by) == ("Trial monitor", "Trial monitor")
    assert core.title == "Trial report: Prosecutor v. Client Alpha and others"
    assert core.created.year >= 2026 and "python-docx" not in core.comments
    metadata = PdfReader(io.BytesIO(_report(world, "trial", "pdf", "public"))).metadata
    assert "Prosecutor v. Client Alpha and others" in metadata.title
    assert not metadata.get("/Author")
    # The workbook carries no document properties at all; its sheets are the tables.
    assert not [n for n in zip_names(_export(world, "xlsx")) if n.startswith("docProps/")]
    assert public["export.xlsx"].leaks() == []


def test_public_file_names_carry_no_mission_name(world):
    mission = world.mission
    expected = f"mission-{mission['uuid'][:8]}-"
    public = world.editions["public"]
    for label in PUBLIC_OUTPUTS:
        name = public[label].names[0]
        assert name.startswith(("mission-", "hearing-")) and "almaty" not in name.lower(), name
    assert public["export.csv"].names[0].startswith(expected + "public-")
    assert public["trial1.pdf"].names[0] == f"{expected}trial-{world.trials[0]['uuid'][:8]}-public-en.pdf"
    assert sorted(public["export.csv"].names[1:]) == sorted(
        [f"{table}.csv" for table in exports.CSV_FILES] + ["README.txt"]
    )


def test_the_download_route_names_a_public_file_by_uuid_only(world):
    """Through the pages: a lead starts a public export and a public trial report, then downloads both."""
    app, mission = world.app, world.mission
    client = app.test_client()
    assert login(client, "aigerim.n", PASSWORD).status_code == 302
    token = csrf_token(client, f"/missions/{mission['uuid']}/exports")
    forms = [
        {"what": "data", "format": "csv", "profile": "public", "lang": "en"},
        {
            "what": "trial",
            "format": "pdf",
            "profile": "public",
            "lang": "ru",
            "trial": world.trials[1]["uuid"],
        },
    ]
    for form in forms:
        started = client.post(f"/missions/{mission['uuid']}/exports", data={**form, "csrf_token": token})
        assert started.status_code == 302 and "/exports/" in started.headers["Location"]
        job_uuid = started.headers["Location"].rstrip("/").split("/")[-1]
        job = wait_for_job(app, job_uuid)
        assert job["status"] == "done", job["error"]
        with client.get(f"/exports/{job_uuid}/download") as download:
            assert download.status_code == 200
            disposition, content = download.headers["Content-Disposition"], download.data
        assert f"mission-{mission['uuid'][:8]}-public-" in disposition
        output = Output("download", READERS[form["format"]](content), [disposition])
        assert output.leaks() == []


@pytest.mark.parametrize(
    ("names", "text", "expected"),
    [
        # a surname alone, and inside a title
        (["Serik Testbayev"], "Prosecutor v. Testbayev and others", "Prosecutor v. {0} and others"),
        # parts of one person next to each other become one pseudonym
        (["Serik Testbayev"], "Testbayev Serik and TESTBAYEV", "{0} and {0}"),
        # Russian and Kazakh inflections of a Cyrillic name
        (["Сулейменов Арман"], "Сулейменова, Сулейменовым, Сулейменовтың, Арманом", "{0}, {0}, {0}, {0}"),
        (["Иванова Мария"], "Ивановой Марии", "{0}"),
        # a short name only as written or with a Russian ending: Алматы is not a form of Алма
        (
            ["Алма Ким", "Иван Петров"],
            "Алматы: Алма пришла, Ким тоже; Ивана и Петрова нет",
            "Алматы: {0} пришла, {0} тоже; {1} и {1} нет",
        ),
        # a given name that is also a word, a particle, an initial: only in the whole name
        (["Will van Dijk"], "Will van Dijk will come; van Gogh", "{0} will come; van Gogh"),
        (["A. B. Li"], "A. B. Li, Lima", "{0}, Lima"),
        # a whole name is not inside a longer one
        (["Defendant 1"], "Defendant 12 and Defendant 1", "Defendant 12 and {0}"),
    ],
)
def test_names_are_found_by_part_and_inflection_but_ordinary_words_stay(names, text, expected):
    data = _dataset(names, text)
    redaction = Redaction(data, "public", b"k" * 32)
    aliases = [d["name"] for d in redaction.data["defendants"]]
    assert redaction.data["notes"][0]["text"] == expected.format(*aliases)
    assert Redaction(data, "partner").data["notes"][0]["text"] == text


# Helpers ----------------------------------------------------------------------------------------------


def _dataset(names: list[str], text: str) -> dict:
    """A dataset as dataset.load gives it, with these defendants and one publishable note."""
    tables = (
        "trials",
        "defendants",
        "hearings",
        "presence",
        "answers",
        "witnesses",
        "allegations",
        "reviews",
    )
    data = {table: [] for table in tables}
    data["mission"] = {"uuid": "m", "name": "A mission", "country": "", "description": ""}
    data["defendants"] = [
        {"uuid": f"d{n}", "trial_uuid": "t", "name": name, "pseudonym": "", "charges": "", "sentence": ""}
        for n, name in enumerate(names)
    ]
    data["notes"] = [{"uuid": "n", "hearing_uuid": "h", "typed_at": "", "text": text, "publishable": 1}]
    return data


def _report(world, kind, fmt, profile) -> bytes:
    with world.app.app_context():
        db = connect(world.app.config["DATABASE"])
        try:
            ids = {"trial_uuid": world.trials[0]["uuid"]} if kind == "trial" else {}
            return build.build_report(
                db, world.mission, kind, fmt, profile, "en", world.app.instance_path, **ids
            )[0]
        finally:
            db.close()


def _export(world, fmt) -> bytes:
    with world.app.app_context():
        db = connect(world.app.config["DATABASE"])
        try:
            return exports.export(db, world.mission, fmt, "public", "en", world.app.instance_path)[0]
        finally:
            db.close()
