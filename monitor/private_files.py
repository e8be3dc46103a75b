"""Files only their owner may read (keys, settings, exports, bundles): written whole, never half.

Every file the app writes outside the database may hold witness data or a secret, so each is created
with mode 0600 from the first byte (never chmod-ed afterwards) and appears under its name only once it
is complete. Three ways, one per need:

- :func:`replace` — write beside, then rename over any earlier file (settings, finished exports);
- :func:`create_once` — a file that several processes may try to make at the same moment (a key): the
  first complete one wins, and nobody ever reads a half-written one;
- :func:`create_new` — a new file that must not exist yet (a bundle written where the user said).
"""

import os
import secrets
from collections.abc import Callable
from typing import BinaryIO

Content = bytes | str | Callable[[BinaryIO], object]


def _write(fd: int, content: Content, durable: bool) -> None:
    with os.fdopen(fd, "wb") as handle:
        if callable(content):
            content(handle)
        else:
            handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())


def _beside(path: str) -> str:
    return f"{path}.{os.getpid()}.{secrets.token_hex(4)}.part"


def open_new(path: str, *, truncate: bool = False) -> BinaryIO:
    """An owner-only file opened for writing: a new one, or (``truncate``) one this process may overwrite."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else os.O_EXCL)
    return os.fdopen(os.open(path, flags, 0o600), "wb")


def replace(path: str, content: Content, *, durable: bool = False) -> None:
    """Write ``path`` whole under a private name, then move it into place (``durable``: synced to disk,
    folder included). ``content`` may be a callable that writes to the open file. Nothing is left behind
    if writing fails."""
    partial = _beside(path)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write(fd, content, durable)
        os.replace(partial, path)
    except BaseException:
        if os.path.exists(partial):
            os.unlink(partial)
        raise
    if durable:
        sync_folder(path)


def create_once(path: str, content: Content) -> bool:
    """Write ``path`` whole unless it exists; True if this call made it. Safe when several processes start
    at once: each writes a private file and links it into place, so one wins and none reads half of it."""
    if os.path.exists(path):
        return False
    partial = _beside(path)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write(fd, content, durable=True)
        os.link(partial, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(partial)


def create_new(path: str, content: Content) -> None:
    """Write a new file at ``path`` (FileExistsError if there is one)."""
    _write(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), content, durable=False)


def sync_folder(path: str) -> None:
    """Make a rename in ``path``'s folder durable."""
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
