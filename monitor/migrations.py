"""Schema changes, one named step each. Never edit a step once it has been released: add a new one."""

import json

import click
from sqlite_utils import Database, Migrations

migrations = Migrations("monitor")


@migrations()
def m001_users(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE user (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'observer')),
            language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'ru', 'kk')),
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            session_version INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1
        )
        """
    )


@migrations()
def m002_audit(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor_uuid TEXT,
            actor_name TEXT,
            address TEXT,
            action TEXT NOT NULL,
            record_type TEXT,
            record_uuid TEXT,
            before TEXT,
            after TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL UNIQUE
        )
        """
    )
    db.execute("CREATE INDEX audit_record ON audit (record_uuid)")
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
            """
        )


@migrations()
def m003_login_failures(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE login_failure (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            username TEXT NOT NULL,
            address TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX login_failure_username ON login_failure (username, at)")
    db.execute("CREATE INDEX login_failure_address ON login_failure (address, at)")


# Columns every record that travels between machines carries.
RECORD = """
    uuid TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
"""


@migrations()
def m004_missions_trials_defendants(db: Database) -> None:
    db.execute(
        f"""
        CREATE TABLE mission (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            country TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            start_date TEXT,
            end_date TEXT,
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            {RECORD}
        )
        """
    )
    db.execute(
        """
        CREATE TABLE mission_member (
            mission_id INTEGER NOT NULL REFERENCES mission(id),
            user_id INTEGER NOT NULL REFERENCES user(id),
            role TEXT NOT NULL CHECK (role IN ('lead', 'observer')),
            PRIMARY KEY (mission_id, user_id)
        )
        """
    )
    db.execute("CREATE INDEX mission_member_user ON mission_member (user_id)")
    db.execute(
        f"""
        CREATE TABLE trial (
            id INTEGER PRIMARY KEY,
            mission_id INTEGER NOT NULL REFERENCES mission(id),
            title TEXT NOT NULL,
            court TEXT NOT NULL DEFAULT '',
            case_number TEXT NOT NULL DEFAULT '',
            judges TEXT NOT NULL DEFAULT '',
            prosecutor TEXT NOT NULL DEFAULT '',
            charges TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'ongoing',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX trial_mission ON trial (mission_id)")
    db.execute(
        """
        CREATE TABLE trial_observer (
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            user_id INTEGER NOT NULL REFERENCES user(id),
            PRIMARY KEY (trial_id, user_id)
        )
        """
    )
    db.execute("CREATE INDEX trial_observer_user ON trial_observer (user_id)")
    db.execute(
        f"""
        CREATE TABLE defendant (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            position INTEGER NOT NULL DEFAULT 0,
            name TEXT NOT NULL,
            pseudonym TEXT NOT NULL DEFAULT '',
            sex TEXT NOT NULL DEFAULT '',
            age INTEGER,
            charges TEXT NOT NULL DEFAULT '',
            apprehended_at TEXT,
            arrest_registered_at TEXT,
            first_judge_at TEXT,
            pretrial_detention TEXT NOT NULL DEFAULT '',
            counsel TEXT NOT NULL DEFAULT '',
            counsel_from TEXT,
            verdict TEXT NOT NULL DEFAULT 'pending',
            sentence TEXT NOT NULL DEFAULT '',
            sentence_months INTEGER,
            conviction_basis TEXT NOT NULL DEFAULT '[]',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX defendant_trial ON defendant (trial_id, position)")


@migrations()
def m005_hearings(db: Database) -> None:
    db.execute(
        f"""
        CREATE TABLE hearing (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            observer_id INTEGER NOT NULL REFERENCES user(id),
            hearing_date TEXT NOT NULL,
            start_time TEXT NOT NULL DEFAULT '',
            end_time TEXT NOT NULL DEFAULT '',
            courtroom TEXT NOT NULL DEFAULT '',
            judge TEXT NOT NULL DEFAULT '',
            public_access TEXT NOT NULL DEFAULT '',
            observers_admitted TEXT NOT NULL DEFAULT '',
            access_note TEXT NOT NULL DEFAULT '',
            present TEXT NOT NULL DEFAULT '',
            summary TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'draft'
                CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            submitted_at TEXT,
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX hearing_trial ON hearing (trial_id, hearing_date)")
    db.execute("CREATE INDEX hearing_observer ON hearing (observer_id, status)")
    db.execute(
        """
        CREATE TABLE hearing_defendant (
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            defendant_id INTEGER NOT NULL REFERENCES defendant(id),
            present INTEGER NOT NULL DEFAULT 1 CHECK (present IN (0, 1)),
            PRIMARY KEY (hearing_id, defendant_id)
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE witness (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            label TEXT NOT NULL DEFAULT '',
            identity TEXT NOT NULL DEFAULT '',
            side TEXT NOT NULL DEFAULT '',
            anonymous INTEGER NOT NULL DEFAULT 0,
            anonymity_reason TEXT NOT NULL DEFAULT '',
            identity_known_to_defence TEXT NOT NULL DEFAULT '',
            voice_hidden INTEGER NOT NULL DEFAULT 0,
            image_hidden INTEGER NOT NULL DEFAULT 0,
            police_officer TEXT NOT NULL DEFAULT '',
            against TEXT NOT NULL DEFAULT '[]',
            testimony TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX witness_hearing ON witness (hearing_id)")
    db.execute("CREATE INDEX witness_trial ON witness (trial_id)")
    db.execute(
        f"""
        CREATE TABLE answer (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            subject_uuid TEXT NOT NULL DEFAULT '',
            item_key TEXT NOT NULL,
            value TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            provenance TEXT NOT NULL DEFAULT '',
            {RECORD},
            UNIQUE (hearing_id, subject_uuid, item_key)
        )
        """
    )
    db.execute("CREATE INDEX answer_item ON answer (item_key, value)")
    db.execute(
        f"""
        CREATE TABLE allegation (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            alleged_by TEXT NOT NULL DEFAULT 'defendant',
            defendant_uuid TEXT NOT NULL DEFAULT '',
            witness_uuid TEXT NOT NULL DEFAULT '',
            stage TEXT NOT NULL DEFAULT '',
            place_type TEXT NOT NULL DEFAULT '',
            place TEXT NOT NULL DEFAULT '',
            registered_at_time TEXT NOT NULL DEFAULT '',
            lawyer_present TEXT NOT NULL DEFAULT '',
            methods TEXT NOT NULL DEFAULT '[]',
            methods_other TEXT NOT NULL DEFAULT '',
            perpetrators TEXT NOT NULL DEFAULT '',
            perpetrators_testified TEXT NOT NULL DEFAULT '',
            purpose TEXT NOT NULL DEFAULT '[]',
            medical_examined TEXT NOT NULL DEFAULT '',
            medical_by TEXT NOT NULL DEFAULT '',
            medical_independent TEXT NOT NULL DEFAULT '',
            istanbul_consistency TEXT NOT NULL DEFAULT '',
            raised_to TEXT NOT NULL DEFAULT '',
            court_response TEXT NOT NULL DEFAULT '[]',
            investigation TEXT NOT NULL DEFAULT '',
            outcome TEXT NOT NULL DEFAULT '',
            reprisals TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            confidentiality TEXT NOT NULL DEFAULT '',
            account TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX allegation_hearing ON allegation (hearing_id)")
    db.execute("CREATE INDEX allegation_trial ON allegation (trial_id)")
    db.execute(
        f"""
        CREATE TABLE note (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            author_id INTEGER NOT NULL REFERENCES user(id),
            typed_at TEXT NOT NULL,
            text TEXT NOT NULL,
            publishable INTEGER NOT NULL DEFAULT 0,
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX note_hearing ON note (hearing_id, typed_at)")
    db.execute(
        f"""
        CREATE TABLE review (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            reviewer_id INTEGER NOT NULL REFERENCES user(id),
            decision TEXT NOT NULL CHECK (decision IN ('approved', 'returned', 'comment')),
            answer_uuid TEXT NOT NULL DEFAULT '',
            comment TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX review_hearing ON review (hearing_id)")
    db.execute(
        f"""
        CREATE TABLE hearing_revision (
            id INTEGER PRIMARY KEY,
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            number INTEGER NOT NULL,
            reason TEXT NOT NULL,
            snapshot TEXT NOT NULL,
            author_id INTEGER NOT NULL REFERENCES user(id),
            {RECORD},
            UNIQUE (hearing_id, number)
        )
        """
    )


@migrations()
def m006_answer_units_index(db: Database) -> None:
    # Findings scan one item's answers at a time, grouped per person: this index lets SQLite walk them
    # in order without touching the table (see docs/benchmarks.md).
    db.execute("CREATE INDEX answer_units ON answer (item_key, subject_uuid, value, hearing_id)")


@migrations()
def m007_export_jobs(db: Database) -> None:
    # Background data exports; their state lives here so every server process sees it.
    db.execute(
        """
        CREATE TABLE export_job (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            user_uuid TEXT,
            mission_uuid TEXT,
            kind TEXT NOT NULL,
            fmt TEXT,
            profile TEXT,
            lang TEXT,
            status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
            done INTEGER NOT NULL DEFAULT 0,
            total INTEGER NOT NULL DEFAULT 0,
            message TEXT NOT NULL DEFAULT '',
            file_path TEXT,
            error TEXT,
            created_at TEXT NOT NULL,
            finished_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX export_job_user ON export_job (user_uuid, created_at)")


@migrations()
def m008_api_tokens(db: Database) -> None:
    # Personal API tokens: only a SHA-256 of the secret is kept; the secret is shown once.
    db.execute(
        """
        CREATE TABLE api_token (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            user_id INTEGER NOT NULL REFERENCES user(id),
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
            created_at TEXT NOT NULL,
            expires_at TEXT,
            last_used_at TEXT,
            revoked_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX api_token_user ON api_token (user_id)")


@migrations()
def m009_sync(db: Database) -> None:
    # Every content hash a record has had when it crossed machines (in or out): tells "older" from "new".
    db.execute(
        """
        CREATE TABLE sync_seen (
            uuid TEXT NOT NULL,
            hash TEXT NOT NULL,
            PRIMARY KEY (uuid, hash)
        ) WITHOUT ROWID
        """
    )
    # The last synced state of each record, with the local version it had then: when the version is
    # unchanged the record is unchanged, so its hash need not be computed again.
    db.execute(
        """
        CREATE TABLE sync_record (
            uuid TEXT PRIMARY KEY,
            record_type TEXT NOT NULL,
            hash TEXT NOT NULL,
            version INTEGER NOT NULL
        ) WITHOUT ROWID
        """
    )
    db.execute(
        """
        CREATE TABLE sync_bundle (
            id INTEGER PRIMARY KEY,
            bundle_uuid TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            kind TEXT NOT NULL,
            mission_uuid TEXT,
            peer TEXT NOT NULL DEFAULT '',
            user_uuid TEXT,
            counts TEXT NOT NULL DEFAULT '{}',
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX sync_bundle_direction ON sync_bundle (direction, created_at)")
    db.execute(
        """
        CREATE TABLE sync_conflict (
            id INTEGER PRIMARY KEY,
            uuid TEXT NOT NULL UNIQUE,
            record_uuid TEXT NOT NULL,
            record_type TEXT NOT NULL,
            mission_id INTEGER REFERENCES mission(id),
            local TEXT NOT NULL,
            local_hash TEXT NOT NULL,
            incoming TEXT NOT NULL,
            incoming_hash TEXT NOT NULL,
            incoming_version INTEGER NOT NULL,
            incoming_updated_at TEXT NOT NULL,
            bundle_uuid TEXT NOT NULL,
            from_user_uuid TEXT,
            from_name TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
            resolution TEXT,
            resolved_by TEXT,
            resolved_at TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (record_uuid, incoming_hash)
        )
        """
    )
    db.execute("CREATE INDEX sync_conflict_open ON sync_conflict (status, mission_id)")
    # Audit entries written on other machines, kept as evidence beside (not inside) the local chain.
    db.execute(
        """
        CREATE TABLE imported_audit (
            id INTEGER PRIMARY KEY,
            hash TEXT NOT NULL UNIQUE,
            bundle_uuid TEXT NOT NULL,
            record_uuid TEXT,
            entry TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX imported_audit_record ON imported_audit (record_uuid)")
    # The server this laptop pushes to and pulls from (the token itself lives in instance/sync.json).
    db.execute(
        """
        CREATE TABLE sync_remote (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL UNIQUE,
            user_uuid TEXT,
            last_push_at TEXT,
            last_pull_at TEXT,
            last_error TEXT NOT NULL DEFAULT '',
            last_result TEXT NOT NULL DEFAULT '{}'
        )
        """
    )


@migrations()
def m010_sittings(db: Database) -> None:
    # The court sitting (trial + date + session): the unit every "hearings" number counts. A hearing row
    # stays one observer's record of it (shown as an *observation*); two observers of one sitting share it.
    from . import audit
    from .audit import Actor
    from .db import utcnow
    from .ids import natural_uuid

    db.execute(
        f"""
        CREATE TABLE sitting (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            sitting_date TEXT NOT NULL,
            session INTEGER NOT NULL DEFAULT 1 CHECK (session >= 1),
            courtroom TEXT NOT NULL DEFAULT '',
            judge TEXT NOT NULL DEFAULT '',
            {RECORD},
            UNIQUE (trial_id, sitting_date, session)
        )
        """
    )
    db.execute("ALTER TABLE hearing ADD COLUMN sitting_id INTEGER REFERENCES sitting(id)")
    db.execute("CREATE INDEX hearing_sitting ON hearing (sitting_id)")
    # Existing observations grouped by (trial, date): session 1, the natural uuid two laptops agree on,
    # courtroom and judge from the earliest observation. One audit entry per sitting names them all.
    actor = Actor(name="migration m010_sittings")
    groups = list(
        db.query(
            """
            SELECT hearing.trial_id, trial.uuid AS trial_uuid, hearing.hearing_date,
                   json_group_array(hearing.uuid) AS observations
            FROM hearing JOIN trial ON trial.id = hearing.trial_id
            GROUP BY hearing.trial_id, hearing.hearing_date ORDER BY hearing.trial_id, hearing.hearing_date
            """
        )
    )
    for group in groups:
        first = next(
            db.query(
                "SELECT courtroom, judge FROM hearing WHERE trial_id = ? AND hearing_date = ? "
                "ORDER BY created_at, id LIMIT 1",
                [group["trial_id"], group["hearing_date"]],
            )
        )
        now = utcnow()
        row = {
            "uuid": natural_uuid(group["trial_uuid"], group["hearing_date"], "1"),
            "trial_id": group["trial_id"],
            "sitting_date": group["hearing_date"],
            "session": 1,
            "courtroom": first["courtroom"],
            "judge": first["judge"],
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        sitting_id = db.table("sitting").insert(row).last_pk
        db.execute(
            "UPDATE hearing SET sitting_id = ? WHERE trial_id = ? AND hearing_date = ?",
            [sitting_id, group["trial_id"], group["hearing_date"]],
        )
        audit.record(
            db,
            "sitting.migrate",
            actor,
            record_type="sitting",
            record_uuid=row["uuid"],
            after={
                "trial_uuid": group["trial_uuid"],
                "sitting_date": row["sitting_date"],
                "session": 1,
                "courtroom": row["courtroom"],
                "judge": row["judge"],
                "observations": sorted(json.loads(group["observations"])),
            },
        )
    # A hearing's bundle content now names its sitting: the cached hashes of hearings are stale.
    if "sync_record" in db.table_names():
        db.execute("DELETE FROM sync_record WHERE record_type = 'hearing'")


@migrations()
def m011_reconciliation(db: Database) -> None:
    # A lead's reconciled answer where the observations of one sitting disagree (docs/units.md).
    db.execute(
        f"""
        CREATE TABLE reconciliation (
            id INTEGER PRIMARY KEY,
            sitting_id INTEGER NOT NULL REFERENCES sitting(id),
            subject_uuid TEXT NOT NULL DEFAULT '',
            item_key TEXT NOT NULL,
            value TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL,
            decided_by INTEGER NOT NULL REFERENCES user(id),
            {RECORD},
            UNIQUE (sitting_id, subject_uuid, item_key)
        )
        """
    )


# Where a case fact was learned or stated (docs/checklists.md "source"; monitor.checklists.SOURCES).
CASE_SOURCES = (
    "'observed', 'court_record', 'counsel', 'defendant', 'family', 'prosecution', 'official', 'other'"
)


@migrations()
def m012_case_file(db: Database) -> None:
    # The defendant's case file (issue #11, docs/units.md step 3): one current value per defendant and
    # item, its uuid natural (monitor.ids.natural_uuid(defendant uuid, item key)) so two laptops make the
    # same record; every earlier value kept in case_fact_history, which is never changed.
    # learned_at_hearing_uuid names the observation a fact was learned at by uuid, not id: a bundle carries
    # case facts before observations, so an id could not be resolved when both arrive together.
    db.execute(
        f"""
        CREATE TABLE case_fact (
            id INTEGER PRIMARY KEY,
            defendant_id INTEGER NOT NULL REFERENCES defendant(id),
            item_key TEXT NOT NULL,
            value TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '' CHECK (source IN ('', {CASE_SOURCES})),
            learned_at_hearing_uuid TEXT,
            learned_from TEXT NOT NULL DEFAULT '',
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            {RECORD},
            UNIQUE (defendant_id, item_key)
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE case_fact_history (
            id INTEGER PRIMARY KEY,
            case_fact_id INTEGER NOT NULL REFERENCES case_fact(id),
            value TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '' CHECK (source IN ('', {CASE_SOURCES})),
            learned_at_hearing_uuid TEXT,
            learned_from TEXT NOT NULL DEFAULT '',
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            recorded_at TEXT NOT NULL,
            changed_by INTEGER NOT NULL REFERENCES user(id),
            reason TEXT NOT NULL DEFAULT '',
            answer_uuid TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX case_fact_history_fact ON case_fact_history (case_fact_id, recorded_at)")
    for event in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER case_fact_history_no_{event.lower()} BEFORE {event} ON case_fact_history
            BEGIN SELECT RAISE(ABORT, 'a case fact''s history is append-only'); END
            """
        )
    from .cases.migrate import move_v1_answers  # the v1 answers to case items become the case file

    counts = move_v1_answers(db)
    if counts["answers"] or counts["blank"]:
        click.echo(
            f"m012_case_file: {counts['answers']} answers moved into case files as history "
            f"({counts['facts']} facts made, {counts['current']} with a current value, "
            f"{counts['disagreements']} where observations disagreed; {counts['blank']} blank answers "
            "left as they were). Every answer stays where it was.",
            err=True,
        )


@migrations()
def m013_witness_persons(db: Database) -> None:
    """A witness becomes a person of the trial; each per-hearing witness row becomes an appearance.

    The appearance keeps the old row's id and uuid (answers, allegations, audit entries and bundles name
    it); the persons are new rows, matched per trial by the recorder's label (see
    :mod:`monitor.witnesses.matching`), flagged in ``review`` where a lead should look. One audit entry per
    person and per appearance says what became of each row (the audit table itself is never rewritten).
    """
    import uuid as uuidlib

    from . import audit, sensitive
    from .db import utcnow
    from .witnesses import matching

    old = list(
        db.query(
            "SELECT witness.*, hearing.hearing_date FROM witness "
            "JOIN hearing ON hearing.id = witness.hearing_id "
            "ORDER BY witness.trial_id, hearing.hearing_date, witness.id"
        )
    )
    db.execute("ALTER TABLE witness RENAME TO witness_v1")
    db.execute("DROP INDEX IF EXISTS witness_hearing")
    db.execute("DROP INDEX IF EXISTS witness_trial")
    db.execute(
        f"""
        CREATE TABLE witness (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            label TEXT NOT NULL DEFAULT '',
            identity TEXT NOT NULL DEFAULT '',
            side TEXT NOT NULL DEFAULT '',
            anonymous INTEGER NOT NULL DEFAULT 0,
            anonymity_reason TEXT NOT NULL DEFAULT '',
            identity_known_to_defence TEXT NOT NULL DEFAULT '',
            voice_hidden INTEGER NOT NULL DEFAULT 0,
            image_hidden INTEGER NOT NULL DEFAULT 0,
            police_officer TEXT NOT NULL DEFAULT '',
            review TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX witness_trial ON witness (trial_id)")
    db.execute(
        f"""
        CREATE TABLE witness_appearance (
            id INTEGER PRIMARY KEY,
            witness_id INTEGER NOT NULL REFERENCES witness(id),
            hearing_id INTEGER NOT NULL REFERENCES hearing(id),
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            against TEXT NOT NULL DEFAULT '[]',
            testimony TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX witness_appearance_hearing ON witness_appearance (hearing_id)")
    db.execute("CREATE INDEX witness_appearance_witness ON witness_appearance (witness_id)")
    now = utcnow()
    by_trial: dict[int, list[dict]] = {}
    for row in old:
        by_trial.setdefault(row["trial_id"], []).append(row)
    for trial_id, rows in by_trial.items():
        for members, review in matching.group(rows):
            first = members[0]
            person = {
                "uuid": str(uuidlib.uuid4()),
                "trial_id": trial_id,
                "recorded_by": first["recorded_by"],
                **matching.person_values(members),
                "review": review,
                "created_at": min(m["created_at"] for m in members),
                "updated_at": now,
                "version": 1,
            }
            person["id"] = db.table("witness").insert(person).last_pk
            audit.record(
                db,
                "witness.migrate",
                record_type="witness",
                record_uuid=person["uuid"],
                after={
                    **sensitive.for_audit(db, "witness", {k: person[k] for k in (*matching.PERSON_FIELDS,)}),
                    "review": review,
                    "appearances": [m["uuid"] for m in members],
                },
            )
            for member in members:
                db.table("witness_appearance").insert(
                    {
                        "id": member["id"],
                        "uuid": member["uuid"],
                        "witness_id": person["id"],
                        "hearing_id": member["hearing_id"],
                        "trial_id": trial_id,
                        "recorded_by": member["recorded_by"],
                        "against": member["against"],
                        "testimony": member["testimony"],
                        "created_at": member["created_at"],
                        "updated_at": now,
                        "version": member["version"] + 1,  # its content changed: a bundle must say so
                    }
                )
                audit.record(
                    db,
                    "witness_appearance.migrate",
                    record_type="witness_appearance",
                    record_uuid=member["uuid"],
                    before=sensitive.for_audit(db, "witness", {k: member[k] for k in matching.PERSON_FIELDS}),
                    after={"witness_uuid": person["uuid"], "version": member["version"] + 1},
                )
    db.execute("UPDATE sync_record SET record_type = 'witness_appearance' WHERE record_type = 'witness'")
    db.execute("DROP TABLE witness_v1")
    counts = {
        "witness_rows_before": len(old),
        "persons": db["witness"].count,
        "appearances": db["witness_appearance"].count,
        "flagged": db.execute("SELECT count(*) FROM witness WHERE review != ''").fetchone()[0],
    }
    if not old:
        return  # a new database: nothing moved, nothing to say
    audit.record(db, "witness.migrate.summary", after=counts)
    click.echo(
        "m013_witness_persons: {witness_rows_before} witness rows became {persons} persons with "
        "{appearances} appearances ({flagged} persons flagged for a lead)".format(**counts),
        err=True,
    )


@migrations()
def m015_evidence(db: Database) -> None:
    # Evidence files (issue #13): the bytes inside the database (so SQLCipher encrypts them, `backup`
    # carries them and no plain file is left on disk), one blob per distinct content; the metadata in
    # `evidence`, attached to exactly one of a defendant's case file, a sitting, a witness person or an
    # allegation. A withdrawn file keeps its row (who, when, SHA-256, size, why) and loses its bytes.
    db.execute(
        """
        CREATE TABLE evidence_blob (
            id INTEGER PRIMARY KEY,
            sha256 TEXT NOT NULL UNIQUE,
            size INTEGER NOT NULL,
            content BLOB NOT NULL
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            defendant_id INTEGER REFERENCES defendant(id),
            sitting_id INTEGER REFERENCES sitting(id),
            witness_id INTEGER REFERENCES witness(id),
            allegation_id INTEGER REFERENCES allegation(id),
            filename TEXT NOT NULL,
            kind TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT '' CHECK (source IN ('', {CASE_SOURCES})),
            description TEXT NOT NULL DEFAULT '',
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            withdrawn_at TEXT,
            withdrawn_reason TEXT NOT NULL DEFAULT '',
            {RECORD},
            CHECK ((defendant_id IS NOT NULL) + (sitting_id IS NOT NULL) + (witness_id IS NOT NULL)
                   + (allegation_id IS NOT NULL) = 1)
        )
        """
    )
    for column in ("trial_id", "defendant_id", "sitting_id", "witness_id", "allegation_id", "sha256"):
        db.execute(f"CREATE INDEX evidence_{column} ON evidence ({column})")


@migrations()
def m016_recommendations(db: Database) -> None:
    # Recommendations to a state (issue #14): UPR recommendations and treaty bodies' concluding
    # observations, kept per country (ISO 3166-1 alpha-2), so that every mission in a country shares one
    # register; a mission names its country's code in `mission_country` (the mission's own `country` is
    # free text and travels in bundles as it is). The mission's assessment of each recommendation (per
    # review cycle) with the evidence linked to it, official statistics per country, and the mission's
    # new recommendations per theme of its submission.
    db.execute(
        f"""
        CREATE TABLE mission_country (
            id INTEGER PRIMARY KEY,
            mission_id INTEGER NOT NULL UNIQUE REFERENCES mission(id),
            country_code TEXT NOT NULL CHECK (length(country_code) = 2),
            {RECORD}
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE recommendation (
            id INTEGER PRIMARY KEY,
            country TEXT NOT NULL CHECK (length(country) = 2),
            body TEXT NOT NULL DEFAULT 'UPR' CHECK (body IN ('UPR', 'CAT', 'HRC')),
            cycle TEXT NOT NULL,
            session TEXT NOT NULL DEFAULT '',
            identifier TEXT NOT NULL DEFAULT '',
            recommending_state TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            response TEXT NOT NULL DEFAULT '' CHECK (response IN ('', 'supported', 'noted')),
            themes TEXT NOT NULL DEFAULT '[]',
            document TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute(
        "CREATE UNIQUE INDEX recommendation_identifier ON recommendation (country, body, identifier) "
        "WHERE identifier != ''"
    )
    db.execute("CREATE INDEX recommendation_country ON recommendation (country, body, cycle)")
    db.execute(
        f"""
        CREATE TABLE assessment (
            id INTEGER PRIMARY KEY,
            mission_id INTEGER NOT NULL REFERENCES mission(id),
            recommendation_id INTEGER NOT NULL REFERENCES recommendation(id),
            cycle TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('implemented', 'partially', 'not_implemented', 'no_information')),
            reasoning TEXT NOT NULL DEFAULT '',
            assessed_by INTEGER REFERENCES user(id),
            {RECORD},
            UNIQUE (mission_id, recommendation_id, cycle)
        )
        """
    )
    db.execute(
        f"""
        CREATE TABLE assessment_link (
            id INTEGER PRIMARY KEY,
            assessment_id INTEGER NOT NULL REFERENCES assessment(id),
            kind TEXT NOT NULL
                CHECK (kind IN ('finding', 'defendant', 'allegation', 'evidence', 'statistic')),
            target_uuid TEXT NOT NULL DEFAULT '',
            path TEXT NOT NULL DEFAULT '',
            filters TEXT NOT NULL DEFAULT '{{}}',
            mode TEXT NOT NULL DEFAULT '' CHECK (mode IN ('', 'live', 'frozen')),
            frozen_at TEXT,
            frozen_count INTEGER,
            frozen_of INTEGER,
            note TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX assessment_link_assessment ON assessment_link (assessment_id)")
    db.execute(
        f"""
        CREATE TABLE official_statistic (
            id INTEGER PRIMARY KEY,
            country TEXT NOT NULL CHECK (length(country) = 2),
            what TEXT NOT NULL,
            value REAL NOT NULL,
            period TEXT NOT NULL,
            source TEXT NOT NULL,
            retrieved_on TEXT NOT NULL,
            themes TEXT NOT NULL DEFAULT '[]',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX official_statistic_country ON official_statistic (country)")
    db.execute(
        f"""
        CREATE TABLE submission_theme (
            id INTEGER PRIMARY KEY,
            mission_id INTEGER NOT NULL REFERENCES mission(id),
            theme TEXT NOT NULL,
            new_recommendations TEXT NOT NULL DEFAULT '',
            {RECORD},
            UNIQUE (mission_id, theme)
        )
        """
    )


@migrations()
def m017_follow_up(db: Database) -> None:
    # After the courtroom (issue #14, parts 4 and 5). `follow_up`: what became of a torture allegation —
    # complaint, investigation refused or opened, outcome, reprisals, communications to UN bodies — one
    # row per event, appended by a lead; a wrong event is withdrawn (kept, with why) and never deleted.
    # The allegation is named by uuid, not id: an allegation removed in a correction leaves its follow-up
    # readable in the audit trail, and a bundle may carry the event before or without the allegation.
    # `legal_assessment`: a lead's conclusion per right (a checklist stage) of a trial, and the trial's
    # overall fairness grade (right_key ''), apart from the observers' answers; changed in place, versioned
    # and audited through monitor.records.
    db.execute(
        f"""
        CREATE TABLE follow_up (
            id INTEGER PRIMARY KEY,
            allegation_uuid TEXT NOT NULL,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            kind TEXT NOT NULL CHECK (kind IN ('complaint_lodged', 'investigation_refused',
                'investigation_opened', 'closed_without_charge', 'charges_brought', 'officials_convicted',
                'officials_acquitted', 'reprisal', 'un_communication', 'un_decision', 'other')),
            event_date TEXT NOT NULL,
            un_body TEXT NOT NULL DEFAULT '' CHECK (un_body IN ('', 'CAT', 'HRC', 'SRT', 'WGAD', 'other')),
            reference TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            note TEXT NOT NULL DEFAULT '',
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            withdrawn_at TEXT,
            withdrawn_reason TEXT NOT NULL DEFAULT '',
            {RECORD}
        )
        """
    )
    db.execute("CREATE INDEX follow_up_allegation ON follow_up (allegation_uuid, event_date)")
    db.execute("CREATE INDEX follow_up_trial ON follow_up (trial_id)")
    db.execute(
        f"""
        CREATE TABLE legal_assessment (
            id INTEGER PRIMARY KEY,
            trial_id INTEGER NOT NULL REFERENCES trial(id),
            right_key TEXT NOT NULL DEFAULT '',
            conclusion TEXT NOT NULL CHECK (conclusion IN ('respected', 'concerns', 'violated',
                'not_assessed', 'fair', 'fair_with_concerns', 'unfair')),
            reasoning TEXT NOT NULL DEFAULT '',
            refs TEXT NOT NULL DEFAULT '',
            recorded_by INTEGER NOT NULL REFERENCES user(id),
            {RECORD},
            UNIQUE (trial_id, right_key)
        )
        """
    )


@migrations()
def m018_findings_summary(db: Database) -> None:
    # Findings counts kept by the writes that change them (issue #16): per sitting, item and subject the
    # value the counting rule resolves to, and per trial, item and unit how many sittings observed it, with
    # a concern, disputed; triggers mark the sittings a write changes and db.atomic recounts them before
    # COMMIT. Filled here from the answers already recorded (monitor/findings/summary.py).
    from .findings import summary

    cells = summary.fill(db)
    click.echo(f"m018_findings_summary: {cells} counted cells kept for the findings", err=True)
