"""Pages: export and import bundles, sync status, the conflict queue."""

from . import bp  # noqa: F401
