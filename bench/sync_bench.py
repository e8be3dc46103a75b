"""Benchmark: importing the generated mission as one bundle into an empty installation, then again.

Targets (issue 7): a 4,000-hearing bundle imports in ≤ 30 s; importing it again takes ≤ 10 s and changes
nothing. The bundle is written once by the exporter (its time and size are reported too); each import
runs the ``import-bundle`` command in its own process, so wall time and peak memory are the command's.
The floor is SQLite inserting the same number of answer rows with one ``executemany`` in the same run.

    .venv/bin/python bench/sync_bench.py [--size full|small]
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


def export_mission(instance: Path, output: Path) -> dict:
    """The whole mission as its lead would send it (nothing marked as sent in the source)."""
    from monitor.db import connect
    from monitor.schema import init_db
    from monitor.sync import exporter

    init_db(str(instance / "monitor.sqlite"))  # data generated before the sync tables existed
    db = connect(str(instance / "monitor.sqlite"))
    try:
        mission = next(db.query("SELECT * FROM mission"))
        lead = next(
            db.query(
                "SELECT user.* FROM user JOIN mission_member ON mission_member.user_id = user.id "
                "WHERE mission_member.mission_id = ? AND mission_member.role = 'lead' LIMIT 1",
                [mission["id"]],
            )
        )
        started = time.perf_counter()
        records = exporter.stream(db, lead, mission, "changes")
        data, manifest, _sent = exporter.build(db, lead, mission, records, "changes")
        seconds = time.perf_counter() - started
    finally:
        db.close()
    output.write_bytes(data)
    return {"seconds": seconds, "bytes": len(data), "counts": manifest["counts"]}


def fresh_instance(folder: Path) -> None:
    from monitor.audit import Actor
    from monitor.auth import users
    from monitor.db import connect
    from monitor.schema import init_db

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(f"SECRET_KEY = 'benchmark'\nARGON2 = {FAST_ARGON2!r}\n")
    init_db(str(folder / "monitor.sqlite"))
    db = connect(str(folder / "monitor.sqlite"))
    users.create(
        db,
        Actor(name="benchmark"),
        username="importer",
        display_name="Importer",
        password="benchmark password",  # noqa: S106 (a throwaway instance)
        role="admin",
        language="en",
        argon2=FAST_ARGON2,
    )
    db.close()


def run_import(instance: Path, bundle: Path) -> dict:
    """``import-bundle`` in its own process: wall time, peak memory, and what it did."""
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(instance))
    flask = Path(sys.executable).parent / "flask"
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(flask), "--app", "monitor", "import-bundle", str(bundle), "--user", "importer", "--json"],
            env=env,
            stdout=out,
            stderr=err,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            lines = err.read().decode().strip().splitlines()
            return {"failed": lines[-1] if lines else f"exit status {process.returncode}"}
        report = json.loads(out.read())
    return {"seconds": seconds, "totals": report["totals"], "peak_mb": round(usage.ru_maxrss / 1024)}


def floor(answers: int) -> float:
    """SQLite alone: the same number of answer-sized rows into an indexed table, one executemany."""
    with tempfile.TemporaryDirectory() as folder:
        conn = sqlite3.connect(os.path.join(folder, "floor.sqlite"))
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(
            "CREATE TABLE answer (id INTEGER PRIMARY KEY, hearing_id INTEGER, subject_uuid TEXT, "
            "item_key TEXT, value TEXT, note TEXT, provenance TEXT, uuid TEXT UNIQUE, "
            "UNIQUE (hearing_id, subject_uuid, item_key))"
        )
        conn.execute("CREATE INDEX answer_item ON answer (item_key, value)")
        conn.execute("CREATE INDEX answer_units ON answer (item_key, subject_uuid, value, hearing_id)")
        rows = (
            (
                n // 800,
                f"{n // 40 % 20:08d}-0000-4000-8000-000000000000",
                f"item_{n % 40}",
                "no",
                "",
                "",
                f"u{n}",
            )
            for n in range(answers)
        )
        started = time.perf_counter()
        with conn:
            conn.executemany(
                "INSERT INTO answer (hearing_id, subject_uuid, item_key, value, note, provenance, uuid) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        seconds = time.perf_counter() - started
        conn.close()
    return seconds


def bench_import(instance: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        folder = Path(folder)
        bundle = folder / "mission.tmbundle"
        exported = export_mission(instance, bundle)
        target = folder / "instance"
        fresh_instance(target)
        first = run_import(target, bundle)
        second = run_import(target, bundle)
        answers = (
            sqlite3.connect(target / "monitor.sqlite").execute("SELECT count(*) FROM answer").fetchone()[0]
        )
    return {
        "export": exported,
        "first": first,
        "second": second,
        "answers": answers,
        "floor_seconds": floor(answers),
    }


def main():
    from bench.run import prepare

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default=os.environ.get("BENCH_SIZE", "full"))
    parser.add_argument("--data", default=str(ROOT / "bench" / ".data"))
    args = parser.parse_args()
    print(json.dumps(bench_import(prepare(Path(args.data), args.size)), indent=1))


if __name__ == "__main__":
    main()
