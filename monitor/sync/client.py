"""Push and pull over HTTP: a laptop talks to the mission server's API with a personal token.

The server's address and the token live in ``instance/sync.json`` (owner-only), never in the database,
so a backup of the database does not carry the token. A push sends the laptop's changes in bundles of
:data:`~.exporter.HEARINGS_PER_PUSH` hearings; each bundle is marked sent only when the server has
answered that it imported it, so a connection cut midway costs at most one bundle, and sending it again
is harmless (the server imports exactly once).
"""

import json
import os
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlparse

import requests
from sqlite_utils import Database

from .. import private_files
from ..audit import Actor
from ..db import atomic, utcnow
from . import exporter, service
from .bundle import BundleError
from .importer import link

SETTINGS = "sync.json"
TIMEOUT = (10, 300)  # connect, read: a big bundle takes a while to import on the server
RETRIES = 3
Progress = Callable[[int, int, str], None]


class SyncError(RuntimeError):
    """Push or pull could not finish; the message says what happened and what is safe to do next."""


def settings_path(instance_path: str) -> str:
    return os.path.join(instance_path, SETTINGS)


def load_settings(instance_path: str) -> dict | None:
    try:
        with open(settings_path(instance_path), encoding="utf-8") as handle:
            settings = json.load(handle)
    except (OSError, ValueError):
        return None
    return settings if isinstance(settings, dict) and settings.get("url") and settings.get("token") else None


def save_settings(instance_path: str, settings: dict) -> None:
    private_files.replace(settings_path(instance_path), json.dumps(settings))


def check_url(url: str) -> str:
    parsed = urlparse(url.strip())
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SyncError("The server address must start with https:// (or http:// on this machine).")
    if parsed.scheme == "http" and parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SyncError(
            "Use https:// for a server on another machine: the data must not cross a network in clear."
        )
    return url.strip().rstrip("/") + "/"


class Remote:
    """The mission server's API, with the token in every request and a few retries on a lost connection."""

    def __init__(self, url: str, token: str):
        self.base, self.session = check_url(url), requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        last: Exception | None = None
        for attempt in range(RETRIES):
            try:
                response = self.session.request(method, urljoin(self.base, path), timeout=TIMEOUT, **kwargs)
            except requests.RequestException as error:
                last = error
                time.sleep(0.5 * 2**attempt)
                continue
            if response.status_code >= 500 or response.status_code == 429:
                last = SyncError(f"the server answered {response.status_code}")
                time.sleep(0.5 * 2**attempt)
                continue
            if response.status_code >= 400:
                raise SyncError(_message(response))
            return response
        raise SyncError(f"Could not reach the server at {self.base} ({last}).")


def _message(response: requests.Response) -> str:
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        message = None
    return f"The server refused ({response.status_code}): {message or response.reason}"


def configure(db: Database, instance_path: str, url: str, token: str, user: dict, actor: Actor) -> dict:
    """Check the address and the token against the server, link this account to the token's account
    there (see :func:`.importer.link`), then keep both; returns the server's account."""
    remote = Remote(url, token)
    account = remote.request("GET", "api/v1/me").json()
    try:
        account["linked"] = link(db, actor, user, str(account.get("uuid", "")), server=remote.base)
    except BundleError as error:
        raise SyncError(str(error)) from error
    save_settings(instance_path, {"url": remote.base, "token": token})
    with atomic(db):
        db.execute(
            "INSERT INTO sync_remote (url, user_uuid) VALUES (?, ?) ON CONFLICT (url) DO UPDATE SET "
            "user_uuid = excluded.user_uuid",
            [remote.base, account.get("uuid")],
        )
    return account


def remote_status(db: Database, instance_path: str) -> dict | None:
    settings = load_settings(instance_path)
    if settings is None:
        return None
    row = next(db.query("SELECT * FROM sync_remote WHERE url = ?", [settings["url"]]), None) or {}
    return {"url": settings["url"], **{k: v for k, v in row.items() if k != "url"}}


