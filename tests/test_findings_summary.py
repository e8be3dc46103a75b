"""The findings counts kept by the writes (monitor/findings/summary.py) always say what the scan of the
answers says: random data, random writes through the app's own functions (autosave, submit, approve,
return, corrections, reconciliation, witnesses heard, merged and split, case facts, an observation removed
from a sitting by its date, a bundle imported from an observer's laptop), then every item, the matrix and
every filter compared, summary against scan; and counting everything again (the migration's fill) gives the
same tables."""

import random

import pytest

from monitor import checklists, records
from monitor.audit import Actor
from monitor.auth import users
from monitor.cases import records as cases
from monitor.db import atomic, connect
from monitor.findings import aggregate, follow_up, summary
from monitor.findings.scope import Scope
from monitor.missions import records as missions
from monitor.observe import records as observe
from monitor.observe import sittings
from monitor.sync.importer import import_bundle
from monitor.witnesses import records as witnesses
from tests.conftest import make_app, make_user
from tests.test_sync_engine import export, local_mission

ACTOR = Actor(name="test")
V1, V2 = checklists.get("fair_trial", 1), checklists.get("fair_trial", 2)
DATES = ("2026-11-20", "2026-11-21")


class World:
    """Two v2 trials in two courts and a v1 mission's trial, three defendants each; two observers, a lead."""

    def __init__(self, app, rng: random.Random):
        self.app, self.rng = app, rng
        self.lead = make_user(app, "lena", "lead")
        self.observers = [make_user(app, "oleg", "observer"), make_user(app, "olga", "observer")]
        self.db = connect(app.config["DATABASE"])
        self.missions, self.trials = [], []
        for name, checklist, courts in (
            ("Mass trials", V2, ("City court", "Regional court")),
            ("Old", V1, ("X",)),
        ):
            mission = missions.create_mission(
                self.db,
                ACTOR,
                self.lead,
                {"name": name, "checklist_id": checklist.id, "checklist_version": checklist.version},
            )
            self.missions.append((mission, checklist))
            for n, court in enumerate(courts):
                trial = missions.create_trial(
                    self.db, ACTOR, mission, {"title": f"{name} {n}", "court": court}
                )
                people = missions.bulk_add_defendants(self.db, ACTOR, trial, [f"D{n}{i}" for i in range(3)])
                for observer in self.observers:
                    missions.assign_observer(self.db, ACTOR, trial, observer, mission)
                self.trials.append((mission, checklist, trial, people))

    # what the random writes pick from ----------------------------------------------------------------

    def hearings(self, *statuses) -> list[dict]:
        return [dict(r) for r in self.db.query("SELECT * FROM hearing") if r["status"] in statuses]

    def trial_of(self, hearing):
        return next(t for t in self.trials if t[2]["id"] == hearing["trial_id"])

    def value(self, item) -> str:
        values = list(item.values()) if item.answer in ("yesno", "choice") else ["3", "seen"]
        return self.rng.choice([v for v in (*values, *values, "", "not_observed") if self.valid(item, v)])

    @staticmethod
    def valid(item, value) -> bool:
        try:
            item.validate(value)
        except ValueError:
            return False
        return True

    def answers(self, hearing) -> list[dict]:
        _mission, checklist, _trial, people = self.trial_of(hearing)
        rng, changes = self.rng, []
        present = {d["uuid"]: d["present"] for d in observe.presence(self.db, hearing["id"])}
        heard = observe.witnesses(self.db, hearing["id"])
        for item in rng.sample(self.pool(checklist), 5):
            if item.scope == "hearing":
                subjects = [""]
            elif item.scope == "defendant":
                subjects = [d["uuid"] for d in people if d["uuid"] in present]
            else:
                subjects = [w["uuid"] for w in heard]
                if item.unit == "witness":
                    subjects = [w["person_uuid"] for w in heard]
            for subject in subjects:
                value = self.value(item)
                changes.append(
                    {
                        "target": "answer",
                        "item": item.key,
                        "subject": subject,
                        "field": "value",
                        "value": value,
                    }
                )
        if people and rng.random() < 0.4:
            changes.append(
                {"target": "presence", "defendant": rng.choice(people)["uuid"], "value": rng.random() < 0.5}
            )
        for field, values in (
            ("public_access", ("open", "restricted", "closed", "")),
            ("observers_admitted", ("yes", "partly", "no", "")),
        ):
            if rng.random() < 0.3:  # a sitting item kept in the observation's field (its home)
                changes.append({"target": "hearing", "field": field, "value": rng.choice(values)})
        if rng.random() < 0.15:  # a date typed again: the observation moves to that date's sitting
            changes.append({"target": "hearing", "field": "hearing_date", "value": rng.choice(DATES)})
        return changes

    def pool(self, checklist) -> list:
        """A few items of each kind, so that two observers of one sitting often answer the same one."""
        asked = [i for i in checklist.items if not i.home and i.key not in self.case_keys(checklist)]
        chosen = [i for i in asked if i.key == "presence"]
        for scope, n in (("hearing", 3), ("defendant", 4), ("witness", 2)):
            chosen += [i for i in asked if i.scope == scope and i.key != "presence"][:n]
        return chosen

    @staticmethod
    def case_keys(checklist) -> set[str]:
        return {i.key for i in checklists.case_items(checklist)} if checklist.declares_units else set()

    # the writes, through the app's own functions --------------------------------------------------------

    def start(self):
        mission, _checklist, trial, _people = self.rng.choice(self.trials)
        observer = self.rng.choice(self.observers)
        return observe.start_hearing(self.db, ACTOR, trial, mission, observer, self.rng.choice(DATES))

    def autosave(self):
        open_ones = self.hearings("draft")
        if not open_ones:
            return self.start()
        hearing = self.rng.choice(open_ones)
        checklist = self.trial_of(hearing)[1]
        assert observe.save_changes(self.db, ACTOR, hearing, checklist, self.answers(hearing)) == []

    def submit(self):
        for hearing in self.rng.sample(self.hearings("draft"), min(2, len(self.hearings("draft")))):
            observe.submit(self.db, ACTOR, hearing)

    def review(self):
        submitted = self.hearings("submitted")
        if submitted:
            hearing = self.rng.choice(submitted)
            decision = self.rng.choice(["approved", "approved", "returned"])
            observe.review(self.db, ACTOR, hearing, self.lead["id"], decision, "")

    def correct(self):
        done = self.hearings("submitted", "approved", "returned")
        if done:
            observe.start_correction(self.db, ACTOR, self.rng.choice(done), self.lead["id"], "a correction")

    def reconcile(self):
        for mission, checklist in self.missions:
            for row in sittings.open_sittings(self.db, mission["id"], checklist)[:1]:
                sitting = records.get_by_id(
                    self.db, "sitting", row["id"] if "id" in row else row["sitting_id"]
                )
                for found in sittings.disagreements(self.db, sitting, checklist)[:2]:
                    if found["values"]:
                        sittings.reconcile(
                            self.db,
                            ACTOR,
                            sitting,
                            checklist,
                            self.lead["id"],
                            found["subject_uuid"],
                            found["item_key"],
                            self.rng.choice(found["values"]),
                            "Checked with both",
                        )

    def witness(self):
        open_ones = self.hearings("draft")
        if not open_ones:
            return
        hearing = self.rng.choice(open_ones)
        known = witnesses.persons_of_trial(self.db, hearing["trial_id"])
        heard = {w["person_uuid"] for w in observe.witnesses(self.db, hearing["id"])}
        again = [p for p in known if p["uuid"] not in heard]
        person = self.rng.choice(again)["uuid"] if again and self.rng.random() < 0.6 else None
        observe.add_witness(self.db, ACTOR, hearing, hearing["observer_id"], person)
        self.autosave_one(hearing)

    def autosave_one(self, hearing):
        checklist = self.trial_of(hearing)[1]
        assert observe.save_changes(self.db, ACTOR, hearing, checklist, self.answers(hearing)) == []

    def remove_witness(self):
        for hearing in self.hearings("draft"):
            heard = observe.witnesses(self.db, hearing["id"])
            if heard:
                observe.remove(self.db, ACTOR, hearing, "witness", heard[0]["uuid"])
                return

    def merge_or_split(self):
        for _mission, _checklist, trial, _people in self.trials:
            persons = witnesses.persons_of_trial(self.db, trial["id"])
            if len(persons) >= 2 and self.rng.random() < 0.5:
                keep, other = (
                    records.get(self.db, "witness", p["uuid"]) for p in self.rng.sample(persons, 2)
                )
                choices = {name: "keep" for name in witnesses.conflicts(keep, other)}
                witnesses.merge(self.db, ACTOR, keep, other, choices)
                return
            for person in persons:
                heard = list(
                    self.db.query(
                        "SELECT uuid FROM witness_appearance WHERE witness_id = ?",
                        [records.get(self.db, "witness", person["uuid"])["id"]],
                    )
                )
                if len(heard) > 1:
                    witnesses.split(self.db, ACTOR, heard[0]["uuid"])
                    return

    def case_fact(self):
        _mission, checklist, _trial, people = self.rng.choice(self.trials[:2])
        item = self.rng.choice(checklists.case_items(checklist))
        defendant = self.rng.choice(people)
        current = next(
            self.db.query(
                "SELECT version FROM case_fact WHERE defendant_id = ? AND item_key = ?",
                [defendant["id"], item.key],
            ),
            {"version": 0},
        )
        value = self.rng.choice([v for v in (*item.values(), "12", "unclear") if v and self.valid(item, v)])
        change = cases.Change(item.key, value, version=current["version"])
        cases.change_facts(
            self.db,
            ACTOR,
            self.lead,
            defendant,
            checklist,
            [change],
            cases.Learned(
                self.rng.choice(item.sources or ("observed",)),
                reason="heard again" if current["version"] else "",
            ),
        )

    ACTIONS = (
        ("start", 5),
        ("autosave", 8),
        ("submit", 4),
        ("review", 3),
        ("correct", 1),
        ("reconcile", 2),
        ("witness", 2),
        ("remove_witness", 1),
        ("merge_or_split", 1),
        ("case_fact", 2),
    )

    def step(self) -> str:
        names = [name for name, weight in self.ACTIONS for _ in range(weight)]
        name = self.rng.choice(names)
        getattr(self, name)()
        return name


