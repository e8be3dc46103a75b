"""`make bench`: every benchmark on a generated mission, written to docs/benchmarks.md.

Each timing is repeated and reported as median and spread, beside a floor measured in the same run on the
same machine (a plain GROUP BY over the answers; a bare route in the same server), so the ratio means
something on a noisy machine. Nothing in docs/benchmarks.md is typed by hand.

    .venv/bin/python bench/run.py [--size full|small] [--data bench/.data] [--only exports|findings]

`--only exports` (or `BENCH_ONLY=exports make bench`) runs only the report and export benchmarks and
replaces their rows and notes in docs/benchmarks.md, leaving the other rows as the last full run wrote them.
`--only mass_sitting` does the same for the observation form of a 37-defendant sitting (its own small
instance, made by bench/mass_sitting.py, so it needs no generated mission) and for the observer's input
count of a routine sitting, taken from the browser test that counts them. `--only findings` runs the
findings rows (computed, kept, the first view after an autosave and after a reconciliation, the autosave in
process), the 20 observers' autosave row and the import rows (each write keeps the counts), and
replaces those rows and the findings note.
"""

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import FAST_ARGON2, PASSWORD, drafts, generate  # noqa: E402
from bench.review_page import bench_review_page  # noqa: E402
from bench.sync_bench import bench_import  # noqa: E402
from tests.liveserver import Browser, Server  # noqa: E402

SIZES = {
    "full": {"trials": 20, "defendants": 400, "sittings": 4000, "witnesses": 2000, "allegations": 600},
    "small": {"trials": 6, "defendants": 120, "sittings": 400, "witnesses": 200, "allegations": 60},
}
MIGRATION_SECTION = "## Migration to the new units"  # written by bench/migrate_units.py --doc, kept here
VAULT_SECTION = "## Encrypted at rest, beside plain"  # written by bench/vault_bench.py --doc, kept here
GROWTH_SECTION = "## Growth with the mission's size"  # written by bench/growth.py --doc, kept here
GROWTH_FIGURES_SECTION = "## Growth: every other figure by size"  # bench/growth.py --doc too
KNEE_SECTION = "## Concurrent observers: the knee"  # written by bench/knee.py --doc, kept here


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def spread(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return {
        "n": len(ordered),
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "p95": p95,
        "p99": p99,
    }


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def prepare(data_dir: Path, size: str) -> Path:
    """The generated instance for this size (made once, reused by later runs)."""
    instance = data_dir / size
    marker = instance / "generated.json"
    if marker.exists() and json.loads(marker.read_text()).get("shape") == "v2":
        return instance
    if instance.exists():
        for child in instance.iterdir():
            child.unlink()
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "config.py").write_text(f"SECRET_KEY = 'benchmark'\nARGON2 = {FAST_ARGON2!r}\n")
    summary = generate(
        str(instance / "monitor.sqlite"), seed=1, log=lambda m: print("  generate:", m), **SIZES[size]
    )
    marker.write_text(json.dumps(summary))
    return instance


def bench_findings(instance: Path) -> dict:
    """Findings computed (the whole mission), again with the data unchanged, and the first view after a
    write: an observer's autosave of a draft, and a lead's reconciliation (a write the counts read); the
    floors; and an observer's autosave itself, in process, with the summary upkeep it now carries."""
    from monitor import checklists
    from monitor.db import connect
    from monitor.findings.aggregate import compute_findings, findings

    try:  # where init_db lives moved (monitor/schema.py on main since this was written)
        from monitor.schema import init_db
    except ImportError:
        from monitor.db import init_db
    path = str(instance / "monitor.sqlite")
    started = time.perf_counter()
    applied = init_db(path)  # m018_findings_summary fills the kept counts on a database made before it
    migrated = time.perf_counter() - started
    db = connect(path)
    mission = next(db.query("SELECT * FROM mission"))
    checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
    scope = _scope(mission)
    compute_findings(db, scope, checklist, mission)  # warm SQLite's page cache
    work = timed(lambda: compute_findings(db, scope, checklist, mission), 7)
    findings(db, scope, checklist, mission)  # kept for the process from here on
    kept = timed(lambda: findings(db, scope, checklist, mission), 7)
    floor = timed(lambda: list(db.query(FINDINGS_FLOOR)), 7)
    same_counts = timed(lambda: list(db.query(FINDINGS_SUMMARY_FLOOR)), 7) if _has_summary(db) else None
    writes = _findings_after_writes(db, mission, checklist)
    answers, facts = db["answer"].count, db["case_fact"].count
    db.close()
    return {
        "work": spread(work),
        "kept": spread(kept),
        "floor": spread(floor),
        "same_counts_floor": spread(same_counts) if same_counts else None,
        "answers": answers,
        "case_facts": facts,
        "migrated": {"steps": applied, "seconds": migrated},
        **writes,
    }


def _scope(mission):
    from monitor.findings.scope import Scope

    return Scope(mission["id"])


def _has_summary(db) -> bool:
    return db["findings_unit"].exists()


