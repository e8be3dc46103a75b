"""Anchors: the audit log's head kept outside the database, so a cut-off end or a re-chained log shows."""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from monitor import anchors, audit
from monitor.audit import Actor
from monitor.db import connect
from monitor.reports.build import build_report
from tests.conftest import PASSWORD, login, make_app, make_user, post, save, setup_trial, start_hearing

ROOT = Path(__file__).resolve().parent.parent


def fill(db, n, start=0, name="ann"):
    for i in range(start, start + n):
        audit.record(db, "test.entry", Actor(name=name), after={"i": i})


def anchor_path(app) -> str:
    return anchors.path_for(app.config["DATABASE"])


def cut_tail(db, keep: int) -> None:
    """What someone holding the file can do: drop the trigger, delete the end of the log."""
    db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    db.execute("DELETE FROM audit WHERE id > ?", [keep])


def rechain_from(db, first: int, entries: int) -> None:
    """Rewrite the log from entry ``first`` on and chain it again, so the chain itself is intact."""
    cut_tail(db, first - 1)
    fill(db, entries, name="forger")


def verify(runner, *anchors_kept):
    args = ["audit-verify"]
    for kept in anchors_kept:
        args += ["--anchor", str(kept)]
    return runner.invoke(args=args)


# The anchor file ---------------------------------------------------------------------------------------


def test_a_cut_off_end_passes_the_chain_but_not_the_anchor(app, runner, db):
    fill(db, 10)
    anchors.write(db, anchor_path(app), "manual")
    cut_tail(db, 7)
    assert audit.verify(db).ok  # the hole: the chain alone cannot see it
    result = verify(runner)
    assert result.exit_code == 1
    assert "Audit chain intact: 7 rows" in result.output
    assert (
        "says 10 entries, the log has 7" in result.output and "last 3 entries were removed" in result.output
    )


def test_a_rewritten_and_rechained_log_is_detected(app, runner, db):
    fill(db, 10)
    anchors.write(db, anchor_path(app), "manual")
    rechain_from(db, 5, 8)  # now 12 entries, a whole chain, entries 5… forged
    assert audit.verify(db).ok and audit.verify(db).rows == 12
    result = verify(runner)
    assert result.exit_code == 1
    assert "entry 10 is not the one in the anchor" in result.output and "re-chained" in result.output


def test_a_log_rewritten_from_its_first_entry_is_detected(app, runner, db):
    fill(db, 4)
    anchors.write(db, anchor_path(app), "manual")
    rechain_from(db, 1, 6)
    result = verify(runner)
    assert result.exit_code == 1 and "rewritten from its first entry" in result.output


def test_a_fresh_installation_without_anchor_verifies(app, runner, db):
    empty = verify(runner)
    assert empty.exit_code == 0 and "intact: 0 rows" in empty.output and "No anchor yet" in empty.output
    fill(db, 3)
    result = verify(runner)
    assert result.exit_code == 0 and "No anchor yet" in result.output and "(3 entries)" in result.output
    assert not os.path.exists(anchor_path(app))  # verifying writes nothing


def test_a_grown_log_still_holds_its_anchors(app, runner, db):
    path = anchor_path(app)
    for n in range(3):
        fill(db, 5, start=5 * n)
        anchors.write(db, path, "manual")
    fill(db, 2, start=15)
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "Anchors: 3 in" in result.output and "the latest 15 entries" in result.output


def test_the_anchor_file_is_owner_only_and_each_line_covers_the_one_before(app, db):
    path = anchor_path(app)
    for n in range(3):
        fill(db, 2, start=2 * n)
        anchors.write(db, path, "manual")
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    lines = Path(path).read_bytes().splitlines(keepends=True)
    assert [json.loads(line)["rows"] for line in lines] == [2, 4, 6]
    assert json.loads(lines[0])["prev"] == audit.GENESIS
    for before, line in zip(lines, lines[1:], strict=False):
        assert json.loads(line)["prev"] == anchors.line_hash(before)
    assert {json.loads(line)["installation"] for line in lines} == {
        next(db.query("SELECT hash FROM audit WHERE id = 1"))["hash"]
    }


def test_an_edited_anchor_file_is_reported(app, runner, db):
    path = anchor_path(app)
    for n in range(3):
        fill(db, 2, start=2 * n)
        anchors.write(db, path, "manual")
    lines = Path(path).read_text().splitlines(keepends=True)
    del lines[1]  # someone hides an anchor
    Path(path).write_text("".join(lines))
    result = verify(runner)
    assert result.exit_code == 1 and "line 2" in result.output and "line before it" in result.output


