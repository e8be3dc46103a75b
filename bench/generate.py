"""Generate a realistic mission through the app's own data functions (not raw inserts).

Default size: 20 trials, 400 defendants, 4,000 hearings with every present defendant's checklist answered,
2,000 witnesses (a tenth anonymous), 600 allegations and running notes. Deterministic from --seed.

    .venv/bin/python bench/generate.py --instance /tmp/bench-instance [--hearings 4000 …]
"""

import argparse
import os
import random
import sys
import time
from datetime import date, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from monitor import checklists  # noqa: E402
from monitor.audit import Actor  # noqa: E402
from monitor.auth import users  # noqa: E402
from monitor.db import atomic, connect, init_db  # noqa: E402
from monitor.missions import records as missions  # noqa: E402
from monitor.observe import records as observe  # noqa: E402

ACTOR = Actor(name="bench")
FAST_ARGON2 = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
PASSWORD = "benchmark passphrase"
METHODS = ("beating", "asphyxiation", "stress_positions", "threats_to_family", "sexual_violence")
STAGES = ("arrest", "police_custody", "pretrial_detention", "trial")
RESPONSES = ("ignored", "dismissed_as_tactic", "referred_to_prosecutor", "investigation_ordered", "relied_on")


def generate(
    path: str, trials=20, defendants=400, hearings=4000, witnesses=2000, allegations=600, seed=1, log=print
):
    """Create the mission in the database at ``path``; return a summary with the counts and the uuids."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    init_db(path)
    db = connect(path)
    started = time.perf_counter()
    checklist = checklists.get("fair_trial", 1)
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
        missions.assign_observer(db, ACTOR, trial, observers[t % len(observers)], mission)
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
        trial_rows.append((trial, people, observers[t % len(observers)]))
    log(f"set-up done in {time.perf_counter() - started:.1f} s")
    items = {scope: checklist.items_for(scope) for scope in ("hearing", "defendant", "witness")}
    witness_every = max(1, hearings // max(1, witnesses))
    per_hearing_witnesses = max(1, witnesses // hearings)
    allegation_every = max(1, hearings // max(1, allegations))
    made = {"witnesses": 0, "allegations": 0}
    for n in range(hearings):
        trial, people, observer = trial_rows[n % trials]
        day = date(2025, 2, 1) + timedelta(days=n // trials)
        with atomic(db):
            hearing = observe.start_hearing(db, ACTOR, trial, mission, observer, day.isoformat())
            absent = set(rng.sample(range(len(people)), k=min(2, len(people))))
            changes = [{"target": "presence", "defendant": people[i]["uuid"], "value": False} for i in absent]
            changes += [
                {"target": "hearing", "field": "public_access", "value": rng.choice(["open", "restricted"])},
                {"target": "hearing", "field": "judge", "value": f"Judge {n % 7}"},
            ]
            subjects = [("", items["hearing"])] + [
                (p["uuid"], items["defendant"]) for i, p in enumerate(people) if i not in absent
            ]
            if n % witness_every == 0 and made["witnesses"] < witnesses:
                for _ in range(per_hearing_witnesses):
                    witness = observe.add_witness(db, ACTOR, hearing, observer["id"])
                    made["witnesses"] += 1
                    anonymous = made["witnesses"] % 10 == 0
                    changes += observe.changes(
                        "witness",
                        {"anonymous": int(anonymous), "identity": f"Witness identity {made['witnesses']}"},
                        witness["uuid"],
                    )
                    subjects.append((witness["uuid"], items["witness"]))
            for subject, subject_items in subjects:
                for item in subject_items:
                    values = item.values()
                    if values:
                        value = rng.choices(values, weights=[2 if v in item.concern else 5 for v in values])[
                            0
                        ]
                        changes.append(
                            {
                                "target": "answer",
                                "subject": subject,
                                "item": item.key,
                                "field": "value",
                                "value": value,
                            }
                        )
            if n % allegation_every == 0 and made["allegations"] < allegations:
                allegation = observe.add_allegation(db, ACTOR, hearing)
                made["allegations"] += 1
                who = rng.choice([p for i, p in enumerate(people) if i not in absent])
                account = {
                    "alleged_by": "defendant",
                    "defendant_uuid": who["uuid"],
                    "stage": rng.choice(STAGES),
                    "methods": rng.sample(METHODS, 2),
                    "court_response": [rng.choice(RESPONSES)],
                    "perpetrators": f"Officer {rng.randint(1, 50)}",
                }
                changes += observe.changes("allegation", account, allegation["uuid"])
            errors = observe.save_changes(db, ACTOR, hearing, checklist, changes)
            assert not errors, errors[:3]
            for minute in (5, 60, 150):
                typed = datetime.fromisoformat(f"{day.isoformat()}T10:00") + timedelta(minutes=minute)
                observe.add_note(
                    db, ACTOR, hearing, observer["id"], f"Note at minute {minute}", typed.isoformat() + "Z"
                )
            if (n // trials) % 10 != 9:  # one round in ten stays a draft, in every trial
                observe.submit(db, ACTOR, hearing)
        if (n + 1) % 250 == 0:
            log(f"{n + 1} hearings in {time.perf_counter() - started:.0f} s")
    db.close()
    return {
        "mission_uuid": mission["uuid"],
        "seconds": time.perf_counter() - started,
        **made,
        "hearings": hearings,
        "defendants": sum(len(p) for _t, p, _o in trial_rows),
        "trials": trials,
    }


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


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instance", required=True, help="instance folder to create (its monitor.sqlite)")
    for name, default in (
        ("trials", 20),
        ("defendants", 400),
        ("hearings", 4000),
        ("witnesses", 2000),
        ("allegations", 600),
        ("seed", 1),
    ):
        parser.add_argument(f"--{name}", type=int, default=default)
    args = parser.parse_args()
    os.makedirs(args.instance, exist_ok=True)
    with open(os.path.join(args.instance, "config.py"), "w") as f:
        f.write(f"SECRET_KEY = 'benchmark'\nARGON2 = {FAST_ARGON2!r}\n")
    summary = generate(
        os.path.join(args.instance, "monitor.sqlite"),
        args.trials,
        args.defendants,
        args.hearings,
        args.witnesses,
        args.allegations,
        args.seed,
    )
    print(summary)


if __name__ == "__main__":
    main()
