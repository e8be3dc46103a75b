"""Redaction profiles: what leaves the system, for whom.

- ``internal`` — everything.
- ``partner`` — anonymous witnesses' identities and named perpetrators removed.
- ``public`` — additionally, defendants, witnesses and observers replaced by stable pseudonyms (a keyed
  HMAC of the uuid; the key stays in the instance folder and never goes into an export), and free text
  removed unless it was marked publishable.
"""

import copy
import hashlib
import hmac
import os
import re
import secrets
import uuid

PROFILES = ("internal", "partner", "public")
REMOVED = ""
# Free text that may name people; dropped from public exports.
FREE_TEXT = {
    "hearings": ("access_note", "present", "summary", "courtroom"),
    "answers": ("note",),
    "witnesses": ("testimony", "anonymity_reason"),
    "allegations": (
        "account",
        "place",
        "raised_to",
        "investigation",
        "reprisals",
        "methods_other",
        "medical_by",
        "outcome",
    ),
    "reviews": ("comment",),
    "defendants": ("charges", "sentence"),
}


def key_path(instance_path: str) -> str:
    return os.path.join(instance_path, "pseudonym.key")


def pseudonym_key(instance_path: str) -> bytes:
    """The machine's pseudonym key, created on first use (owner-only)."""
    path = key_path(instance_path)
    if not os.path.exists(path):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    with open(path, encoding="ascii") as f:
        return bytes.fromhex(f.read().strip())


def pseudonym(key: bytes, kind: str, record_uuid: str) -> str:
    """A stable, unguessable name for a person: the same uuid and key always give the same one."""
    digest = hmac.new(key, f"{kind}:{record_uuid}".encode(), hashlib.sha256).hexdigest()
    return f"{kind.capitalize()} {digest[:6].upper()}"


def pseudonymous_uuid(key: bytes, record_uuid: str) -> str:
    """A stable stand-in uuid: rows still join, but not to the account behind them."""
    digest = hmac.new(key, f"uuid:{record_uuid}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def redact(data: dict, profile: str, key: bytes | None = None) -> dict:
    """A copy of a dataset (see dataset.load) with what ``profile`` may not show removed or replaced."""
    redaction = Redaction(data, profile, key)
    result = redaction.data
    result["answers"] = [redaction.answer(dict(answer)) for answer in data["answers"]]
    return result


class Redaction:
    """A profile's rules fitted to one dataset: every table but the answers redacted at once (``data``),
    the answers one row at a time (:meth:`answer`) — a mission's answers run into millions of rows and are
    redacted as they are read from the database, with exactly the rules :func:`redact` applies.
    """

    def __init__(self, data: dict, profile: str, key: bytes | None = None):
        if profile not in PROFILES:
            raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
        self.profile = profile
        self._names: _Names | None = None
        self._values: dict[str, str] = {}
        data = {name: _copy(rows) for name, rows in data.items() if name != "answers"}
        data["answers"] = []
        data["profile"] = profile
        self.data = data
        if profile == "internal":
            return
        for witness in data["witnesses"]:
            if witness["anonymous"]:
                witness["identity"] = REMOVED
        for allegation in data["allegations"]:
            allegation["perpetrators"] = REMOVED
        # What the observer marked confidential stays inside the organisation.
        withheld = {"strict"} if profile == "partner" else {"strict", "confidential"}
        data["allegations"] = [a for a in data["allegations"] if a.get("confidentiality") not in withheld]
        if profile == "partner":
            return
        if key is None:
            raise ValueError("the public profile needs the pseudonym key")
        real_names = {}
        for defendant in data["defendants"]:
            alias = pseudonym(key, "defendant", defendant["uuid"])
            if defendant["name"].strip():
                real_names[defendant["name"].strip()] = alias
            defendant["name"] = defendant["pseudonym"] = alias
        for witness in data["witnesses"]:
            witness["identity"] = REMOVED
            witness["label"] = pseudonym(
                key, "witness", witness["uuid"]
            )  # a label is typed by hand: it may be a name
        observers = {}
        for hearing in data["hearings"]:
            observers.setdefault(
                hearing["observer_uuid"], pseudonym(key, "observer", hearing["observer_uuid"])
            )
            real_names[hearing["observer"]] = observers[hearing["observer_uuid"]]
            hearing["observer"] = observers[hearing["observer_uuid"]]
            hearing["observer_uuid"] = pseudonymous_uuid(key, hearing["observer_uuid"])
        for review in data["reviews"]:
            review["reviewer"] = REMOVED
        for table, names in FREE_TEXT.items():
            for row in data[table]:
                for name in names:
                    row[name] = REMOVED
        data["notes"] = [note for note in data["notes"] if note["publishable"]]
        # A last net: any real name left in any text (a trial called after its first defendant, a
        # publishable note) is replaced by that person's pseudonym.
        if real_names:
            self._names = _Names(real_names)
            self._names.replace_in(data)

    def answer(self, answer: dict) -> dict:
        """One answer row (as dataset.load gives it) redacted in place; returned for convenience."""
        if self.profile != "public":
            return answer
        for name in FREE_TEXT["answers"]:
            answer[name] = REMOVED
        value = answer["value"]
        if value and value not in YESNO_AND_CODES and not value.isdigit():  # free text too
            answer["value"] = REMOVED
        if self._names is not None:
            self._names.replace_in_row(answer)
        return answer

    def answer_value(self, value: str) -> str:
        """An answer's value as :meth:`answer` leaves it (for readers that take only the values)."""
        if self.profile != "public":
            return value
        redacted = self._values.get(value)
        if redacted is None:
            redacted = self.answer({"value": value})["value"]
            if len(self._values) < 10_000:  # a few answers (yes, no, …) make up millions of rows
                self._values[value] = redacted
        return redacted


YESNO_AND_CODES = {
    "yes",
    "no",
    "unclear",
    "not_observed",
    "confession",
    "anonymous_witness",
    "police_witnesses",
    "documents",
    "other",
}


def _copy(value):
    """A deep copy of a dataset's table (a list of flat rows) or record; far quicker than deepcopy."""
    if isinstance(value, list) and all(isinstance(row, dict) for row in value):
        return [_copy(row) for row in value]
    if isinstance(value, dict) and not any(isinstance(v, list | dict) for v in value.values()):
        return dict(value)
    return copy.deepcopy(value)


class _Names:
    """Real names → pseudonyms, replaced wherever they appear as whole words in text."""

    def __init__(self, names: dict[str, str]):
        # Whole names only: "Defendant 1" must not match inside "Defendant 12" or inside a pseudonym.
        alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        self._lowered = {n.lower(): alias for n, alias in names.items()}
        self._seen: dict[str, str] = {}  # answers repeat a few values millions of times

    def text(self, value: str) -> str:
        return self._pattern.sub(lambda m: self._lowered[m.group(0).lower()], value)

    def replace_in_row(self, row: dict) -> None:
        for column, value in row.items():
            if isinstance(value, str) and value and column not in ("uuid",) and not column.endswith("_uuid"):
                replaced = self._seen.get(value)
                if replaced is None:
                    replaced = self.text(value)
                    if len(self._seen) < 10_000:
                        self._seen[value] = replaced
                row[column] = replaced

    def replace_in(self, data: dict) -> None:
        for rows in data.values():
            if not isinstance(rows, list):
                continue
            for row in rows:
                self.replace_in_row(row)
        mission = data.get("mission", {})
        for column, value in mission.items():
            if isinstance(value, str):
                mission[column] = self.text(value)
