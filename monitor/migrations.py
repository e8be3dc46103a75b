"""Schema changes, one named step each. Never edit a step once it has been released: add a new one."""

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