def test_a_line_cut_short_by_a_power_cut_is_dropped_at_the_next_anchor(app, runner, db):
    path = anchor_path(app)
    fill(db, 2)
    anchors.write(db, path, "manual")
    with open(path, "ab") as f:
        f.write(b'{"v":1,"rows":')  # the write that never finished
    fill(db, 2, start=2)
    anchors.write(db, path, "manual")
    assert [json.loads(line)["rows"] for line in Path(path).read_text().splitlines()] == [2, 4]
    assert verify(runner).exit_code == 0


def test_the_app_never_anchors_over_a_shortened_log(app, client, people, db):
    """After the tail is cut, new writes must not make the latest anchor agree with the forged log."""
    path = anchor_path(app)
    app.config.update(AUDIT_ANCHOR_ROWS=1, AUDIT_ANCHOR_SECONDS=0)  # anchor after every write
    login(client, "ada")
    anchored = anchors.read_file(path)[0][-1]
    assert anchored.rows == db["audit"].count
    cut_tail(db, anchored.rows - 2)
    post(client, "/logout")
    login(client, "lena")  # the log is as long as when anchored again, its end forged
    assert db["audit"].count == anchored.rows
    assert anchors.read_file(path)[0][-1].rows == anchored.rows  # no new anchor over the forged log
    result = app.test_cli_runner().invoke(args=["audit-verify"])
    assert result.exit_code == 1 and re.search(r"entry \d+ is not the one", result.output)


def test_writers_in_parallel_keep_one_chain_of_anchors(app, db):
    path = anchor_path(app)
    fill(db, 1)

    def write(n):
        handle = connect(app.config["DATABASE"])
        for i in range(10):
            audit.record(handle, "test.parallel", Actor(name=f"w{n}"), after={"i": i})
            anchors.write(handle, path, "manual")
        handle.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    found, _hashes = anchors.read_file(path)  # raises if a line does not follow the one before it
    assert len(found) == 40 and max(a.rows for a in found) == 41
    assert anchors.check_file(db, path).ok


# When anchors are written -----------------------------------------------------------------------------


def test_autosaves_are_anchored_every_n_entries(tmp_path):
    app = make_app(tmp_path, AUDIT_ANCHOR_ROWS=5, AUDIT_ANCHOR_SECONDS=3600)
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    client = app.test_client()
    login(client, "oleg")
    for i in range(12):
        change = {"id": "c", "target": "hearing", "field": "courtroom", "value": f"Room {i}"}
        assert save(client, hearing, change).status_code == 200
    found, _hashes = anchors.read_file(anchors.path_for(app.config["DATABASE"]))
    rows = [a.rows for a in found]
    assert len(rows) == 3 and all(
        later - earlier >= 5 for earlier, later in zip(rows, rows[1:], strict=False)
    )
    db = connect(app.config["DATABASE"])
    assert db["audit"].count - rows[-1] < 5  # the window still open: fewer than N entries
    db.close()


def test_a_write_after_the_interval_is_anchored(tmp_path):
    app = make_app(tmp_path, AUDIT_ANCHOR_ROWS=1000, AUDIT_ANCHOR_SECONDS=0)
    make_user(app, "oleg")
    client = app.test_client()
    login(client, "oleg")
    post(client, "/logout")
    found, _hashes = anchors.read_file(anchors.path_for(app.config["DATABASE"]))
    db = connect(app.config["DATABASE"])
    assert found[-1].rows == db["audit"].count  # the logout is anchored
    db.close()


