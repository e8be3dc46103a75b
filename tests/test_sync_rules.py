"""The pages' rules hold on every way into the database through sync (issue #12: holes B, K, L, the push
body limit, withheld fields). Each test makes the attack as the review did and shows it refused with a
clear message, with every row an import could touch exactly as it was."""

import hashlib
import io
import json
import socket
import threading
import time
import uuid as uuidlib
import zipfile

import jsonschema
import pytest
import requests

from monitor import checklists, records
from monitor.audit import Actor
from monitor.auth import tokens, users
from monitor.db import connect
from monitor.instance_config import ensure_instance_config
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.sync import conflicts, exporter, service
from monitor.sync.bundle import Builder, BundleError
from monitor.sync.importer import WITHHOLDABLE, Refused, import_bundle, link
from monitor.witnesses import records as witness_records
from tests.conftest import (
    FAST_ARGON2,
    PASSWORD,
    csrf_token,
    login,
    make_app,
    make_user,
    post,
    setup_trial,
    start_hearing,
)
from tests.liveserver import Server
from tests.test_sync_engine import SCHEMA, answer_everything, craft, export, local_mission, records_of
from tests.test_sync_pages import upload

ACTOR = Actor(name="test")
# Every table an import writes (records, sync bookkeeping, accounts, the audit chain).
TABLES = (
    "user",
    "mission",
    "mission_member",
    "trial",
    "trial_observer",
    "defendant",
    "hearing",
    "hearing_defendant",
    "answer",
    "witness",
    "witness_appearance",
    "allegation",
    "note",
    "review",
    "hearing_revision",
    "sync_seen",
    "sync_record",
    "sync_bundle",
    "sync_conflict",
    "imported_audit",
    "audit",
)


def state(db, tables=TABLES) -> dict:
    """Every row of every table an import could touch."""
    return {
        table: sorted(db.query(f"SELECT * FROM [{table}]"), key=lambda row: json.dumps(row, sort_keys=True))  # noqa: S608
        for table in tables
    }


def one(db, table: str, record_uuid: str) -> dict:
    return records.get(db, table, record_uuid)


def heard(db, appearance_uuid: str) -> dict:
    """A witness heard at a hearing: the appearance with its person's fields."""
    return witness_records.appearance(db, appearance_uuid)


# B: an observer's bundle and a locked hearing --------------------------------------------------------


@pytest.fixture
def approved(tmp_path):
    """Oleg recorded a hearing on his laptop and pushed it; the lead approved it on the server and the
    laptop pulled it back. Returns both databases and the hearing's uuid."""
    (tmp_path / "server").mkdir()
    (tmp_path / "laptop").mkdir()
    server_app = make_app(tmp_path / "server")
    setup = setup_trial(server_app, defendants=2)
    laptop_app = make_app(tmp_path / "laptop")
    owner = make_user(laptop_app, "oleg", "admin")
    server_db, laptop_db = connect(server_app.config["DATABASE"]), connect(laptop_app.config["DATABASE"])
    import_bundle(
        laptop_db, export(server_db, "lena", setup["mission"], "setup"), owner, ACTOR, link_account=True
    )
    me = users.get_by_username(laptop_db, "oleg")
    mission = local_mission(laptop_db, setup["mission"]["uuid"])
    trial = next(laptop_db.query("SELECT * FROM trial"))
    hearing = observe.start_hearing(laptop_db, ACTOR, trial, mission, me, "2026-11-21")
    answer_everything(laptop_db, hearing, missions.defendants(laptop_db, trial["id"]))
    witness = observe.add_witness(laptop_db, ACTOR, hearing, me["id"])
    checklist = checklists.get("fair_trial", 1)
    typed = observe.changes("hearing", {"summary": "The judge read the charges."}) + observe.changes(
        "witness", {"identity": "Aigerim S.", "anonymous": 1}, witness["uuid"]
    )
    assert observe.save_changes(laptop_db, ACTOR, hearing, checklist, typed) == []
    observe.add_note(laptop_db, ACTOR, hearing, me["id"], "Judge left at noon", "2026-11-21T12:00:00Z")
    observe.submit(laptop_db, ACTOR, hearing)
    server_oleg = users.get_by_username(server_db, "oleg")
    assert import_bundle(server_db, export(laptop_db, "oleg", mission), server_oleg, ACTOR).total("inserted")
    lena = users.get_by_username(server_db, "lena")
    observe.review(server_db, ACTOR, one(server_db, "hearing", hearing["uuid"]), lena["id"], "approved", "")
    pull = export(server_db, "oleg", setup["mission"], "pull", mark=False)  # as GET /sync/pull: no marks
    import_bundle(laptop_db, pull, me, ACTOR, link_account=True)
    assert one(laptop_db, "hearing", hearing["uuid"])["status"] == "approved"
    yield {
        "server": server_db,
        "laptop": laptop_db,
        "hearing": hearing["uuid"],
        "oleg": server_oleg,
        "lena": lena,
        "me": me,
        "mission": mission,
        "trial": trial,
    }
    server_db.close()
    laptop_db.close()