def scopes(world: World) -> list[Scope]:
    """Every kind of filter: those the summary answers (the mission, a trial, a court, the default
    statuses in another order) and those it leaves to the scan (dates, an observer, a judge, statuses)."""
    found = []
    for mission, _checklist in world.missions:
        trials = [t for m, _c, t, _p in world.trials if m["id"] == mission["id"]]
        found += [
            Scope(mission["id"]),
            Scope(mission["id"], statuses=("approved", "submitted")),
            Scope(mission["id"], trial_uuids=(trials[0]["uuid"],)),
            Scope(mission["id"], court=trials[-1]["court"]),
            Scope(mission["id"], date_from=DATES[1]),
            Scope(mission["id"], observer_uuids=(world.observers[0]["uuid"],)),
            Scope(mission["id"], statuses=("approved",)),
            Scope(mission["id"], statuses=("submitted", "approved", "returned")),
        ]
    return found


def compare(world: World, monkeypatch, when: str) -> None:
    db = world.db
    assert db.execute("SELECT count(*) FROM findings_dirty").fetchone()[0] == 0, when
    for scope in scopes(world):
        mission = next(db.query("SELECT * FROM mission WHERE id = ?", [scope.mission_id]))
        checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
        answered = summary.usable(db, scope, checklist)
        assert answered == (
            scope.date_from == ""
            and not scope.observer_uuids
            and set(scope.statuses) == {"submitted", "approved"}
        )
        monkeypatch.setattr(aggregate, "SCAN_ONLY", True)
        scanned = aggregate.compute_findings(db, scope, checklist, mission)
        scanned_matrix = aggregate.matrix(db, scope, checklist)
        monkeypatch.setattr(aggregate, "SCAN_ONLY", False)
        kept = aggregate.compute_findings(db, scope, checklist, mission)
        kept_matrix = aggregate.matrix(db, scope, checklist)
        for a, b in zip(scanned["items"], kept["items"], strict=True):
            assert a == b, (when, scope, a["key"])
        scanned.pop("generated_at"), kept.pop("generated_at")
        assert scanned == kept, (when, scope)
        assert scanned_matrix == kept_matrix, (when, scope)


