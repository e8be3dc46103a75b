"""bench/knee.py at a tiny size: the same code path as the full ladder (the instance made through the
app's functions, gunicorn with 4 workers, clients signed in, a timed window of autosaves, every
acknowledged save looked up afterwards), and its section of docs/benchmarks.md kept by `make bench`."""

import copy
from types import SimpleNamespace

import pytest

from bench import knee, run


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    data = tmp_path_factory.mktemp("knee")
    return knee.measure(data, [2, 3], seconds=2, say=lambda _m: None), data


def test_each_step_counts_its_saves_and_loses_none(measured):
    results, _data = measured
    assert [s["clients"] for s in results["steps"]] == [2, 3]
    for s in results["steps"]:
        # 2 s at one save every 0.5–1.5 s: at least one save per client, every one acknowledged and kept
        assert s["started"] == s["clients"] and s["saves"] >= s["clients"] and s["latency"]["n"] == s["saves"]
        assert s["errors"] == 0 and s["lost"] == 0, s
        assert 0 < s["acknowledged"] <= s["saves"]
        assert s["per_second"] > 0 and 0 < s["latency"]["median"] <= s["latency"]["max"] < knee.TIMEOUT
        assert 0 < s["machine_cpu"] <= 100 and s["server_cpu"] >= 0 and s["client_cpu"] > 0
        assert s["lock_samples"] == 0 and s["lock_busy"] is None  # nothing holds the database open
        assert s["log"]["tracebacks"] == 0 and s["log"]["workers_booted"] == knee.WORKERS  # its log read
    assert 0 < results["writer"]["median"] < 1  # one autosave's write transaction, in process


def test_the_instance_has_an_observer_and_a_draft_per_client(measured):
    _results, data = measured
    from monitor.db import connect

    made = knee.make_instance(data, 3)  # already made: read back, not made again
    db = connect(str(data / "monitor.sqlite"))
    for target in made["observers"]:
        hearing = next(db.query("SELECT * FROM hearing WHERE uuid = ?", [target["uuid"]]))
        assert hearing["status"] == "draft"
        assert db["trial_observer"].count_where("user_id = ?", [hearing["observer_id"]]) == 1
        assert db["mission_member"].count_where("user_id = ? AND role = 'observer'", [hearing["observer_id"]])
        present = db["hearing_defendant"].count_where("hearing_id = ? AND present = 1", [hearing["id"]])
        assert present == len(target["present"]) == knee.PER_TRIAL - 2
    db.close()


def test_a_save_the_database_does_not_hold_counts_as_lost(measured):
    _results, data = measured
    target = knee.make_instance(data, 3)["observers"][0]
    who = target["present"][0]
    honest = SimpleNamespace(target=target, acknowledged={})
    assert knee.count_lost(data, [honest]) == 0
    forged = SimpleNamespace(target=target, acknowledged={(who, "interpreter", "note"): "never saved"})
    assert knee.count_lost(data, [forged]) == 1


def test_the_section_has_its_table_the_knee_and_the_sizing_guide(measured):
    results, _data = measured
    results = copy.deepcopy(results)
    # relabel the two steps as 20 and 100 observers to see their named rows
    results["steps"][0]["clients"], results["steps"][1]["clients"] = 20, 100
    text = "\n".join(knee.section(results))
    assert text.startswith(run.KNEE_SECTION) and knee.HEADER in text
    rows = [line for line in text.splitlines() if line.startswith(("| 20 |", "| 100 |"))]
    assert len(rows) == 2 and all(line.endswith(("| met |", "| **missed** |")) for line in rows)
    assert "Autosave under 20 concurrent observers (4 workers)" in text
    assert "Autosave under 100 concurrent observers (4 workers)" in text
    assert "**The knee**" in text and "Sizing a mission server" in text
    assert "SQLite's single writer" in text


def test_a_new_run_replaces_the_section_and_make_bench_keeps_it(measured, tmp_path):
    results, _data = measured
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nrows\n\n## Growth with the mission's size\n\ngrowth rows\n")
    knee.write_doc(doc, knee.section(results))
    later = copy.deepcopy(results)
    later["started"]["date"] = "later"
    knee.write_doc(doc, knee.section(later))
    text = doc.read_text()
    assert text.count(run.KNEE_SECTION) == 1 and "on later" in text and "growth rows" in text
    kept = run.kept_section(doc, run.KNEE_SECTION)
    assert kept[1] == run.KNEE_SECTION and any(line.startswith("| 3 |") for line in kept)
    assert not any("growth rows" in line for line in kept)