def whole_trial(world) -> bytes:
    """The laptop's whole trial as it stands (every record, each with its history), not marked sent."""
    return export(world["laptop"], "oleg", world["mission"], "trial", mark=False, trial=world["trial"])


def edited(record: dict, **content) -> None:
    """What an observer who edits the laptop's database file would send: new content, a new version, and
    the version the server holds in its history, so the server takes it as a plain update."""
    record["history"] = sorted({*record.get("history", []), record["hash"]})
    record["version"] += 1
    record["content"].update(content)


def the(parts, record_type: str, record_uuid: str | None = None) -> dict:
    found = [r for r in records_of(parts, record_type) if record_uuid in (None, r["uuid"])]
    assert found, record_type
    return found[0]


def add_record(manifest, parts, record_type: str, record: dict) -> None:
    name = next((n for n in parts if n.startswith(f"records/{record_type}-")), None)
    if name is None:
        name = f"records/{record_type}-0001.json"
        parts[name], manifest["parts"][name] = [], {"type": record_type}
    parts[name].append(record)


def revision(world, number: int, snapshot: dict | str, reason: str = "a typo") -> dict:
    return {
        "uuid": str(uuidlib.uuid4()),
        "version": 1,
        "created_at": "2026-11-22T10:00:00Z",
        "updated_at": "2026-11-22T10:00:00Z",
        "history": [],
        "hash": "",
        "content": {
            "hearing_uuid": world["hearing"],
            "number": number,
            "reason": reason,
            "snapshot": snapshot if isinstance(snapshot, str) else json.dumps(snapshot, sort_keys=True),
            "author_uuid": world["oleg"]["uuid"],
        },
    }


def as_it_stands(world) -> dict:
    """The snapshot a correction keeps of the server's hearing, as the page would make it."""
    server = world["server"]
    return json.loads(observe.kept_snapshot(server, one(server, "hearing", world["hearing"])))


def test_an_observer_cannot_rewrite_an_approved_hearing_by_bundle(approved):
    """The review's attack: summary, answers, presence, witnesses, notes of an approved hearing rewritten by a
    crafted push, status left approved and no revision kept. Each way is refused and nothing moves."""
    world, server = approved, approved["server"]
    hearing_uuid = world["hearing"]
    witness_uuid = next(server.query("SELECT uuid FROM witness"))["uuid"]
    note_uuid = next(server.query("SELECT uuid FROM note"))["uuid"]
    defendant_uuid = next(server.query("SELECT uuid FROM defendant"))["uuid"]
    base = whole_trial(world)

    def summary(manifest, parts):
        edited(the(parts, "hearing"), summary="Nothing happened; the observer was not there.")

    def answers(manifest, parts):
        record = the(parts, "hearing")
        flipped = [[*a[:2], "yes", *a[3:]] for a in record["content"]["answers"]]
        edited(record, answers=flipped)

    def presence(manifest, parts):
        record = the(parts, "hearing")
        edited(record, presence={**record["content"]["presence"], defendant_uuid: 0})

    def reopened(manifest, parts):
        edited(the(parts, "hearing"), status="submitted", summary="Rewritten after approval.")

    def witness(manifest, parts):
        edited(the(parts, "witness"), identity="Someone else entirely")

    def new_note(manifest, parts):
        note = json.loads(json.dumps(the(parts, "note")))
        note.update(uuid=str(uuidlib.uuid4()), version=1, history=[])
        note["content"]["text"] = "Added after approval"
        add_record(manifest, parts, "note", note)

    def own_note(manifest, parts):
        edited(the(parts, "note"), text="The judge never left.")

    cases = {
        "summary, still approved": (summary, f"hearing of 2026-11-21 ({hearing_uuid}), which is approved"),
        "answers": (answers, "without a correction (hearing"),
        "presence": (presence, "without a correction (hearing"),
        "reopened without a correction": (reopened, "Only a correction opens"),
        "an anonymous witness's identity": (witness, f"without a correction (witness {witness_uuid})"),
        "a note added": (new_note, "without a correction (note"),
        "a note rewritten": (own_note, f"note already typed ({note_uuid})"),
    }
    before = state(server)
    for name, (mutate, message) in cases.items():
        with pytest.raises(Refused) as refused:
            import_bundle(server, craft(base, mutate), world["oleg"], ACTOR)
        assert message in str(refused.value), (name, str(refused.value))
        assert state(server) == before, name
    stored = one(server, "hearing", hearing_uuid)
    assert stored["status"] == "approved" and stored["summary"] == "The judge read the charges."
    assert server["hearing_revision"].count == 0