def _findings_after_writes(db, mission, checklist, repeat: int = 7) -> dict:
    """The first findings view after an observer's autosave (a draft: the counts do not change) and after
    a lead changes a reconciled answer (one sitting recounted); the autosaves themselves, in process.
    Every value written is put back at the end, so the generated mission stays as generated."""
    from monitor.audit import Actor
    from monitor.findings.aggregate import findings
    from monitor.observe import records as observe
    from monitor.observe import sittings

    actor = Actor(name="bench")
    scope = _scope(mission)
    draft = next(db.query("SELECT * FROM hearing WHERE status = 'draft' ORDER BY id LIMIT 1"))
    subject = next(
        db.query(
            "SELECT defendant.uuid FROM hearing_defendant JOIN defendant ON defendant.id = defendant_id "
            "WHERE hearing_id = ? AND present = 1 LIMIT 1",
            [draft["id"]],
        )
    )["uuid"]
    item = next(
        i for i in checklist.items if i.unit == "defendant_at_sitting" and i.answer == "yesno" and not i.home
    )
    original = next(
        db.query(
            "SELECT value FROM answer WHERE hearing_id = ? AND subject_uuid = ? AND item_key = ?",
            [draft["id"], subject, item.key],
        ),
        {"value": ""},
    )["value"]

    def autosave(n: int) -> float:
        value = ("yes", "no")[n % 2]
        change = {"target": "answer", "item": item.key, "subject": subject, "field": "value", "value": value}
        started = time.perf_counter()
        assert observe.save_changes(db, actor, draft, checklist, [change]) == []  # noqa: S101
        return time.perf_counter() - started

    saves, after_autosave = [], []
    findings(db, scope, checklist, mission)
    for n in range(repeat):
        saves.append(autosave(n))
        after_autosave += timed(lambda: findings(db, scope, checklist, mission), 1)
    saves += [autosave(n) for n in range(60)]
    restore = {"target": "answer", "item": item.key, "subject": subject, "field": "value", "value": original}
    observe.save_changes(db, actor, draft, checklist, [restore])

    decided = next(
        db.query(
            "SELECT reconciliation.*, user.id AS lead FROM reconciliation "
            "JOIN user ON user.id = reconciliation.decided_by WHERE subject_uuid != '' ORDER BY id LIMIT 1"
        ),
        None,
    )
    reconciles, after_reconcile = [], []
    if decided is not None:
        sitting = db["sitting"].get(decided["sitting_id"])
        values = list(checklist.item(decided["item_key"]).values())
        others = [v for v in values if v != decided["value"]] or values

        def reconcile(value) -> float:
            started = time.perf_counter()
            sittings.reconcile(
                db,
                actor,
                sitting,
                checklist,
                decided["lead"],
                decided["subject_uuid"],
                decided["item_key"],
                value,
                "benchmark: changed, then put back",
            )
            return time.perf_counter() - started

        for n in range(repeat):
            reconciles.append(reconcile(others[0] if n % 2 == 0 else decided["value"]))
            after_reconcile += timed(lambda: findings(db, scope, checklist, mission), 1)
        reconcile(decided["value"])
    return {
        "after_autosave": spread(after_autosave),
        "after_reconcile": spread(after_reconcile) if after_reconcile else None,
        "autosave_in_process": spread(saves),
        "reconcile_in_process": spread(reconciles) if reconciles else None,
    }


# Every per-observation answer and every case fact counted per item: what any findings must at least read
# if they read the answers (the floor of the findings row since it was first measured).
FINDINGS_FLOOR = (
    "SELECT item_key, count(*) FROM answer GROUP BY item_key "
    "UNION ALL SELECT item_key, count(*) FROM case_fact GROUP BY item_key"
)
# The same per-item counts the findings give (units observed, with a concern, disputed; case facts known),
# in one statement over the tables the findings read since issue #16 (the kept counts and case_fact).
FINDINGS_SUMMARY_FLOOR = (
    "SELECT item_key, count(*) FILTER (WHERE sittings > 0), count(*) FILTER (WHERE concerns > 0), "
    "count(*) FILTER (WHERE disputed > 0) FROM findings_unit GROUP BY item_key "
    "UNION ALL SELECT item_key, count(*) FILTER (WHERE value NOT IN ('', 'not_observed')), 0, 0 "
    "FROM case_fact GROUP BY item_key"
)


def bench_form_page(instance: Path) -> dict:
    """The hearing form (a draft of 18–20 defendants) and a bare route, in one process."""
    os.environ["MONITOR_INSTANCE_PATH"] = str(instance)
    from monitor import create_app
    from monitor.db import connect

    app = create_app()
    db = connect(str(instance / "monitor.sqlite"))
    draft = next(
        db.query(
            "SELECT hearing.uuid, user.username FROM hearing JOIN user ON user.id = hearing.observer_id "
            "WHERE hearing.status = 'draft' LIMIT 1"
        )
    )
    db.close()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": draft["username"], "password": PASSWORD, "csrf_token": token})
    url = f"/hearings/{draft['uuid']}"
    assert client.get(url).status_code == 200
    work = timed(lambda: client.get(url), 60)
    floor = timed(lambda: client.get("/healthz"), 60)
    return {"work": spread(work), "floor": spread(floor)}


def bench_mass_sitting_page(data_dir: Path) -> dict:
    """The v2 observation form of a sitting with 37 defendants (36 present), and a bare route, in one
    process; the sitting is made in its own instance by bench/mass_sitting.py."""
    from bench import mass_sitting

    instance = data_dir / "mass_sitting"
    made = mass_sitting.make(instance)
    os.environ["MONITOR_INSTANCE_PATH"] = str(instance)
    from monitor import create_app

    app = create_app()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    client.post("/login", data={"username": made["username"], "password": PASSWORD, "csrf_token": token})
    url = f"/hearings/{made['hearing_uuid']}"
    html = client.get(url).get_data(as_text=True)
    assert 'id="same-all"' in html and html.count('class="defendant-row') == mass_sitting.DEFENDANTS
    for _ in range(5):  # warm up templates and SQLite's page cache
        client.get(url)
    work = timed(lambda: client.get(url), 100)
    floor = timed(lambda: client.get("/healthz"), 100)
    return {"work": spread(work), "floor": spread(floor), "answers": made["answers"], "bytes": len(html)}


