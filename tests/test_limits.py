"""Resource limits (issue 12, holes C, D and E, and the background-job cap): a hostile request is refused
with a clear message, in bounded time and memory, and nothing is changed.

Memory is measured where it is spent: the bundle reader in a process of its own (peak RSS, from
``getrusage``), the web server in its gunicorn workers (``VmHWM`` from /proc).
"""

import contextlib
import hashlib
import io
import json
import os
import random
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from monitor.db import connect, utcnow
from monitor.reports import jobs
from monitor.sync import bundle
from tests.conftest import csrf_token, login, make_user, post, setup_trial
from tests.liveserver import Browser, Server

MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
UUID = "00000000-0000-4000-8000-000000000001"


# Hostile bundles ----------------------------------------------------------------------------------------


def _manifest(parts: dict, **extra) -> dict:
    return {
        "format": bundle.FORMAT,
        "format_version": bundle.FORMAT_VERSION,
        "kind": "setup",
        "bundle_uuid": UUID,
        "mission": {"uuid": UUID, "name": "Bomb"},
        "author": {"uuid": UUID, "username": "x", "display_name": "x"},
        "counts": {},
        "parts": parts,
        **extra,
    }


def _write_spaces(archive: zipfile.ZipFile, name: str, head: bytes, size: int, tail: bytes) -> str:
    """An entry of ``head`` + ``size`` spaces + ``tail``, written in steps (never whole in memory); its
    SHA-256, so the manifest can be honest about it."""
    digest = hashlib.sha256(head)
    block = b" " * MiB
    with archive.open(name, "w", force_zip64=True) as entry:
        entry.write(head)
        for _ in range(size // MiB):
            entry.write(block)
            digest.update(block)
        entry.write(tail)
        digest.update(tail)
    return digest.hexdigest()


def manifest_bomb(size: int = 300 * MiB) -> bytes:
    """A few hundred KiB whose manifest.json unpacks to ``size`` bytes (valid JSON all the same)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        head = json.dumps(_manifest({}))[:-1].encode() + b', "padding": "'
        _write_spaces(archive, "manifest.json", head, size, b'"}')
    return buffer.getvalue()


def users_bomb(size: int = 300 * MiB) -> bytes:
    """users.json unpacking to ``size`` bytes, declared honestly in the zip, checksum right."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        sha = _write_spaces(archive, "users.json", b"[", size, b"]")
        part = {"type": "user", "count": 0, "sha256": sha}
        archive.writestr("manifest.json", json.dumps(_manifest({"users.json": part})))
    return buffer.getvalue()


def ratio_bomb(size: int = 15 * MiB) -> bytes:
    """A part under the size limit that packs a thousand to one, beside 2 MiB of noise that makes the file
    large enough for its declared total to pass: only the ratio checked while unpacking stops it."""
    noise = json.dumps([os.urandom(3 * MiB // 2).hex()]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        sha = _write_spaces(archive, "users.json", b"[", size, b"]")
        archive.writestr("padding.json", noise, compress_type=zipfile.ZIP_STORED)
        parts = {
            "users.json": {"type": "user", "count": 0, "sha256": sha},
            "padding.json": {"type": "zpadding", "count": 1, "sha256": hashlib.sha256(noise).hexdigest()},
        }
        archive.writestr("manifest.json", json.dumps(_manifest(parts)))
    return buffer.getvalue()


def widest_part(size: int = bundle.MAX_PART_BYTES - 1024) -> bytes:
    """The costliest part the reader accepts: as large as allowed, packing poorly (random two-letter
    strings, the JSON that makes the most Python objects per byte at an honest ratio)."""
    rng = random.Random(12)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = [f'"{a}{b}"' for a in letters for b in letters]
    body = ",".join(rng.choice(words) for _ in range(size // 5)).encode()
    data = b"[[" + body + b"]]"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.json", data)
        part = {"type": "user", "count": 1, "sha256": hashlib.sha256(data).hexdigest()}
        archive.writestr("manifest.json", json.dumps(_manifest({"users.json": part})))
    return buffer.getvalue()


def nested_bundle(depth: int) -> bytes:
    """An honest bundle (sizes, counts, checksums right) whose one user entry nests ``depth`` lists deep."""
    data = ("[" + "[" * depth + "]" * depth + "]").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("users.json", data)
        part = {"type": "user", "count": 1, "sha256": hashlib.sha256(data).hexdigest()}
        archive.writestr("manifest.json", json.dumps(_manifest({"users.json": part})))
    return buffer.getvalue()


def sealed_asking(memory_kib: int, iterations: int, lanes: int = 4) -> bytes:
    """A sealed bundle whose header asks for these key-derivation settings (its body is noise)."""
    header = json.dumps(
        {
            "format": bundle.FORMAT,
            "format_version": bundle.FORMAT_VERSION,
            "cipher": "AES-256-GCM",
            "kdf": {
                "name": "argon2id",
                "memory_kib": memory_kib,
                "iterations": iterations,
                "lanes": lanes,
                "salt": os.urandom(16).hex(),
            },
            "nonce": os.urandom(12).hex(),
        },
        sort_keys=True,
    ).encode()
    return bundle.MAGIC + struct.pack(">I", len(header)) + header + os.urandom(4096)


MEASURE = """
import json, resource, sys, time
from monitor.sync import bundle
data = open(sys.argv[1], "rb").read()
passphrase = sys.argv[2] or None
baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    reader = bundle.Reader(data, passphrase)
    for part_type in sorted({str(info.get("type")) for info in reader.parts.values()}):
        for _items in reader.items(part_type):
            pass
    outcome = "read"
except bundle.BundleError as error:
    outcome = str(error)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcome": outcome, "seconds": seconds, "extra_mib": (peak - baseline) / 1024}))
"""


def measure_reading(data: bytes, folder: Path, passphrase: str = "", code_root: Path = ROOT) -> dict:
    """Open and read every part of ``data`` in a fresh process: what happened, the seconds it took, and
    the peak memory it added (MiB above the process's size with the file loaded)."""
    path = folder / f"bundle-{hashlib.sha256(data).hexdigest()[:12]}.tmbundle"
    path.write_bytes(data)
    env = dict(os.environ, PYTHONPATH=str(code_root))
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), passphrase],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=code_root,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


# C: decompression -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bombs():
    return {"manifest": manifest_bomb(), "users.json": users_bomb(), "ratio": ratio_bomb()}


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        ("manifest", "manifest is larger than this app reads (1 MiB unpacked)"),
        ("users.json", "users.json is larger than a bundle's part may be (16 MiB unpacked)"),
        ("ratio", "unpacks to more than 100 times its packed size"),
    ],
)
def test_a_zip_bomb_is_refused_in_bounded_time_and_memory(bombs, tmp_path, bomb, message):
    data = bombs[bomb]
    assert len(data) < (400 * 1024 if bomb != "ratio" else 4 * MiB)  # a few hundred KiB uploaded …
    result = measure_reading(data, tmp_path)
    assert message in result["outcome"]
    assert result["seconds"] < 2  # … refused at once: before, 300 MiB were unpacked and parsed
    assert result["extra_mib"] < 32  # before: about 1.5 GiB


def test_the_costliest_part_the_reader_accepts_stays_bounded(tmp_path):
    """A part of nearly MAX_PART_BYTES that packs honestly and makes as many Python objects as JSON can."""
    data = widest_part()
    result = measure_reading(data, tmp_path)
    assert result["outcome"] == "read"
    assert result["extra_mib"] < 320
    assert result["seconds"] < 20


def test_a_part_with_more_entries_than_its_manifest_says_is_refused_at_the_first_extra_one():
    data = b"[" + b",".join(b'{"uuid":"x"}' for _ in range(1000)) + b"]"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("users.json", data)
        part = {"type": "user", "count": 3, "sha256": hashlib.sha256(data).hexdigest()}
        archive.writestr("manifest.json", json.dumps(_manifest({"users.json": part})))
    reader = bundle.Reader(buffer.getvalue())
    with pytest.raises(bundle.BundleError, match="holds more entries than its manifest says"):
        list(reader.items("user"))


def test_two_parts_under_one_name_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("users.json", b"[]")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("users.json", b"[]")
        part = {"type": "user", "count": 0, "sha256": hashlib.sha256(b"[]").hexdigest()}
        archive.writestr("manifest.json", json.dumps(_manifest({"users.json": part})))
    with pytest.raises(bundle.BundleError, match="two parts under one name"):
        bundle.Reader(buffer.getvalue())


@pytest.mark.parametrize("depth", [bundle.MAX_DEPTH + 5, 100_000])
def test_deeply_nested_json_in_a_part_is_a_clear_refusal(depth):
    reader = bundle.Reader(nested_bundle(depth))
    with pytest.raises(bundle.BundleError, match="nests its values"):
        list(reader.items("user"))


def test_the_builder_keeps_every_part_far_below_the_readers_limit():
    builder = bundle.Builder(_manifest({}))
    rng = random.Random(3)
    notes = [{"uuid": UUID, "content": {"text": rng.randbytes(25_000).hex()}} for _ in range(199)]
    builder.add_records("note", notes)  # 10 MB of notes: more than one part by size, not by count
    data = builder.build()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sizes = [info.file_size for info in archive.infolist() if info.filename.startswith("records/")]
    assert len(sizes) >= 3 and max(sizes) <= bundle.PART_TARGET_BYTES + 60_000
    reader = bundle.Reader(data)
    assert sum(len(items) for items in reader.items("note")) == 199


# D: key derivation ----------------------------------------------------------------------------------------


def test_a_sealed_header_asking_for_a_gigabyte_key_derivation_is_refused_before_any_work(tmp_path):
    result = measure_reading(sealed_asking(1024 * 1024, 20), tmp_path, passphrase="any passphrase at all")
    assert "key-derivation settings this app does not accept" in result["outcome"]
    assert result["seconds"] < 0.5  # before: 14 s
    assert result["extra_mib"] < 16  # before: 1.2 GiB


@pytest.mark.parametrize(
    ("memory_kib", "iterations", "lanes"),
    [(256 * 1024, 3, 4), (64 * 1024, 7, 4), (64 * 1024, 3, 9), (128 * 1024, 6, 4)],  # the last: work
)
def test_key_derivation_settings_past_the_caps_are_refused(memory_kib, iterations, lanes):
    with pytest.raises(bundle.BundleError, match="key-derivation"):
        bundle.Reader(sealed_asking(memory_kib, iterations, lanes), "any passphrase at all")


def test_the_costliest_key_derivation_allowed_stays_near_the_default(tmp_path):
    result = measure_reading(sealed_asking(128 * 1024, 3), tmp_path, passphrase="any passphrase at all")
    assert "Wrong passphrase" in result["outcome"]
    assert result["seconds"] < 5
    assert result["extra_mib"] < 128 + 48


def test_a_sealed_header_that_is_not_a_small_json_object_is_refused():
    huge = bundle.MAGIC + struct.pack(">I", 10 * MiB) + b"[" * (10 * MiB)
    with pytest.raises(bundle.BundleError, match="encryption header"):
        bundle.Reader(huge, "any passphrase at all")


# E: request size, over real HTTP ---------------------------------------------------------------------------


def worker_peaks(server: Server) -> dict[int, int]:
    """Each gunicorn worker's peak resident memory so far (VmHWM), in KiB."""
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    peaks = {}
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks[int(pid)] = int(line.split()[1])
    return peaks


def grown_mib(before: dict[int, int], after: dict[int, int]) -> float:
    return max((after[pid] - before.get(pid, after[pid])) / 1024 for pid in after)


def send_body(server: Server, path: str, headers: dict, chunked: bool, size: int) -> tuple[int, bytes, int]:
    """POST ``size`` bytes (chunked, or with the declared Content-Length) as a raw client would, for as
    long as the server reads them and has not answered; then its answer. Returns (status, body, bytes
    sent). The answer is read by a thread of its own, so a server that answers early stops the sending."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = bytearray()
    answered = threading.Event()

    def receive():
        try:
            while chunk := sock.recv(65536):
                answer.extend(chunk)
        except OSError:
            pass
        answered.set()

    reader = threading.Thread(target=receive, daemon=True)
    reader.start()
    block, sent = b"a" * 65536, 0
    frame = b"%x\r\n%s\r\n" % (len(block), block) if chunked else block
    stalled_since = None
    sock.settimeout(0.5)
    while sent < size and not answered.is_set():
        try:
            sock.sendall(frame)
        except TimeoutError:  # the server is not reading: it has answered, or is about to
            stalled_since = stalled_since or time.monotonic()
            if time.monotonic() - stalled_since > 30:
                break
            continue
        except OSError:
            break  # the server hung up
        stalled_since = None
        sent += len(block)
    else:
        if chunked and not answered.is_set():
            with contextlib.suppress(OSError):
                sock.sendall(b"0\r\n\r\n")
    answered.wait(60)
    sock.close()
    head, _sep, body = bytes(answer).partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head.startswith(b"HTTP/") else 0
    return status, body, sent


def signed_in_headers(browser: Browser) -> dict:
    """The session cookie and CSRF token of a signed-in :class:`Browser`, for a raw request."""
    jar = next(
        h.cookiejar for h in browser.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
    )
    return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in jar), "X-CSRFToken": browser.token}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """gunicorn with the default limits, except a bundle limit of 16 MiB (a 512 MiB push takes a while)."""
    instance = tmp_path_factory.mktemp("live")
    subprocess.run(
        [Path(sys.executable).parent / "flask", "--app", "monitor", "init-db"],
        env=dict(os.environ, MONITOR_INSTANCE_PATH=str(instance)),
        check=True,
        capture_output=True,
    )
    (instance / "config.py").write_text(
        "SECRET_KEY = 'limits'\nMAX_BUNDLE_BYTES = 16 * 1024 * 1024\n"
        "ARGON2 = {'time_cost': 1, 'memory_cost': 1024, 'parallelism': 1}\n"
    )
    from monitor import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(instance)})
    make_user(app, "oleg", "observer")
    server = Server(instance).start()
    yield server, app
    server.kill()


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_gigabyte_posted_to_the_sign_in_page_is_refused_after_at_most_the_limit(live, chunked):
    server, _app = live
    before = worker_peaks(server)
    started = time.monotonic()
    status, body, sent = send_body(
        server, "/login", {"Content-Type": "application/x-www-form-urlencoded"}, chunked, 1024 * MiB
    )
    seconds = time.monotonic() - started
    assert status == 413
    assert b"larger than this server accepts (at most 1 MiB)" in body  # a url-encoded form: the form limit
    assert sent <= 8 * MiB + 16 * MiB  # the limit, plus what the sockets' buffers held; not a gigabyte
    assert seconds < 10
    assert grown_mib(before, worker_peaks(server)) < 64


def test_a_chunked_push_past_the_bundle_limit_is_refused_in_json(live):
    server, app = live
    browser = Browser(server.url)
    browser.sign_in("oleg", "correct horse battery")
    headers = {"Content-Type": "application/octet-stream", **signed_in_headers(browser)}
    before = worker_peaks(server)
    status, body, _sent = send_body(server, "/api/v1/sync/push", headers, True, 20 * MiB)
    assert status == 413
    answer = json.loads(body)
    assert answer["field"] == "bundle"
    # Answered by the push view's own count or by the request stream's limit: the same figure either way.
    assert "larger than" in answer["message"] and "16 MiB" in answer["message"]
    assert grown_mib(before, worker_peaks(server)) < 96
    db = connect(app.config["DATABASE"])
    assert db["sync_bundle"].count == 0
    db.close()


def test_a_bundle_larger_than_the_app_wide_limit_still_reaches_the_push(live):
    """The push takes more than a page may: 9 MiB of noise is refused as not a bundle, not as too large."""
    server, _app = live
    browser = Browser(server.url)
    browser.sign_in("oleg", "correct horse battery")
    headers = {"Content-Type": "application/octet-stream", **signed_in_headers(browser)}
    status, _body, _sent = send_body(server, "/api/v1/sync/push", headers, False, 9 * MiB)
    assert status == 422


def test_an_oversized_autosave_is_a_413_in_json_and_changes_nothing(app, client):
    setup = setup_trial(app)
    from tests.conftest import start_hearing

    hearing = start_hearing(app, setup)
    login(client, "oleg")
    token = csrf_token(client, "/")
    change = {"target": "hearing", "field": "courtroom", "value": "x" * (9 * MiB)}
    response = client.post(
        f"/hearings/{hearing['uuid']}/save", json={"changes": [change]}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 413
    assert response.get_json()["message"].startswith("What you sent is larger than this server accepts")
    db = connect(app.config["DATABASE"])
    assert next(db.query("SELECT version FROM hearing"))["version"] == hearing["version"]
    db.close()


def test_a_declared_length_over_the_limit_is_refused_before_anything_reads_the_body(app):
    class Untouchable(io.RawIOBase):
        def readinto(self, _buffer):
            raise AssertionError("the body was read")

    response = app.test_client().post(
        "/login",
        environ_overrides={
            "wsgi.input": Untouchable(),
            "CONTENT_LENGTH": str(1024 * MiB),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
        },
    )
    assert response.status_code == 413
    assert "at most 1 MiB" in response.get_data(as_text=True)  # a url-encoded form: the form limit


# Background jobs --------------------------------------------------------------------------------------------


def _running_jobs(app, user_uuid: str, number: int, minutes_ago: int = 0) -> None:
    db = connect(app.config["DATABASE"])
    created = (
        utcnow()
        if not minutes_ago
        else time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - minutes_ago * 60))
    )
    with db.conn:
        for n in range(number):
            db["export_job"].insert(
                {
                    "uuid": f"running-{n}-{minutes_ago}",
                    "kind": "export",
                    "status": "running",
                    "created_at": created,
                    "user_uuid": user_uuid,
                }
            )
    db.close()


def test_a_third_export_while_two_run_is_refused_with_a_message(app, client):
    setup = setup_trial(app)
    _running_jobs(app, setup["lead"]["uuid"], jobs.PER_USER)
    login(client, "lena")
    db = connect(app.config["DATABASE"])
    jobs_before, audit_before = db["export_job"].count, db["audit"].count
    response = post(
        client,
        f"/missions/{setup['mission']['uuid']}/exports",
        {"what": "data", "format": "csv", "profile": "partner", "lang": "en"},
    )
    assert response.status_code == 429
    assert "You already have 2 exports or syncs running" in response.get_data(as_text=True)
    assert (db["export_job"].count, db["audit"].count) == (jobs_before, audit_before)
    db.close()


def test_parallel_starts_never_pass_the_cap_and_stale_jobs_do_not_count(app):
    user = make_user(app, "lena", "lead")
    _running_jobs(app, user["uuid"], 3, minutes_ago=jobs.STALE_MINUTES + 5)  # died in a restart
    release = threading.Event()
    outcomes = []

    def waiting(_db, _progress):
        release.wait(10)

    def start():
        try:
            outcomes.append(jobs.start(app, "export", waiting, user_uuid=user["uuid"]))
        except jobs.JobLimit as error:
            outcomes.append(error)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    release.set()
    started = [o for o in outcomes if isinstance(o, str)]
    assert len(started) == jobs.PER_USER and len(outcomes) == 8
    assert all(str(jobs.PER_USER) in str(o) for o in outcomes if isinstance(o, jobs.JobLimit))
    db = connect(app.config["DATABASE"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(jobs.get(db, u)["status"] != "done" for u in started):
        time.sleep(0.05)
    db.close()


# The audit page's query string ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e23", "100000000000000000000000", "-1", "0x10", "١٢", "", "3.5", " 7 "])
def test_odd_before_values_on_the_audit_page_are_ignored_not_a_500(app, client, value):
    make_user(app, "ada", "admin")
    login(client, "ada")
    response = client.get("/admin/audit", query_string={"before": value})
    assert response.status_code == 200
    assert "login" in response.get_data(as_text=True)