def test_a_command_line_process_anchors_what_it_wrote_when_it_ends(tmp_path):
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(tmp_path))
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "monitor"]
    subprocess.run([*flask, "init-db"], env=env, cwd=tmp_path, check=True, capture_output=True)
    assert not (tmp_path / "monitor.anchors.jsonl").exists()  # an empty log: nothing to anchor
    made = subprocess.run(
        [*flask, "create-user", "ada", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    lines = (tmp_path / "monitor.anchors.jsonl").read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["reason"] == "shutdown"
    assert json.loads(lines[0])["rows"] == 1


# Backups, anchors kept elsewhere ----------------------------------------------------------------------


def test_a_backup_writes_its_anchor_beside_it_and_in_the_anchor_file(app, runner, db, tmp_path):
    fill(db, 6)
    target = tmp_path / "backups" / "monday.sqlite"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    sidecar = Path(f"{target}.anchor.json")
    kept = json.loads(sidecar.read_text())
    assert oct(sidecar.stat().st_mode & 0o777) == "0o600"
    copy = connect(str(target))
    assert (kept["rows"], kept["head"]) == (6, audit.verify(copy).head)
    copy.close()
    assert (
        kept["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
        and kept["backup"] == "monday.sqlite"
    )
    last = anchors.read_file(anchor_path(app))[0][-1]
    assert (last.rows, last.head, last.reason, last.note) == (6, kept["head"], "backup", "monday.sqlite")
    assert verify(runner, sidecar).exit_code == 0


def test_a_backup_of_a_shortened_log_is_written_but_says_so(app, runner, db, tmp_path):
    fill(db, 6)
    anchors.write(db, anchor_path(app), "manual")
    cut_tail(db, 4)
    result = runner.invoke(args=["backup", str(tmp_path / "late.sqlite")])
    assert result.exit_code == 1 and "no longer holds an earlier anchor" in result.output
    assert (tmp_path / "late.sqlite").exists()  # the data is still worth keeping


def test_audit_verify_with_an_anchor_kept_off_the_machine(app, runner, db, tmp_path):
    fill(db, 8)
    good = anchors.head(db)
    kept = tmp_path / "usb" / "anchor.json"
    kept.parent.mkdir()
    kept.write_text(json.dumps({"v": 1, "rows": good.rows, "head": good.head, "at": good.at}))
    passed = verify(runner, kept)
    assert passed.exit_code == 0 and f"Anchor {kept}: 8 entries" in passed.output

    wrong = tmp_path / "usb" / "wrong.json"
    wrong.write_text(json.dumps({"v": 1, "rows": 8, "head": "ab" * 32}))
    failed = verify(runner, wrong)
    assert failed.exit_code == 1 and "entry 8 is not the one" in failed.output

    cut_tail(db, 6)  # no anchor file here at all: only the copy knows
    result = verify(runner, kept)
    assert result.exit_code == 1 and "last 2 entries were removed" in result.output


def test_audit_verify_with_a_printed_head(app, runner, db):
    fill(db, 5)
    now = anchors.head(db)
    footer = f"Audit log: {now.rows} entries, head {now.head[:16]}"
    assert verify(runner, footer).exit_code == 0
    assert verify(runner, f"Журнал аудита: {now.rows} записей, хеш {now.head[:16]}").exit_code == 0
    rechain_from(db, 3, 3)
    result = verify(runner, footer)
    assert result.exit_code == 1 and "re-chained" in result.output
    nonsense = verify(runner, "no anchor in here")
    assert nonsense.exit_code == 1 and "no anchor in it" in nonsense.output


def test_a_copied_anchor_file_shows_the_one_here_was_rewritten(app, runner, db, tmp_path):
    path = anchor_path(app)
    fill(db, 4)
    anchors.write(db, path, "manual")
    fill(db, 4, start=4)
    anchors.write(db, path, "manual")
    copy = tmp_path / "off-machine.jsonl"
    shutil.copy(path, copy)
    assert verify(runner, copy).exit_code == 0
    os.unlink(path)  # an anchor file started again, the log untouched: only the copy shows it
    anchors.write(db, path, "manual")
    replaced = verify(runner, copy)
    assert replaced.exit_code == 1 and "does not hold line 1 of the copy" in replaced.output
    # The forger rewrites the log and writes a matching anchor file from scratch.
    rechain_from(db, 5, 6)
    os.unlink(path)
    anchors.write(db, path, "manual")
    alone = verify(runner)
    assert alone.exit_code == 0  # everything here agrees with itself…
    result = verify(runner, copy)
    assert result.exit_code == 1  # …but not with the copy
    assert "entry 8 is not the one" in result.output


def test_a_reset_after_a_restore_is_kept_and_shown(app, runner, db, tmp_path):
    fill(db, 5)
    assert runner.invoke(args=["backup", str(tmp_path / "old.sqlite")]).exit_code == 0
    fill(db, 3, start=5)
    anchors.write(db, anchor_path(app), "manual")
    db.close()
    for suffix in ("-wal", "-shm"):  # the restore: the app stopped, the backup put in place
        Path(app.config["DATABASE"] + suffix).unlink(missing_ok=True)
    shutil.copy(tmp_path / "old.sqlite", app.config["DATABASE"])
    assert verify(runner).exit_code == 1  # three entries are gone, and that is true
    refused = runner.invoke(args=["audit-anchor", "--reset", "  "])
    assert refused.exit_code == 1 and "Say why" in refused.output
    result = runner.invoke(args=["audit-anchor", "--reset", "restored the backup of Monday"])
    assert result.exit_code == 0, result.output
    again = verify(runner)
    assert again.exit_code == 0, again.output
    assert "started again on" in again.output and "restored the backup of Monday" in again.output
    handle = connect(app.config["DATABASE"])
    assert handle["audit"].count_where("action = 'audit.anchor_reset'") == 1
    handle.close()


# Off the machine: bundles and reports -----------------------------------------------------------------


def test_a_bundle_manifest_carries_the_anchor_and_the_receiver_keeps_it(tmp_path):
    (tmp_path / "server").mkdir()
    server = make_app(tmp_path / "server")
    setup = setup_trial(server)
    db = connect(server.config["DATABASE"])
    before = anchors.head(db)
    out = tmp_path / "setup.zip"
    runner = server.test_cli_runner()
    result = runner.invoke(
        args=[
            "export-bundle",
            str(out),
            "--mission",
            setup["mission"]["uuid"],
            "--what",
            "setup",
            "--user",
            "lena",
        ]
    )
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["audit_anchor"] == {"rows": before.rows, "head": before.head}
    db.close()

    (tmp_path / "laptop").mkdir()
    laptop = make_app(tmp_path / "laptop")
    make_user(laptop, "lena", "lead")
    imported = laptop.test_cli_runner().invoke(args=["import-bundle", str(out), "--user", "lena"])
    assert imported.exit_code == 0, imported.output
    handle = connect(laptop.config["DATABASE"])
    entry = next(handle.query("SELECT after FROM audit WHERE action = 'sync.import'"))
    handle.close()
    assert json.loads(entry["after"])["audit_anchor"] == manifest["audit_anchor"]
    kept = tmp_path / "manifest.json"
    kept.write_text(json.dumps(manifest))
    assert verify(runner, kept).exit_code == 0  # the server's log checked against the copy


def test_every_kind_of_pdf_report_prints_the_head_in_its_footer(app, runner):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    observer = app.test_client()
    login(observer, "oleg")
    post(observer, f"/hearings/{hearing['uuid']}/submit")
    db = connect(app.config["DATABASE"])
    mission = next(db.query("SELECT * FROM mission"))
    ids = {"hearing_uuid": hearing["uuid"], "trial_uuid": setup["trial"]["uuid"]}
    footers = {}
    with app.app_context():
        for kind in ("hearing", "trial", "mission"):
            now = anchors.head(db)
            content, _mimetype, _name = build_report(
                db, mission, kind, "pdf", "partner", "en", app.instance_path, **ids
            )
            pages = PdfReader(io.BytesIO(content)).pages
            texts = [" ".join(page.extract_text().split()) for page in pages]
            expected = f"Audit log: {now.rows} entries, head {now.head[:16]}"
            assert all(expected in text for text in texts), (kind, texts[-1][-300:])
            footers[kind] = expected
    db.close()
    result = verify(runner, *footers.values())  # the printed heads are anchors
    assert result.exit_code == 0, result.output
    assert re.search(r"Anchor Audit log: \d+ entries", result.output)


# The administrator's page -----------------------------------------------------------------------------


def test_the_audit_page_shows_the_anchor_and_a_cut_off_end(app, client, people, db):
    login(client, "ada")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Anchored outside the database:" in page and "the log still holds them" in page
    cut_tail(db, 2)
    for url in ("/admin/audit", "/admin/audit?verify=1"):
        page = client.get(url).get_data(as_text=True)
        assert "The audit log does not match its anchor: the end of the log was removed" in page


def test_the_audit_page_says_when_nothing_is_anchored_yet(app, client, people, db):
    login(client, "ada")
    os.unlink(anchor_path(app))
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "No anchor yet" in page


@pytest.mark.parametrize("value", ["", "{}", '{"v": 1, "rows": -1, "head": "00"}', "[1, 2]"])
def test_unreadable_anchors_are_refused_with_a_message(app, runner, db, tmp_path, value):
    kept = tmp_path / "kept.json"
    kept.write_text(value)
    result = verify(runner, kept)
    assert result.exit_code == 1 and "Cannot read the anchor" in result.output
    assert "Traceback" not in result.output


def test_a_server_stopped_cleanly_anchors_the_end_of_the_log(tmp_path):
    from tests.liveserver import Browser, Server

    instance = tmp_path / "instance"
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(instance))
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "monitor"]
    subprocess.run([*flask, "init-db"], env=env, check=True, capture_output=True)
    create = [*flask, "create-user", "ada", "--role", "admin", "--password-stdin"]
    subprocess.run(create, input=PASSWORD + "\n", env=env, check=True, capture_output=True, text=True)
    server = Server(instance, workers=1).start()
    try:
        Browser(server.url).sign_in("ada", PASSWORD)  # one entry, within the interval: not anchored yet
        path = instance / "monitor.anchors.jsonl"
        assert [json.loads(line)["rows"] for line in path.read_text().splitlines()] == [1]
    finally:
        server.stop()
    last = json.loads(path.read_text().splitlines()[-1])
    db = connect(str(instance / "monitor.sqlite"))
    assert (last["reason"], last["rows"]) == ("shutdown", db["audit"].count) and last["rows"] > 1
    db.close()
