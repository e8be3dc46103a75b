"""Fixtures: a real SQLite file per test, a client, and small factories for accounts."""

import re

import pytest

from monitor import create_app
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect, init_db

# Cheap Argon2id parameters so tests stay fast; one test checks the rehash to the real ones.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSWORD = "correct horse battery"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def make_app(tmp_path, **config):
    database = tmp_path / "monitor.sqlite"
    if not database.exists():
        init_db(str(database))
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test secret key",
        "DATABASE": str(database),
        "INSTANCE_PATH": str(tmp_path),
        "ARGON2": FAST_ARGON2,
    }
    settings.update(config)
    return create_app(settings)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app):
    handle = connect(app.config["DATABASE"])
    yield handle
    handle.close()


def make_user(app, username, role="observer", password=PASSWORD, **fields):
    """Create an account straight through the accounts module (as the admin pages do)."""
    handle = connect(app.config["DATABASE"])
    try:
        return users.create(
            handle,
            Actor(name="test"),
            username=username,
            display_name=fields.pop("display_name", ""),
            password=password,
            role=role,
            argon2=app.config["ARGON2"],
            **fields,
        )
    finally:
        handle.close()


def csrf_token(client, path="/login"):
    """The session's CSRF token, read from a page's meta tag like app.js does."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    return CSRF.search(html).group(1)


def login(client, username, password=PASSWORD, **kwargs):
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, **kwargs
    )


def post(client, path, data=None, **kwargs):
    """POST with this session's CSRF token, as every form does."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, "/"))
    return client.post(path, data=data, **kwargs)


@pytest.fixture
def people(app):
    """One account per role (and a second observer), for permission tests."""
    return {
        "admin": make_user(app, "ada", "admin"),
        "lead": make_user(app, "lena", "lead"),
        "observer": make_user(app, "oleg", "observer"),
        "other_observer": make_user(app, "olga", "observer"),
    }
