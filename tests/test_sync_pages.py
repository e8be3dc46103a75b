"""The sync pages: export, import with a dry run, the conflict queue — through the app, as people use it."""

import io
import json

import pytest

from monitor.audit import Actor
from monitor.auth import users
from monitor.db import connect
from monitor.missions import records as missions
from monitor.sync import conflicts, exporter
from monitor.sync.importer import import_bundle
from tests.conftest import login, make_app, make_user, post, setup_trial

ACTOR = Actor(name="test")
PASSPHRASE = "a long passphrase for the stick"


@pytest.fixture
def server(app):
    return setup_trial(app, defendants=3)


def download(client, mission, what="setup", **extra):
    response = post(client, "/sync/export", {"mission": mission["uuid"], "what": what, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    return response.data


def upload(client, data, **fields):
    form = {"bundle": (io.BytesIO(data), "bundle.tmbundle"), **fields}
    return post(client, "/sync/import", form, content_type="multipart/form-data", follow_redirects=True)


def test_status_page_shows_what_waits(client, server):
    login(client, "oleg")
    page = client.get("/sync/").get_data(as_text=True)
    assert "Test mission" in page and "Set up the server" in page
    assert "Export a bundle" in page and "Import a bundle" in page


def test_export_sealed_then_import_with_dry_run_then_for_real(client, server, tmp_path):
    login(client, "lena")
    sealed = download(client, server["mission"], passphrase=PASSPHRASE, passphrase_again=PASSPHRASE)
    assert sealed.startswith(b"TRIAL-MONITOR-SEALED-BUNDLE")
    (tmp_path / "laptop").mkdir()
    laptop = make_app(tmp_path / "laptop")
    make_user(laptop, "oleg", "admin")
    other = laptop.test_client()
    login(other, "oleg")
    wrong = upload(other, sealed, passphrase="not the passphrase", dry_run="1")
    assert "Nothing was imported" in wrong.get_data(as_text=True)
    dry = upload(other, sealed, passphrase=PASSPHRASE, dry_run="1").get_data(as_text=True)
    assert "Dry run: nothing has changed yet" in dry
    handle = connect(laptop.config["DATABASE"])
    assert handle["defendant"].count == 0
    kept = dry.split('name="kept" value="', 1)[1].split('"', 1)[0]
    assert 'name="passphrase"' not in dry.split("Import it now")[0].rsplit("<form", 1)[1]  # typed once
    inbox = list((tmp_path / "laptop" / "sync-inbox").iterdir())
    assert len(inbox) == 1 and inbox[0].read_bytes().startswith(b"TRIAL-MONITOR-SEALED-BUNDLE")
    assert inbox[0].read_bytes() != sealed  # sealed again, with a key only this session holds
    stranger = laptop.test_client()  # the same person in another browser: the key is not there
    login(stranger, "oleg")
    refused = post(stranger, "/sync/import", {"kept": kept}, follow_redirects=True)
    assert "Nothing was imported" in refused.get_data(as_text=True) and handle["defendant"].count == 0
    done = post(other, "/sync/import", {"kept": kept}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Bundle imported" in page, page[:2000]
    assert handle["defendant"].count == 3 and handle["trial"].count == 1
    # the laptop account now has the server's uuid, and is still signed in
    assert users.get_by_username(handle, "oleg")["uuid"] == server["observer"]["uuid"]
    assert other.get("/sync/").status_code == 200
    handle.close()


NOT_A_BUNDLE = (
    "Nothing was imported: This file is not a bundle, or it is incomplete (cut short while copying?)."
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", NOT_A_BUNDLE),
        (b"not a bundle at all", NOT_A_BUNDLE),
        (b"PK\x03\x04" + b"\x00" * 50, NOT_A_BUNDLE),  # a zip's signature and nothing of a zip
        (
            b"TRIAL-MONITOR-SEALED-BUNDLE\n\xff",
            "Nothing was imported: This bundle is encrypted: enter its passphrase.",
        ),
    ],
)
def test_garbage_upload_is_a_message_not_a_500(client, server, data, message):
    login(client, "lena")
    response = upload(client, data, dry_run="1")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_passphrases_must_match_and_be_long_enough(client, server):
    login(client, "lena")
    differ = post(
        client,
        "/sync/export",
        {
            "mission": server["mission"]["uuid"],
            "what": "setup",
            "passphrase": PASSPHRASE,
            "passphrase_again": "x",
        },
        follow_redirects=True,
    )
    assert "The two passphrases differ" in differ.get_data(as_text=True)
    short = post(
        client,
        "/sync/export",
        {
            "mission": server["mission"]["uuid"],
            "what": "setup",
            "passphrase": "short",
            "passphrase_again": "short",
        },
        follow_redirects=True,
    )
    assert "at least 10 characters" in short.get_data(as_text=True)


def conflict_on(app, server) -> dict:
    """A defendant changed here and, differently, on a lead's laptop that then sent its change."""
    db = connect(app.config["DATABASE"])
    lena = users.get_by_username(db, "lena")
    setup = exporter.select(db, lena, server["mission"], "setup")
    data, manifest, sent = exporter.build(db, lena, server["mission"], setup, "setup")
    exporter.mark_sent(db, sent, manifest, "laptop", lena)
    row = db["defendant"].get(server["defendants"][0]["id"])
    missions.update_defendant(db, ACTOR, row, {"counsel": "legal_aid", "sentence": "3 years"})
    # the laptop's version: built from the same set-up, then changed there
    payload = exporter.select(db, lena, server["mission"], "changes")  # only the defendant changed
    record = payload.records["defendant"][0]
    record["history"] = [setup.records["defendant"][0]["hash"]]
    record["content"] = {**setup.records["defendant"][0]["content"], "sentence": "5 years"}
    from monitor.sync.content import content_hash

    record["hash"] = content_hash(record["content"])
    payload.records = {"defendant": [record]}
    laptop_bundle, _manifest, _sent = exporter.build(db, lena, server["mission"], payload, "changes")
    report = import_bundle(db, laptop_bundle, lena, ACTOR)
    assert report.total("conflict") == 1
    conflict = conflicts.open_conflicts(db, None)[0]
    db.close()
    assert data
    return conflict


def test_a_lead_resolves_a_conflict_field_by_field(app, client, server):
    conflict = conflict_on(app, server)
    login(client, "lena")
    queue = client.get("/sync/conflicts").get_data(as_text=True)
    assert conflict["uuid"] in queue
    page = client.get(f"/sync/conflicts/{conflict['uuid']}").get_data(as_text=True)
    assert "3 years" in page and "5 years" in page
    assert "Legal aid lawyer" in page and "Counsel" in page and "Sentence" in page  # the forms' own words
    fields = [f["field"] for f in conflicts.differing(conflict)]
    choices = {
        f"choice-{i}": ("incoming" if name == "sentence" else "local") for i, name in enumerate(fields)
    }
    done = post(client, f"/sync/conflicts/{conflict['uuid']}", choices, follow_redirects=True)
    assert "Conflict resolved" in done.get_data(as_text=True)
    db = connect(app.config["DATABASE"])
    row = db["defendant"].get(server["defendants"][0]["id"])
    assert (row["sentence"], row["counsel"]) == ("5 years", "legal_aid")  # one field from each side
    entry = next(db.query("SELECT * FROM audit WHERE action = 'sync.resolve'"))
    assert entry["actor_name"] == "lena" and json.loads(entry["after"])["incoming_fields"] == ["sentence"]
    db.close()


def test_only_the_missions_leads_see_its_conflicts(app, client, server):
    conflict = conflict_on(app, server)
    make_user(app, "lars", "lead")  # a lead of no mission here
    login(client, "lars")
    assert conflict["uuid"] not in client.get("/sync/conflicts").get_data(as_text=True)
    assert client.get(f"/sync/conflicts/{conflict['uuid']}").status_code == 403
    observer = app.test_client()
    login(observer, "oleg")
    assert observer.get("/sync/conflicts").status_code == 403


def test_every_kind_a_bundle_carries_has_a_name_on_the_sync_pages():
    """The import report, the queue and the status page name each kind in the reader's language."""
    from monitor.sync.content import KINDS
    from monitor.sync.routes import RECORD_TYPES

    assert set(KINDS) <= set(RECORD_TYPES)