def tables(db) -> tuple[list, list]:
    return (
        [tuple(r) for r in db.execute("SELECT * FROM findings_cell ORDER BY 1, 2, 3")],
        [tuple(r) for r in db.execute("SELECT * FROM findings_unit ORDER BY 1, 2, 3")],
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_kept_counts_agree_with_the_scan_after_any_random_writes(tmp_path, monkeypatch, seed):
    app = make_app(tmp_path)
    world = World(app, random.Random(seed))
    done = []
    for n in range(84):
        done.append(world.step())
        if n % 7 == 6:
            compare(world, monkeypatch, f"after {done[-7:]}")
    counted = world.db.execute(
        "SELECT count(*) FROM hearing WHERE status IN ('submitted', 'approved')"
    ).fetchone()[0]
    assert counted >= 3 and world.db["findings_cell"].count > 20  # the comparison compared something
    assert world.db["reconciliation"].count or seed != 1
    compare(world, monkeypatch, "at the end")
    before = tables(world.db)
    with atomic(world.db):
        summary.fill(world.db)  # what m018_findings_summary does
    assert tables(world.db) == before
    world.db.close()


def test_a_bundle_imported_from_a_laptop_is_counted_in_the_same_transaction(tmp_path, monkeypatch):
    (tmp_path / "server").mkdir()
    app = make_app(tmp_path / "server")
    world = World(app, random.Random(3))
    for _ in range(25):
        world.step()
    mission = world.missions[0][0]
    (tmp_path / "laptop").mkdir()
    laptop_app = make_app(tmp_path / "laptop")
    owner = make_user(laptop_app, "oleg", "admin")
    laptop = connect(laptop_app.config["DATABASE"])
    import_bundle(laptop, export(world.db, "lena", mission, "setup"), owner, ACTOR, link_account=True)
    local = local_mission(laptop, mission["uuid"])
    me = users.get_by_username(laptop, "oleg")
    rng = random.Random(4)
    made = []
    for trial in laptop.query("SELECT * FROM trial WHERE mission_id = ?", [local["id"]]):
        hearing = observe.start_hearing(laptop, ACTOR, trial, local, me, rng.choice(DATES))
        people = list(laptop.query("SELECT uuid FROM defendant WHERE trial_id = ?", [trial["id"]]))
        changes = [
            {
                "target": "answer",
                "item": item.key,
                "subject": d["uuid"],
                "field": "value",
                "value": rng.choice(list(item.values())),
            }
            for item in V2.items
            if item.unit == "defendant_at_sitting" and not item.home and item.answer == "yesno"
            for d in people
        ]
        assert observe.save_changes(laptop, ACTOR, hearing, V2, changes) == []
        observe.submit(laptop, ACTOR, hearing)
        made.append(hearing["uuid"])
    bundle = export(laptop, "oleg", local)
    cells = world.db["findings_cell"].count
    import_bundle(world.db, bundle, world.lead, ACTOR)
    assert world.db["findings_cell"].count > cells  # the import's answers are counted, not left dirty
    compare(world, monkeypatch, "after the import")
    laptop.close()
    world.db.close()


def test_an_observer_autosaving_a_draft_recounts_nothing(app):
    world = World(app, random.Random(5))
    for _ in range(20):
        world.step()
    hearing = world.start()
    before = tables(world.db)
    statements = []
    world.db.conn.set_trace_callback(statements.append)
    world.autosave_one(hearing)
    world.db.conn.set_trace_callback(None)
    assert tables(world.db) == before
    assert not [s for s in statements if "findings_cell" in s], "a draft's autosave recounted"
    world.db.close()


def test_a_write_outside_a_transaction_is_counted_by_the_scan_until_the_next_one(app, monkeypatch):
    world = World(app, random.Random(6))
    for _ in range(30):
        world.step()
    hearing = world.hearings("submitted", "approved")[0]
    world.db.execute("UPDATE answer SET value = 'yes' WHERE hearing_id = ?", [hearing["id"]])
    world.db.conn.commit()
    mission = (
        world.missions[0][0]
        if world.trial_of(hearing)[0]["id"] == world.missions[0][0]["id"]
        else world.missions[1][0]
    )
    checklist = world.trial_of(hearing)[1]
    assert not summary.usable(world.db, Scope(mission["id"]), checklist)  # dirty: the scan answers
    with atomic(world.db):
        pass  # the next transaction recounts what was left dirty
    compare(world, monkeypatch, "after a write outside db.atomic")
    world.db.close()


def test_findings_kept_per_process_see_a_lead_s_reconciliation(app):
    """The data stamp of the findings kept per process missed reconciliations before issue #16."""
    world = World(app, random.Random(1))
    for _ in range(84):
        world.step()
    decided = next(world.db.query("SELECT * FROM reconciliation WHERE subject_uuid != '' LIMIT 1"))
    mission = next(
        world.db.query(
            "SELECT mission.* FROM mission JOIN trial ON trial.mission_id = mission.id "
            "JOIN sitting ON sitting.trial_id = trial.id WHERE sitting.id = ?",
            [decided["sitting_id"]],
        )
    )
    checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
    scope = Scope(mission["id"])
    before = aggregate.findings(world.db, scope, checklist, mission)
    other = next(v for v in checklist.item(decided["item_key"]).values() if v != decided["value"])
    sitting = records.get_by_id(world.db, "sitting", decided["sitting_id"])
    sittings.reconcile(
        world.db,
        ACTOR,
        sitting,
        checklist,
        world.lead["id"],
        decided["subject_uuid"],
        decided["item_key"],
        other,
        "read the notes again",
    )
    after = aggregate.findings(world.db, scope, checklist, mission)
    fresh = follow_up.add_to(
        world.db, aggregate.compute_findings(world.db, scope, checklist, mission), mission
    )
    for data in (before, after, fresh):
        data.pop("generated_at")
    assert after == fresh
    assert after != before or other in ("", "not_observed")
    world.db.close()


def test_the_findings_benchmark_runs_on_a_small_mission(tmp_path):
    """`make bench`'s findings rows (bench/run.py, BENCH_ONLY=findings) on a tiny generated mission: the
    migration fills the kept counts, the first view after an autosave is the kept result."""
    from bench import run
    from bench.generate import tiny

    instance = tmp_path / "instance"
    instance.mkdir()
    made = tiny(str(instance / "monitor.sqlite"))
    result = run.bench_findings(instance)
    rows = run.findings_rows(result)
    assert all(row.startswith(f"| {label}") for row, label in zip(rows, run.FINDINGS_LABELS, strict=True))
    assert len(rows) == 5 and all(row.endswith(("| met |", "| **missed** |")) for row in rows)
    # one view after each of 7 autosaves (that they are served from the kept findings, not computed again,
    # is asserted by counting computations in tests/test_findings_memo.py: a time would be flaky here)
    assert result["after_autosave"]["n"] == 7 and result["autosave_in_process"]["n"] == 67
    assert result["same_counts_floor"] is not None and "findings_unit" in run.FINDINGS_SUMMARY_FLOOR
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Benchmarks\n\nWritten by `make bench` (bench/run.py) on today.\n\nData (small): x\n\n| what |\n"
        "|---|\n| mission findings, all counts, whole mission | old |\n| cold start | 1 s |\n\n## Notes\n\n"
        "- Findings scan each item: old.\n- another note\n"
    )
    run.update_findings(page, {"size": "small", "machine": {"date": "now", "load": 1.0}, "findings": result})
    text = page.read_text()
    assert "| old |" not in text and "Findings scan each" not in text and "- another note" in text
    assert (
        text.index("| mission findings, first view after")
        < text.index("| cold start")
        < text.index("## Notes")
    )
    assert "Findings re-measured on now" in text

    # bench/growth.py's section and charts, from the same measurements
    from bench import growth

    measured = [
        {
            **result,
            "scan": growth.scan(instance, repeat=1),
            "parts": growth.parts(instance, repeat=1),
            "data": made,
            "k": k,
            "load": (1.0, 1.0),
            "date": "now",
        }
        for k in (1, 3)
    ]
    rows = {f"{r['k']}×": growth.doc_row(r) for r in measured}
    growth.write_doc(page, rows, growth.growth_notes(measured), growth.charts(page, measured))
    text = page.read_text()
    assert text.index(run.GROWTH_SECTION) > text.index("## Notes") and text.count("| 3× |") == 1
    assert "![Mission findings computed, by mission size](growth-findings.svg)" in text
    assert (tmp_path / "growth-per-answer.svg").read_text().startswith("<svg")
    assert "Profile, each part of the findings alone at 1× and 3×" in text


