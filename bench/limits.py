"""The resource limits of issue 12 under attack, each measured against its target (run by `make stress`).

The hostile bundles and the raw HTTP client are the ones tests/test_limits.py uses; here they run at full
size against a real server with the default settings (a 512 MiB bundle limit included), and every figure
is written to docs/reliability.md beside its target.
"""

import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.generate import PASSWORD, drafts, generate
from monitor import create_app
from monitor.audit import Actor
from monitor.auth import tokens, users
from monitor.db import connect
from monitor.reports import jobs
from monitor.sync import bundle
from tests import test_limits as hostile
from tests.liveserver import Browser, Server

MiB = 1024 * 1024
STRESS = Actor(name="stress")


def _row(hole: str, attack: str, target: str, measured: str, met: bool, log=print) -> dict:
    log(f"  {hole} {attack}: {measured} ({'met' if met else 'MISSED'})")
    return {"hole": hole, "attack": attack, "target": target, "measured": measured, "met": bool(met)}


def bundle_limits(scratch: Path) -> list[dict]:
    """C and D: hostile bundles read in a process of their own (time, and peak memory above the file)."""
    scratch.mkdir(parents=True)
    refused = "refused; ≤ 2 s; ≤ 32 MiB"
    kdf_refused = "refused; ≤ 0.5 s; ≤ 16 MiB"
    # (hole, attack, file, passphrase, target, seconds, MiB, outcome wanted: None for a refusal)
    cases = [
        ("C", "manifest.json unpacking to 300 MiB", hostile.manifest_bomb(), "", refused, 2, 32, None),
        ("C", "users.json unpacking to 300 MiB", hostile.users_bomb(), "", refused, 2, 32, None),
        ("C", "a 15 MiB part packed 1000 to 1", hostile.ratio_bomb(), "", refused, 2, 32, None),
        ("C", "JSON nested 100,000 deep", hostile.nested_bundle(100_000), "", refused, 2, 32, None),
        (
            "C",
            f"the costliest part accepted ({bundle.MAX_PART_BYTES // MiB} MiB of two-letter strings)",
            hostile.widest_part(),
            "",
            "read; ≤ 20 s; ≤ 320 MiB",
            20,
            320,
            "read",
        ),
        (
            "D",
            "sealed header asking for 1 GiB × 20 passes",
            hostile.sealed_asking(1024 * 1024, 20),
            "a passphrase",
            kdf_refused,
            0.5,
            16,
            None,
        ),
        (
            "D",
            "the costliest derivation accepted (128 MiB × 3 passes)",
            hostile.sealed_asking(128 * 1024, 3),
            "a passphrase",
            "≤ 5 s; ≤ 176 MiB",
            5,
            176,
            "Wrong passphrase",
        ),
    ]
    rows = []
    for hole, attack, data, passphrase, target, seconds, mib, wanted in cases:
        result = hostile.measure_reading(data, scratch, passphrase)
        outcome = result["outcome"]
        as_wanted = outcome.startswith(wanted) if wanted else outcome != "read"
        met = as_wanted and result["seconds"] <= seconds and result["extra_mib"] <= mib
        said = "read" if outcome == "read" else f"“{textwrap.shorten(outcome, 100, placeholder=' …')}”"
        measured = (
            f"{len(data) / 1024:,.0f} KiB file, {result['seconds']:.2f} s, +{result['extra_mib']:.0f} MiB: "
            f"{said}"
        )
        rows.append(_row(hole, attack, target, measured, met))
    return rows


def request_limits(instance: Path, draft: dict) -> list[dict]:
    """E: bodies far past the limits, declared or chunked, each against a fresh gunicorn (so a worker's
    peak memory before the attack is its peak after starting)."""
    attacks = [
        ("1 GiB POST to /login, Content-Length declared", "/login", "form", False, 1024 * MiB, False),
        ("1 GiB POST to /login, chunked", "/login", "form", True, 1024 * MiB, False),
        ("100 MiB autosave, chunked", f"/hearings/{draft['uuid']}/save", "json", True, 100 * MiB, True),
        ("520 MiB push, chunked", "/api/v1/sync/push", "octet", True, 520 * MiB, True),
    ]
    types = {"form": "application/x-www-form-urlencoded", "json": "application/json"}
    rows = []
    for attack, path, kind, chunked, size, signed_in in attacks:
        server = Server(instance, workers=2).start()
        try:
            headers = {"Content-Type": types.get(kind, "application/octet-stream")}
            if signed_in:
                browser = Browser(server.url)
                browser.sign_in(draft["username"], PASSWORD)
                headers.update(hostile.signed_in_headers(browser))
            before = hostile.worker_peaks(server)
            started = time.perf_counter()
            status, _body, sent = hostile.send_body(server, path, headers, chunked, size)
            seconds = time.perf_counter() - started
            grown = hostile.grown_mib(before, hostile.worker_peaks(server))
        finally:
            server.kill()
        limit = 512 if "push" in path else 8  # MiB: the bundle limit, or the app-wide one
        bound = 64 + (limit if "push" in path else 0)  # the push view holds the bundle it reads
        met = status == 413 and seconds <= 60 and grown <= bound and sent <= (limit + 16) * MiB
        rows.append(
            _row(
                "E",
                attack,
                f"413; ≤ {limit} MiB read; worker +≤ {bound} MiB",
                f"{status} after {sent / MiB:,.0f} MiB sent, {seconds:.1f} s, worker +{grown:.0f} MiB",
                met,
            )
        )
    return rows