def test_a_correction_made_as_the_pages_make_it_goes_through(approved):
    """The one way in: the observer corrects the approved hearing on the laptop (a kept revision of it as it
    stood), edits, submits; the server takes all of it, and keeps the approved version."""
    world, server, laptop = approved, approved["server"], approved["laptop"]
    approved_snapshot = as_it_stands(world)
    hearing = one(laptop, "hearing", world["hearing"])
    observe.start_correction(laptop, ACTOR, hearing, world["me"]["id"], "The judge's name was wrong")
    hearing = one(laptop, "hearing", world["hearing"])
    change = observe.changes("hearing", {"summary": "The judge read the charges; the defence objected."})
    assert observe.save_changes(laptop, ACTOR, hearing, checklists.get("fair_trial", 1), change) == []
    observe.submit(laptop, ACTOR, hearing)
    report = import_bundle(server, export(laptop, "oleg", world["mission"]), world["oleg"], ACTOR)
    assert report.counts["hearing"]["updated"] == 1 and report.counts["hearing_revision"]["inserted"] == 1
    stored = one(server, "hearing", world["hearing"])
    assert stored["status"] == "submitted" and "objected" in stored["summary"]
    kept = next(server.query("SELECT * FROM hearing_revision"))
    assert kept["number"] == 1 and json.loads(kept["snapshot"]) == approved_snapshot


def test_a_correction_must_keep_the_hearing_as_it_stands_here(approved):
    """A correction is the only way in, so a forged one is refused: a kept version that is not the approved
    hearing, revisions out of order, or a hearing approved again by the observer."""
    world, server = approved, approved["server"]
    base = whole_trial(world)
    honest = as_it_stands(world)
    forged = {**honest, "hearing": {**honest["hearing"], "summary": "What the observer wishes it had said"}}

    def corrected(snapshot, number=1, status="submitted"):
        def mutate(manifest, parts):
            edited(the(parts, "hearing"), status=status, summary="Rewritten")
            add_record(manifest, parts, "hearing_revision", revision(world, number, snapshot))

        return mutate

    cases = {
        "a forged kept version": (corrected(forged), "keeps a version that is not the hearing as it stands"),
        "an unreadable kept version": (corrected("{not json"), "keeps a version that is not the hearing"),
        "revision 3 of none": (corrected(honest, number=3), "numbered [3]; the next one here is 1"),
        "approved again": (corrected(honest, status="approved"), "leaves it approved: a correction makes"),
    }
    before = state(server)
    for name, (mutate, message) in cases.items():
        with pytest.raises(Refused) as refused:
            import_bundle(server, craft(base, mutate), world["oleg"], ACTOR)
        assert message in str(refused.value), (name, str(refused.value))
        assert state(server) == before, name
    # the same bundle with the honest kept version is taken
    report = import_bundle(server, craft(base, corrected(honest)), world["oleg"], ACTOR)
    assert report.counts["hearing_revision"]["inserted"] == 1
    assert one(server, "hearing", world["hearing"])["status"] == "submitted"


def test_kept_revisions_never_change_by_import_even_from_a_lead(approved):
    world, server, laptop = approved, approved["server"], approved["laptop"]
    hearing = one(laptop, "hearing", world["hearing"])
    observe.start_correction(laptop, ACTOR, hearing, world["me"]["id"], "A typo")
    observe.submit(laptop, ACTOR, one(laptop, "hearing", world["hearing"]))
    import_bundle(server, export(laptop, "oleg", world["mission"]), world["oleg"], ACTOR)
    kept = next(server.query("SELECT * FROM hearing_revision"))

    def rewritten(manifest, parts):
        record = the(parts, "hearing_revision")
        snapshot = json.loads(record["content"]["snapshot"])
        snapshot["hearing"]["summary"] = "It was never approved like this"
        edited(record, snapshot=json.dumps(snapshot), reason="nothing to see")

    bad = craft(whole_trial(world), rewritten)
    before = state(server)
    for importer_user in (world["oleg"], world["lena"]):
        with pytest.raises(Refused) as refused:
            import_bundle(server, bad, importer_user, ACTOR)
        assert f"rewrites a kept revision of a hearing ({kept['uuid']})" in str(refused.value)
        assert state(server) == before
    assert next(server.query("SELECT * FROM hearing_revision")) == kept