def test_an_anonymous_witness_the_defence_could_question_counts_from_counted_observations_only(app, db):
    from tests.conftest import setup_trial, start_hearing
    from tests.test_witness_persons import hear

    trial = setup_trial(app)
    item = "anonymous_defence_could_question"
    said = {}
    for day, label, value, submit in (
        ("2026-11-20", "Witness K", "yes", True),  # counted: the defence could question K
        ("2026-11-21", "Witness L", "no", True),
        ("2026-11-22", "Witness M", "yes", False),  # a draft: never counts
    ):
        hearing = start_hearing(app, trial, hearing_date=day)
        heard = hear(db, hearing, label=label, anonymous=1, side="prosecution")
        change = {
            "target": "answer",
            "item": item,
            "subject": heard["uuid"],
            "field": "value",
            "value": value,
        }
        assert observe.save_changes(db, ACTOR, hearing, V1, [change]) == []
        if submit:
            observe.submit(db, ACTOR, records.get(db, "hearing", hearing["uuid"]))
        said[label] = heard["person_uuid"]
    mission = db["mission"].get(trial["mission"]["id"])
    data = aggregate.compute_findings(db, Scope(mission["id"]), V1, mission)["anonymous_witnesses"]
    assert data["anonymous"]["count"] == 2
    assert data["defence_could_question"] == {"count": 1, "of": 2, "uuids": [said["Witness K"]]}


