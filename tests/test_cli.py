"""The ``flask --app monitor`` commands."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor.auth import users
from tests.conftest import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent
OUR_COMMANDS = (
    "init-db",
    "encrypt-db",
    "rekey",
    "create-user",
    "audit-verify",
    "audit-anchor",
    "backup",
    "checklist-validate",
    "seed-demo",
    "findings",
    "export",
    "report",
    "export-bundle",
    "import-bundle",
    "sync configure",
    "sync pull",
    "sync push",
    "sync status",
)


def test_create_user_asks_for_the_password_twice(runner, db):
    result = runner.invoke(args=["create-user", "lena", "--role", "lead"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # never echoed
    user = users.get_by_username(db, "lena")
    assert user["role"] == "lead"
    assert users.password_matches(user, PASSWORD, runner.app.config["ARGON2"])


def test_create_user_reads_the_password_from_stdin(runner, db):
    result = runner.invoke(
        args=["create-user", "oleg", "--role", "observer", "--language", "ru", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert users.get_by_username(db, "oleg")["language"] == "ru"


def test_create_user_has_no_password_argument(runner):
    result = runner.invoke(args=["create-user", "oleg", "--role", "observer", "--password", PASSWORD])
    assert result.exit_code == 2 and "No such option" in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["create-user", "oleg", "--role", "observer", "--password-stdin"], "short\n", "at least 12"),
        (["create-user", "oleg", "--role", "king", "--password-stdin"], PASSWORD + "\n", "Invalid value"),
        (["create-user", "ada", "--role", "admin", "--password-stdin"], PASSWORD + "\n", "already taken"),
    ],
)
def test_create_user_explains_what_is_wrong(app, runner, db, args, stdin, message):
    make_user(app, "ada", "admin")
    result = runner.invoke(args=args, input=stdin)
    assert result.exit_code != 0
    assert message in result.output
    assert users.count(db) == 1


def test_backup_writes_a_checked_copy(app, runner, tmp_path):
    make_user(app, "ada", "admin")
    target = tmp_path / "backups" / "copy.sqlite"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity ok, 1 users" in result.output
    copy = sqlite3.connect(target)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT username FROM user").fetchall() == [("ada",)]
    copy.close()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    # no partial file left; the backup's anchor beside it (tests/test_audit.py checks what it holds)
    assert sorted(os.listdir(target.parent)) == ["copy.sqlite", "copy.sqlite.anchor.json"]
    again = runner.invoke(args=["backup", str(target)])
    assert again.exit_code == 1 and "exists" in again.output
    assert runner.invoke(args=["backup", str(target), "--force"]).exit_code == 0


WRITER = """
import sys, time
from monitor.audit import Actor, record
from monitor.db import connect
db = connect(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    record(db, "test.busy", Actor(name="writer"), after={"n": n})
    n += 1
"""


def test_backup_is_consistent_while_another_process_writes(app, runner, tmp_path):
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, app.config["DATABASE"]],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert writer.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        target = tmp_path / "during-writes.sqlite"
        result = runner.invoke(args=["backup", str(target)])
        assert writer.poll() is None, "the writer should still be running"
    finally:
        writer.kill()
        writer.wait()
        writer.stdout.close()
    assert result.exit_code == 0, result.output
    checked = subprocess.run(
        ["sqlite3", str(target), "PRAGMA integrity_check; SELECT count(*) FROM audit;"],
        capture_output=True,
        text=True,
        check=True,
    )
    status, rows = checked.stdout.split()
    assert status == "ok" and int(rows) > 10
    from monitor import audit
    from monitor.db import connect

    copy = connect(str(target))
    assert audit.verify(copy).ok  # a consistent snapshot: the chain is whole
    copy.close()


def test_audit_verify_reports_an_intact_chain(app, runner):
    make_user(app, "ada", "admin")
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 0 and "intact: 1 rows" in result.output


@pytest.mark.parametrize("command", OUR_COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(app, runner, command):
    result = runner.invoke(args=[*command.split(), "--help"])
    assert result.exit_code == 0
    assert len(result.output.split("\n\n")[1].strip()) > 20  # a real description
    readme = (ROOT / "README.md").read_text()
    assert f"flask --app monitor {command}" in readme or f"`{command}`" in readme


def test_the_flask_command_line_works_after_install(tmp_path):
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(tmp_path))
    flask = Path(sys.executable).parent / "flask"
    result = subprocess.run(
        [str(flask), "--app", "monitor", "init-db"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "Applied" in result.stdout and (tmp_path / "monitor.sqlite").exists()
    assert oct((tmp_path / "monitor.sqlite").stat().st_mode & 0o777) == "0o600"
