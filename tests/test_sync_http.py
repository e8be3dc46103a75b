"""Two real instances over real HTTP: a mission server (gunicorn) and an observer's laptop (the commands).

The acceptance of field sync: the laptop pulls the set-up, logs hearings while the server is down, pushes
when it is back; the server's findings count them; pushing again sends nothing; a connection cut in the
middle of a push, or an answer lost on the way back, still leaves exactly one copy of every record.
"""

import os
import socket
import subprocess
import threading

import pytest
import requests

from monitor import checklists
from monitor.audit import Actor
from monitor.auth import tokens, users
from monitor.db import connect
from monitor.observe import records as observe
from monitor.sync import exporter
from tests.conftest import make_app, make_user, setup_trial
from tests.liveserver import BIN, Server, free_port

ACTOR = Actor(name="test")


def flask(instance, *args, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "flask", "--app", "monitor", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ, MONITOR_INSTANCE_PATH=str(instance)),
        timeout=120,
    )


def token_for(app, username: str) -> str:
    db = connect(app.config["DATABASE"])
    try:
        _row, secret = tokens.create(
            db, ACTOR, users.get_by_username(db, username), name="laptop", scope="write", days=30
        )
        return secret
    finally:
        db.close()


def count(app, table: str) -> int:
    db = connect(app.config["DATABASE"])
    try:
        return db[table].count
    finally:
        db.close()


def log_hearings(app, number: int, first_day: int) -> list[str]:
    """What the observer does offline on the laptop: hearings answered for every defendant, submitted."""
    db = connect(app.config["DATABASE"])
    try:
        me = users.get_by_username(db, "oleg")
        trial = next(db.query("SELECT * FROM trial"))
        mission = next(db.query("SELECT * FROM mission"))
        checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
        defendants = list(db.query("SELECT * FROM defendant WHERE trial_id = ?", [trial["id"]]))
        items = [i for i in checklist.items if i.scope == "defendant" and i.answer == "yesno"][:6]
        made = []
        for day in range(first_day, first_day + number):
            hearing = observe.start_hearing(db, ACTOR, trial, mission, me, f"2026-11-{day:02d}")
            changes = [
                {"target": "answer", "item": item.key, "subject": d["uuid"], "field": "value", "value": "no"}
                for item in items
                for d in defendants
            ]
            assert observe.save_changes(db, ACTOR, hearing, checklist, changes) == []
            observe.add_note(
                db, ACTOR, hearing, me["id"], f"Day {day}: the public was kept out", "2026-11-01T09:00Z"
            )
            observe.submit(db, ACTOR, hearing)
            made.append(hearing["uuid"])
        return made
    finally:
        db.close()


