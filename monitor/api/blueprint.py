"""The API's blueprint, alone in its module so that every API module can register on it without importing
the others (``routes`` imports them all, and ``create_app`` imports ``routes``)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