def test_a_mission_s_first_import_in_bulk_is_counted_as_the_scan_counts(tmp_path, monkeypatch):
    """The importer's bulk load (many observations into an installation without them) switches the
    per-row triggers off and marks the mission's sittings once; the counts still agree with the scan."""
    from monitor.sync import importer

    monkeypatch.setattr(importer, "BULK_HEARINGS", 1)
    (tmp_path / "server").mkdir()
    world = World(make_app(tmp_path / "server"), random.Random(8))
    for _ in range(60):
        world.step()
    mission = world.missions[0][0]
    bundle = export(world.db, "lena", mission, "changes", mark=False)
    (tmp_path / "other").mkdir()
    other_app = make_app(tmp_path / "other")
    make_user(other_app, "importer", "admin")
    other = connect(other_app.config["DATABASE"])
    statements = []
    other.conn.set_trace_callback(statements.append)
    import_bundle(other, bundle, users.get_by_username(other, "importer"), ACTOR)
    other.conn.set_trace_callback(None)
    assert any(s.startswith("DROP TRIGGER IF EXISTS findings_answer_insert") for s in statements)  # bulk
    triggers = {r[0] for r in other.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert set(summary.TRIGGERS) <= triggers  # put back in the same transaction
    here = next(other.query("SELECT * FROM mission WHERE uuid = ?", [mission["uuid"]]))
    assert other.execute("SELECT count(*) FROM findings_dirty").fetchone()[0] == 0
    assert other["findings_cell"].count > 0
    for scope in (Scope(here["id"]),):
        assert summary.usable(other, scope, V2)
        monkeypatch.setattr(aggregate, "SCAN_ONLY", True)
        scanned = aggregate.compute_findings(other, scope, V2, here)
        monkeypatch.setattr(aggregate, "SCAN_ONLY", False)
        kept = aggregate.compute_findings(other, scope, V2, here)
        scanned.pop("generated_at"), kept.pop("generated_at")
        assert scanned == kept
    other.close()
    world.db.close()
