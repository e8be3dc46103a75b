"""The cost of encryption at rest: the same generated mission, plain and encrypted (SQLCipher), same run.

Times, on copies of one generated database (400 hearings by default): unlocking (Argon2id with the
installation's real parameters), opening a connection, the findings (computed, not cached), the hearing
form page, and autosave against gunicorn with one worker (how an encrypted laptop is served — the plain
copy is served the same way, so the two rows compare). Prints a Markdown table; ``--doc FILE`` also
writes it as the section "Encrypted at rest, beside plain" of docs/benchmarks.md (which `make bench`
keeps as this script last wrote it).

    .venv/bin/python bench/vault_bench.py [--hearings 400] [--data bench/.data/vault] [--doc FILE]
"""

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import FAST_ARGON2, PASSWORD, checklist_for, drafts, generate  # noqa: E402
from tests.liveserver import Browser, Server  # noqa: E402

PASSPHRASE = "benchmark vault passphrase"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "median": ms(statistics.median(ordered)),
        "p95": ms(ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]),
    }


def prepare(data: Path, hearings: int) -> tuple[Path, Path]:
    """A generated plain instance, and an encrypted copy of it made by encrypt-db's own function."""
    from monitor.vault import convert, keys

    plain, encrypted = data / "plain", data / "encrypted"
    marker = plain / "generated.json"
    if not marker.exists():
        shutil.rmtree(plain, ignore_errors=True)
        plain.mkdir(parents=True)
        scale = hearings / 4000
        summary_ = generate(
            str(plain / "monitor.sqlite"),
            trials=max(2, round(20 * scale)),
            defendants=max(20, round(400 * scale)),
            hearings=hearings,
            witnesses=max(20, round(2000 * scale)),
            allegations=max(10, round(600 * scale)),
            log=lambda m: print("  generate:", m),
        )
        marker.write_text(json.dumps(summary_))
    shutil.rmtree(encrypted, ignore_errors=True)
    encrypted.mkdir(parents=True)
    shutil.copy(plain / "monitor.sqlite", encrypted / "monitor.sqlite")
    for folder in (plain, encrypted):
        (folder / "config.py").write_text(f"SECRET_KEY = 'benchmark'\nARGON2 = {FAST_ARGON2!r}\n")
    convert.encrypt(str(encrypted / "monitor.sqlite"), PASSPHRASE)  # the real KDF parameters
    keys.forget(str(encrypted / "monitor.sqlite"))
    return plain, encrypted


def bench_unlock(database: str) -> dict:
    from monitor.vault import keys

    samples = []
    for _ in range(3):
        keys.forget(database)
        started = time.perf_counter()
        keys.unlock(database, PASSPHRASE)
        samples.append(time.perf_counter() - started)
    return summary(samples)


def bench_connect(database: str) -> dict:
    from monitor.db import connect

    def once():
        db = connect(database)
        db.execute("SELECT count(*) FROM user").fetchone()
        db.close()

    once()
    return summary(timed(once, 50))


def bench_findings(database: str) -> dict:
    from monitor.db import connect
    from monitor.findings.aggregate import compute_findings
    from monitor.findings.scope import Scope

    db = connect(database)
    mission = next(db.query("SELECT * FROM mission"))
    checklist = checklist_for()
    compute_findings(db, Scope(mission["id"]), checklist, mission)  # warm the page cache
    work = timed(lambda: compute_findings(db, Scope(mission["id"]), checklist, mission), 7)
    db.close()
    return summary(work)


def bench_hearing_page(instance: Path) -> dict:
    from monitor import create_app
    from monitor.db import connect

    app = create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": "benchmark", "ARGON2": FAST_ARGON2})
    db = connect(app.config["DATABASE"])
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
    return summary(timed(lambda: client.get(url), 40))


