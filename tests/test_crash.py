"""kill -9 of the server while observers autosave: every save the client saw acknowledged survives."""

import sqlite3
import threading
import time

from monitor import checklists
from monitor.db import connect
from monitor.observe import records as observe
from tests.conftest import FAST_ARGON2, PASSWORD, make_app, setup_trial, start_hearing
from tests.liveserver import Browser, Server

CYCLES = 3
WRITERS = 4


def test_acknowledged_autosaves_survive_kill_9(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(f"SECRET_KEY = 'crash test'\nARGON2 = {FAST_ARGON2!r}\n")
    app = make_app(instance)
    setup = setup_trial(app, defendants=12)
    hearing = start_hearing(app, setup)
    items = checklists.get("fair_trial").items_for("defendant")
    slots = [(d["uuid"], item.key) for d in setup["defendants"] for item in items]  # one field per save
    acknowledged: dict[tuple, str] = {}
    counter = iter(range(len(slots)))
    lock = threading.Lock()
    server = Server(instance)
    report = []

    def writer(stop: threading.Event):
        browser = Browser(server.url)
        try:
            browser.sign_in("oleg", PASSWORD)
        except OSError:
            return  # killed before this writer got in: nothing was acknowledged
        while not stop.is_set():
            with lock:
                n = next(counter, None)
            if n is None:
                return
            subject, key = slots[n]
            value = f"save {n}"
            change = {
                "id": str(n),
                "target": "answer",
                "subject": subject,
                "item": key,
                "field": "note",
                "value": value,
            }
            try:
                status, body = browser.post_json(
                    f"/hearings/{hearing['uuid']}/save", {"changes": [change]}, timeout=5
                )
            except OSError:
                return  # the server died mid-request: this save was never acknowledged
            if status == 200 and not body.get("errors"):
                with lock:
                    acknowledged[(subject, key)] = value

    for cycle in range(CYCLES):
        server.start()
        stop = threading.Event()
        threads = [threading.Thread(target=writer, args=(stop,)) for _ in range(WRITERS)]
        for t in threads:
            t.start()
        before = len(acknowledged)
        deadline = time.monotonic() + 10
        while len(acknowledged) < before + 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # kill -9, with requests in flight
        stop.set()
        for t in threads:
            t.join()
        db = connect(str(instance / "monitor.sqlite"))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = {k: row["note"] for k, row in observe.answers(db, hearing["id"]).items()}
        db.close()
        lost = {k: v for k, v in acknowledged.items() if stored.get(k) != v}
        report.append((cycle, len(acknowledged), len(lost)))
        assert lost == {}, f"cycle {cycle}: acknowledged saves missing after kill -9: {list(lost)[:5]}"
    assert len(acknowledged) >= CYCLES * 20
    plain = sqlite3.connect(instance / "monitor.sqlite")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()
