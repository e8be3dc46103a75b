"""How an export job is named to a person: its kind, format, edition and state in words, never codes."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import LANGUAGE_NAMES

KIND_LABELS = {
    "mission": _l("Mission report"),
    "trial": _l("Trial report"),
    "hearing": _l("Hearing report"),
    "export": _l("Data export"),
}
FORMAT_LABELS = {
    "pdf": "PDF",
    "docx": _l("Word (DOCX)"),
    "html": "HTML",
    "xlsx": _l("Excel (XLSX)"),
    "csv": _l("CSV files (zip)"),
    "json": "JSON",
}
PROFILE_LABELS = {
    "internal": _l("Internal edition"),
    "partner": _l("Partner edition"),
    "public": _l("Public edition"),
}
STATUS_LABELS = {
    "queued": _l("Waiting to start"),
    "running": _l("In progress"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
}


def describe(job: dict) -> dict:
    """``job`` (a :func:`jobs.summary`) with the words a page shows: ``title``, ``profile_label``,
    ``status_label`` and ``progress_label`` ("Step 3 of 16"; the reason when there is no file)."""
    title = ", ".join(
        str(part)
        for part in (
            KIND_LABELS.get(job["kind"], job["kind"]),
            FORMAT_LABELS.get(job["fmt"], job["fmt"] or ""),
            LANGUAGE_NAMES.get(job["lang"], job["lang"] or ""),
        )
        if part
    )
    status = job["status"]
    if status == "done" and not job["has_file"]:
        progress = _("The file is no longer kept here. Please export again.")  # expired, or a lock cleared it
    elif status == "done":
        progress = _("Ready to download.")
    elif status == "failed":
        progress = _("The export failed.")
    elif job["total"]:
        progress = _(
            "Step %(done)d of %(total)d", done=min(job["done"] + 1, job["total"]), total=job["total"]
        )
    else:
        progress = str(STATUS_LABELS["queued"])
    return {
        **job,
        "title": title,
        "profile_label": str(PROFILE_LABELS.get(job["profile"], job["profile"] or "")),
        "status_label": str(STATUS_LABELS.get(status, status)),
        "progress_label": progress,
    }