def test_an_observer_cannot_touch_another_persons_note(approved):
    """A note someone else wrote in the hearing stays theirs: not rewritten in their name, not taken over."""
    world, server = approved, approved["server"]
    hearing = one(server, "hearing", world["hearing"])
    with server.atomic():  # (no page lets a lead write here; a resolved conflict or an old bundle may have)
        theirs = records.insert(
            server,
            "note",
            ACTOR,
            {"hearing_id": hearing["id"], "author_id": world["lena"]["id"], "typed_at": "t", "text": "L's"},
        )
    server.execute("UPDATE hearing SET status = 'draft' WHERE id = ?", [hearing["id"]])  # even in a draft
    note = exporter.Reader(server).record(exporter.KINDS["note"], one(server, "note", theirs["uuid"]))

    def rewrite(author):
        def mutate(manifest, parts):
            record = json.loads(json.dumps(note))
            edited(record, text="Changed by the observer", author_uuid=author)
            add_record(manifest, parts, "note", record)
            the(parts, "hearing")["content"]["status"] = "draft"

        return mutate

    before = state(server)
    for author in (world["lena"]["uuid"], world["oleg"]["uuid"]):
        with pytest.raises(Refused) as refused:
            import_bundle(server, craft(whole_trial(world), rewrite(author)), world["oleg"], ACTOR)
        assert f"writes the note {theirs['uuid']} in another person's name" in str(refused.value)
        assert state(server) == before
    assert one(server, "note", theirs["uuid"])["text"] == "L's"


# K: a pull over GET changes nothing ----------------------------------------------------------------


def test_a_pull_marks_nothing_so_the_next_push_still_carries_the_hearing(app, client):
    """GET /api/v1/sync/pull, with the session cookie or with a read-only token, used to mark the caller's
    hearings as sent on this machine, so its next push left them out. Now it writes nothing but its audit
    entry: what waits to be pushed is exactly what waited before."""
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    oleg = users.get_by_username(db, "oleg")
    _row, read_only = tokens.create(db, ACTOR, oleg, name="reader", scope="read", days=1)
    mission = setup["mission"]
    waiting = [uuid for _kind, r in exporter.stream(db, oleg, mission, "changes") for uuid in [r["uuid"]]]
    assert hearing["uuid"] in waiting
    login(client, "oleg")
    bookkeeping = ("sync_seen", "sync_record", "sync_bundle", *TABLES[:14])
    before, audit_rows = state(db, bookkeeping), db["audit"].count
    pulls = [
        client.get(f"/api/v1/sync/pull?mission={mission['uuid']}"),
        app.test_client().get(
            f"/api/v1/sync/pull?mission={mission['uuid']}", headers={"Authorization": f"Bearer {read_only}"}
        ),
    ]
    for pulled in pulls:
        assert pulled.status_code == 200 and pulled.data.startswith(b"PK")
    assert state(db, bookkeeping) == before
    assert db["audit"].count == audit_rows + 2  # each pull is audited, nothing else is written
    assert [r["uuid"] for _kind, r in exporter.stream(db, oleg, mission, "changes")] == waiting
    db.close()


# L: an account's uuid never changes by import on a server ------------------------------------------


def setup_naming(mission: dict, username: str, new_uuid: str) -> bytes:
    """A set-up bundle with no records whose users.json names ``username`` under another uuid."""
    builder = Builder(
        {
            "bundle_uuid": str(uuidlib.uuid4()),
            "created_at": "2026-11-22T10:00:00Z",
            "kind": "setup",
            "mission": {"uuid": mission["uuid"], "name": mission["name"]},
            "trial": None,
            "checklist": {"id": mission["checklist_id"], "version": mission["checklist_version"]},
            "author": {"uuid": new_uuid, "username": username, "display_name": username},
        }
    )
    builder.add_users([{"uuid": new_uuid, "username": username, "display_name": username, "role": "lead"}])
    return builder.build()


