"""`make bench`: every benchmark on a generated mission, written to docs/benchmarks.md.

Each timing is repeated and reported as median and spread, beside a floor measured in the same run on the
same machine (a plain GROUP BY over the answers; a bare route in the same server), so the ratio means
something on a noisy machine. Nothing in docs/benchmarks.md is typed by hand.

    .venv/bin/python bench/run.py [--size full|small] [--data bench/.data]
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
from bench.sync_bench import bench_import  # noqa: E402
from tests.liveserver import Browser, Server  # noqa: E402

SIZES = {
    "full": {"trials": 20, "defendants": 400, "hearings": 4000, "witnesses": 2000, "allegations": 600},
    "small": {"trials": 6, "defendants": 120, "hearings": 400, "witnesses": 200, "allegations": 60},
}


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
    if marker.exists():
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
    from monitor import checklists
    from monitor.db import connect
    from monitor.findings.aggregate import compute_findings, findings
    from monitor.findings.scope import Scope

    db = connect(str(instance / "monitor.sqlite"))
    mission = next(db.query("SELECT * FROM mission"))
    checklist = checklists.get("fair_trial")
    compute_findings(db, Scope(mission["id"]), checklist, mission)  # warm SQLite's page cache
    work = timed(lambda: compute_findings(db, Scope(mission["id"]), checklist, mission), 7)
    findings(db, Scope(mission["id"]), checklist, mission)  # kept for the process from here on
    kept = timed(lambda: findings(db, Scope(mission["id"]), checklist, mission), 7)
    floor = timed(lambda: list(db.query("SELECT item_key, count(*) AS n FROM answer GROUP BY item_key")), 7)
    answers = db["answer"].count
    db.close()
    return {"work": spread(work), "kept": spread(kept), "floor": spread(floor), "answers": answers}


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


def bench_autosave(instance: Path, observers: int = 20, saves_each: int = 30) -> dict:
    """20 observers saving at once against gunicorn; every acknowledged save must be in the database.

    Each observer saves as the form does: one batch a second or so while typing (the form debounces
    for one second), not back to back.
    """
    from monitor import checklists
    from monitor.db import connect

    targets = drafts(instance, observers)
    items = [i.key for i in checklists.get("fair_trial").items_for("defendant")]
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
    from monitor.findings.aggregate import findings, matrix
    from monitor.findings.scope import Scope
    from monitor.reports import build, pdf

    app = create_app()
    db = connect(str(instance / "monitor.sqlite"))
    mission = next(db.query("SELECT * FROM mission WHERE uuid = ?", [mission_uuid]))
    with app.app_context(), app.test_request_context():
        checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
        started = time.perf_counter()
        findings(db, Scope(mission["id"]), checklist, mission)
        matrix(db, Scope(mission["id"]), checklist)
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
        f"| import of the whole mission as one bundle ({export['counts']['hearing']:,} hearings, "
        f"{i['answers']:,} answers, {export['bytes'] / 1e6:.0f} MB) into an empty installation | ≤ 30 s | "
        f"{first['seconds']:.1f} s, peak {first['peak_mb']} MB | one run; writing the bundle took "
        f"{export['seconds']:.1f} s | {i['floor_seconds']:.1f} s (SQLite alone, as many answer rows) | "
        f"{first['seconds'] / i['floor_seconds']:.1f}× | {verdict(first['seconds'] <= 30)} |",
        f"| importing the same bundle again | ≤ 10 s, changes nothing | {second['seconds']:.1f} s, peak "
        f"{second['peak_mb']} MB; {changed} records changed, {second['totals']['unchanged']:,} unchanged | "
        f"one run | — | — | {verdict(second['seconds'] <= 10 and changed == 0)} |",
    ]


def write_report(results: dict, path: Path) -> None:
    m, size = results["machine"], results["size"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run.py) on {m['date']}. Do not edit by hand: run it again.",
        "",
        f"Machine: {m['cores']} cores, {m['memory']} memory, Python {m['python']}, SQLite {m['sqlite']}, "
        f"{m['platform']}.",
        "",
        f"Data ({size}): {results['data']['trials']} trials, {results['data']['defendants']} defendants, "
        f"{results['data']['hearings']} hearings (one in ten left as drafts), {results['data']['witnesses']} "
        f"witnesses (a tenth anonymous), {results['data']['allegations']} allegations, "
        f"{results['findings']['answers']:,} checklist answers; generated through the app's own functions "
        f"in {results['data']['seconds']:.0f} s (bench/generate.py, seed 1).",
        "",
        "Times are medians of repeated runs, with the spread (min–max or p95) and the floor measured in the "
        "same run.",
        "",
        "| what | target | measured | spread | floor (same run) | ratio | |",
        "|---|---|---|---|---|---|---|",
    ]
    f = results["findings"]
    ratio = f["work"]["median"] / f["floor"]["median"]
    lines.append(
        "| mission findings, all counts, whole mission | ≤ 500 ms and ≤ 5× floor | "  # noqa: S608 (Markdown)
        f"{ms(f['work']['median'])} ms "
        f"| {ms(f['work']['min'])}–{ms(f['work']['max'])} ms (n={f['work']['n']}) | "
        f"{ms(f['floor']['median'])} ms (`SELECT item_key, count(*) FROM answer GROUP BY item_key`) | "
        f"{ratio:.1f}× | {verdict(f['work']['median'] <= 0.5 and ratio <= 5)} |"
    )
    if "kept" in f:
        lines.append(
            "| mission findings again, data unchanged (kept per server process, checked by a data stamp) | "
            f"≤ 500 ms | {ms(f['kept']['median'])} ms | {ms(f['kept']['min'])}–{ms(f['kept']['max'])} ms "
            f"(n={f['kept']['n']}) | — | — | {verdict(f['kept']['median'] <= 0.5)} |"
        )
    p = results["form_page"]
    lines.append(
        f"| hearing form page (draft, ~19 defendants present) | ≤ 50 ms p95 | {ms(p['work']['p95'])} ms p95 "
        f"| median {ms(p['work']['median'])} ms, max {ms(p['work']['max'])} ms (n={p['work']['n']}) | "
        f"{ms(p['floor']['p95'])} ms p95 (bare `/healthz`, same process) | "
        f"{p['work']['p95'] / p['floor']['p95']:.1f}× | {verdict(p['work']['p95'] <= 0.05)} |"
    )
    a = results["autosave"]
    lines.append(
        f"| autosave, {a['observers']} observers saving about once a second each, gunicorn 2 workers | "
        "≤ 30 ms p95, 0 errors, 0 lost "
        f"| {ms(a['work']['p95'])} ms p95; {a['errors']} errors; {a['lost']} lost | "
        f"median {ms(a['work']['median'])} ms, p99 {ms(a['work']['p99'])} ms, {a['requests']} saves, "
        f"{a['throughput']} saves/s | "
        f"{ms(a['floor']['p95'])} ms p95 (bare `/healthz` under the same load) | "
        f"{a['work']['p95'] / a['floor']['p95']:.1f}× | "
        f"{verdict(a['work']['p95'] <= 0.03 and a['errors'] == 0 and a['lost'] == 0)} |"
    )
    c = results["cold_start"]
    lines.append(
        f"| cold start: gunicorn launched → first page | ≤ 2 s | {c['work']['median']:.2f} s | "
        f"{c['work']['min']:.2f}–{c['work']['max']:.2f} s (n={c['work']['n']}) | — | — | "
        f"{verdict(c['work']['median'] <= 2)} |"
    )
    for name, label, target in (
        ("pdf", "mission PDF report", 30),
        ("docx", "mission DOCX report", 15),
        ("xlsx", "mission XLSX export", 15),
    ):
        r = results.get(name)
        if r is None or "failed" in r:
            reason = r["failed"] if r else "not built yet"
            lines.append(
                f"| {label} | ≤ {target} s, ≤ 600 MB | not measured: {reason} | — | — | — | **missed** |"
            )
            continue
        ok = r["work"]["median"] <= target and r["peak_mb"] <= 600
        lines.append(
            f"| {label} | ≤ {target} s, ≤ 600 MB | {r['work']['median']:.1f} s, peak {r['peak_mb']} MB | "
            f"n={r['work']['n']} | — | — | {verdict(ok)} |"
        )
    lines += import_rows(results.get("import"))
    lines += ["", "## Notes", ""]
    lines += [f"- {note}" for note in results["notes"]]
    path.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=sorted(SIZES), default=os.environ.get("BENCH_SIZE", "full"))
    parser.add_argument("--data", default=str(ROOT / "bench" / ".data"))
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    instance = prepare(Path(args.data), args.size)
    results = {"size": args.size, "machine": machine(), "notes": []}
    results["data"] = json.loads((instance / "generated.json").read_text())
    steps = (
        ("findings", bench_findings),
        ("form_page", bench_form_page),
        ("autosave", bench_autosave),
        ("cold_start", bench_cold_start),
    )
    for name, step in steps:
        print(f"benchmark: {name} …", flush=True)
        results[name] = step(instance)
    mission = results["data"]["mission_uuid"]
    exports = {
        "pdf": [
            "report",
            mission,
            "--kind",
            "mission",
            "--format",
            "pdf",
            "--profile",
            "internal",
            "-o",
            "/dev/null",
        ],
        "docx": [
            "report",
            mission,
            "--kind",
            "mission",
            "--format",
            "docx",
            "--profile",
            "internal",
            "-o",
            "/dev/null",
        ],
        "xlsx": ["export", mission, "--format", "xlsx", "--profile", "internal", "-o", "/dev/null"],
    }
    for name, command in exports.items():
        print(f"benchmark: {name} …", flush=True)
        results[name] = bench_command(instance, command)
    print("benchmark: import of the mission as a bundle …", flush=True)
    results["import"] = bench_import(instance)
    print("benchmark: where the PDF's time goes …", flush=True)
    profile = bench_report_profile(instance, mission)
    results["notes"].append(
        f"Mission PDF, profiled in one process: findings and matrix {profile['findings_and_matrix']:.1f} s; "
        f"records, redaction, findings and HTML together {profile['to_html']:.1f} s "
        f"({profile['html_kb']:,} KB of HTML); WeasyPrint's layout of that HTML "
        f"{profile['pdf_layout']:.1f} s ({profile['pdf_kb']:,} KB PDF). The layout dominates: mostly the "
        f"defendant × right matrix ({results['data']['defendants']} rows × the checklist's defendant "
        "questions) and the per-stage tables."
    )
    results["notes"].append(
        "The XLSX export holds the whole redacted mission in memory (every answer as a Python dict) before "
        "openpyxl streams the sheets out: memory grows with the answers, and openpyxl writes about 20,000 "
        "rows a second. Streaming the answers from SQLite through the redaction into the write-only sheets "
        "is the fix (not done yet)."
    )
    f = results["findings"]
    results["notes"].append(
        "Findings scan each checklist item's answers through the `answer_units` index "
        "(item_key, subject_uuid, value, hearing_id), restricted to the hearings in scope held in a "
        "temporary "
        f"table; the floor only counts rows per item. At {f['answers']:,} answers the scan costs about "
        f"{f['work']['median'] / f['answers'] * 1e9:.0f} ns per answer."
    )
    write_report(results, Path(args.output))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
