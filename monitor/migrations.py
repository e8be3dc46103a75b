"""Schema changes, one named step each. Never edit a step once it has been released: add a new one."""

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
