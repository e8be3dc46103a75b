"""Languages: the catalogs are complete, and the screens really switch."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from monitor.auth import users
from tests.conftest import login, make_user, post

ROOT = Path(__file__).resolve().parent.parent
METHODS = [("monitor/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "npgettext": ((1, "c"), 2, 3),
    "_l": None,
    "lazy_gettext": None,
}


def source_messages() -> set[str]:
    """Every translatable string in the code and templates, extracted afresh."""
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**.html": {}}
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(language: str):
    with open(ROOT / f"monitor/translations/{language}/LC_MESSAGES/messages.po", "rb") as f:
        return read_po(f, locale=language)


def test_strings_are_extracted_from_code_and_templates():
    messages = source_messages()
    assert "Sign in" in messages  # a template string
    assert "Wrong user name or password, or the account is deactivated." in messages  # a Python string
    assert len(messages) > 80


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_string_is_translated(language):
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog(language) if m.id}

    def done(message) -> bool:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(strings)

    missing = sorted(m for m in source_messages() if m not in translated or not done(translated[m]))
    fuzzy = sorted(m.id for m in translated.values() if m.fuzzy)
    assert missing == [], f"run `make messages` and translate these in {language}"
    assert fuzzy == []


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_translations_keep_their_placeholders(language):
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog(language).check() if errors]
    assert problems == []


def test_the_language_switch_translates_the_page(app, client):
    make_user(app, "ada", "admin")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    post(client, "/language", {"language": "ru", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="ru">' in page
    assert "Войти" in page and "Sign in" not in page


def test_a_signed_in_users_choice_is_remembered(app, client, db):
    user = make_user(app, "ada", "admin")
    login(client, "ada")
    response = post(client, "/language", {"language": "kk", "next": "/profile"})
    assert response.headers["Location"] == "/profile"
    assert users.get_by_uuid(db, user["uuid"])["language"] == "kk"
    fresh = app.test_client()
    login(fresh, "ada")
    assert '<html lang="kk">' in fresh.get("/").get_data(as_text=True)


def test_an_unknown_language_changes_nothing(app, client):
    make_user(app, "ada", "admin")
    response = post(client, "/language", {"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_the_browsers_language_is_the_default(app, client):
    make_user(app, "ada", "admin")
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert "Войти" in page.get_data(as_text=True)