class CuttingProxy:
    """A TCP relay in front of the server that can cut a request halfway or lose the server's answer.

    One request per connection (it closes the client side after each answer); ``plan`` says what to do
    with each request in turn: "pass", "cut" (send half the body, then hang up) or "drop" (deliver it,
    then hang up instead of answering). When the plan runs out, requests pass.
    """

    def __init__(self, upstream_port: int):
        self.upstream, self.port, self.plan, self.seen = upstream_port, free_port(), [], []
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client,), daemon=True).start()

    def _read_request(self, client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _sep, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(body) < length:
            body += client.recv(65536)
        return head + b"\r\n\r\n" + body

    def _relay(self, client: socket.socket) -> None:
        with client:
            request = self._read_request(client)
            if not request:
                return
            action = self.plan.pop(0) if self.plan else "pass"
            self.seen.append(action)
            upstream = socket.create_connection(("127.0.0.1", self.upstream))
            with upstream:
                if action == "cut":
                    upstream.sendall(request[: len(request) // 2])
                    return  # both sides hang up with the request half sent
                upstream.sendall(request.replace(b"keep-alive", b"close", 1))
                response = b""
                while chunk := upstream.recv(65536):
                    response += chunk
            if action == "pass":
                client.sendall(response)

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def instances(tmp_path):
    server_dir, laptop_dir = tmp_path / "server", tmp_path / "laptop"
    server_dir.mkdir()
    laptop_dir.mkdir()
    server_app = make_app(server_dir)
    setup = setup_trial(server_app, defendants=5)
    laptop_app = make_app(laptop_dir)
    make_user(laptop_app, "oleg", "admin")  # the laptop's first-run account
    # the laptop sends one hearing per bundle, so a push is several requests that can be cut between
    for folder in (server_dir, laptop_dir):
        flask(folder, "--help")  # writes instance/config.py once
    with open(laptop_dir / "config.py", "a", encoding="utf-8") as handle:
        handle.write("\nSYNC_HEARINGS_PER_PUSH = 1\n")
    server = Server(server_dir).start()
    yield server_app, setup, server, laptop_app, laptop_dir
    server.kill()


def test_pull_offline_push_findings_and_exactly_once(instances):
    server_app, setup, server, laptop_app, laptop_dir = instances
    done = flask(
        laptop_dir, "sync", "configure", server.url, "--token-stdin", stdin=token_for(server_app, "oleg")
    )
    assert done.returncode == 0, done.stderr
    pulled = flask(laptop_dir, "sync", "pull")
    assert pulled.returncode == 0, pulled.stderr + pulled.stdout
    assert count(laptop_app, "defendant") == 5 and count(laptop_app, "trial") == 1

    server.kill()  # the courtroom has no network
    made = log_hearings(laptop_app, 3, first_day=10)
    status = flask(laptop_dir, "sync", "status")
    assert "3 hearing" in status.stdout, status.stdout
    offline = flask(laptop_dir, "sync", "push")
    assert offline.returncode != 0 and "Could not reach the server" in offline.stderr

    restarted = Server(server.instance)
    restarted.port = server.port  # the same address as before
    server.process = restarted.start().process
    pushed = flask(laptop_dir, "sync", "push")
    assert pushed.returncode == 0, pushed.stderr + pushed.stdout
    assert "[3/3]" in pushed.stderr  # progress, one bundle per hearing here
    assert count(server_app, "hearing") == 3 and count(server_app, "note") == 3
    assert count(server_app, "answer") == 3 * 6 * 5

    lead_token = token_for(server_app, "lena")
    findings = requests.get(
        f"{server.url}/api/v1/missions/{setup['mission']['uuid']}/findings",
        headers={"Authorization": f"Bearer {lead_token}"},
        timeout=30,
    )
    assert findings.status_code == 200
    assert findings.json()["method"]["hearings"]["count"] == 3  # the laptop's hearings are counted

    again = flask(laptop_dir, "sync", "push")
    assert again.returncode == 0 and "Nothing new to push" in again.stdout
    assert count(server_app, "hearing") == 3

    # the lead sends one hearing back with a comment; the laptop learns it at the next pull
    returned = made[0]
    db = connect(server_app.config["DATABASE"])
    lena = users.get_by_username(db, "lena")
    hearing = next(db.query("SELECT * FROM hearing WHERE uuid = ?", [returned]))
    observe.review(db, ACTOR, hearing, lena["id"], "returned", "Say who kept the public out.")
    db.close()
    assert flask(laptop_dir, "sync", "pull").returncode == 0
    laptop_db = connect(laptop_app.config["DATABASE"])
    try:
        hearing = next(laptop_db.query("SELECT * FROM hearing WHERE uuid = ?", [returned]))
        assert hearing["status"] == "returned"
        assert [r["comment"] for r in laptop_db.query("SELECT * FROM review")] == [
            "Say who kept the public out."
        ]
        # the observer corrects it offline and sends it again: the server takes it, no conflict
        me = users.get_by_username(laptop_db, "oleg")
        observe.start_correction(laptop_db, ACTOR, hearing, me["id"], "the lead asked who closed the doors")
        hearing = next(laptop_db.query("SELECT * FROM hearing WHERE uuid = ?", [returned]))
        change = observe.changes("hearing", {"access_note": "The bailiff, on the judge's order."})
        checklist = checklists.get(hearing["checklist_id"], hearing["checklist_version"])
        assert observe.save_changes(laptop_db, ACTOR, hearing, checklist, change) == []
        observe.submit(laptop_db, ACTOR, hearing)
    finally:
        laptop_db.close()
    corrected = flask(laptop_dir, "sync", "push")
    assert corrected.returncode == 0 and "0 conflicts" in corrected.stdout, corrected.stdout
    db = connect(server_app.config["DATABASE"])
    try:
        hearing = next(db.query("SELECT * FROM hearing WHERE uuid = ?", [returned]))
        assert (hearing["status"], hearing["access_note"]) == (
            "submitted",
            "The bailiff, on the judge's order.",
        )
        assert db["hearing_revision"].count == 1 and db["sync_conflict"].count == 0
    finally:
        db.close()


def test_push_survives_a_cut_connection_and_a_lost_answer(instances):
    server_app, _setup, server, laptop_app, laptop_dir = instances
    proxy = CuttingProxy(server.port)
    token = token_for(server_app, "oleg")
    assert flask(laptop_dir, "sync", "configure", server.url, "--token-stdin", stdin=token).returncode == 0
    assert flask(laptop_dir, "sync", "pull").returncode == 0
    made = log_hearings(laptop_app, 3, first_day=10)
    # through the proxy: the first bundle arrives; the second is cut halfway, and so is every retry
    assert (
        flask(
            laptop_dir, "sync", "configure", f"http://127.0.0.1:{proxy.port}", "--token-stdin", stdin=token
        ).returncode
        == 0
    )
    proxy.plan = ["pass"] + ["cut"] * 3
    cut = flask(laptop_dir, "sync", "push")
    assert cut.returncode != 0 and "1 of 3 bundles reached the server" in cut.stderr, cut.stderr
    assert count(server_app, "hearing") == 1
    # again: the server imports the next bundle but its answer is lost; the laptop sends it again
    proxy.plan = ["drop"]
    resumed = flask(laptop_dir, "sync", "push")
    assert resumed.returncode == 0, resumed.stderr
    assert "drop" in proxy.seen
    db = connect(server_app.config["DATABASE"])
    try:
        per_hearing = {
            row["uuid"]: row["n"]
            for row in db.query("SELECT hearing.uuid, count(*) AS n FROM hearing GROUP BY hearing.uuid")
        }
        assert per_hearing == dict.fromkeys(made, 1)
        assert db["answer"].count == 3 * 6 * 5 and db["note"].count == 3
    finally:
        db.close()
    # the same bundle pushed three more times over plain HTTP: nothing new, nothing doubled
    laptop_db = connect(laptop_app.config["DATABASE"])
    try:
        me = users.get_by_username(laptop_db, "oleg")
        mission = next(laptop_db.query("SELECT * FROM mission"))
        trial = next(laptop_db.query("SELECT * FROM trial"))
        chosen = exporter.select(laptop_db, me, mission, "trial", trial=trial)
        data, _manifest, _sent = exporter.build(laptop_db, me, mission, chosen, "trial", trial=trial)
    finally:
        laptop_db.close()
    for _ in range(3):
        answer = requests.post(
            f"{server.url}/api/v1/sync/push",
            data=data,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["totals"]["inserted"] == answer.json()["totals"]["updated"] == 0
    assert count(server_app, "hearing") == 3 and count(server_app, "answer") == 90
    proxy.close()