def bench_mass_sitting_inputs() -> dict:
    """The observer's inputs for a routine sitting of 37 defendants, as counted by the browser test
    (tests/test_browser_mass_sitting.py prints the count and what each input was)."""
    test = (
        "tests/test_browser_mass_sitting.py::test_a_routine_sitting_of_37_defendants_takes_at_most_60_inputs"  # noqa: E501
    )
    run = subprocess.run(  # noqa: S603 (our own test, our own interpreter)
        [sys.executable, "-m", "pytest", test, "-q", "-s", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    lines = run.stdout.splitlines()
    counted = [n for n, line in enumerate(lines) if line.startswith("observer inputs:")]
    if run.returncode != 0 or not counted:
        return {"count": None, "passed": False, "log": []}
    log = []
    for line in lines[counted[0] + 1 :]:
        n, _, what = line.strip().partition("  ")
        if not n.isdigit():
            break
        log.append(f"{what.strip()}" if n == "1" else f"{what.strip()} ({n})")
    return {"count": int(lines[counted[0]].split(":")[1]), "passed": True, "log": log}


def mass_inputs_note(i: dict) -> str:
    return (
        f"{MASS_INPUTS_NOTE} {i['count']} inputs, one each unless said: " + "; ".join(i["log"]) + ". "
        "Signing in and opening the trial's page are not counted."
    )


MASS_INPUTS_NOTE = "Routine sitting of 37 defendants, as the browser test made it:"


def mass_inputs_row(i: dict) -> str:
    measured = f"{i['count']} inputs" if i["count"] is not None else "test failed"
    return (
        f"| {MASS_INPUTS_LABEL} | ≤ 60 keystrokes and clicks | {measured} "
        "| one run (the count does not vary) "
        f"| about 1,665 answers with the v1 form | — | {verdict(i['passed'] and i['count'] <= 60)} |"
    )


MASS_INPUTS_LABEL = (
    "routine sitting of a 37-defendant trial (two speak, one absent), observer's keystrokes and clicks "
    "in Chromium (tests/test_browser_mass_sitting.py)"
)


def mass_sitting_row(p: dict) -> str:
    return (
        f"| {MASS_SITTING_LABEL} | ≤ 50 ms p95 | {ms(p['work']['p95'])} ms p95 "
        f"| median {ms(p['work']['median'])} ms, max {ms(p['work']['max'])} ms (n={p['work']['n']}); "
        f"{p['answers']} answers, {p['bytes'] // 1024} KiB of HTML | "
        f"{ms(p['floor']['p95'])} ms p95 (bare `/healthz`, same process) | "
        f"{p['work']['p95'] / p['floor']['p95']:.1f}× | {verdict(p['work']['p95'] <= 0.05)} |"
    )


MASS_SITTING_LABEL = "observation form, a v2 sitting of a 37-defendant trial (36 present, answered)"


def update_mass_sitting(path: Path, result: dict, inputs: dict | None = None) -> None:
    """Replace (or add, after the other form page) the mass-sitting rows of docs/benchmarks.md."""
    lines = path.read_text().splitlines()
    rows = [(MASS_SITTING_LABEL, mass_sitting_row(result))]
    if inputs is not None:
        rows.append((MASS_INPUTS_LABEL, mass_inputs_row(inputs)))
    if inputs is not None and inputs["log"]:
        lines = [line for line in lines if not line.startswith(f"- {MASS_INPUTS_NOTE}")]
        if "## Notes" in lines:
            lines.insert(lines.index("## Notes") + 2, f"- {mass_inputs_note(inputs)}")
    after = next(n for n, line in enumerate(lines) if line.startswith("| hearing form page"))
    for label, row in rows:
        at = [n for n, line in enumerate(lines) if line.startswith(f"| {label} |")]
        if at:
            lines[at[0]] = row
        else:
            after += 1
            lines.insert(after, row)
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    lines = [
        line
        if not line.startswith("Written by `make bench`")
        else line.split(" Mass-sitting rows")[0].rstrip()
        + f" Mass-sitting rows re-measured on {date} (`--only mass_sitting`, load average {load:.1f})."
        for line in lines
    ]
    path.write_text("\n".join(lines) + "\n")


def bench_autosave(instance: Path, observers: int = 20, saves_each: int = 30) -> dict:
    """20 observers saving at once against gunicorn; every acknowledged save must be in the database.

    Each observer saves as the form does: one batch a second or so while typing (the form debounces
    for one second), not back to back.
    """
    from monitor import checklists
    from monitor.db import connect

    targets = drafts(instance, observers)
    db = connect(str(instance / "monitor.sqlite"))
    mission = next(db.query("SELECT checklist_id, checklist_version FROM mission"))
    db.close()
    checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
    # what an observer answers per defendant at a sitting (every defendant question on a v1 checklist)
    items = [
        i.key for i in checklist.items_for("defendant") if i.unit == "defendant_at_sitting" and not i.home
    ]
    server = Server(instance, workers=2).start()
    latencies, errors, acknowledged = [], [], {}
    lock = threading.Lock()

    def observer(draft):
        browser = Browser(server.url)
        browser.sign_in(draft["username"], PASSWORD)
        for n in range(saves_each):
            key = items[n % len(items)]
            change = {
                "id": str(n),
                "target": "answer",
                "subject": draft["defendant"],
                "item": key,
                "field": "note",
                "value": f"{draft['username']} save {n}",
            }
            started = time.perf_counter()
            try:
                status, body = browser.post_json(f"/hearings/{draft['uuid']}/save", {"changes": [change]})
            except OSError as error:
                status, body = 0, {"error": str(error)}
            elapsed = time.perf_counter() - started
            time.sleep(random.uniform(0.5, 1.5))  # noqa: S311 (typing, then the one-second debounce)
            with lock:
                latencies.append(elapsed)
                if status == 200 and not body.get("errors"):
                    acknowledged[(draft["id"], draft["defendant"], key)] = change["value"]
                else:
                    errors.append(status)

    floor = []

    def bare():
        for _ in range(saves_each):
            started = time.perf_counter()
            urllib.request.urlopen(server.url + "/healthz", timeout=10).close()
            floor.append(time.perf_counter() - started)
            time.sleep(random.uniform(0.5, 1.5))  # noqa: S311

    try:
        threads = [threading.Thread(target=observer, args=(d,)) for d in targets]
        threads += [threading.Thread(target=bare) for _ in range(2)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        server.stop()
    db = connect(str(instance / "monitor.sqlite"))
    lost = 0
    for (hearing_id, subject, key), value in acknowledged.items():
        row = next(
            db.query(
                "SELECT note FROM answer WHERE hearing_id = ? AND subject_uuid = ? AND item_key = ?",
                [hearing_id, subject, key],
            ),
            None,
        )
        lost += row is None or row["note"] != value
    db.close()
    return {
        "work": spread(latencies),
        "floor": spread(floor),
        "observers": len(targets),
        "requests": len(latencies),
        "errors": len(errors),
        "lost": lost,
        "throughput": round(len(latencies) / wall, 1),
    }


def bench_cold_start(instance: Path) -> dict:
    samples = []
    for _ in range(3):
        server = Server(instance, workers=2)
        started = time.perf_counter()
        server.start()
        urllib.request.urlopen(server.url + "/login", timeout=10).close()
        samples.append(time.perf_counter() - started)
        server.stop()
    return {"work": spread(samples)}


def bench_command(instance: Path, args: list[str], repeat: int = 1, limit: float = 900) -> dict | None:
    """A flask command in its own process: wall time and peak memory; stopped after `limit` seconds."""
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(instance))
    flask = Path(sys.executable).parent / "flask"
    samples, peaks = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        process = subprocess.Popen(
            [str(flask), "--app", "monitor", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        killer = threading.Timer(limit, process.kill)
        killer.start()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        killer.cancel()
        samples.append(time.perf_counter() - started)
        if samples[-1] >= limit:
            process.stderr.close()
            return {"failed": f"stopped after {limit:.0f} s", "peak_mb": round(usage.ru_maxrss / 1024)}
        peaks.append(usage.ru_maxrss / 1024)  # kilobytes on Linux → MB
        error = process.stderr.read().decode()
        process.stderr.close()
        if status != 0:
            return {"failed": error.strip().splitlines()[-1] if error.strip() else f"exit status {status}"}
    return {"work": spread(samples), "peak_mb": round(max(peaks))}


def bench_report_profile(instance: Path, mission_uuid: str) -> dict:
    """Where the mission PDF's time goes: the records and findings, the HTML, then WeasyPrint's layout."""
    os.environ["MONITOR_INSTANCE_PATH"] = str(instance)
    from monitor import checklists, create_app
    from monitor.db import connect
    from monitor.findings.aggregate import findings
    from monitor.findings.scope import Scope
    from monitor.reports import build, pdf

    app = create_app()
    db = connect(str(instance / "monitor.sqlite"))
    mission = next(db.query("SELECT * FROM mission WHERE uuid = ?", [mission_uuid]))
    with app.app_context(), app.test_request_context():
        checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
        started = time.perf_counter()
        findings(db, Scope(mission["id"]), checklist, mission)
        counted = time.perf_counter() - started
        started = time.perf_counter()
        html, _mimetype, _name = build.build_report(
            db, mission, "mission", "html", "internal", "en", str(instance)
        )
        to_html = time.perf_counter() - started
        started = time.perf_counter()
        document = pdf.to_pdf(html.decode(), str(ROOT))
        layout = time.perf_counter() - started
    db.close()
    return {
        "findings_and_matrix": counted,
        "to_html": to_html,
        "pdf_layout": layout,
        "pdf_kb": len(document) // 1024,
        "html_kb": len(html) // 1024,
    }


def bench_openpyxl_floor(rows: int = 20_000, columns: int = 50) -> dict:
    """A bare openpyxl write-only loop of text cells, in this process: what openpyxl alone manages here."""
    import io

    from openpyxl import Workbook

    row = ["Yes"] * columns
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("floor")
    for _ in range(rows):
        sheet.append(row)
    book.save(io.BytesIO())
    return {"cells_per_s": rows * columns / (time.perf_counter() - started)}


def answer_cells(instance: Path) -> dict:
    """The cells of the workbook's answer sheets: a row per hearing, per defendant at a hearing and per
    witness, each with its fixed columns and a column per question of its scope."""
    from monitor import checklists

    db = sqlite3.connect(instance / "monitor.sqlite")
    checklist = checklists.get(*db.execute("SELECT checklist_id, checklist_version FROM mission").fetchone())
    items = {scope: len(checklist.items_for(scope)) for scope in ("hearing", "defendant", "witness")}
    counted = "hearing_id IN (SELECT id FROM hearing WHERE status != 'draft')"
    hearings = db.execute("SELECT count(*) FROM hearing WHERE status != 'draft'").fetchone()[0]
    present = db.execute(f"SELECT count(*) FROM hearing_defendant WHERE {counted}").fetchone()[0]  # noqa: S608
    witnesses = db.execute(f"SELECT count(*) FROM witness_appearance WHERE {counted}").fetchone()[0]  # noqa: S608
    answers = db.execute(f"SELECT count(*) FROM answer WHERE {counted}").fetchone()[0]  # noqa: S608
    db.close()
    cells = hearings * (4 + items["hearing"]) + present * (7 + items["defendant"])
    cells += witnesses * (6 + items["witness"])
    return {"cells": cells, "rows": hearings + present + witnesses, "answers": answers}


def machine() -> dict:
    memory = "unknown"
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": os.getloadavg()[0],
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def import_rows(i: dict | None) -> list[str]:
    """The sync import's two rows (bench/sync_bench.py)."""
    if i is None:
        return []
    first, second, export = i["first"], i["second"], i["export"]
    if "failed" in first or "failed" in second:
        reason = first.get("failed") or second.get("failed")
        row = f"| import of the mission as one bundle | ≤ 30 s | not measured: {reason} | — | — | — |"
        return [row + " **missed** |"]
    changed = sum(second["totals"][a] for a in ("inserted", "updated", "conflict"))
    return [
        f"| import of the whole mission as one bundle ({export['counts'].get('sitting', 0):,} sittings, "
        f"{export['counts']['hearing']:,} observations, {i['answers']:,} answers, "
        f"{export['counts'].get('case_fact', 0):,} case facts, {export['bytes'] / 1e6:.0f} MB) into an empty "
        "installation | ≤ 30 s | "
        f"{first['seconds']:.1f} s, peak {first['peak_mb']} MB | one run; writing the bundle took "
        f"{export['seconds']:.1f} s | {i['floor_seconds']:.1f} s (SQLite alone, as many answer rows) | "
        f"{first['seconds'] / i['floor_seconds']:.1f}× | {verdict(first['seconds'] <= 30)} |",
        f"| importing the same bundle again | ≤ 10 s, changes nothing | {second['seconds']:.1f} s, peak "
        f"{second['peak_mb']} MB; {changed} records changed, {second['totals']['unchanged']:,} unchanged | "
        f"one run | — | — | {verdict(second['seconds'] <= 10 and changed == 0)} |",
    ]


EXPORTS = (  # name, label, target in seconds (None: none set), command
    ("pdf", "mission PDF report", 30, ["report", "--kind", "mission", "--format", "pdf"]),
    ("docx", "mission DOCX report", 15, ["report", "--kind", "mission", "--format", "docx"]),
    ("xlsx", "mission XLSX export", 15, ["export", "--format", "xlsx"]),
    ("csv", "mission CSV export (zip, with every answer one per row)", None, ["export", "--format", "csv"]),
)


def bench_exports(instance: Path, mission: str) -> dict:
    """Each report and export of the whole mission in its own process, written to /dev/null."""
    results = {}
    for name, _label, _target, (command, *options) in EXPORTS:
        print(f"benchmark: {name} …", flush=True)
        args = [command, mission, *options, "--profile", "internal", "-o", "/dev/null"]
        results[name] = bench_command(instance, args)
    print("benchmark: where the PDF's time goes …", flush=True)
    results["pdf_profile"] = bench_report_profile(instance, mission)
    print("benchmark: the openpyxl floor …", flush=True)
    results["openpyxl"] = bench_openpyxl_floor()
    results["answer_cells"] = answer_cells(instance)
    return results


def export_rows(results: dict) -> list[str]:
    lines = []
    for name, label, target, _command in EXPORTS:
        goal = f"≤ {target} s, ≤ 600 MB" if target else "≤ 600 MB (no time set)"
        r = results.get(name)
        if r is None or "failed" in r:
            reason = r["failed"] if r else "not built yet"
            lines.append(f"| {label} | {goal} | not measured: {reason} | — | — | — | **missed** |")
            continue
        ok = (target is None or r["work"]["median"] <= target) and r["peak_mb"] <= 600
        floor, ratio = "—", "—"
        if name == "xlsx" and "openpyxl" in results:
            rate, cells = results["openpyxl"]["cells_per_s"], results["answer_cells"]["cells"]
            floor = (
                f"openpyxl write-only: {rate:,.0f} cells/s, so {cells / rate:.1f} s for the "
                f"{cells:,} cells of the answer sheets alone"
            )
            ratio = f"{r['work']['median'] / (cells / rate):.2f}×"
        lines.append(
            f"| {label} | {goal} | {r['work']['median']:.1f} s, peak {r['peak_mb']} MB | "
            f"n={r['work']['n']} | {floor} | {ratio} | {verdict(ok)} |"
        )
    return lines


def export_notes(results: dict) -> list[str]:
    notes = []
    profile, data = results.get("pdf_profile"), results["data"]
    if profile:
        notes.append(
            "Mission PDF, profiled in one process: findings "
            f"{profile['findings_and_matrix']:.1f} s; records, redaction, findings and HTML together "
            f"{profile['to_html']:.1f} s ({profile['html_kb']:,} KB of HTML); WeasyPrint's layout of that "
            f"HTML {profile['pdf_layout']:.1f} s ({profile['pdf_kb']:,} KB PDF). WeasyPrint spends time and "
            "memory on every table cell, so the mission report has no table that grows with the "
            f'defendants ({data["defendants"]} here): a trial × right summary ("k of n" per trial and '
            "right) and custody per trial; the defendant × right matrix and the per-defendant custody "
            "table are in each trial's report (issue #16, part 5)."
        )
    if "answer_cells" in results:
        cells = results["answer_cells"]
        notes.append(
            "Exports stream: the answers are read from SQLite a hearing at a time, redacted row by row and "
            "written straight into the file, so the answers add nothing to the memory held; the other "
            "records (observations, presence, witnesses, notes, case facts) are read whole before the "
            "first line is written, so peak memory grows with the mission (bench/growth.py gives it at "
            "each size). The workbook holds the "
            f"{cells['answers']:,} answers as {cells['rows']:,} rows (one per hearing, per defendant at a "
            "hearing and per witness, a column per question; see docs/exports.md): one row per answer would "
            "pass Excel's limit of 1,048,576 rows a sheet. It is written by the export's own streaming "
            "SpreadsheetML writer (monitor/reports/xlsx.py): openpyxl's write-only mode would take "
            f"{cells['cells'] / results['openpyxl']['cells_per_s']:.1f} s for those cells alone (the floor "
            "column). The CSV zip has the same tables, and answers.csv with every answer one per row."
        )
    return notes


def update_exports(path: Path, results: dict) -> None:
    """Replace the export rows and notes of an existing docs/benchmarks.md (``--only exports``)."""
    text = path.read_text()
    if f"Data ({results['size']})" not in text:
        raise SystemExit(f"{path} was written for another data size: run the whole benchmark instead")
    lines = text.splitlines()
    labels = tuple(f"| {label} |" for _name, label, _target, _command in EXPORTS)
    notes = ("- Mission PDF, profiled", "- The XLSX export", "- Exports stream")
    kept = [line for line in lines if not line.startswith(labels) and not line.startswith(notes)]
    notes_start = kept.index("## Notes") if "## Notes" in kept else len(kept)  # later tables: not ours
    table_end = max(n for n, line in enumerate(kept[:notes_start]) if line.startswith("|")) + 1
    kept[table_end:table_end] = export_rows(results)
    notes_at = kept.index("## Notes") + 2
    kept[notes_at:notes_at] = [f"- {note}" for note in export_notes(results)]
    m = results["machine"]
    kept = [
        line
        if not line.startswith("Written by `make bench`")
        else line.split(" Exports re-measured")[0].rstrip()
        + f" Exports re-measured on {m['date']} (`BENCH_ONLY=exports`, load average {m['load']:.1f} at the "
        f"start, {os.getloadavg()[0]:.1f} at the end): their rows and notes."
        for line in kept
    ]
    path.write_text("\n".join(kept) + "\n")


def write_report(results: dict, path: Path) -> None:
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run.py) on {m['date']}. Do not edit by hand: run it again.",
        "",
        f"Machine: {m['cores']} cores, {m['memory']} memory, Python {m['python']}, SQLite {m['sqlite']}, "
        f"{m['platform']}. Load average (1 min) {m.get('load', 0):.1f} when the run started and "
        f"{os.getloadavg()[0]:.1f} when it ended: the machine is shared, so read each figure against its "
        "floor, measured in the same run.",
        "",
        data_line(results),
        "",
        "Times are medians of repeated runs, with the spread (min–max or p95) and the floor measured in the "
        "same run.",
        "",
        "| what | target | measured | spread | floor (same run) | ratio | |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += findings_rows(results["findings"])
    p = results["form_page"]
    lines.append(
        f"| {FORM_PAGE_LABEL} | ≤ 50 ms p95 | {ms(p['work']['p95'])} ms p95 "
        f"| median {ms(p['work']['median'])} ms, max {ms(p['work']['max'])} ms (n={p['work']['n']}) | "
        f"{ms(p['floor']['p95'])} ms p95 (bare `/healthz`, same process) | "
        f"{p['work']['p95'] / p['floor']['p95']:.1f}× | {verdict(p['work']['p95'] <= 0.05)} |"
    )
    if "mass_sitting" in results:
        lines.append(mass_sitting_row(results["mass_sitting"]))
        lines.append(mass_inputs_row(results["mass_inputs"]))
    lines.append(autosave_row(results["autosave"]))
    c = results["cold_start"]
    lines.append(
        f"| cold start: gunicorn launched → first page | ≤ 2 s | {c['work']['median']:.2f} s | "
        f"{c['work']['min']:.2f}–{c['work']['max']:.2f} s (n={c['work']['n']}) | — | — | "
        f"{verdict(c['work']['median'] <= 2)} |"
    )
    r = results.get("review_page")
    if r:
        lines.append(
            f"| lead's review page, one sitting of a 37-defendant trial ({r['present']} present, "
            f"{r['answers']:,} answers, {r['bytes'] // 1024} KiB) | ≤ 100 ms p95 | "
            f"{ms(r['work']['p95'])} ms p95 "
            f"| median {ms(r['work']['median'])} ms, max {ms(r['work']['max'])} ms (n={r['work']['n']}) | "
            f"{ms(r['floor']['p95'])} ms p95 (bare `/healthz`, same process) | "
            f"{r['work']['p95'] / r['floor']['p95']:.1f}× | {verdict(r['work']['p95'] <= 0.1)} |"
        )
    lines += export_rows(results)
    lines += import_rows(results.get("import"))
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in export_notes(results) + results["notes"]]
    lines += kept_section(path, VAULT_SECTION)
    lines += kept_section(path, MIGRATION_SECTION)
    lines += kept_section(path, GROWTH_SECTION)
    lines += kept_section(path, GROWTH_FIGURES_SECTION)
    lines += kept_section(path, KNEE_SECTION)
    path.write_text("\n".join(lines) + "\n")


FINDINGS_LABELS = (
    "mission findings, all counts, whole mission",
    "mission findings again, data unchanged",
    "mission findings, first view after an observer's autosave",
    "mission findings, first view after a lead's reconciliation",
    "autosave of a draft, in process",
)


def autosave_row(a: dict) -> str:
    return (
        f"| autosave, {a['observers']} observers saving about once a second each, gunicorn 2 workers | "
        "≤ 30 ms p95, 0 errors, 0 lost "
        f"| {ms(a['work']['p95'])} ms p95; {a['errors']} errors; {a['lost']} lost | "
        f"median {ms(a['work']['median'])} ms, p99 {ms(a['work']['p99'])} ms, {a['requests']} saves, "
        f"{a['throughput']} saves/s | "
        f"{ms(a['floor']['p95'])} ms p95 (bare `/healthz` under the same load) | "
        f"{a['work']['p95'] / a['floor']['p95']:.1f}× | "
        f"{verdict(a['work']['p95'] <= 0.03 and a['errors'] == 0 and a['lost'] == 0)} |"
    )


def findings_rows(f: dict) -> list[str]:
    """The findings rows: computed, kept, the first view after an autosave and after a reconciliation,
    and the autosave itself in process (with the kept counts' upkeep)."""
    ratio = f["work"]["median"] / f["floor"]["median"]
    same = f.get("same_counts_floor")
    rows = [
        f"| {FINDINGS_LABELS[0]} | ≤ 500 ms and ≤ 5× floor | {ms(f['work']['median'])} ms "
        f"| {ms(f['work']['min'])}–{ms(f['work']['max'])} ms (n={f['work']['n']}) | "
        f"{ms(f['floor']['median'])} ms (`{FINDINGS_FLOOR}`)"
        + (
            f"; the same counts from the kept tables in one statement: {ms(same['median'])} ms "
            f"({f['work']['median'] / same['median']:.1f}×)"
            if same
            else ""
        )
        + f" | {ratio:.1f}× | {verdict(f['work']['median'] <= 0.5 and ratio <= 5)} |"
    ]
    if "kept" in f:
        rows.append(
            f"| {FINDINGS_LABELS[1]} (kept per server process, checked by a data stamp) | "
            f"≤ 500 ms | {ms(f['kept']['median'])} ms | {ms(f['kept']['min'])}–{ms(f['kept']['max'])} ms "
            f"(n={f['kept']['n']}) | — | — | {verdict(f['kept']['median'] <= 0.5)} |"
        )
    if f.get("after_autosave"):
        a = f["after_autosave"]
        rows.append(
            f"| {FINDINGS_LABELS[2]} (a draft: drafts never count) | ≤ 100 ms | {ms(a['median'])} ms | "
            f"{ms(a['min'])}–{ms(a['max'])} ms (n={a['n']}) | — | — | {verdict(a['median'] <= 0.1)} |"
        )
    if f.get("after_reconcile"):
        r, w = f["after_reconcile"], f["reconcile_in_process"]
        rows.append(
            f"| {FINDINGS_LABELS[3]} (a counted answer changed: its sitting recounted, the findings "
            f"computed again) | ≤ 500 ms | {ms(r['median'])} ms | {ms(r['min'])}–{ms(r['max'])} ms "
            f"(n={r['n']}); the reconciliation itself, with its recount, {ms(w['median'])} ms | — | — | "
            f"{verdict(r['median'] <= 0.5)} |"
        )
    if f.get("autosave_in_process"):
        a = f["autosave_in_process"]
        rows.append(
            f"| {FINDINGS_LABELS[4]} (one answer; with the kept counts' triggers and the check before "
            f"COMMIT) | ≤ 30 ms p95 | {ms(a['p95'])} ms p95 | median {ms(a['median'])} ms, max "
            f"{ms(a['max'])} ms (n={a['n']}) | — | — | {verdict(a['p95'] <= 0.03)} |"
        )
    return rows


def update_findings(path: Path, results: dict) -> None:
    """Replace the findings rows and note of an existing docs/benchmarks.md (``--only findings``)."""
    text = path.read_text()
    if f"Data ({results['size']})" not in text:
        raise SystemExit(f"{path} was written for another data size: run the whole benchmark instead")
    lines = text.splitlines()
    labels = tuple(f"| {label}" for label in FINDINGS_LABELS)
    notes = ("- Findings scan each", "- Findings read the counts")
    first = next(n for n, line in enumerate(lines) if line.startswith(labels))
    kept = [line for line in lines if not line.startswith(labels) and not line.startswith(notes)]
    kept[first:first] = findings_rows(results["findings"])
    if "autosave" in results:  # the 20 observers' row: the kept counts' upkeep rides on every save
        kept = [
            autosave_row(results["autosave"]) if line.startswith("| autosave, ") else line for line in kept
        ]
    if results.get("import"):  # the import recounts what it brings in its own transaction
        starts = ("| import of the", "| importing the same bundle again")
        at = next((n for n, line in enumerate(kept) if line.startswith(starts)), None)
        kept = [line for line in kept if not line.startswith(starts)]
        if at is not None:
            kept[at:at] = import_rows(results["import"])
    notes_at = kept.index("## Notes") + 2
    kept = [line for line in kept if not line.startswith(("- Autosave row under load", "- Import and the"))]
    added = [f"- {findings_note(results['findings'])}"]
    i = results.get("import")
    if i and "seconds" in i.get("first", {}):
        added.append(
            "- Import and the kept counts: an import recounts every sitting it brings before its COMMIT "
            "(at this size about as long as `m018_findings_summary`'s fill, some 2 s: a sitting one "
            "counted observation saw is counted from its answers without grouping them, only a pair's "
            "answers are grouped); a mission's first load, in bulk, switches the per-row marks off with "
            "the answers' indexes and marks the mission's sittings once. Every row is written by one "
            "prepared INSERT (`db.insert_row`, not sqlite-utils' `Table.insert`, whose schema look-ups "
            "cost more than the insert), each audit entry without a savepoint of its own. First import "
            f"{i['first']['seconds']:.1f} s, its floor {i['floor_seconds']:.1f} s "
            f"({i['first']['seconds'] / i['floor_seconds']:.1f}×); it was 31.4 s before those three "
            "changes (user CPU 26.3 s → 16.7 s, measured on the same bundle one after the other)."
        )
    a, f = results.get("autosave"), results["findings"]
    if a and a["work"]["p95"] > 0.03 and f.get("autosave_in_process"):
        added.append(
            f"- Autosave row under load (load average {results['machine']['load']:.1f} at the start of "
            f"this re-run): the bare `/healthz` beside the saves took {ms(a['floor']['p95'])} ms p95, so "
            "the missed target measures the shared machine rather than the save. The same save in one "
            f"process, with the kept counts' triggers and the check before COMMIT, took "
            f"{ms(f['autosave_in_process']['p95'])} ms p95 (median "
            f"{ms(f['autosave_in_process']['median'])} ms). Plan: measure the row again on a quiet machine "
            "(the full `make bench`); issue #16's part 4 (the knee) names what limits it."
        )
    kept[notes_at:notes_at] = added
    m = results["machine"]
    kept = [
        line
        if not line.startswith("Written by `make bench`")
        else line.split(" Findings re-measured")[0].rstrip()
        + f" Findings re-measured on {m['date']} (`BENCH_ONLY=findings`, load average {m['load']:.1f} "
        f"at the start, {os.getloadavg()[0]:.1f} at the end): their rows, the autosave row and the "
        "findings note."
        for line in kept
    ]
    path.write_text("\n".join(kept) + "\n")


def findings_note(f: dict) -> str:
    migrated = f.get("migrated") or {}
    step = (
        f" On this database `m018_findings_summary` filled them in {migrated['seconds']:.1f} s."
        if "m018_findings_summary" in migrated.get("steps", [])
        else ""
    )
    return (
        "Findings read the counts the writes keep (issue #16, monitor/findings/summary.py): per sitting, "
        "item and subject the counting rule's result (`findings_cell`), per trial, item and unit the "
        "sittings observed, with a concern and disputed (`findings_unit`). Triggers on the answers, the "
        "observations' status and sitting, presence and reconciliations mark the sittings a write changes; "
        "`db.atomic` recounts them before COMMIT, in the write's own transaction. A draft's autosave marks "
        "nothing (drafts never count), and no longer invalidates the findings kept per process. Case items "
        f"count once per defendant from `case_fact` ({f['case_facts']:,} facts), read once for all items. "
        "Filters the kept counts cannot answer (dates, observers, a judge, other statuses) use the scan of "
        f"the {f['answers']:,} answers, which stays the reference `tests/test_findings_summary.py` "
        "compares against after random writes." + step + " The findings row's floor is the statement "
        "it has had since it was first measured (every answer and case fact counted per item: what any "
        "findings reading the answers must at least read); beside it, the same per-item counts the "
        f"findings give, in one statement over the tables they now read: `{FINDINGS_SUMMARY_FLOOR}`."
    )


FORM_PAGE_LABEL = "hearing form page (a v2 observation in draft, 18 of 20 defendants present)"


def kept_section(path: Path, heading: str) -> list[str]:
    """A section another script writes (its heading to the next one), kept as the last run left it."""
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    if heading not in lines:
        return []
    start = lines.index(heading)
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("## ")), len(lines))
    return ["", *lines[start:end]]


