"""The knee (issue #16, part 4): how many observers can autosave at once before an autosave's p95 passes
30 ms or errors appear, against gunicorn with 4 workers (4 threads each) on this machine, and which
resource runs out first.

    .venv/bin/python bench/knee.py [--data bench/.data/knee] [--ladder 10,20,40,60,80,100,140,200]
                                   [--seconds 30] [--doc docs/benchmarks.md] [--json out.json]
                                   [--hold-connection]

The instance is made once in ``--data``: the generator at a modest size (3 trials of 37 defendants, 30
sittings), plus one extra observer per concurrent client (up to the ladder's top), each made through the
app's own functions as the UI makes them: an account (``users.create``), assigned to the 37-defendant
trial (which makes them a mission member as observer), and a draft observation of a sitting of their own
(``start_hearing``) with 35 defendants present and the sitting and defendant questions answered
(``save_changes``), the state of a form in the middle of a routine sitting.

For each N of the ladder: a fresh gunicorn (tests/liveserver.Server, 4 workers), every client signed in
and one warm-up save each (neither measured), then every client saves for ``--seconds`` at the form's pace
(one save, then 0.5–1.5 s until the next: the form debounces for a second), each save one answer changed
(a choice, or a note typed), over a kept-alive connection as a browser would. Afterwards the server stops
and every acknowledged save is looked up in the database ("lost" must be 0). Measured over the window:
each save's latency, errors (non-200, refused changes, socket errors and 10 s timeouts), throughput, the
machine's CPU (/proc/stat), the server's CPU (gunicorn's process group) and the client's own CPU
(getrusage), "database is locked" in the server's error log, and — in process, before the ladder — the
time one autosave holds SQLite's single write lock, so the writer's occupancy at each N follows.

``--hold-connection`` keeps a connection of the benchmark's own open during each window and samples the
write lock with it; it changes what is measured (no request's connection is then the last to close, so
SQLite never checkpoints and deletes its WAL at a close), so the default run holds nothing open.

Nothing here can hang: every wait has a deadline, and a watchdog kills the server and exits with the
threads' stacks printed when a step overruns.
"""

import argparse
import contextlib
import faulthandler
import http.client
import http.cookiejar
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402
from bench.generate import FAST_ARGON2, PASSWORD, generate, pick  # noqa: E402
from tests.liveserver import Browser, Server  # noqa: E402

SECTION = run.KNEE_SECTION
LADDER = (10, 20, 40, 60, 80, 100, 140, 200, 280, 360, 440)
TARGET_P95 = 0.030  # seconds
TIMEOUT = 10  # seconds, per request
WORKERS = 4
THREADS = 4  # per worker, as tests/liveserver.Server starts gunicorn
PER_TRIAL = 37  # defendants: a routine sitting of a 37-defendant trial is the product's hard case
SIGN_IN_AT_ONCE = 3  # below the sign-in throttle (5 attempts in flight per address count as failures)
CORES = os.cpu_count() or 1


def log(message: str) -> None:
    print(f"knee: {message}", flush=True)


# ---------------------------------------------------------------------------------------------------------
# Watchdog: a step that overruns kills the server and ends the run loudly (never a silent hang).


class Watchdog:
    def __init__(self):
        self.deadline: float | None = None
        self.what = ""
        self.server: Server | None = None
        self.fired = False
        threading.Thread(target=self._watch, daemon=True, name="watchdog").start()

    def step(self, what: str, seconds: float) -> None:
        self.what, self.deadline = what, time.monotonic() + seconds

    def clear(self) -> None:
        self.deadline = None

    def _watch(self) -> None:
        while True:
            time.sleep(0.5)
            if self.deadline is not None and time.monotonic() > self.deadline:
                self.fired = True
                print(f"knee: FAILED: {self.what} overran its deadline; the threads' stacks:", flush=True)
                faulthandler.dump_traceback(all_threads=True)
                if self.server is not None:
                    self.server.kill()
                os._exit(3)


# ---------------------------------------------------------------------------------------------------------
# The instance, made once.


def make_instance(folder: Path, observers: int, say=log) -> dict:
    """The generator's mission at a modest size plus ``observers`` extra observers, each with a draft of
    their own; made once (``knee.json`` says what is there), grown if more observers are asked for."""
    marker = folder / "knee.json"
    if marker.exists():
        made = json.loads(marker.read_text())
        if len(made["observers"]) >= observers:
            return made
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.py").write_text(f"SECRET_KEY = 'knee'\nARGON2 = {FAST_ARGON2!r}\n")
    started = time.perf_counter()
    summary = generate(
        str(folder / "monitor.sqlite"),
        trials=3,
        defendants=3 * PER_TRIAL,
        sittings=30,
        witnesses=15,
        allegations=6,
        seed=16,
        log=lambda m: say(f"generate: {m}"),
    )
    summary.pop("rows", None)
    extra = add_observers(folder / "monitor.sqlite", observers)
    made = {
        "generated": summary,
        "observers": extra,
        "seconds": round(time.perf_counter() - started, 1),
    }
    marker.write_text(json.dumps(made))
    say(f"instance made in {made['seconds']} s: {len(extra)} observers with a draft each")
    return made