def test_importing_a_setup_bundle_never_changes_ones_uuid_on_a_server(app, client, people):
    """The review's attack through the import page, by a lead and by an observer: the account keeps its
    uuid (its audit entries still point to it), and nothing at all is imported."""
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    for username in ("lena", "oleg"):
        mine = users.get_by_username(db, username)
        login(client, username)
        csrf_token(client, "/")  # (the page visit upload makes first, before the count)
        before = state(db)
        page = upload(client, setup_naming(setup["mission"], username, str(uuidlib.uuid4())))
        text = page.get_data(as_text=True)
        assert "Nothing was imported" in text and "identity never changes by import" in text, username
        assert users.get_by_username(db, username)["uuid"] == mine["uuid"]
        assert state(db) == before, username
        post(client, "/logout")
    db.close()


def test_only_a_laptop_being_set_up_links_its_account(tmp_path, app, people):
    """The same rule for `sync configure` (it links to the token's account): refused on a server, on a laptop
    that already holds a mission or a second account; taken on a fresh laptop with its one account."""
    db = connect(app.config["DATABASE"])
    lena = users.get_by_username(db, "lena")
    with pytest.raises(Refused, match="identity never changes by import"):
        link(db, ACTOR, lena, str(uuidlib.uuid4()))
    assert users.get_by_username(db, "lena")["uuid"] == lena["uuid"]
    db.close()
    for name, extra in (("fresh", None), ("second account", "account"), ("mission", "mission")):
        (tmp_path / name).mkdir()
        laptop = make_app(tmp_path / name)
        owner = make_user(laptop, "oleg", "admin")
        if extra == "account":
            make_user(laptop, "olga", "observer")
        elif extra == "mission":
            setup_trial(laptop)
        handle = connect(laptop.config["DATABASE"])
        owner = users.get_by_username(handle, "oleg")
        twin = str(uuidlib.uuid4())
        if extra is None:
            assert link(handle, ACTOR, owner, twin) is True
        else:
            with pytest.raises(Refused):
                link(handle, ACTOR, owner, twin)
        assert users.get_by_username(handle, "oleg")["uuid"] == (twin if extra is None else owner["uuid"])
        handle.close()


# The push body limit -------------------------------------------------------------------------------


@pytest.fixture
def small_server(tmp_path):
    """A real server whose pushes take at most 1 MiB, and oleg's token there."""
    app = make_app(tmp_path)
    setup_trial(app)
    ensure_instance_config(str(tmp_path))
    with open(tmp_path / "config.py", "a", encoding="utf-8") as handle:
        handle.write("\nMAX_BUNDLE_BYTES = 1024 * 1024\n")
    db = connect(app.config["DATABASE"])
    _row, token = tokens.create(
        db, ACTOR, users.get_by_username(db, "oleg"), name="laptop", scope="write", days=1
    )
    db.close()
    server = Server(tmp_path).start()
    yield app, server, token
    server.kill()


