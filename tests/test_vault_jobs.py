"""Background work on an encrypted installation: an export job's thread opens the database with the key
held in memory, and a job started after the lock cannot open anything."""

import json
import os

import pytest

from monitor.db import connect
from monitor.reports import jobs
from monitor.vault import keys
from tests.conftest import wait_for_job
from tests.vault_util import forget_everything, make_vault_app, unlocked, witness_with_identity


@pytest.fixture
def world(tmp_path):
    app = unlocked(make_vault_app(tmp_path))
    made = witness_with_identity(app)
    yield app, made
    forget_everything(app)


def test_an_export_job_reads_the_encrypted_database_in_its_own_thread(world):
    app, made = world
    setup = made["setup"]
    job = jobs.start_export(app, setup["lead"], setup["mission"], "json", "internal", "en")
    done = wait_for_job(app, job["uuid"])
    assert done["status"] == "done", done.get("error")
    with open(done["file_path"], "rb") as f:
        exported = json.load(f)
    assert exported["mission"]["uuid"] == setup["mission"]["uuid"]  # read by the job's own connection
    assert exported["mission"]["name"] == "Test mission"


def test_no_job_starts_on_a_locked_installation(world):
    app, made = world
    keys.forget(app.config["DATABASE"])
    with pytest.raises(keys.Locked):
        jobs.start_export(app, made["setup"]["lead"], made["setup"]["mission"], "json", "internal", "en")
    unlocked(app)
    db = connect(app.config["DATABASE"])
    try:
        assert db["export_job"].count == 0  # nothing was queued: the lock answered before any write
    finally:
        db.close()


def test_the_lock_deletes_the_export_files_waiting_in_clear(world):
    from tests.conftest import login, make_user, post
    from tests.test_vault_unlock import unlock

    app, made = world
    make_user(app, "ada", "admin")
    keys.forget(app.config["DATABASE"])
    client = app.test_client()
    assert unlock(client).status_code == 302  # the unlock page knows the instance folder
    setup = made["setup"]
    job = jobs.start_export(app, setup["lead"], setup["mission"], "json", "internal", "en")
    done = wait_for_job(app, job["uuid"])
    assert done["status"] == "done" and os.path.exists(done["file_path"])
    login(client, "ada")
    post(client, "/lock")
    assert not os.path.exists(done["file_path"])
    assert os.listdir(jobs.export_folder(app.instance_path)) == []
    unlocked(app)
    db = connect(app.config["DATABASE"])
    try:
        assert jobs.get(db, job["uuid"])["file_path"] is None
    finally:
        db.close()
