"""``flask --app monitor seed-demo``: a fictional mission so a new user sees the app at work.

Every name here is invented. The accounts it creates get random passwords, printed once.
"""

import json
import random
import secrets
from datetime import date, datetime, timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from . import checklists, records
from .audit import Actor
from .auth import users
from .cases import records as cases
from .db import atomic, connect
from .missions import records as missions
from .observe import records as observe
from .observe import sitting_form

DEMO_MISSION = "Demonstration mission (fictional)"
ACTOR = Actor(name="seed-demo")
GIVEN = [
    "Aidos",
    "Bolat",
    "Dana",
    "Erlan",
    "Gulnar",
    "Kairat",
    "Madi",
    "Nurlan",
    "Saule",
    "Timur",
    "Zhanar",
    "Yerbol",
]
FAMILY = [
    "Kokterek",
    "Aqsuat",
    "Tasqala",
    "Zhelsai",
    "Qaragai",
    "Ushbulaq",
    "Sarytal",
    "Kokzhiyek",
    "Ormantau",
]
PLACES = ("police_station", "unofficial_place", "detention_centre", "police_car")
METHODS = ("beating", "asphyxiation", "stress_positions", "threats_to_family")


def _password() -> str:
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def _account(db, name: str, role: str, display: str, out: list) -> dict:
    existing = users.get_by_username(db, name)
    if existing:
        return existing
    password = _password()
    user = users.create(
        db,
        ACTOR,
        username=name,
        display_name=display,
        password=password,
        role=role,
        argon2=current_app.config["ARGON2"],
    )
    out.append((name, role, password))
    return user


def _verdict(rng: random.Random, trial_number: int) -> dict:
    """The first demo trial has reached its verdicts; the second is still going on."""
    if trial_number:
        return {}
    basis = rng.choice([["anonymous_witness"], ["anonymous_witness", "confession"], ["police_witnesses"]])
    months = rng.choice([36, 60, 84])
    return {
        "verdict": "convicted",
        "conviction_basis": json.dumps(basis),
        "sentence_months": months,
        "sentence": f"{months // 12} years in a general-regime colony",
    }


def _asked(checklist) -> dict[str, list]:
    """The items an observation asks, per scope: for a checklist that declares units (v2) the sitting's,
    each present defendant's at this sitting and each witness's (case facts go to the case file, facts
    kept in a record are not asked); for v1 every item of the scope."""
    if not checklist.declares_units:
        return {scope: checklist.items_for(scope) for scope in ("hearing", "defendant", "witness")}
    return {
        "hearing": sitting_form.sitting_items(checklist),
        "defendant": sitting_form.defendant_items(checklist),
        "witness": [item for item in checklist.items_for("witness") if item.asked],
    }


def _pick(rng, item) -> str:
    """Mostly respected rights, with the concerns a real mission finds; rarely "unclear"."""
    values = [v for v in item.values() if v != "not_observed"]
    weights = [3 if v in item.concern else 1 if v == "unclear" else 5 for v in values]
    return rng.choices(values, weights=weights)[0]


def _answer_everything(db, rng, hearing, checklist, present, witnesses):
    changes = []
    subjects = {
        "hearing": [""],
        "defendant": [d["uuid"] for d in present],
        "witness": [w["uuid"] for w in witnesses],
    }
    for scope, items in _asked(checklist).items():
        for item in items:
            # what happens at a sitting mostly happens to all present defendants, with a few exceptions
            shared = _pick(rng, item) if item.values() and checklist.declares_units else None
            for subject in subjects[scope]:
                if not item.values():
                    continue
                value = _pick(rng, item) if shared is None or rng.random() < 0.1 else shared
                value = "present" if item.key == "presence" else value
                changes.append(
                    {
                        "target": "answer",
                        "subject": subject,
                        "item": item.key,
                        "field": "value",
                        "value": value,
                    }
                )
                if item.is_concern(value) and rng.random() < 0.5:
                    note = rng.choice(
                        [
                            "Seen from the public bench.",
                            "Lawyer confirmed in the break.",
                            "Judge did not react.",
                        ]
                    )
                    changes += [
                        {
                            "target": "answer",
                            "subject": subject,
                            "item": item.key,
                            "field": "note",
                            "value": note,
                        },
                        {
                            "target": "answer",
                            "subject": subject,
                            "item": item.key,
                            "field": "provenance",
                            "value": "observed",
                        },
                    ]
    return observe.save_changes(db, ACTOR, hearing, checklist, changes)