def bench_autosave(instance: Path, encrypted: bool, observers: int = 5, saves_each: int = 20) -> dict:
    """A few observers saving at once against gunicorn with one worker; every acknowledged save checked."""
    from monitor.db import connect

    database = str(instance / "monitor.sqlite")
    targets = drafts(instance, observers)
    items = [i.key for i in checklist_for().items_for("defendant")]
    server = Server(instance, workers=1).start()
    latencies, errors, acknowledged = [], [], {}
    guard = threading.Lock()
    try:
        if encrypted:
            browser = Browser(server.url)
            browser.get("/unlock")
            data = urllib.parse.urlencode({"passphrase": PASSPHRASE, "csrf_token": browser.token}).encode()
            with browser.opener.open(server.url + "/unlock", data=data, timeout=30):
                pass

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
                    "value": f"{draft['username']} vault save {n}",
                }
                started = time.perf_counter()
                status, body = browser.post_json(f"/hearings/{draft['uuid']}/save", {"changes": [change]})
                elapsed = time.perf_counter() - started
                time.sleep(random.uniform(0.1, 0.3))  # noqa: S311
                with guard:
                    latencies.append(elapsed)
                    if status == 200 and not body.get("errors"):
                        acknowledged[(draft["id"], draft["defendant"], key)] = change["value"]
                    else:
                        errors.append(status)

        threads = [threading.Thread(target=observer, args=(d,)) for d in targets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.stop()
    db = connect(database)
    lost = sum(
        next(
            db.query(
                "SELECT note FROM answer WHERE hearing_id = ? AND subject_uuid = ? AND item_key = ?",
                [hearing_id, subject, key],
            ),
            {"note": None},
        )["note"]
        != value
        for (hearing_id, subject, key), value in acknowledged.items()
    )
    db.close()
    return {**summary(latencies), "errors": len(errors), "lost": lost}


SECTION = "## Encrypted at rest, beside plain"
MEASURES = (
    ("connect", "open a connection and read one row"),
    ("findings", "mission findings, computed (not cached)"),
    ("hearing page", "hearing form page, a draft observation (in process)"),
    ("autosave", "autosave over HTTP, gunicorn 1 worker × 4 threads, {n} saves by observers at once"),
)


def section(rows: dict, hearings: int, started: dict, load_end: float) -> list[str]:
    from monitor.vault import keys

    lines = [
        SECTION,
        "",
        f"Written by `bench/vault_bench.py --doc` on {started['date']} (not by `make bench`, which keeps "
        f"this section): one generated mission of {hearings} hearings, a plain copy and an encrypted copy "
        "of the same database (made by `encrypt-db`'s own function, the real Argon2id parameters), every row "
        "measured on both in the same run, one after the other. Load average (1 min) "
        f"{started['load']:.1f} at the start, {load_end:.1f} at the end (the 2-core machine is shared). "
        "docs/security.md explains the cost.",
        "",
        "| what (same run) | plain, median (p95) | encrypted, median (p95) | encrypted ÷ plain (medians) |",
        "|---|---|---|---|",
    ]
    for key, label in MEASURES:
        p, e = rows["plain"][key], rows["encrypted"][key]
        lines.append(
            f"| {label.format(n=p['n'])} | {p['median']} ms ({p['p95']} ms) | "
            f"{e['median']} ms ({e['p95']} ms) | "
            f"{e['median'] / p['median']:.2f}× |"
        )
    u = rows["encrypted"]["unlock"]
    lines.append(
        f"| unlock (Argon2id, {keys.KDF['memory_cost'] // 1024} MiB, {keys.KDF['time_cost']} passes), "
        f"once per unlock | — | {u['median']} ms ({u['p95']} ms) | — |"
    )
    saves = "; ".join(
        f"{name}: {rows[name]['autosave']['n']} saves, {rows[name]['autosave']['errors']} errors, "
        f"{rows[name]['autosave']['lost']} lost, file {rows[name]['size'] / 1e6:.1f} MB"
        for name in ("plain", "encrypted")
    )
    return [*lines, "", f"Autosave checked after each run: {saves}.", ""]


def write_doc(path: Path, lines: list[str]) -> None:
    """Replace the section in ``path`` (or add it before the migration section, or at the end)."""
    text = path.read_text().splitlines() if path.exists() else []
    if SECTION in text:
        start = text.index(SECTION)
        end = next((n for n in range(start + 1, len(text)) if text[n].startswith("## ")), len(text))
    else:
        start = end = next(
            (n for n, line in enumerate(text) if line == "## Migration to the new units"), len(text)
        )
    path.write_text("\n".join([*text[:start], *lines, *text[end:]]).rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hearings", type=int, default=400)
    parser.add_argument("--data", default=str(ROOT / "bench" / ".data" / "vault"))
    parser.add_argument("--doc", help="write the table into this Markdown file (docs/benchmarks.md)")
    args = parser.parse_args()
    from monitor.vault import keys

    started = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": os.getloadavg()[0]}

    plain, encrypted = prepare(Path(args.data), args.hearings)
    rows = {}
    for name, instance in (("plain", plain), ("encrypted", encrypted)):
        database = str(instance / "monitor.sqlite")
        print(f"{name}: measuring…", flush=True)
        unlock = bench_unlock(database) if name == "encrypted" else None
        rows[name] = {
            "unlock": unlock,
            "connect": bench_connect(database),
            "findings": bench_findings(database),
            "hearing page": bench_hearing_page(instance),
        }
        rows[name]["autosave"] = bench_autosave(instance, name == "encrypted")  # the server unlocks itself
        keys.forget(database)
        rows[name]["size"] = os.path.getsize(database)
    print()
    print(
        f"| measure ({args.hearings} hearings) | plain median (p95) ms | encrypted median (p95) ms | ratio |"
    )
    print("|---|---|---|---|")
    for measure in ("connect", "findings", "hearing page", "autosave"):
        p, e = rows["plain"][measure], rows["encrypted"][measure]
        print(
            f"| {measure} | {p['median']} ({p['p95']}) | {e['median']} ({e['p95']}) | "
            f"{e['median'] / p['median']:.2f} |"
        )
    u = rows["encrypted"]["unlock"]
    print(
        f"| unlock (Argon2id, {keys.KDF['memory_cost'] // 1024} MiB) | — | {u['median']} ({u['p95']}) | — |"
    )
    for name in ("plain", "encrypted"):
        a = rows[name]["autosave"]
        size = rows[name]["size"]
        print(f"{name}: autosave {a['n']} saves, {a['errors']} errors, {a['lost']} lost; file {size} bytes")
    if args.doc:
        write_doc(Path(args.doc), section(rows, args.hearings, started, os.getloadavg()[0]))
        print(f"wrote the section {SECTION!r} of {args.doc}")


if __name__ == "__main__":
    main()
