"""Generate a realistic mission, deterministic from --seed, in one of two shapes.

``--shape v2`` (default): the new units (docs/units.md), written through the app's own data functions.
A mission on checklist ``fair_trial`` v2: court sittings (table ``sitting``), each observed by one observer
or, at some sittings, by a pair (whose answers differ on a few percent of items; a lead reconciles about
half of the disagreements); per-observation answers only for the ``sitting`` and ``defendant_at_sitting``
items; every defendant's case file (``case_fact``, with sources, some facts changed later so their
``case_fact_history`` holds the earlier value); witnesses as persons of the trial heard at several sittings
(``witness_appearance``); allegations, some repeated at later sittings; running notes.

``--shape v1``: the mission as the v1 release held it, for the migration benchmark (bench/migrate_units.py):
the schema before ``m010_sittings``, checklist ``fair_trial`` v1, every present defendant asked all 45
questions at every observation, a witness row per observation (the same person typed again by label at
later sittings), two observers at the same sittings as in v2 (so they are two "hearings"). Today's code
cannot write that schema, so this shape writes rows as the v1 code did: each record through
``records.insert``/``update`` (with its audit entry) and each observation's answers as one batch with one
``hearing.save`` audit entry naming every answer, as the v1 autosave did.

Both shapes draw the same mission from the seed (trials, defendants, which sittings have a pair, who is
absent, where witnesses and allegations fall), so their row counts compare at the same mission size.

Default size: 20 trials, 400 defendants, 4,000 sittings (15 % observed by two), 2,000 witness appearances,
600 allegations. One round of sittings in ten stays in draft; every other round is approved by the lead.

    .venv/bin/python bench/generate.py --instance /tmp/bench-instance [--shape v1] [--sittings 4000 …]
"""

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from monitor import audit, checklists, records  # noqa: E402
from monitor.audit import Actor  # noqa: E402
from monitor.auth import users  # noqa: E402
from monitor.checklists.model import NOT_ANSWERED  # noqa: E402
from monitor.db import atomic, connect, utcnow  # noqa: E402
from monitor.missions import records as missions  # noqa: E402
from monitor.schema import init_db  # noqa: E402

ACTOR = Actor(name="bench")
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSWORD = "benchmark passphrase"
METHODS = ("beating", "asphyxiation", "stress_positions", "threats_to_family", "sexual_violence")
STAGES = ("arrest", "police_custody", "pretrial_detention", "trial")
RESPONSES = ("ignored", "dismissed_as_tactic", "referred_to_prosecutor", "investigation_ordered", "relied_on")
SHAPES = ("v2", "v1")
PAIRS = 0.15  # the share of sittings observed by two observers
DISAGREE = 0.03  # the share of a pair's answers where the second observer saw it otherwise
RECONCILED = 0.5  # the share of sittings with disagreements a lead reconciles
KNOWN_FACTS = 0.7  # the share of a defendant's case facts known
CHANGED_FACTS = 0.08  # the share of known facts changed later (an earlier value in the history)
# A defendant's case facts and where they come from (the weights of monitor.checklists.SOURCES).
FACT_SOURCES = {"observed": 5, "court_record": 3, "counsel": 3, "defendant": 2, "family": 1, "official": 1}
SIZE = {"trials": 20, "defendants": 400, "sittings": 4000, "witnesses": 2000, "allegations": 600}
# The tables each shape fills, printed with their row counts at the end.
TABLES = {
    "v2": (
        "sitting",
        "hearing",
        "hearing_defendant",
        "answer",
        "reconciliation",
        "case_fact",
        "case_fact_history",
        "witness",
        "witness_appearance",
        "allegation",
        "note",
        "review",
        "audit",
    ),
    "v1": ("hearing", "hearing_defendant", "answer", "witness", "allegation", "note", "review", "audit"),
}


def checklist_for(shape: str = "v2"):
    """The checklist the generator's missions of ``shape`` use."""
    return checklists.get("fair_trial", 1 if shape == "v1" else 2)