def add_observers(path: Path, count: int) -> list[dict]:
    """``count`` observers of the first 37-defendant trial, each with a draft of a sitting of their own,
    made through the app's functions (the ones the admin, mission and hearing pages call)."""
    from monitor import checklists
    from monitor.audit import Actor
    from monitor.auth import users
    from monitor.db import atomic, connect
    from monitor.missions import records as missions
    from monitor.observe import records as observe
    from monitor.observe import sitting_form

    rng = random.Random(16)
    db = connect(str(path))
    mission = next(db.query("SELECT * FROM mission"))
    trial = next(db.query("SELECT * FROM trial WHERE mission_id = ? ORDER BY id LIMIT 1", [mission["id"]]))
    checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
    people = missions.defendants(db, trial["id"])
    sitting_items = [i for i in sitting_form.sitting_items(checklist) if i.values()]
    at_sitting = [i for i in sitting_form.defendant_items(checklist) if i.values()]
    admin = Actor(name="knee.admin")
    made = []
    for n in range(count):
        with atomic(db):
            user = users.create(
                db,
                admin,
                username=f"knee.observer{n:03d}",
                display_name=f"Knee observer {n}",
                password=PASSWORD,
                role="observer",
                argon2=FAST_ARGON2,
            )
            missions.assign_observer(db, admin, trial, user, mission)
            day = (date(2026, 3, 2) + timedelta(days=n)).isoformat()
            me = Actor(uuid=user["uuid"], name=user["username"])
            hearing = observe.start_hearing(db, me, trial, mission, user, day)
            absent = set(rng.sample(range(len(people)), k=2))
            changes: list[dict] = []
            for i in sorted(absent):
                changes.append({"target": "presence", "defendant": people[i]["uuid"], "value": False})
                changes.append(answer(people[i]["uuid"], "presence", "not_brought"))
            changes += [answer("", item.key, pick(rng, item)) for item in sitting_items]
            present = [p["uuid"] for i, p in enumerate(people) if i not in absent]
            for who in present:
                for item in at_sitting:
                    value = "present" if item.key == "presence" else pick(rng, item)
                    changes.append(answer(who, item.key, value))
            errors = observe.save_changes(db, me, hearing, checklist, changes)
            if errors:
                raise RuntimeError(f"the draft of {user['username']} refused {errors[:3]}")
        made.append(
            {"username": user["username"], "uuid": hearing["uuid"], "id": hearing["id"], "present": present}
        )
    db.close()
    return made


def answer(subject: str, key: str, value: str, field: str = "value") -> dict:
    return {"target": "answer", "subject": subject, "item": key, "field": field, "value": value}


def save_items(instance: Path) -> list[tuple[str, tuple]]:
    """The defendant questions a save changes (presence aside: it has effects of its own), with their
    values."""
    from monitor import checklists
    from monitor.db import connect
    from monitor.observe import sitting_form

    db = connect(str(instance / "monitor.sqlite"))
    mission = next(db.query("SELECT checklist_id, checklist_version FROM mission"))
    db.close()
    checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
    return [(i.key, i.values()) for i in sitting_form.defendant_items(checklist) if i.key != "presence"]