def test_the_knee_is_the_first_step_that_misses():
    def step(n, p95, errors=0, lost=0):
        ok = p95 <= knee.TARGET_P95 and not errors and not lost
        return {"clients": n, "ok": ok}

    steps = [step(10, 0.01), step(20, 0.02), step(40, 0.01, errors=1), step(60, 0.05)]
    first, below = knee.knee({"steps": steps})
    assert first["clients"] == 40 and below["clients"] == 20
    assert knee.knee({"steps": steps[:2]}) == (None, steps[1])


def test_the_lock_probe_sees_a_writer_hold_the_lock(tmp_path):
    import sqlite3
    import time

    path = tmp_path / "probe.sqlite"
    writer = sqlite3.connect(str(path), isolation_level=None)
    writer.execute("PRAGMA journal_mode = WAL")
    writer.execute("CREATE TABLE t (x)")
    with knee.LockProbe(path, every=0.01) as free:
        time.sleep(0.2)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO t VALUES (1)")
    with knee.LockProbe(path, every=0.01) as held:
        time.sleep(0.2)
    writer.execute("COMMIT")
    writer.close()
    assert free.total > 5 and free.busy == 0
    assert held.total > 5 and held.busy == held.total


def test_the_limiting_resource_is_named_from_the_measurements():
    def step(**figures):
        base = {
            "clients": 100,
            "per_second": 100.0,
            "mean": 0.01,
            "machine_cpu": 40.0,
            "server_cpu": 30.0,
            "client_cpu": 3.0,
            "writer_occupancy": 0.05,
            "lock_busy": None,
            "lock_samples": 0,
            "log": {"locked": 0},
            "floor": {"p95": 0.01},
        }
        return {**base, **figures}

    writer = {"median": 0.0005}
    assert knee.limiting(step(machine_cpu=95, server_cpu=80), writer).startswith("**CPU**")
    assert "the server taking most" in knee.limiting(step(machine_cpu=95, server_cpu=80), writer)
    shared = knee.limiting(step(machine_cpu=95, server_cpu=20), writer)
    assert shared.startswith("**CPU, shared with other processes**")
    assert knee.limiting(step(writer_occupancy=0.7), writer).startswith("**SQLite's single write lock**")
    assert knee.limiting(step(log={"locked": 3}), writer).startswith("**SQLite's single write lock**")
    assert knee.limiting(step(mean=0.2), writer).startswith("**the workers' threads**")  # 20 in flight
    # below saturation, the machine this load's alone: the server's CPU, queueing in bursts
    assert knee.limiting(step(), writer).startswith("**CPU, in bursts**")
    # below saturation, with other processes taking a share: the shared machine's scheduling
    busy = knee.limiting(step(machine_cpu=60, server_cpu=20), writer)
    assert busy.startswith("**no single resource saturated**") and "shared machine" in busy


def test_growth_gets_the_autosave_on_a_grown_missions_own_instance(tmp_path):
    """bench/growth.py's autosave rows: observers added once to the instance measured, then reused."""
    from bench.generate import FAST_ARGON2, tiny

    (tmp_path / "config.py").write_text(f"SECRET_KEY = 'test'\nARGON2 = {FAST_ARGON2!r}\n")
    tiny(str(tmp_path / "monitor.sqlite"))
    got = knee.growth_autosave(tmp_path, ladder=(2,), seconds=2)
    assert list(got) == [2]
    assert got[2]["saves"] >= 2 and got[2]["errors"] == 0 and got[2]["lost"] == 0, got
    assert 0 < got[2]["median_ms"] <= got[2]["p95_ms"] < 1000 * knee.TIMEOUT
    marker = (tmp_path / "knee-observers.json").read_text()
    again = knee.growth_autosave(tmp_path, ladder=(2,), seconds=2)  # the same observers, not made again
    assert (tmp_path / "knee-observers.json").read_text() == marker and again[2]["lost"] == 0
