"""A name in the public edition is found however its text is encoded: decomposed letters (NFD, as text
pasted from a PDF or typed on some systems gives "Й" as "И" + a combining breve) and invisible characters
inside a word (a soft hyphen from a word processor, a zero-width space from a web page) hide a name from a
word-by-word search while the reader still sees it whole."""

import io
import json
import unicodedata
import zipfile

import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.reports import exports
from monitor.reports.redact import Redaction
from tests.conftest import make_user
from tests.test_public_edition import _dataset

ACTOR = Actor(name="test")
SOFT_HYPHEN, ZERO_WIDTH_SPACE = "\u00ad", "\u200b"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Йолдасбеков Ерлан", nfd("Йолдасбекова вывели; Ерёмин видел")),  # the text decomposed
        (nfd("Йолдасбеков Ерлан"), "Йолдасбекова вывели"),  # the name decomposed, the text not
        ("José Núñez", nfd("Núñez testified")),
        ("Serik Testbayev", f"Test{SOFT_HYPHEN}bayev testified"),
        ("Serik Testbayev", f"Se{ZERO_WIDTH_SPACE}rik testified"),
        ("Serik Testbayev", f"Test{SOFT_HYPHEN}bayev{SOFT_HYPHEN}'s lawyer and Se\u2060rik"),
    ],
    ids=["text-nfd", "name-nfd", "latin-nfd", "soft-hyphen", "zero-width-space", "word-joiner"],
)
def test_a_name_written_with_other_code_points_is_still_replaced(name, text):
    redaction = Redaction(_dataset([name, "Ерёмин Пётр"], text), "public", b"k" * 32)
    kept = redaction.data["notes"][0]["text"]
    for part in ("Йолдасбеков", "Ерлан", "Ерёмин", "Núñez", "Testbayev", "Serik"):
        assert part not in unicodedata.normalize("NFC", kept)
    assert not ({SOFT_HYPHEN, ZERO_WIDTH_SPACE} & set(kept))
    assert "Defendant" in kept


def test_a_public_export_names_no_one_written_in_decomposed_letters(app):
    """Through the real export: the title and a publishable note name defendants in NFD and with a soft
    hyphen; no form of the names is in the public JSON or CSV."""
    lead = make_user(app, "lena", "lead")
    observer = make_user(app, "oleg", "observer")
    db = connect(app.config["DATABASE"])
    try:
        checklist = checklists.get("fair_trial", 1)
        mission = missions.create_mission(
            db,
            ACTOR,
            lead,
            {
                "name": "Watch",
                "country": "Kazakhstan",
                "checklist_id": checklist.id,
                "checklist_version": checklist.version,
            },
        )
        trial = missions.create_trial(db, ACTOR, mission, {"title": nfd("Дело Йолдасбекова и других")})
        missions.bulk_add_defendants(db, ACTOR, trial, ["Йолдасбеков Ерлан", "Серик Тестбаев"])
        missions.assign_observer(db, ACTOR, trial, observer, mission)
        hearing = observe.start_hearing(db, ACTOR, trial, mission, observer, "2026-03-02")
        note = observe.add_note(
            db, ACTOR, hearing, observer["id"], f"Тест{SOFT_HYPHEN}баева увели", "2026-03-02T10:00:00Z"
        )
        observe.submit(db, ACTOR, hearing)
        with db.conn:
            db.execute("UPDATE note SET publishable = 1 WHERE uuid = ?", [note["uuid"]])
        mission = db["mission"].get(mission["id"])
        with app.app_context():
            texts = []
            for fmt in ("json", "csv"):
                content, _type, _name = exports.export(db, mission, fmt, "public", "en", app.instance_path)
                if fmt == "json":
                    texts.append(json.dumps(json.loads(content), ensure_ascii=False))
                else:
                    with zipfile.ZipFile(io.BytesIO(content)) as archive:
                        texts += [archive.read(n).decode("utf-8-sig") for n in archive.namelist()]
    finally:
        db.close()
    for text in texts:
        plain = unicodedata.normalize("NFC", text).replace(SOFT_HYPHEN, "")
        assert "Йолдасбеков" not in plain and "Тестбаев" not in plain and "Ерлан" not in plain
    assert any("Дело Defendant" in unicodedata.normalize("NFC", t) for t in texts)  # the title, redacted