def raw_push(server, token: str, *, total: int, chunked: bool) -> tuple[bytes, int]:
    """POST a body of ``total`` bytes to /sync/push over a bare socket, reading the answer as it comes.

    Returns the answer and how many body bytes had gone out when it began (the server stops reading past
    its limit; a client still sending is then cut off, which is fine)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    sock.sendall(
        f"POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/octet-stream\r\n{length}\r\nConnection: close\r\n\r\n".encode()
    )
    answer, sent_when_answered = bytearray(), []
    sent = 0

    def read():
        while chunk := sock.recv(65536):
            if not answer:
                sent_when_answered.append(sent)
            answer.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    piece = b"\0" * 65536
    frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    try:
        while sent < total and not answer:
            sock.sendall(frame)
            sent += len(piece)
        if chunked and not answer:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the server answered and closed while we were still sending
    reader.join(timeout=60)
    sock.close()
    return bytes(answer), (sent_when_answered or [sent])[0]


def test_a_push_stops_reading_past_its_limit_also_when_chunked(small_server):
    """A chunked 520 MiB push used to be read whole. With no Content-Length to refuse up front, the view
    counts what it reads and stops at the limit: 413 with a message, nothing imported, the server fine."""
    app, server, token = small_server
    db = connect(app.config["DATABASE"])
    before = state(db, ("sync_bundle", "hearing", "mission", "user"))
    started = time.monotonic()
    answer, sent = raw_push(server, token, total=64 * 1024 * 1024, chunked=True)
    head, _blank, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"larger than one push takes (1 MiB)" in body
    assert sent < 16 * 1024 * 1024  # answered long before the 64 MiB were sent
    assert time.monotonic() - started < 30
    declared, _sent = raw_push(server, token, total=2 * 1024 * 1024, chunked=False)
    # A declared length past the limit is answered before any byte is read (monitor/limits.py).
    assert declared.startswith(b"HTTP/1.1 413") and b"larger than" in declared and b"1 MiB" in declared
    assert state(db, ("sync_bundle", "hearing", "mission", "user")) == before
    alive = requests.get(
        f"{server.url}/api/v1/sync/missions", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert alive.status_code == 200
    db.close()


# Withheld fields in an administrator's bundle ------------------------------------------------------

WITHHELD = ["witness.identity", "allegation.perpetrators"]


@pytest.fixture
def two_servers(tmp_path):
    """Mission server A, where oleg records a hearing (an anonymous witness, an allegation naming its
    perpetrators), and installation B, which has A's trial as it was, imported by B's administrator."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a_app, b_app = make_app(tmp_path / "a"), make_app(tmp_path / "b")
    setup = setup_trial(a_app, defendants=2)
    hearing = start_hearing(a_app, setup)
    a, b = connect(a_app.config["DATABASE"]), connect(b_app.config["DATABASE"])
    oleg = users.get_by_username(a, "oleg")
    witness = observe.add_witness(a, ACTOR, hearing, oleg["id"])
    allegation = observe.add_allegation(a, ACTOR, hearing)
    typed = observe.changes(
        "witness", {"identity": "Aigerim S.", "anonymous": 1, "testimony": "Saw it."}, witness["uuid"]
    ) + observe.changes("allegation", {"perpetrators": "Major B., unit 7"}, allegation["uuid"])
    assert observe.save_changes(a, ACTOR, hearing, checklists.get("fair_trial", 1), typed) == []
    ada = make_user(b_app, "ada", "admin")
    full = export(a, "lena", setup["mission"], "trial", trial=setup["trial"])
    assert import_bundle(b, full, ada, ACTOR).total("inserted")
    yield {"a": a, "b": b, "setup": setup, "hearing": hearing, "witness": witness, "ada": ada}
    a.close()
    b.close()


def withholding(world, **overrides) -> bytes:
    """A's trial now, as an administrator's bundle: identities and perpetrators left out, also inside
    kept revisions."""
    setup = world["setup"]
    data = export(world["a"], "lena", setup["mission"], "trial", trial=setup["trial"], mark=False)

    def mutate(manifest, parts):
        manifest["withheld"] = overrides.get("withheld", WITHHELD)
        for record in records_of(parts, "witness"):
            record["content"]["identity"] = overrides.get(record["uuid"], "")
        for record in records_of(parts, "allegation"):
            record["content"]["perpetrators"] = ""
        for record in records_of(parts, "hearing_revision"):
            snapshot = json.loads(record["content"]["snapshot"])
            for witness in snapshot["witnesses"].values():
                witness["identity"] = ""
            record["content"]["snapshot"] = json.dumps(snapshot, sort_keys=True)
            if "hearing_revision.snapshot" not in manifest["withheld"]:
                manifest["withheld"] = [*manifest["withheld"], "hearing_revision.snapshot"]

    return craft(data, mutate)


def test_the_schema_allows_what_a_bundle_may_withhold():
    listed = {"$defs": SCHEMA["$defs"], **SCHEMA["$defs"]["manifest"]["properties"]["withheld"]}
    jsonschema.validate(sorted(WITHHOLDABLE), listed)
    assert set(WITHHELD) <= WITHHOLDABLE


