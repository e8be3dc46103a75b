"""Languages: the signed-in user's preference, else the visitor's choice, else the browser's."""

import os

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

# Each language named in itself, so anyone can find their own.
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
LANGUAGES = tuple(LANGUAGE_NAMES)  # the interface, the checklists and the reports: one list
ROLE_LABELS = {"admin": _l("Administrator"), "lead": _l("Mission lead"), "observer": _l("Observer")}
TRANSLATIONS = os.path.join(os.path.dirname(__file__), "translations")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    if session.get("language") in languages:
        return session["language"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    Babel(app, locale_selector=select_locale)

    @app.context_processor
    def language_context():
        return {
            "current_language": str(get_locale()),
            "language_names": LANGUAGE_NAMES,
            "role_labels": ROLE_LABELS,
        }
