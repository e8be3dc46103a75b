"""Hostile bundles, generated: random bytes, a real bundle with bytes flipped or cut short, a manifest with
random values, zip bombs, deep nesting, costly key derivations — pushed to the API and uploaded on the
import page. Never a server error; nothing changes; what passes a limit is refused quickly, with a message.

CI runs a few examples; `make stress` runs thousands (HOSTILE_EXAMPLES).
"""

import hashlib
import io
import json
import os
import struct
import time
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.db import connect
from monitor.sync import bundle as bundlelib
from monitor.sync import exporter
from tests.conftest import csrf_token, login, setup_trial
from tests.test_hostile import JSON_VALUE, SCRIPT, SETTINGS, check

TABLES = ("mission", "trial", "defendant", "hearing", "answer", "witness", "note", "sync_conflict", "user")


@pytest.fixture
def world(app):
    setup = setup_trial(app, defendants=2)
    db = connect(app.config["DATABASE"])
    lena = next(db.query("SELECT * FROM user WHERE username = 'lena'"))
    chosen = exporter.select(db, lena, setup["mission"], "setup")
    bundle, _manifest, _sent = exporter.build(db, lena, setup["mission"], chosen, "setup")
    db.close()
    lead = app.test_client()
    login(lead, "lena")
    return {"app": app, "lead": lead, "bundle": bundle, "csrf": csrf_token(lead, "/")}


def snapshot(app) -> dict:
    db = connect(app.config["DATABASE"])
    try:
        return {table: db[table].count for table in TABLES}
    finally:
        db.close()