def test_withheld_fields_never_overwrite_and_arrive_empty(two_servers):
    world = two_servers
    a, b = world["a"], world["b"]
    oleg = users.get_by_username(a, "oleg")
    witness_uuid = world["witness"]["uuid"]
    change = observe.changes("witness", {"testimony": "Saw it twice."}, witness_uuid)
    assert observe.save_changes(a, ACTOR, world["hearing"], checklists.get("fair_trial", 1), change) == []
    second = observe.add_witness(a, ACTOR, world["hearing"], oleg["id"])
    secret = observe.changes("witness", {"identity": "Second S.", "anonymous": 1}, second["uuid"])
    assert observe.save_changes(a, ACTOR, world["hearing"], checklists.get("fair_trial", 1), secret) == []
    # the new witness's identity was not blanked by its sender: withheld, it still arrives empty
    data = withholding(world, **{second["person_uuid"]: "Second S."})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        jsonschema.validate(json.loads(archive.read("manifest.json")), SCHEMA | {"$ref": "#/$defs/manifest"})
    report = import_bundle(b, data, world["ada"], ACTOR)
    # the testimony is the appearance's (updated); the second witness is a new person heard once
    assert report.counts["witness_appearance"]["updated"] == 1
    assert report.counts["witness_appearance"]["inserted"] == 1
    assert report.counts["witness"]["inserted"] == 1 and report.counts["witness"]["unchanged"] == 1
    assert report.counts["allegation"]["unchanged"] == 1 and report.total("conflict") == 0
    kept = heard(b, witness_uuid)
    assert (kept["identity"], kept["testimony"]) == ("Aigerim S.", "Saw it twice.")
    assert heard(b, second["uuid"])["identity"] == ""
    assert next(b.query("SELECT perpetrators FROM allegation"))["perpetrators"] == "Major B., unit 7"
    before = state(b)
    again = import_bundle(b, data, world["ada"], ACTOR)  # once only, and still nothing overwritten
    assert again.total("inserted") == again.total("updated") == again.total("conflict") == 0
    assert {k: v for k, v in state(b).items() if k not in ("audit", "sync_bundle")} == {
        k: v for k, v in before.items() if k not in ("audit", "sync_bundle")
    }


def open_testimony_conflict(world):
    """Both sides changed one witness's testimony, then B imports A's bundle (identities withheld): the
    conflict that opens on B."""
    a, b = world["a"], world["b"]
    witness_uuid = world["witness"]["uuid"]
    change = observe.changes("witness", {"testimony": "A's words."}, witness_uuid)
    assert observe.save_changes(a, ACTOR, world["hearing"], checklists.get("fair_trial", 1), change) == []
    with b.atomic():
        appearance = one(b, "witness_appearance", witness_uuid)
        records.update(b, "witness_appearance", ACTOR, appearance, {"testimony": "B's words."})
    report = import_bundle(b, withholding(world), world["ada"], ACTOR)
    assert report.counts["witness_appearance"]["conflict"] == 1
    return conflicts.open_conflicts(b, None)[0]


def test_a_withheld_field_is_no_conflict_and_a_lead_cannot_take_it(two_servers):
    """Both sides changed the testimony: a conflict, in which the withheld identity is not a difference, so
    resolving it all for the incoming side keeps the identity here."""
    world = two_servers
    b, witness_uuid = world["b"], world["witness"]["uuid"]
    conflict = open_testimony_conflict(world)
    assert [f["field"] for f in conflicts.differing(conflict)] == ["testimony"]
    conflicts.resolve(b, ACTOR, world["ada"], conflict, {"testimony": "incoming"})
    kept = heard(b, witness_uuid)
    assert (kept["identity"], kept["testimony"]) == ("Aigerim S.", "A's words.")


def test_a_conflict_on_a_record_removed_here_since_is_refused_with_a_message(two_servers):
    """Both sides changed the testimony (a conflict); then the witness is removed from the draft hearing
    here. Resolving the conflict says the record changed here (it used to fail on the missing row, a 500)
    and leaves the conflict open and nothing written."""
    world = two_servers
    b, witness_uuid = world["b"], world["witness"]["uuid"]
    conflict = open_testimony_conflict(world)
    observe.remove(b, ACTOR, one(b, "hearing", world["hearing"]["uuid"]), "witness", witness_uuid)
    before = state(b)
    with pytest.raises(conflicts.ConflictError, match="changed here after the conflict was found"):
        conflicts.resolve(b, ACTOR, world["ada"], conflict, {"testimony": "incoming"})
    assert conflicts.get(b, conflict["uuid"])["status"] == "open"
    assert state(b) == before