def _connect(instance_path: str) -> Remote:
    settings = load_settings(instance_path)
    if settings is None:
        raise SyncError("No server is set up yet: give its address and a token first (sync configure).")
    return Remote(settings["url"], settings["token"])


def _note(db: Database, url: str, **fields) -> None:
    with atomic(db):
        db.execute("INSERT OR IGNORE INTO sync_remote (url) VALUES (?)", [url])
        sets = ", ".join(f"{name} = :{name}" for name in fields)
        db.execute(f"UPDATE sync_remote SET {sets} WHERE url = :url", {**fields, "url": url})  # noqa: S608 (names from code)


def pull(
    db: Database, instance_path: str, user: dict, actor: Actor, extra_dirs: list[str], progress: Progress
) -> dict:
    """Bring every mission's set-up this account takes part in on the server; returns totals.

    A pull is a plain GET: the server marks nothing as sent, and this side remembers what came (the
    import does). The first pull of a fresh laptop links its one account to the server's (see
    :func:`.importer.new_laptop`); anywhere else the server naming this account otherwise is refused."""
    remote = _connect(instance_path)
    try:
        me = remote.request("GET", "api/v1/me").json()
        listed = remote.request("GET", "api/v1/sync/missions").json()["missions"]
        totals = {"missions": 0, "inserted": 0, "updated": 0, "conflict": 0}
        for number, mission in enumerate(listed, start=1):
            progress(number - 1, len(listed), mission["name"])
            data = remote.request("GET", "api/v1/sync/pull", params={"mission": mission["uuid"]}).content
            report = service.import_(db, data, user, actor, extra_dirs=extra_dirs, link_account=me["uuid"])
            if report.linked:
                user = {**user, "uuid": me["uuid"]}
            totals["missions"] += 1
            for action in ("inserted", "updated", "conflict"):
                totals[action] += report.total(action)
        progress(len(listed), len(listed), "")
    except (SyncError, BundleError, KeyError, TypeError, ValueError) as error:
        _note(db, remote.base, last_error=str(error))
        raise SyncError(str(error)) from error
    _note(db, remote.base, last_pull_at=utcnow(), last_error="", user_uuid=me["uuid"])
    return totals


def push(
    db: Database,
    instance_path: str,
    user: dict,
    actor: Actor,
    progress: Progress,
    batch_size: int = exporter.HEARINGS_PER_PUSH,
) -> dict:
    """Send everything new since the last sync, in bundles; each one is marked sent once the server has it."""
    remote = _connect(instance_path)
    totals = {"bundles": 0, "records": 0, "inserted": 0, "updated": 0, "conflict": 0}
    plan: list = []
    for mission in service.missions_of(db, user):
        chosen = exporter.select(db, user, mission, "changes")
        plan.extend((mission, batch) for batch in exporter.push_batches(chosen, batch_size))
    try:
        for number, (mission, batch) in enumerate(plan, start=1):
            progress(number - 1, len(plan), mission["name"])
            data, manifest, sent = exporter.build(db, user, mission, batch, "changes")
            answer = remote.request(
                "POST",
                "api/v1/sync/push",
                data=data,
                headers={"Content-Type": "application/octet-stream"},
            ).json()
            exporter.mark_sent(db, sent, manifest, remote.base, user)
            totals["bundles"] += 1
            totals["records"] += batch.count()
            for action in ("inserted", "updated", "conflict"):
                totals[action] += answer["totals"][action]
        progress(len(plan), len(plan), "")
    except (SyncError, KeyError, TypeError, ValueError) as error:
        message = (
            f"{error} — {totals['bundles']} of {len(plan)} bundles reached the server; push again to send "
            "the rest (nothing is sent twice)."
        )
        _note(db, remote.base, last_error=message)
        raise SyncError(message) from error
    _note(db, remote.base, last_push_at=utcnow(), last_error="", last_result=json.dumps(totals))
    return totals
