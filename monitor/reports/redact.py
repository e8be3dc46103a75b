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
    if profile not in PROFILES:
        raise ValueError(f"unknown redaction profile {profile!r}; use one of {', '.join(PROFILES)}")
    data = copy.deepcopy(data)
    data["profile"] = profile
    if profile == "internal":
        return data
    for witness in data["witnesses"]:
        if witness["anonymous"]:
            witness["identity"] = REMOVED
    for allegation in data["allegations"]:
        allegation["perpetrators"] = REMOVED
    # What the observer marked confidential stays inside the organisation.
    withheld = {"strict"} if profile == "partner" else {"strict", "confidential"}
    data["allegations"] = [a for a in data["allegations"] if a.get("confidentiality") not in withheld]
    if profile == "partner":
        return data
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
        observers.setdefault(hearing["observer_uuid"], pseudonym(key, "observer", hearing["observer_uuid"]))
        real_names[hearing["observer"]] = observers[hearing["observer_uuid"]]
        hearing["observer"] = observers[hearing["observer_uuid"]]
        hearing["observer_uuid"] = pseudonymous_uuid(key, hearing["observer_uuid"])
    for review in data["reviews"]:
        review["reviewer"] = REMOVED
    for table, names in FREE_TEXT.items():
        for row in data[table]:
            for name in names:
                row[name] = REMOVED
    for answer in data["answers"]:  # a free-text answer is free text too
        if answer["value"] and answer["value"] not in YESNO_AND_CODES and not answer["value"].isdigit():
            answer["value"] = REMOVED
    data["notes"] = [note for note in data["notes"] if note["publishable"]]
    # A last net: any real name left in any text (a trial called after its first defendant, a publishable
    # note) is replaced by that person's pseudonym.
    _replace_names(data, real_names)
    return data


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


def _replace_names(data: dict, names: dict[str, str]) -> None:
    if not names:
        return
    # Whole names only: "Defendant 1" must not match inside "Defendant 12" or inside a pseudonym.
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
    lowered = {n.lower(): alias for n, alias in names.items()}
    for rows in data.values():
        if not isinstance(rows, list):
            continue
        for row in rows:
            for column, value in row.items():
                if (
                    isinstance(value, str)
                    and value
                    and column not in ("uuid",)
                    and not column.endswith("_uuid")
                ):
                    row[column] = pattern.sub(lambda m: lowered[m.group(0).lower()], value)
    mission = data.get("mission", {})
    for column, value in mission.items():
        if isinstance(value, str):
            mission[column] = pattern.sub(lambda m: lowered[m.group(0).lower()], value)