def change_for(target: dict, items: list, n: int) -> dict:
    """Save n of an observer: one answer about one present defendant, a choice on even saves and a typed
    note on odd ones, walking through the defendants and the questions."""
    key, values = items[(n // 2) % len(items)]
    who = target["present"][(n // (2 * len(items)) + n) % len(target["present"])]
    if n % 2:
        return {"id": str(n), **answer(who, key, f"{target['username']} note {n}", "note")}
    return {"id": str(n), **answer(who, key, values[(n // 2) % len(values)])}


# ---------------------------------------------------------------------------------------------------------
# In process: how long one autosave holds the write lock.


def write_time(instance: Path, target: dict, items: list, repeat: int = 150) -> dict:
    """One autosave (one answer changed) in process, ``save_changes`` from BEGIN IMMEDIATE to COMMIT
    (with its fsync and the findings counts' upkeep): the time it holds SQLite's single write lock."""
    from monitor import checklists
    from monitor.audit import Actor
    from monitor.db import connect
    from monitor.observe import records as observe

    db = connect(str(instance / "monitor.sqlite"))
    hearing = next(db.query("SELECT * FROM hearing WHERE id = ?", [target["id"]]))
    checklist = checklists.get(hearing["checklist_id"], hearing["checklist_version"])
    me = Actor(name=target["username"])
    samples = []
    for n in range(repeat):
        change = change_for(target, items, 10_000 + n)
        started = time.perf_counter()
        errors = observe.save_changes(db, me, hearing, checklist, [change])
        samples.append(time.perf_counter() - started)
        if errors:
            raise RuntimeError(f"the in-process save was refused: {errors}")
    db.close()
    return run.spread(samples[10:])  # the first few warm the caches


# ---------------------------------------------------------------------------------------------------------
# The client: one observer's browser tab, over a kept-alive connection.


class Client:
    def __init__(self, url: str, target: dict, items: list, seed: int):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.url, self.target, self.items = url, target, items
        self.path = f"/hearings/{target['uuid']}/save"
        self.rng = random.Random(seed)
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.conn: http.client.HTTPConnection | None = None
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.acknowledged: dict[tuple, str] = {}  # (subject, item, field) → the last value the server took
        self.reconnects = 0
        self.n = 0

    def sign_in(self) -> None:
        browser = Browser(self.url)
        browser.sign_in(self.target["username"], PASSWORD)
        jar = next(
            h.cookiejar for h in browser.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
        )
        self.cookies = {c.name: c.value or "" for c in jar}
        self.token = browser.token or ""
        if not self.cookies or not self.token:
            raise RuntimeError(f"{self.target['username']} could not sign in")

    def start(self) -> str | None:
        """Sign in and save once, neither measured (a worker's first request is slow): None, or why this
        client could not start (counted among the step's errors)."""
        try:
            self.sign_in()
        except (OSError, http.client.HTTPException, RuntimeError, ValueError) as error:
            return f"sign-in: {type(error).__name__}: {error}"
        _elapsed, error = self.one()
        self.acknowledged.clear()  # the warm-up save is not one of the window's
        return f"warm-up: {error}" if error else None

    def save(self) -> tuple[int, dict]:
        """One save on the kept-alive connection; a connection the server closed while idle is opened
        again once (as a browser does), counted in ``reconnects``."""
        change = change_for(self.target, self.items, self.n)
        self.n += 1
        body = json.dumps({"changes": [change]}).encode()
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "X-CSRFToken": self.token,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        for attempt in (0, 1):
            fresh = self.conn is None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            try:
                self.conn.request("POST", self.path, body, headers)
                response = self.conn.getresponse()
                raw = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                if fresh or attempt:
                    raise
                self.reconnects += 1
                continue
            except BaseException:
                self.conn.close()
                self.conn = None
                raise
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = cookie.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.will_close:
                self.conn.close()
                self.conn = None
            found = (
                json.loads(raw) if raw.startswith(b"{") else {"unreadable": raw[:80].decode(errors="replace")}
            )
            if response.status == 200 and not found.get("errors") and "saved_at" in found:
                self.acknowledged[(change["subject"], change["item"], change["field"])] = change["value"]
            return response.status, found
        raise AssertionError("unreachable")

    def one(self) -> tuple[float, str | None]:
        """One save, timed; its error (None when the server acknowledged it)."""
        started = time.perf_counter()
        try:
            status, found = self.save()
        except (OSError, http.client.HTTPException, ValueError) as error:
            return time.perf_counter() - started, f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        if status != 200 or found.get("errors") or "saved_at" not in found:
            return elapsed, f"HTTP {status} {json.dumps(found)[:120]}"
        return elapsed, None

    def loop(self, start_at: float, end_at: float, stop: threading.Event) -> None:
        """Save at the form's pace from ``start_at`` (plus a random offset within a second, as people
        start typing at different moments) until ``end_at``; every failure is recorded, none escapes."""
        try:
            next_at = start_at + self.rng.uniform(0, 1)
            while not stop.is_set():
                if stop.wait(max(0.0, next_at - time.monotonic())):
                    break
                if time.monotonic() >= end_at:
                    break
                elapsed, error = self.one()
                self.latencies.append(elapsed)
                if error:
                    self.errors.append(error)
                next_at = time.monotonic() + self.rng.uniform(0.5, 1.5)
        except BaseException as error:  # noqa: BLE001 (recorded, never lost in a thread)
            self.errors.append(f"client died: {type(error).__name__}: {error}")
        finally:
            if self.conn is not None:
                self.conn.close()
                self.conn = None


# ---------------------------------------------------------------------------------------------------------
# CPU and the server's error log.


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every process in the process group (gunicorn's master and workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid:  # field 5: pgrp
            total += int(fields[11]) + int(fields[12])  # fields 14, 15: utime, stime
    return total / ticks


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class FloorProbe:
    """The floor in the same window: a bare ``/healthz`` (no session, one ``SELECT 1``) over a kept-alive
    connection about four times a second, so each step's latencies read against what the same server
    and machine answer for almost no work."""

    def __init__(self, url: str, stop: threading.Event):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.stop = parts.hostname, parts.port, stop
        self.latencies: list[float] = []
        self.rng = random.Random(7)
        self.thread = threading.Thread(target=self._run, daemon=True, name="floor-probe")

    def _run(self) -> None:
        conn = None
        while not self.stop.wait(self.rng.uniform(0.15, 0.35)):
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                self.latencies.append(time.perf_counter() - started)
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None  # a closed kept-alive connection: the next try opens a new one
        if conn is not None:
            conn.close()


class LockProbe:
    """Samples SQLite's write lock during the window: ``every`` seconds a connection of its own tries
    BEGIN IMMEDIATE without waiting (and rolls back at once); the share of tries that find the lock
    taken is the share of time a writer held it. Each try holds the lock some microseconds."""

    def __init__(self, path: Path, every: float = 0.02):
        self.path, self.every = path, every
        self.busy = self.total = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="lock-probe")

    def __enter__(self) -> "LockProbe":
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        self.thread.join(5)

    def _run(self) -> None:
        conn = sqlite3.connect(str(self.path), timeout=0, isolation_level=None)
        try:
            while not self.stop.wait(self.every):
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute("ROLLBACK")
                except sqlite3.OperationalError:
                    self.busy += 1
                self.total += 1
        finally:
            conn.close()

    @property
    def share(self) -> float:
        return self.busy / max(1, self.total)


def error_log_counts(path: Path) -> dict:
    text = path.read_text(errors="replace") if path.exists() else ""
    return {
        "locked": text.count("database is locked"),
        "tracebacks": text.count("Traceback"),
        "worker_timeouts": text.count("WORKER TIMEOUT"),
        "workers_booted": text.count("Booting worker"),
    }


# ---------------------------------------------------------------------------------------------------------
# One step of the ladder.


def step(
    instance: Path, targets: list[dict], items: list, seconds: float, watchdog: Watchdog, hold: bool = False
) -> dict:
    n = len(targets)
    errlog = instance / f"gunicorn-errors-{n}.log"
    errlog.unlink(missing_ok=True)
    previous = os.environ.get("GUNICORN_CMD_ARGS")
    os.environ["GUNICORN_CMD_ARGS"] = f"--error-logfile {errlog}"
    server = Server(instance, workers=WORKERS)
    watchdog.server = server
    load_before = os.getloadavg()[0]
    try:
        watchdog.step(f"starting the server for {n} clients", 60)
        server.start()
        clients = [Client(server.url, t, items, seed=16_000 + i) for i, t in enumerate(targets)]
        watchdog.step(f"signing {n} clients in and their warm-up saves", 30 + 3 * n)
        with ThreadPoolExecutor(SIGN_IN_AT_ONCE) as pool:
            starts = list(pool.map(Client.start, clients, timeout=20 + 3 * n))
        start_errors = [error for error in starts if error]
        if len(start_errors) == n:
            raise RuntimeError(f"no client could start, e.g. {start_errors[0]}")
        clients = [c for c, error in zip(clients, starts, strict=True) if not error]
        stop = threading.Event()
        watchdog.step(f"the {seconds:.0f} s window with {n} clients", seconds + 3 * TIMEOUT + 30)
        start_at = time.monotonic() + 0.5
        end_at = start_at + seconds
        threads = [
            threading.Thread(target=c.loop, args=(start_at, end_at, stop), daemon=True, name=f"client{i}")
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()
        stop.wait(max(0.0, start_at - time.monotonic()))
        floor = FloorProbe(server.url, stop)
        floor.thread.start()
        probe = LockProbe(instance / "monitor.sqlite") if hold else None
        with probe or contextlib.nullcontext():
            cpu0, server0, own0 = machine_cpu(), group_cpu(server.process.pid), own_cpu()
            wall0 = time.monotonic()
            stop.wait(max(0.0, end_at - time.monotonic()))
            cpu1, server1, own1 = machine_cpu(), group_cpu(server.process.pid), own_cpu()
            wall1 = time.monotonic()
        stop.set()  # wakes the clients waiting for their next save; a save under way finishes
        deadline = end_at + 2 * TIMEOUT + 5  # the last save started before end_at, with its timeout
        for t in threads:
            t.join(max(0.1, deadline - time.monotonic()))
        floor.thread.join(TIMEOUT + 1)
        hung = [t.name for t in [*threads, floor.thread] if t.is_alive()]
        if hung:
            raise RuntimeError(f"{len(hung)} client threads did not finish: {hung[:5]}")
        wall_end = time.monotonic()
    finally:
        watchdog.step(f"stopping the server after {n} clients", 30)
        server.stop()
        server.kill()
        watchdog.server = None
        if previous is None:
            os.environ.pop("GUNICORN_CMD_ARGS", None)
        else:
            os.environ["GUNICORN_CMD_ARGS"] = previous
    watchdog.step(f"checking the saves of {n} clients", 60 + n)
    lost = count_lost(instance, clients)
    watchdog.clear()
    latencies = [x for c in clients for x in c.latencies]
    errors = start_errors + [e for c in clients for e in c.errors]
    window = wall1 - wall0
    busy, total = cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]
    result = {
        "clients": n,
        "started": len(clients),
        "saves": len(latencies),
        "acknowledged": sum(len(c.acknowledged) for c in clients),
        "per_second": len(latencies) / max(wall_end - start_at, 1e-9),
        "latency": run.spread(latencies) if latencies else None,
        "mean": statistics.fmean(latencies) if latencies else 0.0,
        "floor": run.spread(floor.latencies) if floor.latencies else None,
        "errors": len(errors),
        "error_kinds": sorted({e.split(":")[0][:60] for e in errors})[:5],
        "lost": lost,
        "reconnects": sum(c.reconnects for c in clients),
        "lock_busy": probe.share if probe else None,
        "lock_samples": probe.total if probe else 0,
        "machine_cpu": 100 * busy / max(total, 1),
        "server_cpu": 100 * (server1 - server0) / window / CORES,
        "client_cpu": 100 * (own1 - own0) / window / CORES,
        "server_cpu_per_save": (server1 - server0) / max(1, len(latencies)),
        "client_cpu_per_save": (own1 - own0) / max(1, len(latencies)),
        "log": error_log_counts(errlog),
        "load": (load_before, os.getloadavg()[0]),
    }
    errlog.unlink(missing_ok=True)
    result["ok"] = bool(
        latencies and result["latency"]["p95"] <= TARGET_P95 and not result["errors"] and not lost
    )
    return result


def count_lost(instance: Path, clients: list[Client]) -> int:
    """Acknowledged saves the database does not hold (each client's last value per answer and field)."""
    from monitor.db import connect

    db = connect(str(instance / "monitor.sqlite"))
    lost = 0
    for c in clients:
        for (subject, key, field), value in c.acknowledged.items():
            row = next(
                db.query(
                    "SELECT value, note FROM answer "
                    "WHERE hearing_id = ? AND subject_uuid = ? AND item_key = ?",
                    [c.target["id"], subject, key],
                ),
                None,
            )
            lost += row is None or row[field] != value
    db.close()
    return lost


# ---------------------------------------------------------------------------------------------------------
# The whole ladder, the knee, and the section of docs/benchmarks.md.


def measure(data: Path, ladder: list[int], seconds: float, say=log, hold: bool = False) -> dict:
    """Every step of the ladder; ``hold``: a connection of the benchmark's own keeps the database open
    during each window (what a worker holding one connection would do) and samples the write lock."""
    watchdog = Watchdog()
    started = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "load": os.getloadavg()}
    watchdog.step("making the instance", 600)
    made = make_instance(data, max(ladder), say)
    watchdog.clear()
    items = save_items(data)
    targets = made["observers"]
    watchdog.step("the in-process write time", 120)
    writer = write_time(data, targets[-1], items)
    watchdog.clear()
    say(f"one autosave holds the write lock {run.ms(writer['median'])} ms (median, in process)")
    steps = []
    for n in ladder:
        say(f"{n} clients for {seconds:.0f} s …")
        result = step(data, targets[:n], items, seconds, watchdog, hold)
        result["writer_occupancy"] = result["per_second"] * writer["median"]
        steps.append(result)
        say(row(result))
    return {
        "started": started,
        "hold": hold,
        "ended_load": os.getloadavg(),
        "seconds": seconds,
        "writer": writer,
        "steps": steps,
        "instance": {
            "observers": len(targets),
            "defendants": PER_TRIAL,
            "present": len(targets[0]["present"]),
        },
    }


def growth_autosave(instance: Path, ladder: tuple[int, ...] = (20, 100), seconds: float = 30) -> dict:
    """For bench/growth.py: the same step at 20 and 100 observers on a grown mission's own instance (its
    database, its size), the observers added to its first trial once (``knee-observers.json`` there).
    Returns, per number of observers, the figures growth.py's table shows."""
    marker = instance / "knee-observers.json"
    targets = json.loads(marker.read_text()) if marker.exists() else []
    if len(targets) < max(ladder):
        if targets:
            raise RuntimeError(f"{instance} has {len(targets)} benchmark observers; {max(ladder)} are needed")
        targets = add_observers(instance / "monitor.sqlite", max(ladder))
        marker.write_text(json.dumps(targets))
    items = save_items(instance)
    watchdog = Watchdog()
    out = {}
    for n in ladder:
        s = step(instance, targets[:n], items, seconds, watchdog)
        latency = s["latency"] or {"p95": float("inf"), "median": float("inf")}
        out[n] = {
            "p95_ms": latency["p95"] * 1000,
            "median_ms": latency["median"] * 1000,
            "saves": s["saves"],
            "errors": s["errors"],
            "lost": s["lost"],
            "machine_cpu": s["machine_cpu"],
        }
    watchdog.clear()
    return out


def knee(results: dict) -> tuple[dict | None, dict | None]:
    """(the first step that misses the target, the last step that met it before)."""
    below = None
    for s in results["steps"]:
        if not s["ok"]:
            return s, below
        below = s
    return None, below


def verdict(s: dict) -> str:
    return "met" if s["ok"] else "**missed**"


def row(s: dict) -> str:
    lat = s["latency"] or {"median": 0, "p95": 0, "p99": 0, "max": 0}
    floor = f"{run.ms(s['floor']['p95'])} ms" if s.get("floor") else "—"
    return (
        f"| {s['clients']} | {s['saves']:,} | {s['per_second']:.1f} | {run.ms(lat['median'])} ms | "
        f"{run.ms(lat['p95'])} ms | {run.ms(lat['p99'])} ms | {run.ms(lat['max'])} ms | {s['errors']} | "
        f"{s['lost']} | {floor} | {s['machine_cpu']:.0f} % | {s['server_cpu']:.0f} % | "
        f"{s['client_cpu']:.0f} % | {100 * s['writer_occupancy']:.0f} % | "
        f"{s['load'][0]:.1f} → {s['load'][1]:.1f} | {verdict(s)} |"
    )


HOLD_NOTE = (
    " **Run with `--hold-connection`**: a connection of the benchmark's own kept the database open during "
    "each window (so no request's connection was the last one to close, and SQLite never checkpointed "
    "and deleted its WAL at a close) and sampled the write lock every 20 ms (BEGIN IMMEDIATE without "
    "waiting, then ROLLBACK)."
)
HEADER = (
    "| concurrent observers | saves | saves/s | p50 | p95 | p99 | max | errors | lost | floor p95 "
    "| machine CPU | server CPU | client CPU | write lock held | load average "
    "| ≤ 30 ms p95, 0 errors, 0 lost |"
)


BUSY = 70  # % of the machine's CPU over a window: both cores busy often enough that requests queue


def crowded(s: dict) -> bool:
    """Whether other processes, not this load, held most of a busy machine during step ``s``."""
    others = s["machine_cpu"] - s["server_cpu"] - s["client_cpu"]
    return s["machine_cpu"] >= BUSY and others > s["server_cpu"] + s["client_cpu"]


def sampled(s: dict) -> str:
    if s.get("lock_busy") is None:
        return ""
    return f"; found taken at {100 * s['lock_busy']:.0f} % of {s['lock_samples']:,} tries"


def limiting(s: dict, writer: dict, base: dict | None = None) -> str:
    """The resource that ran out at step ``s``, named from its measurements (``base``: the first step,
    whose floor shows how much the machine alone slowed a request meanwhile)."""
    in_flight = s["per_second"] * s["mean"]  # Little's law: arrivals × time in the system
    floor = run.ms(s["floor"]["p95"]) if s.get("floor") else "—"
    was = (
        f" against {run.ms(base['floor']['p95'])} ms at {base['clients']}"
        if base and base is not s and base.get("floor")
        else ""
    )
    facts = (
        f"at {s['clients']} observers the machine's CPU was {s['machine_cpu']:.0f} % busy (the server "
        f"{s['server_cpu']:.0f} %, this client {s['client_cpu']:.0f} %, the rest other processes), the "
        f"write lock was held about {100 * s['writer_occupancy']:.0f} % of the time ({s['per_second']:.0f} "
        f"saves/s × {run.ms(writer['median'])} ms each in process{sampled(s)}), about {in_flight:.1f} "
        f"requests were in flight on average (of {WORKERS * THREADS} threads), the server logged "
        f'{s["log"]["locked"]} "database is locked", and the bare `/healthz` (almost no work) answered in '
        f"{floor} ms p95 in the same window{was}"
    )
    if max(s["lock_busy"] or 0, s["writer_occupancy"]) >= 0.6 or s["log"]["locked"]:
        return f"**SQLite's single write lock**: {facts}. Saves queued for the writer"
    if in_flight >= 0.75 * WORKERS * THREADS:
        return f"**the workers' threads**: {facts}. Requests waited for a free thread"
    if s["machine_cpu"] >= BUSY:
        if crowded(s):
            return (
                f"**CPU, shared with other processes**: {facts}. Both cores were busy often enough that "
                "requests waited for a processor — more of it taken by other work on the shared machine "
                "than by this load, so a server with the machine to itself goes further"
            )
        who = "the server" if s["server_cpu"] >= s["client_cpu"] else "the load generator (this process)"
        return (
            f"**CPU**: {facts}. Both cores were busy — {who} taking most — so requests queued for the "
            "processor, not for the database or a thread"
        )
    other = s["machine_cpu"] - s["server_cpu"] - s["client_cpu"]
    if other < 10:  # the machine was this load's: what grew with the observers was the server's CPU
        return (
            f"**CPU, in bursts**: {facts}. No resource was full on average, but the server's CPU was the "
            "one that grew with the observers (the write lock and the threads stayed far from full): saves "
            "arrive at random, so at this share of both cores a burst often finds them busy and waits — "
            "queueing, which the bare `/healthz` shows too; each gunicorn worker runs one request's Python "
            "at a time, four workers on two cores. A server with more cores goes further"
        )
    return (
        f"**no single resource saturated**: {facts}. The tail came from scheduling on a shared machine "
        "(other processes' load; see the load average)"
    )


def section(results: dict) -> list[str]:
    steps, writer = results["steps"], results["writer"]
    first, below = knee(results)
    top = steps[-1]
    load0, load1 = results["started"]["load"][0], results["ended_load"][0]
    lines = [
        SECTION,
        "",
        f"Written by `bench/knee.py --doc` on {results['started']['date']} (not by `make bench`, which keeps "
        f"this section). Load average (1 min) {load0:.1f} when the run started and {load1:.1f} when it "
        f"ended; the machine has {CORES} cores. gunicorn with {WORKERS} workers × {THREADS} threads "
        f"(tests/liveserver.py); each observer is signed in and has saved once before the window (neither "
        f"measured), then saves for {results['seconds']:.0f} s at the form's pace (one save, then 0.5–1.5 s: "
        f"the form debounces for a second), one answer each save (a choice or a typed note) in their own "
        f"draft of a routine sitting of a {results['instance']['defendants']}-defendant trial "
        f"({results['instance']['present']} present), over a kept-alive connection, with a 10 s timeout. "
        "*Lost*: acknowledged saves missing from the database after the server stopped. *Floor*: a bare "
        "`/healthz` (no session, one `SELECT 1`) about four times a second in the same window, same server "
        "(what the machine's scheduling alone costs a request). CPU columns are "
        "shares of the whole machine (all cores) over the window: the machine (/proc/stat), the server "
        "(gunicorn's processes) and the load generator (this process, on the same machine). *Write lock "
        "held*: saves/s × the time one autosave holds SQLite's single write lock in process "
        f"({run.ms(writer['median'])} ms median, {run.ms(writer['p95'])} ms p95: BEGIN IMMEDIATE to COMMIT, "
        "with its fsync and the findings counts' upkeep)." + HOLD_NOTE * results.get("hold", False),
        "",
        HEADER,
        "|" + "---|" * (HEADER.count(" | ") + 1),
        *[row(s) for s in steps],
        "",
    ]
    for n in (20, 100):
        s = next((s for s in steps if s["clients"] == n), None)
        if s and s["latency"]:
            lines.append(
                f"- **Autosave under {n} concurrent observers (4 workers)**: "
                f"p95 {run.ms(s['latency']['p95'])} ms "
                f"(target ≤ 30 ms), {s['errors']} errors, {s['lost']} lost of {s['acknowledged']:,} "
                f"acknowledged answers, {s['per_second']:.1f} saves/s — {verdict(s)}."
            )
    if first is None:
        lines.append(
            f"- **The knee**: not reached — every step up to {top['clients']} concurrent observers met "
            f"≤ 30 ms p95 with no error and nothing lost (p95 {run.ms(top['latency']['p95'])} ms at "
            f"{top['clients']})."
        )
        lines.append(
            f"- **The resource closest to its limit** at {top['clients']}: "
            + limiting(top, writer, steps[0])
            + "."
        )
    else:
        held = (
            f"; {below['clients']} observers still met it (p95 {run.ms(below['latency']['p95'])} ms)"
            if below
            else ""
        )
        why = []
        if first["latency"] and first["latency"]["p95"] > TARGET_P95:
            why.append(f"p95 {run.ms(first['latency']['p95'])} ms")
        if first["errors"]:
            why.append(f"{first['errors']} errors ({', '.join(first['error_kinds'])})")
        if first["lost"]:
            why.append(f"{first['lost']} lost")
        lines.append(f"- **The knee**: {first['clients']} concurrent observers ({', '.join(why)}){held}.")
        lines.append("- **The limiting resource**: " + limiting(first, writer, steps[0]) + ".")
    reopened = [s for s in steps if s["reconnects"]]
    if reopened:
        lines.append(
            "- Kept-alive connections the server had closed while idle (gunicorn's 2 s keep-alive) and the "
            "client opened again, as a browser does, inside the save's time: "
            + ", ".join(f"{s['reconnects']} at {s['clients']}" for s in reopened)
            + "."
        )
    lines.append("- " + sizing(results))
    return lines


def sizing(results: dict) -> str:
    steps, writer = results["steps"], results["writer"]
    first, below = knee(results)
    top = steps[-1]
    measured = [s for s in steps if s["saves"]]
    cpu_per_save = statistics.median(s["server_cpu_per_save"] for s in measured) if measured else 0
    per_core = 1 / max(cpu_per_save, 1e-9)  # saves/s one core of server CPU carries
    half = CORES * per_core / 2  # saves/s at half the machine's CPU: room for pages, reports, the tail
    writer_max = 1 / max(writer["median"], 1e-9)
    load = f"load average {results['started']['load'][0]:.1f} → {results['ended_load'][0]:.1f}"
    if first is None:
        found = f"this run met the target at every step up to {top['clients']} observers ({load})"
        plan = min(half, top["clients"]) if top["clients"] < half else half
    elif below is None or crowded(first):
        floor = f", the bare `/healthz` {run.ms(first['floor']['p95'])} ms p95" if first.get("floor") else ""
        held = f"met the target up to {below['clients']} observers but " if below else ""
        found = (
            f"this run {held}missed at {first['clients']} observers while the machine was busy with other "
            f"work ({load}{floor}), so a server with the machine to itself likely carries more; half its "
            f"CPU is about {half:.0f} saves/s from the CPU each save costs"
        )
        plan = min(half, below["clients"]) if below else half
    else:
        found = (
            f"this run met the target up to {below['clients']} observers and missed at "
            f"{first['clients']} ({load})"
        )
        plan = min(half, below["clients"])
    return (
        f"**Sizing a mission server.** Each autosave costs the server about {run.ms(cpu_per_save)} ms of "
        f"CPU (median over the steps; its write transaction is {run.ms(writer['median'])} ms of it, the "
        "rest is the request around it: session, permissions, JSON, gunicorn), so one core serves at most "
        f"about {per_core:.0f} saves/s; an observer typing saves about once a second. On {CORES} cores, "
        f"{found}. Plan a {CORES}-core mission server for about {plan:.0f} observers typing at the same "
        "moment (the lower of what met the target here and half its CPU), leaving the rest for page loads, "
        "the lead's findings and reports, and the tail — a mission has several times as many observers, "
        "since the form saves only while someone types. With 4 or 8 cores (one gunicorn worker per core, "
        f"4 threads each) the CPU bound grows with the cores: about {2 * per_core:.0f} and "
        f"{4 * per_core:.0f} observers typing at once at half CPU. What more cores do not change is "
        "SQLite's single writer: each save holds the one write lock about "
        f"{run.ms(writer['median'])} ms (BEGIN IMMEDIATE to COMMIT, fsync included; held "
        f"{100 * top['writer_occupancy']:.0f} % of the time at {top['clients']} observers), so one "
        f"database takes at most about {writer_max:,.0f} saves/s whatever the cores, and is half-busy at "
        f"{writer_max / 2:,.0f} — past that a faster disk (the fsync in each commit) helps, more workers "
        "do not. That ceiling is this disk's: where a commit's fsync takes a few milliseconds it falls to "
        "a few hundred saves/s, and on 8 cores the single writer, not the CPU, would bound the observers."
    )


def write_doc(path: Path, lines: list[str]) -> None:
    """Replace the section in ``path``, or add it at the end."""
    text = path.read_text().splitlines() if path.exists() else []
    if SECTION in text:
        start = text.index(SECTION)
        end = next((n for n in range(start + 1, len(text)) if text[n].startswith("## ")), len(text))
    else:
        while text and not text[-1].strip():
            text.pop()
        text.append("")
        start = end = len(text)
    if end < len(text):
        lines = [*lines, ""]
    path.write_text("\n".join([*text[:start], *lines, *text[end:]]).rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=str(ROOT / "bench" / ".data" / "knee"))
    parser.add_argument("--ladder", default=",".join(str(n) for n in LADDER))
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--doc", help="write the section into this Markdown file (docs/benchmarks.md)")
    parser.add_argument("--json", help="write every figure measured into this file")
    parser.add_argument(
        "--hold-connection",
        action="store_true",
        help="keep a connection of the benchmark's own open during each window and sample the write lock",
    )
    args = parser.parse_args()
    ladder = [int(part) for part in args.ladder.split(",") if part.strip()]
    results = measure(Path(args.data), ladder, args.seconds, hold=args.hold_connection)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    lines = section(results)
    print("\n".join(lines), flush=True)
    if args.doc:
        write_doc(Path(args.doc), lines)
        log(f"wrote the section of {args.doc}")


if __name__ == "__main__":
    main()
