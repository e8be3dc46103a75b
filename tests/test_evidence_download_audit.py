"""Every download of an evidence file is in the audit log: who, which file (its uuid), its SHA-256 and
size — never its bytes, never its name (a name may carry a person's; the attach entry has it)."""

import hashlib
import json

import pytest

from monitor.db import connect
from tests.conftest import login, make_user, post, setup_trial
from tests.evidence_util import MARKER, pdf_bytes
from tests.test_evidence import attach_to_case_file, stored

NAME = "Medical report Ormund Thistlegrave.pdf"


@pytest.fixture
def trial(app):
    return setup_trial(app, defendants=1)


def downloads(app) -> list[dict]:
    db = connect(app.config["DATABASE"])
    try:
        return list(db.query("SELECT * FROM audit WHERE action = 'evidence.download' ORDER BY id"))
    finally:
        db.close()


def test_each_download_writes_who_which_file_and_its_hash(app, client, trial):
    login(client, "oleg")
    data = pdf_bytes()
    attach_to_case_file(client, trial, NAME, data)
    row = stored(app)[0]
    assert downloads(app) == []
    assert client.get(f"/evidence/{row['uuid']}/download").get_data() == data
    lead = app.test_client()
    login(lead, "lena")
    assert lead.get(f"/evidence/{row['uuid']}/download").status_code == 200
    entries = downloads(app)
    assert [e["actor_name"] for e in entries] == ["oleg", "lena"]
    oleg = trial["observer"]
    assert entries[0]["actor_uuid"] == oleg["uuid"]
    for entry in entries:
        assert entry["record_type"] == "evidence" and entry["record_uuid"] == row["uuid"]
        assert json.loads(entry["after"]) == {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        assert entry["before"] is None
        text = json.dumps(entry)
        assert "Thistlegrave" not in text and "Medical report" not in text and MARKER not in text


def test_a_refused_or_withdrawn_download_writes_no_download_entry(app, client, trial):
    login(client, "oleg")
    attach_to_case_file(client, trial, "order.pdf", pdf_bytes())
    row = stored(app)[0]
    make_user(app, "stranger", "observer")  # not assigned to the trial
    other = app.test_client()
    login(other, "stranger")
    assert other.get(f"/evidence/{row['uuid']}/download").status_code == 403
    lead = app.test_client()
    login(lead, "lena")
    assert post(lead, f"/evidence/{row['uuid']}/withdraw", {"reason": "wrong file"}).status_code == 302
    assert lead.get(f"/evidence/{row['uuid']}/download").status_code == 410
    assert downloads(app) == []


def test_audit_verify_stays_intact_after_downloads(app, client, trial):
    login(client, "oleg")
    attach_to_case_file(client, trial, "order.pdf", pdf_bytes())
    client.get(f"/evidence/{stored(app)[0]['uuid']}/download")
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 0, result.output
