"""kill -9 of the server while observers autosave: every save the client saw acknowledged survives.

The same procedure as `make stress` (bench/stress.py), three cycles instead of fifty.
"""

import sqlite3

from bench.stress import crash_cycles, make_instance


def test_acknowledged_autosaves_survive_kill_9(tmp_path):
    instance = tmp_path / "instance"
    make_instance(instance, hearings=100)
    report = crash_cycles(instance, cycles=3, writers=6, log=lambda _m: None)
    assert report["integrity"] == ["ok", "ok", "ok"]
    assert report["acknowledged"] >= 3 * 10  # the server really was killed mid-stream, more than once
    assert report["lost"] == 0
    plain = sqlite3.connect(instance / "monitor.sqlite")
    assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    plain.close()