def seed(db, rng: random.Random) -> list[tuple[str, str, str]]:
    """Create the demo mission; return the accounts made as (name, role, password)."""
    created: list = []
    lead = _account(db, "demo.lead", "lead", "Demo Lead", created)
    observers = [_account(db, f"demo.observer{n}", "observer", f"Demo Observer {n}", created) for n in (1, 2)]
    checklist = checklists.get("fair_trial", extra_dirs=current_app.config["CHECKLIST_DIRS"])  # the newest
    start = date.today() - timedelta(days=60)
    mission = missions.create_mission(
        db,
        ACTOR,
        lead,
        {
            "name": DEMO_MISSION,
            "country": "Fictional Republic",
            "start_date": start.isoformat(),
            "end_date": None,
            "checklist_id": checklist.id,
            "checklist_version": checklist.version,
            "description": "Invented data to show how the app works. No real person is named.",
        },
    )
    trials = [
        ("Oil workers' strike case", "Regional court of Zhanaqala", 8),
        ("Independent union leaders' case", "City court of Aqtobe-Demo", 4),
    ]
    first_sitting: tuple[dict, dict] | None = None
    for trial_number, ((title, court, size), observer) in enumerate(zip(trials, observers, strict=True)):
        trial = missions.create_trial(
            db,
            ACTOR,
            mission,
            {
                "title": title,
                "court": court,
                "case_number": f"1-{rng.randint(100, 999)}/2026",
                "status": "ongoing",
                "judges": "Judge K. Example",
                "prosecutor": "Prosecutor B. Sample",
                "charges": "Organising mass riots",
            },
        )
        missions.assign_observer(db, ACTOR, trial, observer, mission)
        names = [f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}" for _ in range(size)]
        for defendant in missions.bulk_add_defendants(db, ACTOR, trial, names):
            apprehended = datetime(2026, 1, 4, rng.randint(6, 22), 0)
            missions.update_defendant(
                db,
                ACTOR,
                defendant,
                {
                    "apprehended_at": apprehended.isoformat(timespec="minutes"),
                    "arrest_registered_at": (
                        apprehended + timedelta(hours=rng.choice([2, 20, 40, 60]))
                    ).isoformat(timespec="minutes"),
                    "first_judge_at": (apprehended + timedelta(hours=rng.choice([30, 50, 70, 90]))).isoformat(
                        timespec="minutes"
                    ),
                    "counsel": rng.choice(["retained", "legal_aid", "none"]),
                    "pretrial_detention": "custody",
                    **_verdict(rng, trial_number),
                },
            )
        heard: dict[int, dict] = {}  # the witness of each sitting
        for n, status in enumerate(["approved", "submitted", "returned", "draft"]):
            hearing = observe.start_hearing(
                db, ACTOR, trial, mission, observer, (start + timedelta(days=10 + 7 * n)).isoformat()
            )
            if n == 0:
                first_hearing = hearing
            present = observe.presence(db, hearing["id"])
            anonymous = n % 2 == 0
            # In the first trial the anonymous witness of the first sitting is heard again at the third:
            # one person, two appearances (the findings count them once).
            again = heard[0]["person_uuid"] if trial_number == 0 and n == 2 else None
            witness = heard[n] = observe.add_witness(db, ACTOR, hearing, observer["id"], again)
            identity = "Police officer, name withheld" if anonymous else "Bolat Example, foreman"
            filled = observe.changes(
                "hearing",
                {
                    "courtroom": f"Room {n + 3}",
                    "start_time": "10:00",
                    "end_time": "16:30",
                    "public_access": "open"
                    if trial_number == 0 and n == 0
                    else rng.choice(["open", "restricted"]),
                    "observers_admitted": "yes",
                },
            ) + observe.changes(
                "witness",
                {
                    "side": "prosecution",
                    "anonymous": int(anonymous),
                    "identity": identity,
                    "against": [d["uuid"] for d in present[:3]],
                },
                witness["uuid"],
            )
            observe.save_changes(db, ACTOR, hearing, checklist, filled)
            _answer_everything(db, rng, hearing, checklist, present, [witness])
            allegation = observe.add_allegation(db, ACTOR, hearing)
            account = {
                "alleged_by": "defendant",
                "defendant_uuid": present[n % len(present)]["uuid"],
                "stage": "police_custody",
                "place_type": rng.choice(PLACES),
                "methods": rng.sample(METHODS, 2),
                "purpose": ["confession_signed"],
                "court_response": ["ignored"],
                "account": "Told the court he was beaten until he signed a confession.",
            }
            observe.save_changes(
                db, ACTOR, hearing, checklist, observe.changes("allegation", account, allegation["uuid"])
            )
            for minute, text in (
                (5, "Hearing opened; relatives admitted, press kept outside."),
                (42, "Defendant says his statement was signed under pressure."),
                (95, "Judge refused the defence motion to call the doctor."),
            ):
                typed = datetime.fromisoformat(hearing["hearing_date"] + "T10:00") + timedelta(minutes=minute)
                observe.add_note(db, ACTOR, hearing, observer["id"], text, typed.isoformat() + "Z")
            if status == "draft":
                continue
            observe.submit(db, ACTOR, hearing)
            if status in ("approved", "returned"):
                comment = "" if status == "approved" else "Please add which defendants the witness named."
                observe.review(db, ACTOR, hearing, lead["id"], status, comment)
            if trial_number == 0 and status == "approved":
                first_sitting = (trial, hearing)
        _case_file(db, rng, checklist, missions.defendants(db, trial["id"]), observer, lead, first_hearing)
    if first_sitting is None:
        raise RuntimeError("the demo's first trial has no approved sitting to observe twice")
    _second_observation(db, mission, checklist, observers[1], *first_sitting)
    return created


