"""Fixtures: a real SQLite file per test, a client, and small factories for accounts."""

import atexit
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from monitor import create_app
from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.reports import jobs
from monitor.schema import init_db

# Cheap Argon2id parameters so tests stay fast; one test checks the rehash to the real ones.
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSWORD = "correct horse battery"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


_TEMPLATE: list[str] = []  # a database migrated once per test process, copied for each test


def fresh_database(path) -> None:
    """A new database at ``path`` with every migration applied: a copy of one migrated once per test
    process (running all migrations for each test was most of the suite's time). The copy is the same
    file ``init_db`` makes: WAL mode is kept in the file's header; owner-only like the real one."""
    if not _TEMPLATE:
        folder = tempfile.mkdtemp(prefix="monitor-template-")
        atexit.register(shutil.rmtree, folder, True)
        template = Path(folder) / "template.sqlite"
        init_db(str(template))
        db = connect(str(template))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        _TEMPLATE.append(str(template))
    shutil.copyfile(_TEMPLATE[0], path)
    os.chmod(path, 0o600)


def make_app(tmp_path, **config):
    database = tmp_path / "monitor.sqlite"
    if not database.exists():
        fresh_database(database)
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


def setup_trial(app, defendants=3):
    """A mission led by 'lena' with one trial, ``defendants`` defendants and 'oleg' assigned to observe it."""
    from monitor import checklists
    from monitor.missions import records as missions

    handle = connect(app.config["DATABASE"])
    try:
        lead = users.get_by_username(handle, "lena") or make_user(app, "lena", "lead")
        observer = users.get_by_username(handle, "oleg") or make_user(app, "oleg", "observer")
        checklist = checklists.get("fair_trial", 1)
        actor = Actor(name="test")
        mission = missions.create_mission(
            handle,
            actor,
            lead,
            {"name": "Test mission", "checklist_id": checklist.id, "checklist_version": checklist.version},
        )
        trial = missions.create_trial(handle, actor, mission, {"title": "Test trial"})
        people = missions.bulk_add_defendants(
            handle, actor, trial, [f"Defendant {n}" for n in range(defendants)]
        )
        missions.assign_observer(handle, actor, trial, observer, mission)
        return {"mission": mission, "trial": trial, "defendants": people, "lead": lead, "observer": observer}
    finally:
        handle.close()


def start_hearing(app, setup, observer=None, hearing_date="2026-11-20"):
    from monitor.observe import records as observe

    handle = connect(app.config["DATABASE"])
    try:
        return observe.start_hearing(
            handle,
            Actor(name="test"),
            setup["trial"],
            setup["mission"],
            observer or setup["observer"],
            hearing_date,
        )
    finally:
        handle.close()


def submitted_allegations(db, hearing, defendants, checklist, actor=Actor(name="test")):  # noqa: B008
    """One allegation by each of ``defendants`` recorded in ``hearing``, then the hearing submitted; the
    allegations' rows as they stand after."""
    from monitor import records
    from monitor.observe import records as observe

    made = []
    for defendant in defendants:
        allegation = observe.add_allegation(db, actor, hearing)
        changes = observe.changes(
            "allegation", {"alleged_by": "defendant", "defendant_uuid": defendant["uuid"]}, allegation["uuid"]
        )
        assert observe.save_changes(db, actor, hearing, checklist, changes) == []
        made.append(allegation["uuid"])
    observe.submit(db, actor, hearing)
    return [records.get(db, "allegation", uuid) for uuid in made]


def save(client, hearing, *changes):
    """Autosave as the form's script does: JSON with the CSRF token in a header."""
    token = csrf_token(client, "/")
    return client.post(
        f"/hearings/{hearing['uuid']}/save", json={"changes": list(changes)}, headers={"X-CSRFToken": token}
    )


def wait_for_job(app, job_uuid: str, timeout: float = 120.0) -> dict:
    """A background job (export, report, sync) once it is done or failed; fails the test past ``timeout``."""
    deadline = time.monotonic() + timeout
    db = connect(app.config["DATABASE"])
    try:
        while time.monotonic() < deadline:
            job = jobs.get(db, job_uuid)
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.05)
    finally:
        db.close()
    raise AssertionError(f"job {job_uuid} did not finish in {timeout} s")