def data_line(results: dict) -> str:
    d, rows = results["data"], results["data"].get("rows", {})
    v1 = results.get("v1_answers")
    compared = (
        f" The v1 form would have asked {v1['answers']:,} answers for the same observations "
        f"({v1['per_present']} per present defendant, {v1['per_hearing']} per observation, "
        f"{v1['per_witness']} per witness): {v1['answers'] / max(1, results['findings']['answers']):.1f}× "
        "as many rows."
        if v1
        else ""
    )
    return (
        f"Data ({results['size']}): {d['trials']} trials, {d['defendants']} defendants, "
        f"{d['sittings']:,} sittings observed {d['hearings']:,} times (a pair at some; one round in ten "
        f"left as drafts; {rows.get('reconciliation', 0):,} reconciled answers), "
        f"{rows.get('witness', 0):,} witnesses heard {rows.get('witness_appearance', 0):,} times (a tenth "
        f"anonymous), {d['allegations']} allegations, checklist {d.get('checklist', 'fair_trial')}: "
        f"{results['findings']['answers']:,} answers (sitting and defendant-at-sitting questions only) and "
        f"{rows.get('case_fact', 0):,} case facts ({rows.get('case_fact_history', 0):,} earlier values "
        "kept); "
        f"generated through the app's own functions in {d['seconds']:.0f} s (bench/generate.py, seed 1)."
        + compared
    )