def _second_observation(db, mission: dict, checklist, observer: dict, trial: dict, first: dict) -> dict:
    """The second observer attends the first trial's first sitting too and records it the same way, except
    that they saw the public kept out: one disagreement for the lead to reconcile."""
    missions.assign_observer(db, ACTOR, trial, observer, mission)
    hearing = observe.start_hearing(db, ACTOR, trial, mission, observer, first["hearing_date"])
    present = {d["uuid"]: d["present"] for d in observe.presence(db, first["id"])}
    changes = [
        {"target": "presence", "defendant": uuid, "value": bool(here)} for uuid, here in present.items()
    ]
    kept_out = "Relatives were stopped at the door by police; only the press pool was let in."
    first = records.existing(db, "hearing", first["id"])
    if checklist.declares_units:  # v2 keeps public access in the observation's field
        changes += observe.changes(
            "hearing",
            {"courtroom": first["courtroom"], "public_access": "closed", "access_note": kept_out}
            | {"start_time": first["start_time"], "end_time": first["end_time"], "observers_admitted": "yes"},
        )
    for (subject, key), row in observe.answers(db, first["id"]).items():
        if subject and subject not in present:
            continue  # a witness the first observer recorded: theirs alone
        value, note = row["value"], row["note"]
        if key == "public_admitted":
            value = "no" if value != "no" else "yes"
            note = kept_out
        changes.append(
            {"target": "answer", "item": key, "subject": subject, "field": "value", "value": value}
        )
        if note:
            changes.append(
                {"target": "answer", "item": key, "subject": subject, "field": "note", "value": note}
            )
    observe.save_changes(db, ACTOR, hearing, checklist, changes)
    observe.submit(db, ACTOR, hearing)
    return hearing


def _case_file(db, rng, checklist, defendants: list, observer: dict, lead: dict, hearing: dict) -> None:
    """Facts in every defendant's case file, each with where it was learned (the item's likeliest source);
    a few chosen ones in the first two, one of them changed later (with history)."""
    rare = {"juvenile_procedure", "ne_bis_in_idem", "death_penalty"}  # no demo defendant is a minor …
    asked = [item for item in checklists.case_items(checklist) if item.values() and item.key not in rare]
    for defendant in defendants[2:]:
        known = rng.sample(asked, k=min(12, len(asked)))
        changes = [
            cases.Change(item.key, _pick(rng, item), "", 0, item.sources[0] if item.sources else "observed")
            for item in known
        ]
        cases.change_facts(
            db, ACTOR, observer, defendant, checklist, changes, cases.Learned("observed", hearing["uuid"])
        )
    first, second = defendants[:2]
    told = cases.Learned("defendant", hearing["uuid"])
    cases.change_facts(
        db,
        ACTOR,
        observer,
        first,
        checklist,
        [
            cases.Change("informed_of_reasons", "no", "Told the court he learnt the charges two days later."),
            cases.Change("family_notified", "no", "", 0, "family"),
            cases.Change("lawyer_at_interrogation", "no", "", 0, "counsel"),
        ],
        told,
    )
    cases.change_facts(
        db, ACTOR, observer, second, checklist, [cases.Change("informed_of_reasons", "yes")], told
    )
    cases.change_facts(  # the judgment later showed a lawyer was there: the fact changes, its history stays
        db,
        ACTOR,
        lead,
        first,
        checklist,
        [cases.Change("lawyer_at_interrogation", "yes", "Legal-aid lawyer named in the record.", 1)],
        cases.Learned("court_record", learned_from="judgment (fictional)", reason="the judgment names him"),
    )


@click.command("seed-demo")
@click.option(
    "--seed",
    "random_seed",
    default=2026,
    show_default=True,
    help="Random seed: the same seed, the same data.",
)
@with_appcontext
def seed_demo_command(random_seed: int) -> None:
    """Load a fictional demo mission (two trials, 12 defendants, hearings, witnesses, allegations).

    Creates the accounts demo.lead, demo.observer1 and demo.observer2 and prints their passwords once.
    Does nothing if the demo mission is already there.
    """
    db = connect(current_app.config["DATABASE"])
    try:
        if next(db.query("SELECT 1 FROM mission WHERE name = ?", [DEMO_MISSION]), None):
            click.echo("The demo mission is already loaded; nothing to do.")
            return
        with atomic(db):
            created = seed(db, random.Random(random_seed))  # noqa: S311 (demo data, not secrets)
    finally:
        db.close()
    click.echo(f"Loaded “{DEMO_MISSION}”.")
    if created:
        click.echo("Accounts (passwords are shown only now — write them down):")
        for name, role, password in created:
            click.echo(f"  {name:16} {role:9} {password}")
