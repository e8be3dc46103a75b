"""Hostile bundles, generated: random bytes, a real bundle with bytes flipped or cut short, a manifest with
random values — pushed to the API and uploaded on the import page. Never a server error; nothing changes.

CI runs a few examples; `make stress` runs thousands (HOSTILE_EXAMPLES).
"""

import io
import json
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.db import connect
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


def send_everywhere(world, data: bytes) -> None:
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