def test_a_kept_revision_with_withheld_values_is_no_rewrite(two_servers):
    """An administrator's bundle blanks identities inside kept revisions too: a revision here keeps its
    snapshot (and is not refused as rewritten), a new one arrives as sent, blanks and all."""
    world = two_servers
    a, b = world["a"], world["b"]
    oleg = users.get_by_username(a, "oleg")

    def correct(reason):
        observe.submit(a, ACTOR, one(a, "hearing", world["hearing"]["uuid"]))
        observe.start_correction(a, ACTOR, one(a, "hearing", world["hearing"]["uuid"]), oleg["id"], reason)

    correct("first")
    setup = world["setup"]
    import_bundle(b, export(a, "lena", setup["mission"], "trial", trial=setup["trial"]), world["ada"], ACTOR)
    first = next(b.query("SELECT * FROM hearing_revision WHERE number = 1"))
    assert "Aigerim S." in first["snapshot"]
    correct("second")
    report = import_bundle(b, withholding(world), world["ada"], ACTOR)
    assert report.counts["hearing_revision"] == {
        **report.counts["hearing_revision"],
        "unchanged": 1,
        "inserted": 1,
    }
    assert next(b.query("SELECT * FROM hearing_revision WHERE number = 1")) == first
    second = json.loads(next(b.query("SELECT snapshot FROM hearing_revision WHERE number = 2"))["snapshot"])
    assert [w["identity"] for w in second["witnesses"].values()] == [""]


def test_an_administrators_own_bundle_changes_no_identity_on_the_receiving_side(two_servers):
    """As it is exported (whatever the exporter withholds from an administrator who is not a lead), it
    brings the new testimony and the correction, leaves identities and perpetrators here as they are, and
    is no conflict."""
    world = two_servers
    a, b, setup = world["a"], world["b"], world["setup"]
    oleg = users.get_by_username(a, "oleg")
    admin = make_user_in(a, "adam", "admin")
    change = observe.changes("witness", {"testimony": "Saw it twice."}, world["witness"]["uuid"])
    assert observe.save_changes(a, ACTOR, world["hearing"], checklists.get("fair_trial", 1), change) == []
    observe.submit(a, ACTOR, one(a, "hearing", world["hearing"]["uuid"]))
    observe.start_correction(a, ACTOR, one(a, "hearing", world["hearing"]["uuid"]), oleg["id"], "typo")
    mission = one(a, "mission", setup["mission"]["uuid"])
    chosen = exporter.select(a, admin, mission, "trial", trial=setup["trial"])
    data, _manifest, _sent = exporter.build(a, admin, mission, chosen, "trial", trial=setup["trial"])
    report = import_bundle(b, data, world["ada"], ACTOR)
    assert report.total("conflict") == 0 and report.counts["hearing_revision"]["inserted"] == 1
    witness = heard(b, world["witness"]["uuid"])
    assert (witness["identity"], witness["testimony"]) == ("Aigerim S.", "Saw it twice.")
    assert next(b.query("SELECT perpetrators FROM allegation"))["perpetrators"] == "Major B., unit 7"


def make_user_in(db, username: str, role: str) -> dict:
    return users.create(
        db, ACTOR, username=username, display_name=username, password=PASSWORD, role=role, argon2=FAST_ARGON2
    )


@pytest.mark.parametrize(
    ("withheld", "message"),
    [
        (["witness.testimony"], "withholds fields this installation does not know (witness.testimony)"),
        (["witness.identity", "user.password_hash"], "does not know (user.password_hash)"),
        ("witness.identity", "in a form this installation cannot read"),
        ([{"witness": "identity"}], "in a form this installation cannot read"),
    ],
)
def test_a_withheld_list_this_installation_does_not_know_is_refused(two_servers, withheld, message):
    world = two_servers
    before = state(world["b"])
    with pytest.raises(BundleError) as refused:
        import_bundle(world["b"], withholding(world, withheld=withheld), world["ada"], ACTOR)
    assert message in str(refused.value)
    assert state(world["b"]) == before


def test_a_value_nested_deeper_than_python_parses_is_a_message(tmp_path):
    """A part whose checksum is right but whose JSON nests 100,000 lists deep: refused with a message by
    every way in (they share service.import_), not a server error; nothing changes."""
    app = make_app(tmp_path)
    setup = setup_trial(app)
    db = connect(app.config["DATABASE"])
    data = export(db, "lena", setup["mission"], "setup", mark=False)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in manifest["parts"]}
    name = next(name for name in members if name.startswith("records/mission"))
    members[name] = b"[" * 100_000 + b"]" * 100_000
    manifest["parts"][name].update(sha256=hashlib.sha256(members[name]).hexdigest(), count=1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part, content in members.items():
            archive.writestr(part, content)
        archive.writestr("manifest.json", json.dumps(manifest))
    before = state(db)
    with pytest.raises(BundleError, match="cannot read|nested|deep"):
        service.import_(db, buffer.getvalue(), users.get_by_username(db, "lena"), ACTOR, extra_dirs=[])
    assert state(db) == before
    db.close()