def _status(url: str, secret: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {secret}"})
    try:
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 (loopback)
    except urllib.error.HTTPError as error:
        error.close()
        return error.code
    return 200


def account_limits(instance: Path, argon2: dict, draft: dict) -> list[dict]:
    """F, G and J over real HTTP: parallel wrong sign-ins, a flood of bad tokens, a token after a reset."""
    db = connect(str(instance / "monitor.sqlite"))
    users.create(
        db,
        STRESS,
        username="limits.target",
        display_name="",
        password="a passphrase of the stress run",  # noqa: S106
        role="observer",
        argon2=argon2,  # the default settings: each check takes as long as a real one
    )
    server = Server(instance, workers=2).start()
    rows = []
    try:
        failed_before = db["audit"].count_where("action = 'login.failed'")
        browsers = [Browser(server.url) for _ in range(24)]
        for browser in browsers:
            browser.get("/login")
        barrier = threading.Barrier(len(browsers))

        def wrong(browser):
            data = {"username": "limits.target", "password": "a wrong guess!!", "csrf_token": browser.token}
            barrier.wait()
            try:
                browser.opener.open(server.url + "/login", urllib.parse.urlencode(data).encode(), 60).close()
            except urllib.error.HTTPError as error:
                error.close()

        threads = [threading.Thread(target=wrong, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        checked = db["audit"].count_where("action = 'login.failed'") - failed_before
        attack = "24 wrong sign-ins at once on one account"
        rows.append(_row("F", attack, "≤ 5 passwords checked", f"{checked}", checked <= 5))

        with db.conn:
            db.execute("DELETE FROM login_failure")  # F throttled this address: start G afresh
        audit_before = db["audit"].count
        for n in range(300):
            _status(server.url + "/api/v1/me", f"tm_{n}")
        written = db["audit"].count - audit_before
        rows.append(
            _row("G", "300 refused tokens from one address", "≤ 6 audit rows", f"{written}", written <= 6)
        )

        with db.conn:
            db.execute("DELETE FROM login_failure")  # G throttled this address: start J afresh
        owner = users.get_by_username(db, draft["username"])
        _token, secret = tokens.create(db, STRESS, owner, name="laptop", scope="write", days=30)
        before = _status(server.url + "/api/v1/me", secret)
        users.set_password(db, STRESS, owner["uuid"], PASSWORD, argon2)
        after = _status(server.url + "/api/v1/me", secret)
        attack = "a token used after its owner's password was reset"
        rows.append(
            _row("J", attack, "401 (200 before)", f"{after} ({before} before)", (before, after) == (200, 401))
        )
    finally:
        server.kill()
        db.close()
    return rows


def job_limit(app, user_uuid: str) -> dict:
    """Eight exports started at once by one person: at most jobs.PER_USER run."""
    release = threading.Event()
    outcomes: list = []

    def waiting(_db, _progress):
        release.wait(30)

    def start():
        try:
            outcomes.append(jobs.start(app, "export", waiting, user_uuid=user_uuid))
        except jobs.JobLimit as error:
            outcomes.append(error)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    release.set()
    started = sum(isinstance(o, str) for o in outcomes)
    time.sleep(0.5)  # the released jobs finish before their folder goes
    attack = "8 exports started at once by one person"
    return _row("jobs", attack, f"≤ {jobs.PER_USER} run", f"{started}", started <= jobs.PER_USER)


def limits(folder: Path) -> list[dict]:
    """Every resource attack of issue 12 (holes C to G, J and the job cap), measured against its target."""
    rows = bundle_limits(folder / "bundles")
    instance = folder / "server"
    instance.mkdir(parents=True)
    generate(
        str(instance / "monitor.sqlite"),
        trials=2,
        defendants=10,
        hearings=20,
        witnesses=2,
        allegations=2,
        seed=7,
        log=lambda _m: None,
    )
    (instance / "config.py").write_text("SECRET_KEY = 'stress'\n")  # the default limits and Argon2
    app = create_app({"SECRET_KEY": "stress", "INSTANCE_PATH": str(instance), "TESTING": True})
    draft = drafts(instance, 1)[0]
    rows += request_limits(instance, draft)
    rows += account_limits(instance, app.config["ARGON2"], draft)
    db = connect(str(instance / "monitor.sqlite"))
    someone = users.get_by_username(db, draft["username"])
    db.close()
    rows.append(job_limit(app, someone["uuid"]))
    return rows
