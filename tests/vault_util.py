"""Encrypted installations for tests: real SQLCipher files, cheap Argon2id so tests stay fast."""

from monitor import checklists
from monitor.audit import Actor
from monitor.db import connect
from monitor.observe import records as observe
from monitor.schema import init_db
from monitor.vault import convert, keys, lock
from tests.conftest import make_app, setup_trial, start_hearing

PASSPHRASE = "seven quiet rivers at dusk"
FAST_KDF = {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}
IDENTITY = "Ormund Thistlegrave"  # an anonymous witness's identity: must never be readable on disk
NOTE = "Zhanbota Kuanyshkyzy said she was beaten in the police car"


def make_vault_app(tmp_path, **config):
    """An encrypted installation, set up as ``init-db --encrypt`` does, then as a fresh process: locked."""
    database = str(tmp_path / "monitor.sqlite")
    if not keys.is_encrypted(database):
        convert.create(database, PASSPHRASE, FAST_KDF)
        init_db(database)
    app = make_app(tmp_path, VAULT_KDF=FAST_KDF, **config)
    keys.forget(database)
    return app


def unlocked(app):
    keys.unlock(app.config["DATABASE"], PASSPHRASE)
    return app


def forget_everything(app) -> None:
    """What a new process would start with: no key, no claim, no counted attempts."""
    database = app.config["DATABASE"]
    keys.forget(database)
    lock._attempts.pop(keys._id(database), None)


def witness_with_identity(app) -> dict:
    """A hearing with an anonymous witness whose identity is known, and a running note."""
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    try:
        witness = observe.add_witness(db, Actor(name="test"), hearing, setup["observer"]["id"])
        changes = observe.changes("witness", {"anonymous": True, "identity": IDENTITY}, witness["uuid"])
        checklist = checklists.get("fair_trial", 1)
        assert observe.save_changes(db, Actor(name="test"), hearing, checklist, changes) == []
        observe.add_note(
            db, Actor(name="test"), hearing, setup["observer"]["id"], NOTE, "2026-11-20T10:00:00.000Z"
        )
        return {"setup": setup, "hearing": hearing, "witness": witness}
    finally:
        db.close()