def pick(rng: random.Random, item) -> str:
    """A plausible answer to a choice item: a concern less likely than a fine answer, "unclear" and "not
    observed" rarer still."""
    values = item.values()
    weights = [2 if v in item.concern else 1 if v in NOT_ANSWERED else 5 for v in values]
    return rng.choices(values, weights=weights)[0]


def other_value(rng: random.Random, item, value: str) -> str:
    """What a second observer may have seen instead of ``value``."""
    return rng.choice([v for v in item.values() if v != value] or [value])


class Plan:
    """The mission drawn from the seed, the same for both shapes: per sitting its trial, date, whether a
    pair observes it, who is absent, which witnesses are heard (person index per trial) and which
    defendants allege torture there."""

    def __init__(self, rng, trials, defendants, sittings, witnesses, allegations):
        self.trials, self.per_trial = trials, defendants // trials
        witness_every = max(1, sittings // max(1, witnesses))
        per_sitting_witnesses = max(1, witnesses // max(1, sittings))
        allegation_every = max(1, sittings // max(1, allegations))
        persons = [0] * trials  # persons per trial so far
        heard: list[list[int]] = [[] for _ in range(trials)]  # per trial, times each person was heard
        alleged: list[list[int]] = [[] for _ in range(trials)]
        made_w = made_a = 0
        self.sittings = []
        for n in range(sittings):
            t = n % trials
            round_ = n // trials
            absent = set(rng.sample(range(self.per_trial), k=min(2, self.per_trial)))
            present = [i for i in range(self.per_trial) if i not in absent]
            heard_here = []
            if n % witness_every == 0:
                for _ in range(per_sitting_witnesses):
                    if made_w >= witnesses:
                        break
                    again = [p for p, times in enumerate(heard[t]) if times < 4 and p not in heard_here]
                    if again and rng.random() < 0.6:  # a person of the trial heard again
                        person = rng.choice(again)
                    else:
                        person = persons[t]
                        persons[t] += 1
                        heard[t].append(0)
                    heard[t][person] += 1
                    heard_here.append(person)
                    made_w += 1
            accusers = []
            if n % allegation_every == 0 and made_a < allegations and present:
                repeat = [i for i in alleged[t] if i in present]
                who = rng.choice(repeat) if repeat and rng.random() < 0.3 else rng.choice(present)
                alleged[t].append(who)
                accusers.append(who)
                made_a += 1
            self.sittings.append(
                {
                    "n": n,
                    "trial": t,
                    "day": (date(2025, 2, 1) + timedelta(days=round_)).isoformat(),
                    "pair": rng.random() < PAIRS,
                    "absent": absent,
                    "witnesses": heard_here,
                    "accusers": accusers,
                    "draft": round_ % 10 == 9,  # one round in ten stays a draft, in every trial
                    "approve": round_ % 2 == 0,
                }
            )


def setup(db, rng, trials: int, defendants: int, checklist) -> tuple:
    """The lead, 20 observers, the mission, its trials (two observers each) and their defendants."""
    lead = users.create(
        db,
        ACTOR,
        username="bench.lead",
        display_name="Bench Lead",
        password=PASSWORD,
        role="lead",
        argon2=FAST_ARGON2,
    )
    observers = [
        users.create(
            db,
            ACTOR,
            username=f"bench.observer{n}",
            display_name=f"Observer {n}",
            password=PASSWORD,
            role="observer",
            argon2=FAST_ARGON2,
        )
        for n in range(20)
    ]
    mission = missions.create_mission(
        db,
        ACTOR,
        lead,
        {
            "name": "Benchmark mission",
            "checklist_id": checklist.id,
            "checklist_version": checklist.version,
            "start_date": "2025-01-01",
        },
    )
    trial_rows = []
    for t in range(trials):
        trial = missions.create_trial(
            db, ACTOR, mission, {"title": f"Trial {t + 1:02d}", "court": f"Court {t % 5}"}
        )
        pair = (observers[t % len(observers)], observers[(t + 10) % len(observers)])
        for observer in pair:
            missions.assign_observer(db, ACTOR, trial, observer, mission)
        names = [f"Defendant {t + 1:02d}-{n + 1:02d}" for n in range(defendants // trials)]
        people = missions.bulk_add_defendants(db, ACTOR, trial, names)
        with atomic(db):
            for person in people:
                taken = datetime(2025, 1, 1) + timedelta(hours=rng.randint(0, 2000))
                missions.update_defendant(
                    db,
                    ACTOR,
                    person,
                    {
                        "apprehended_at": taken.isoformat(timespec="minutes"),
                        "arrest_registered_at": (
                            taken + timedelta(hours=rng.choice([1, 10, 30, 60]))
                        ).isoformat(timespec="minutes"),
                        "first_judge_at": (taken + timedelta(hours=rng.randint(20, 120))).isoformat(
                            timespec="minutes"
                        ),
                        "counsel": rng.choice(["retained", "legal_aid", "none"]),
                        "verdict": rng.choice(["pending", "convicted", "convicted", "acquitted"]),
                    },
                )
        trial_rows.append((trial, people, pair))
    return lead, mission, trial_rows


def witness_fields(t: int, person: int) -> dict:
    """Who witness ``person`` of trial ``t`` is: one in ten anonymous, one in twenty left at the form's
    default label (which the v1 migration cannot match on)."""
    anonymous = person % 10 == 9
    label = f"W{person + 1}" if person % 20 == 7 else f"Witness {t + 1:02d}-{person + 1:03d}"
    return {
        "label": label,
        "identity": f"Witness identity {t + 1:02d}-{person + 1:03d}",
        "side": "prosecution" if person % 3 else "defence",
        "anonymous": int(anonymous),
    }


def allegation_fields(rng, defendant_uuid: str) -> dict:
    return {
        "alleged_by": "defendant",
        "defendant_uuid": defendant_uuid,
        "stage": rng.choice(STAGES),
        "methods": rng.sample(METHODS, 2),
        "court_response": [rng.choice(RESPONSES)],
        "perpetrators": f"Officer {rng.randint(1, 50)}",
    }


def generate(
    path: str,
    trials=20,
    defendants=400,
    sittings=4000,
    witnesses=2000,
    allegations=600,
    seed=1,
    log=print,
    shape="v2",
    hearings=None,
):
    """Create the mission in the database at ``path``; return a summary with the counts and the uuids.

    ``hearings`` is the old name of ``sittings`` (the court sittings; observations are more where a pair
    observes). Shape ``v1`` needs a new file, or one whose schema stops before ``m010_sittings``."""
    if hearings is not None:
        sittings = hearings
    if shape not in SHAPES:
        raise ValueError(f"shape must be one of {SHAPES}")
    rng = random.Random(seed)  # noqa: S311 (test data)
    db = connect(path)
    if shape == "v1":
        from monitor.migrations import migrations

        db.enable_wal()
        migrations.apply(db, stop_before="m010_sittings")
    else:
        db.close()
        init_db(path)
        db = connect(path)
    started = time.perf_counter()
    checklist = checklist_for(shape)
    lead, mission, trial_rows = setup(db, rng, trials, defendants, checklist)
    plan = Plan(rng, trials, defendants, sittings, witnesses, allegations)
    log(f"set-up done in {time.perf_counter() - started:.1f} s")
    writer = V1Writer if shape == "v1" else V2Writer
    made = writer(db, rng, checklist, lead, mission, trial_rows).run(plan, started, log)
    counts = {table: db[table].count for table in TABLES[shape]}
    db.close()
    return {
        "mission_uuid": mission["uuid"],
        "shape": shape,
        "checklist": f"{checklist.id} v{checklist.version}",
        "seconds": time.perf_counter() - started,
        **made,
        "sittings": sittings,
        "hearings": counts["hearing"],  # observations
        "defendants": sum(len(p) for _t, p, _o in trial_rows),
        "trials": trials,
        "rows": counts,
    }


class V2Writer:
    """The new units, through the app's own functions (autosave, case file, witnesses, reconciliation)."""

    def __init__(self, db, rng, checklist, lead, mission, trial_rows):
        from monitor.observe import sitting_form

        self.db, self.rng, self.checklist = db, rng, checklist
        self.lead, self.mission, self.trial_rows = lead, mission, trial_rows
        self.sitting_items = sitting_form.sitting_items(checklist)
        self.at_sitting = [
            i for i in checklist.items if i.unit == "defendant_at_sitting" and not i.home and i.values()
        ]
        self.witness_items = [
            i for i in checklist.items if i.scope == "witness" and not i.home and i.values()
        ]
        self.persons: dict[tuple[int, int], str] = {}  # (trial, person) → person uuid
        self.made = {"witnesses": 0, "allegations": 0, "persons": 0, "disagreements": 0}
        self.first_observation: dict[int, str] = {}  # trial → uuid of its first observation

    def run(self, plan: Plan, started: float, log) -> dict:
        from monitor.observe import records as observe

        for s in plan.sittings:
            trial, people, pair = self.trial_rows[s["trial"]]
            observers = pair if s["pair"] else pair[:1]
            with atomic(self.db):
                first = self.observe(s, trial, people, observers[0], None)
                self.first_observation.setdefault(s["trial"], first[0]["uuid"])
                second = self.observe(s, trial, people, observers[1], first[1]) if s["pair"] else None
                for hearing in [first[0]] + ([second[0]] if second else []):
                    if s["draft"]:
                        continue
                    observe.submit(self.db, ACTOR, hearing)
                    if s["approve"]:
                        observe.review(self.db, ACTOR, hearing, self.lead["id"], "approved", "")
                if second and not s["draft"]:
                    self.reconcile(first[0])
            if (s["n"] + 1) % 250 == 0:
                log(f"{s['n'] + 1} sittings in {time.perf_counter() - started:.0f} s")
        self.case_files()
        log(f"case files done in {time.perf_counter() - started:.0f} s")
        return self.made

    def observe(self, s, trial, people, observer, copy_of):
        """One observation of sitting ``s``; ``copy_of`` (the first observer's answers) makes it the
        second of a pair, differing on a few percent of them. Returns the hearing and its answers."""
        from monitor.observe import records as observe

        db, rng = self.db, self.rng
        hearing = observe.start_hearing(db, ACTOR, trial, self.mission, observer, s["day"])
        changes = []
        for i in sorted(s["absent"]):
            changes.append({"target": "presence", "defendant": people[i]["uuid"], "value": False})
            changes.append(answer(people[i]["uuid"], "presence", "not_brought"))
        changes += [
            {"target": "hearing", "field": "public_access", "value": "open" if s["n"] % 4 else "restricted"},
            {"target": "hearing", "field": "judge", "value": f"Judge {s['n'] % 7}"},
        ]
        answered: dict[tuple[str, str], str] = {}
        if copy_of is None:
            for item in self.sitting_items:
                answered[("", item.key)] = pick(rng, item)
            for i, person in enumerate(people):
                if i in s["absent"]:
                    continue
                for item in self.at_sitting:
                    value = "present" if item.key == "presence" else pick(rng, item)
                    answered[(person["uuid"], item.key)] = value
        else:
            items = {i.key: i for i in self.checklist.items}
            for (subject, key), value in copy_of.items():
                if rng.random() < DISAGREE:
                    value = other_value(rng, items[key], value)
                    self.made["disagreements"] += 1
                answered[(subject, key)] = value
        changes += [answer(subject, key, value) for (subject, key), value in answered.items()]
        if copy_of is None:
            for person in s["witnesses"]:
                changes += self.hear(hearing, observer, s["trial"], person)
            for who in s["accusers"]:
                allegation = observe.add_allegation(db, ACTOR, hearing)
                fields = allegation_fields(rng, people[who]["uuid"])
                changes += observe.changes("allegation", fields, allegation["uuid"])
                self.made["allegations"] += 1
        errors = observe.save_changes(db, ACTOR, hearing, self.checklist, changes)
        assert not errors, errors[:3]
        for minute in (5, 60, 150):
            typed = datetime.fromisoformat(f"{s['day']}T10:00") + timedelta(minutes=minute)
            observe.add_note(
                db, ACTOR, hearing, observer["id"], f"Note at minute {minute}", typed.isoformat() + "Z"
            )
        return hearing, answered

    def hear(self, hearing, observer, t: int, person: int) -> list[dict]:
        """A witness heard at this observation (a person of the trial, new or heard again): the changes
        that record who they are (new persons) and the answers about them."""
        from monitor.observe import records as observe

        known = self.persons.get((t, person))
        appearance = observe.add_witness(self.db, ACTOR, hearing, observer["id"], known)
        self.made["witnesses"] += 1
        changes = []
        if known is None:
            self.persons[(t, person)] = appearance["person_uuid"]
            self.made["persons"] += 1
            changes += observe.changes("witness", witness_fields(t, person), appearance["uuid"])
        for item in self.witness_items:
            if item.unit == "witness":  # about the person: answered where they are first heard
                if known is None:
                    changes.append(answer(appearance["person_uuid"], item.key, pick(self.rng, item)))
            else:
                changes.append(answer(appearance["uuid"], item.key, pick(self.rng, item)))
        return changes

    def reconcile(self, hearing) -> None:
        """A lead reconciles the disagreements of about half of the pairs' sittings."""
        from monitor.observe import sittings

        if self.rng.random() >= RECONCILED:
            return
        sitting = records.get_by_id(self.db, "sitting", hearing["sitting_id"])
        for row in sittings.disagreements(self.db, sitting):
            if row["reconciled"] or not row["disputed"]:
                continue
            sittings.reconcile(
                self.db,
                ACTOR,
                sitting,
                self.checklist,
                self.lead["id"],
                row["subject_uuid"],
                row["item_key"],
                row["values"][0],
                "Checked with both observers after the sitting",
            )

    def case_files(self) -> None:
        """Each defendant's case file: most facts known, with their source, learned at the trial's first
        observation or from a document; a few changed later with a reason (their earlier value kept)."""
        from monitor.cases import records as cases

        items = checklists.case_items(self.checklist)
        sources, weights = list(FACT_SOURCES), list(FACT_SOURCES.values())
        for t, (_trial, people, pair) in enumerate(self.trial_rows):
            learned_at = self.first_observation.get(t)
            for person in people:
                known = [i for i in items if i.values() and self.rng.random() < KNOWN_FACTS]
                changes = [
                    cases.Change(i.key, pick(self.rng, i), source=self.rng.choices(sources, weights)[0])
                    for i in known
                ]
                with atomic(self.db):
                    cases.change_facts(
                        self.db,
                        ACTOR,
                        pair[0],
                        person,
                        self.checklist,
                        changes,
                        cases.Learned(learned_at_hearing_uuid=learned_at),
                    )
                    later = [c for c in changes if self.rng.random() < CHANGED_FACTS]
                    if later:
                        current = cases.facts(self.db, person["id"])
                        by_key = {i.key: i for i in items}
                        cases.change_facts(
                            self.db,
                            ACTOR,
                            pair[1],
                            person,
                            self.checklist,
                            [
                                cases.Change(
                                    c.item_key,
                                    other_value(self.rng, by_key[c.item_key], c.value),
                                    version=current[c.item_key]["version"],
                                )
                                for c in later
                            ],
                            cases.Learned(
                                source="court_record",
                                learned_from="Judgment, page 12",
                                reason="The judgment says otherwise",
                            ),
                        )


def answer(subject: str, key: str, value: str) -> dict:
    return {"target": "answer", "subject": subject, "item": key, "field": "value", "value": value}


class V1Writer:
    """The v1 release's rows on the schema before m010: written as the v1 code wrote them (records with
    their audit entries; each observation's answers in one batch audited as one ``hearing.save``)."""

    def __init__(self, db, rng, checklist, lead, mission, trial_rows):
        self.db, self.rng, self.checklist = db, rng, checklist
        self.lead, self.mission, self.trial_rows = lead, mission, trial_rows
        self.items = {scope: checklist.items_for(scope) for scope in ("hearing", "defendant", "witness")}
        self.made = {"witnesses": 0, "allegations": 0, "persons": 0, "disagreements": 0}
        self.persons: set[tuple[int, int]] = set()

    def run(self, plan: Plan, started: float, log) -> dict:
        for s in plan.sittings:
            _trial, _people, pair = self.trial_rows[s["trial"]]
            observers = pair if s["pair"] else pair[:1]
            with atomic(self.db):
                first = self.observe(s, observers[0], None)
                if s["pair"]:
                    self.observe(s, observers[1], first)
            if (s["n"] + 1) % 250 == 0:
                log(f"{s['n'] + 1} sittings in {time.perf_counter() - started:.0f} s")
        self.made["persons"] = len(self.persons)  # as typed: the migration matches them by label
        return self.made

    def observe(self, s, observer, copy_of):
        db, rng = self.db, self.rng
        trial, people, _pair = self.trial_rows[s["trial"]]
        hearing = records.insert(
            db,
            "hearing",
            ACTOR,
            {
                "trial_id": trial["id"],
                "observer_id": observer["id"],
                "hearing_date": s["day"],
                "checklist_id": self.checklist.id,
                "checklist_version": self.checklist.version,
            },
        )
        db.conn.executemany(
            "INSERT INTO hearing_defendant (hearing_id, defendant_id, present) VALUES (?, ?, ?)",
            [(hearing["id"], p["id"], int(i not in s["absent"])) for i, p in enumerate(people)],
        )
        fields = {"public_access": "open" if s["n"] % 4 else "restricted", "judge": f"Judge {s['n'] % 7}"}
        db["hearing"].update(hearing["id"], fields)
        after = {f"hearing:{hearing['uuid']}:{k}": v for k, v in fields.items()}
        after.update({f"presence:{people[i]['uuid']}": 0 for i in sorted(s["absent"])})
        subjects = [("", self.items["hearing"])] + [
            (p["uuid"], self.items["defendant"]) for i, p in enumerate(people) if i not in s["absent"]
        ]
        if copy_of is None:
            for person in s["witnesses"]:
                witness = records.insert(
                    db,
                    "witness",
                    ACTOR,
                    {
                        "hearing_id": hearing["id"],
                        "trial_id": trial["id"],
                        "recorded_by": observer["id"],
                        **witness_fields(s["trial"], person),
                    },
                )
                self.made["witnesses"] += 1
                self.persons.add((s["trial"], person))
                subjects.append((witness["uuid"], self.items["witness"]))
            for who in s["accusers"]:
                fields = allegation_fields(rng, people[who]["uuid"])
                for name in ("methods", "court_response"):
                    fields[name] = audit.canonical_json(fields[name])
                records.insert(
                    db, "allegation", ACTOR, {"hearing_id": hearing["id"], "trial_id": trial["id"], **fields}
                )
                self.made["allegations"] += 1
        answered = {}
        for subject, items in subjects:
            for item in items:
                if not item.values():
                    continue
                if copy_of is not None and (subject, item.key) in copy_of:
                    value = copy_of[(subject, item.key)]
                    if rng.random() < DISAGREE:
                        value = other_value(rng, item, value)
                        self.made["disagreements"] += 1
                else:
                    value = pick(rng, item)
                answered[(subject, item.key)] = value
        now = utcnow()
        db.conn.executemany(
            "INSERT INTO answer (hearing_id, subject_uuid, item_key, value, uuid, created_at, updated_at, "
            "version) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
            [
                (hearing["id"], subject, key, value, str(uuid4()), now, now)
                for (subject, key), value in answered.items()
            ],
        )
        after.update({f"answer:{subject}:{key}:value": v for (subject, key), v in answered.items()})
        db.execute(
            "UPDATE hearing SET updated_at = ?, version = version + 1 WHERE id = ?", [now, hearing["id"]]
        )
        audit.record(
            db,
            "hearing.save",
            ACTOR,
            record_type="hearing",
            record_uuid=hearing["uuid"],
            before={k: "" for k in after},
            after=after,
        )
        for minute in (5, 60, 150):
            typed = datetime.fromisoformat(f"{s['day']}T10:00") + timedelta(minutes=minute)
            records.insert(
                db,
                "note",
                ACTOR,
                {
                    "hearing_id": hearing["id"],
                    "author_id": observer["id"],
                    "typed_at": typed.isoformat() + "Z",
                    "text": f"Note at minute {minute}",
                },
            )
        if not s["draft"]:
            current = records.get_by_id(db, "hearing", hearing["id"])
            current = records.update(
                db, "hearing", ACTOR, current, {"status": "submitted", "submitted_at": utcnow()},
                action="hearing.submit",
            )  # fmt: skip
            if s["approve"]:
                records.insert(
                    db,
                    "review",
                    ACTOR,
                    {"hearing_id": hearing["id"], "reviewer_id": self.lead["id"], "decision": "approved"},
                )
                records.update(
                    db, "hearing", ACTOR, current, {"status": "approved"}, action="hearing.approved"
                )
        return answered


def uuid4() -> str:
    import uuid

    return str(uuid.uuid4())


def tiny(path: str) -> dict:
    """The smallest mission the benchmarks' own tests run on (2 trials, 10 defendants, 20 sittings): the
    same code paths as the full run, in seconds."""
    return generate(
        path, trials=2, defendants=10, sittings=20, witnesses=10, allegations=4, log=lambda _m: None
    )


def drafts(instance, limit: int) -> list[dict]:
    """Up to `limit` draft hearings, one per observer, each with a defendant present (for load tests)."""
    db = connect(str(instance / "monitor.sqlite"))
    rows = list(
        db.query(
            """
            SELECT hearing.uuid, hearing.id, user.username,
                   (SELECT defendant.uuid FROM hearing_defendant JOIN defendant ON defendant.id = defendant_id
                    WHERE hearing_id = hearing.id AND present = 1 LIMIT 1) AS defendant
            FROM hearing JOIN user ON user.id = hearing.observer_id WHERE hearing.status = 'draft'
            GROUP BY hearing.observer_id LIMIT ?
            """,
            [limit],
        )
    )
    db.close()
    return rows


def print_rows(rows: dict, out=print) -> None:
    width = max(len(t) for t in rows)
    for table, n in rows.items():
        out(f"  {table:<{width}}  {n:>10,}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instance", required=True, help="instance folder to create (its monitor.sqlite)")
    parser.add_argument("--shape", choices=SHAPES, default="v2")
    for name, default in (*SIZE.items(), ("seed", 1)):
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--hearings", type=int, dest="sittings", help=argparse.SUPPRESS)  # the old name
    args = parser.parse_args()
    os.makedirs(args.instance, exist_ok=True)
    with open(os.path.join(args.instance, "config.py"), "w") as f:
        f.write(f"SECRET_KEY = 'benchmark'\nARGON2 = {FAST_ARGON2!r}\n")
    summary = generate(
        os.path.join(args.instance, "monitor.sqlite"),
        args.trials,
        args.defendants,
        args.sittings,
        args.witnesses,
        args.allegations,
        args.seed,
        shape=args.shape,
    )
    rows = summary.pop("rows")
    print(summary)
    print(f"rows per table ({summary['shape']}, {summary['checklist']}):")
    print_rows(rows)


if __name__ == "__main__":
    main()
