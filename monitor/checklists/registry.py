"""Where checklists are found: the package folder plus extra folders such as ``instance/checklists``.

Loaded files are cached by path, modification time and size, so an edited file is read again and an
unchanged one is parsed once per process.

A checklist can be installed without being offered: it loads by id and version (hearings and bundles
that use it, ``checklist-validate``) but a new mission cannot choose it, and ``get(id)`` without a
version does not return it.
"""

import logging
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .loader import ChecklistError, load
from .model import Checklist

PACKAGE_DIR = Path(__file__).parent

# Installed, not offered for new missions (hearings and bundles that use them still load them). Empty
# since issue #11 built the units fair_trial v2 declares; kept for a checklist installed ahead of its code.
NOT_OFFERED: frozenset[tuple[str, int]] = frozenset()

logger = logging.getLogger(__name__)


@lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int, size: int) -> Checklist | ChecklistError:
    """One file, parsed once per version of its content; a broken one is reported once, not per request."""
    try:
        return load(path)
    except ChecklistError as error:
        logger.warning("skipping checklist %s", error)
        return error


def available(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Checklist]:
    """Every checklist in the package folder and in ``extra_dirs``, sorted by (id, version).

    Files that fail to load are skipped (``checklist-validate`` says why). If two files claim the same
    id and version, the first one wins: the package's own, then ``extra_dirs`` in order.
    """
    if isinstance(extra_dirs, str | os.PathLike):
        extra_dirs = [extra_dirs]
    found: dict[tuple[str, int], Checklist] = {}
    for folder in (PACKAGE_DIR, *map(Path, extra_dirs)):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                stat = path.stat()
            except OSError:
                continue
            checklist = _load_cached(str(path), stat.st_mtime_ns, stat.st_size)
            if isinstance(checklist, ChecklistError):
                continue
            if (checklist.id, checklist.version) in found:
                logger.warning(
                    "skipping %s: %s v%s is already defined", path, checklist.id, checklist.version
                )
                continue
            found[(checklist.id, checklist.version)] = checklist
    return sorted(found.values(), key=lambda checklist: (checklist.id, checklist.version))


def is_offered(checklist: Checklist) -> bool:
    """Whether a new mission may choose this checklist (see NOT_OFFERED)."""
    return (checklist.id, checklist.version) not in NOT_OFFERED


def offered(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[Checklist]:
    """The checklists a new mission may choose: :func:`available` less those not yet offered."""
    return [checklist for checklist in available(extra_dirs) if is_offered(checklist)]


def get(
    checklist_id: str, version: int | None = None, extra_dirs: Iterable[str | os.PathLike] = ()
) -> Checklist:
    """The checklist with this id and version, or its newest offered version; :class:`KeyError` if none.

    An exact version is found whether it is offered or not, so data answered with it always loads.
    """
    every = available(extra_dirs)
    matches = [
        c
        for c in every
        if c.id == checklist_id and (c.version == version if version is not None else is_offered(c))
    ]
    if not matches:
        wanted = checklist_id if version is None else f"{checklist_id} v{version}"
        known = ", ".join(f"{c.id} v{c.version}" + ("" if is_offered(c) else " (not offered)") for c in every)
        raise KeyError(f"no checklist {wanted} (available: {known or 'none'})")
    return matches[-1]


def of(record: dict, extra_dirs: Iterable[str | os.PathLike] | None = None) -> Checklist:
    """The checklist a mission or an observation (any row with ``checklist_id`` and ``checklist_version``)
    is answered with; ``extra_dirs`` default to the running app's ``CHECKLIST_DIRS``."""
    if extra_dirs is None:
        from flask import current_app, has_app_context  # the app's folders, when called inside it

        extra_dirs = current_app.config.get("CHECKLIST_DIRS", ()) if has_app_context() else ()
    return get(record["checklist_id"], record["checklist_version"], extra_dirs=extra_dirs)