def mutated_manifest(bundle: bytes, path: list, value) -> bytes:
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    node = manifest
    for key in path[:-1]:
        node = node.setdefault(key, {}) if isinstance(node, dict) else node
    if isinstance(node, dict):
        node[path[-1]] = value
    members["manifest.json"] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def send_everywhere(world, data: bytes):
    """Push ``data`` and upload it; both must answer without a server error. Returns (push, upload)."""
    client = world["lead"]
    before = snapshot(world["app"])
    pushed = client.post(
        "/api/v1/sync/push",
        data=data,
        headers={"X-CSRFToken": world["csrf"], "Content-Type": "application/octet-stream"},
    )
    check(pushed)
    uploaded = client.post(
        "/sync/import",
        data={"bundle": (io.BytesIO(data), "x.tmbundle"), "csrf_token": world["csrf"], "passphrase": SCRIPT},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    check(uploaded)
    if pushed.status_code != 200:  # refused: nothing may have changed
        assert snapshot(world["app"]) == before
    return pushed, uploaded


@SETTINGS
@given(data=st.binary(max_size=2000))
def test_random_bytes(world, data):
    send_everywhere(world, data)


@SETTINGS
@given(
    position=st.floats(min_value=0, max_value=1, exclude_max=True), bit=st.integers(0, 7), cut=st.booleans()
)
def test_a_real_bundle_flipped_or_cut_short(world, position, bit, cut):
    bundle = world["bundle"]
    index = int(position * len(bundle))
    data = (
        bundle[:index] if cut else bundle[:index] + bytes([bundle[index] ^ (1 << bit)]) + bundle[index + 1 :]
    )
    send_everywhere(world, data)


@SETTINGS
@given(
    path=st.lists(
        st.sampled_from(
            ["format", "format_version", "mission", "uuid", "parts", "kind", "author", "counts", "withheld"]
            + ["x"]
        ),
        min_size=1,
        max_size=3,
    ),
    value=JSON_VALUE,
)
def test_a_manifest_with_hostile_values(world, path, value):
    send_everywhere(world, mutated_manifest(world["bundle"], path, value))


@SETTINGS
@given(
    kind=st.sampled_from(["mission", "trial", "defendant"]),
    key=st.one_of(
        st.sampled_from(["name", "members", "observers", "trial_uuid", "mission_uuid", "age", "verdict"]),
        st.text(max_size=8),
    ),
    value=JSON_VALUE,
    top=st.booleans(),
)
def test_a_record_with_hostile_values_and_honest_checksums(world, kind, key, value, top):
    """As an attacker who knows the format would: the checksums are made right again after the change."""
    from tests.test_sync_engine import craft, records_of

    def mutate(manifest, parts):
        for record in records_of(parts, kind)[:1]:
            (record if top else record["content"])[key] = value

    send_everywhere(world, craft(world["bundle"], mutate))


# Resource limits (issue 12): bombs, nesting and key derivation -------------------------------------------

RAW = "__raw value__"


def with_raw(bundle: bytes, target: str, raw: bytes, spaces: int = 0) -> bytes:
    """The bundle with one value replaced by ``raw`` JSON text (as long or as deep as one likes, which
    json.dumps could not write) and ``spaces`` bytes of white space after it; sizes, counts and checksums
    made right again. ``target`` is "manifest.json" or a part's name (its first entry, or that entry's
    content for a record)."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    replacement = raw + b" " * spaces
    if target != "manifest.json":
        items = json.loads(members[target])
        entry = items[0]
        entry.get("content", entry)["x"] = RAW
        members[target] = json.dumps(items).encode().replace(json.dumps(RAW).encode(), replacement)
        manifest["parts"][target]["sha256"] = hashlib.sha256(members[target]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()
    else:
        manifest["x"] = RAW
        members["manifest.json"] = (
            json.dumps(manifest).encode().replace(json.dumps(RAW).encode(), replacement)
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(pushed) -> str:
    assert pushed.status_code == 422, pushed.get_data(as_text=True)[:300]
    return pushed.get_json()["message"]


@SETTINGS
@given(
    depth=st.integers(bundlelib.MAX_DEPTH, 200_000),
    target=st.sampled_from(["manifest.json", "records/trial-0001.json", "records/defendant-0001.json"]),
)
def test_deeply_nested_json_is_a_clear_refusal_never_a_500(world, depth, target):
    data = with_raw(world["bundle"], target, b"[" * depth + b"]" * depth)
    pushed, _uploaded = send_everywhere(world, data)
    assert "nests its values" in refusal(pushed)


@SETTINGS
@given(
    target=st.sampled_from(["manifest.json", "users.json", "records/trial-0001.json"]),
    mib=st.integers(1, 20),  # past every limit a part has (16 MiB at most)
)
def test_a_part_padded_past_its_limits_is_refused_quickly(world, target, mib):
    """Any part (the manifest too) padded with white space until it unpacks far beyond its packed size."""
    data = with_raw(world["bundle"], target, b"0", spaces=mib * 1024 * 1024)
    started = time.monotonic()
    pushed, _uploaded = send_everywhere(world, data)
    assert time.monotonic() - started < 10
    message = refusal(pushed)
    assert "zip bomb" in message or "larger than" in message


@SETTINGS
@given(
    memory_kib=st.one_of(st.integers(), st.integers(128 * 1024 + 1, 2**42), st.floats(), st.text(max_size=5)),
    iterations=st.one_of(st.integers(7, 2**40), st.integers(-5, 0), st.booleans(), st.none()),
    lanes=st.integers(-(2**40), 2**40),
    extra=st.binary(max_size=64),
)
def test_a_sealed_header_past_the_key_derivation_caps_is_refused_before_deriving(
    world, memory_kib, iterations, lanes, extra
):
    header = json.dumps(
        {
            "format": bundlelib.FORMAT,
            "format_version": bundlelib.FORMAT_VERSION,
            "cipher": "AES-256-GCM",
            "kdf": {"memory_kib": memory_kib, "iterations": iterations, "lanes": lanes, "salt": "00" * 16},
            "nonce": "00" * 12,
        }
    ).encode()
    data = bundlelib.MAGIC + struct.pack(">I", len(header)) + header + os.urandom(64) + extra
    started = time.monotonic()
    _pushed, uploaded = send_everywhere(world, data)
    assert time.monotonic() - started < 2  # no derivation at 1 GiB × 20 passes (14 s before)
    page = uploaded.get_data(as_text=True)
    assert "Nothing was imported" in page and "encryption header" in page