def v1_answers(instance: Path) -> dict:
    """The answer rows the v1 form (fair_trial v1: every question per present defendant at every
    observation) would hold for the same observations, defendants present and witnesses heard."""
    from monitor import checklists

    v1 = checklists.get("fair_trial", 1)
    asked = {
        scope: sum(1 for i in v1.items_for(scope) if i.values())
        for scope in ("hearing", "defendant", "witness")
    }
    db = sqlite3.connect(instance / "monitor.sqlite")
    hearings = db.execute("SELECT count(*) FROM hearing").fetchone()[0]
    present = db.execute("SELECT count(*) FROM hearing_defendant WHERE present = 1").fetchone()[0]
    heard = db.execute("SELECT count(*) FROM witness_appearance").fetchone()[0]
    db.close()
    return {
        "answers": hearings * asked["hearing"] + present * asked["defendant"] + heard * asked["witness"],
        "per_hearing": asked["hearing"],
        "per_present": asked["defendant"],
        "per_witness": asked["witness"],
    }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get("BENCH_SIZE", "full"))
    parser.add_argument("--data", default=str(ROOT / "bench" / ".data"))
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument(
        "--only",
        choices=["exports", "mass_sitting", "findings"],
        default=os.environ.get("BENCH_ONLY") or None,
        help="run only these benchmarks and replace their rows in --output",
    )
    args = parser.parse_args()
    if args.only == "mass_sitting":  # its own small instance: no generated mission needed
        result = bench_mass_sitting_page(Path(args.data))
        update_mass_sitting(Path(args.output), result, bench_mass_sitting_inputs())
        print(f"updated the mass-sitting row of {args.output}: {ms(result['work']['p95'])} ms p95")
        return
    instance = prepare(Path(args.data), args.size)
    results = {"size": args.size, "machine": machine(), "notes": []}
    results["data"] = json.loads((instance / "generated.json").read_text())
    if args.only == "findings":
        print("benchmark: findings …", flush=True)
        results["findings"] = bench_findings(instance)
        print("benchmark: autosave …", flush=True)
        results["autosave"] = bench_autosave(instance)
        print("benchmark: import of the mission as a bundle …", flush=True)
        results["import"] = bench_import(instance)
        update_findings(Path(args.output), results)
        print(f"updated the findings rows of {args.output}: {ms(results['findings']['work']['median'])} ms")
        return
    if args.only == "exports":
        results.update(bench_exports(instance, results["data"]["mission_uuid"]))
        update_exports(Path(args.output), results)
        print(f"updated the export rows of {args.output}")
        return
    steps = (
        ("findings", bench_findings),
        ("form_page", bench_form_page),
        ("autosave", bench_autosave),
        ("cold_start", bench_cold_start),
        ("review_page", lambda _instance: bench_review_page(timed, spread)),
    )
    for name, step in steps:
        print(f"benchmark: {name} …", flush=True)
        results[name] = step(instance)
    print("benchmark: mass_sitting …", flush=True)
    results["mass_sitting"] = bench_mass_sitting_page(Path(args.data))
    results["mass_inputs"] = bench_mass_sitting_inputs()
    if results["mass_inputs"]["log"]:
        results["notes"].append(mass_inputs_note(results["mass_inputs"]))
    mission = results["data"]["mission_uuid"]
    results.update(bench_exports(instance, mission))
    print("benchmark: import of the mission as a bundle …", flush=True)
    results["import"] = bench_import(instance)
    f = results["findings"]
    results["v1_answers"] = v1_answers(instance)
    results["notes"].append(
        "Since 2026-12-05 every row runs on a mission in the new units (issue #11: sittings, pairs of "
        "observers with reconciliation, case files, witness persons; checklist fair_trial v2). Until then "
        "the same rows ran on a v1 mission of the same size: 4,000 hearings, one observer each, every "
        "present defendant asked all 45 questions at every hearing (3,202,020 answers). No row needed the "
        "v1 shape any more; it is kept for the migration benchmark (the last section)."
    )
    results["notes"].append(findings_note(f))
    i = results["import"]
    if "seconds" in i["first"]:
        results["notes"].append(
            "Import: the bundle is read part by part (at most 25 observations a part), every record is "
            "checked (checksums, mission, rights, the checklist's questions and answers, the form's field "
            "rules) and written in one transaction. Once many hearings have been inserted the answers' "
            "secondary indexes are dropped inside the transaction and rebuilt once at the end. The floor — "
            f"{i['answers']:,} answer rows into a table with the same unique indexes, no app code — took "
            f"{i['floor_seconds']:.1f} s of the import's {i['first']['seconds']:.1f} s in this run (the "
            "answers' random uuid4 keys make their unique index grow everywhere at once); the rest is the "
            "app's checks and the other records (sittings, case facts and their history, witness persons, "
            "reconciliations, the audit entries)."
        )
    write_report(results, Path(args.output))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
