"""Where checklists are found: the package folder plus extra folders such as ``instance/checklists``.

Loaded files are cached by path, modification time and size, so an edited file is read again and an
unchanged one is parsed once per process.
"""

import logging
import os
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .loader import ChecklistError, load
from .model import Checklist

PACKAGE_DIR = Path(__file__).parent

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


def get(
    checklist_id: str, version: int | None = None, extra_dirs: Iterable[str | os.PathLike] = ()
) -> Checklist:
    """The checklist with this id and version, or its newest version; :class:`KeyError` if there is none."""
    every = available(extra_dirs)
    matches = [c for c in every if c.id == checklist_id and (version is None or c.version == version)]
    if not matches:
        wanted = checklist_id if version is None else f"{checklist_id} v{version}"
        known = ", ".join(f"{c.id} v{c.version}" for c in every) or "none"
        raise KeyError(f"no checklist {wanted} (available: {known})")
    return matches[-1]
