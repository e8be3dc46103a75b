"""Views: attach a file, download it (never shown in the browser), withdraw it; the panel host pages show.

The panel is a template global (:func:`panel`): the case file, the sitting and the witness register
include ``evidence/_panel.html`` with what it returns, so their views need no change.
"""

from flask import Blueprint, Response, abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import records
from ..auth import request_actor
from ..cases.forms import SOURCE_LABELS
from ..db import get_db
from ..permissions import (
    allow,
    evidence_rights,
    get_evidence_or_404,
    get_evidence_target_or_404,
    me,
)
from . import files
from . import records as evidence
from .forms import EvidenceForm, WithdrawForm

bp = Blueprint("evidence", __name__)


def max_bytes() -> int:
    return int(current_app.config["MAX_EVIDENCE_BYTES"])


def accepted() -> str:
    return ", ".join(files.LABELS.values())


def limit_label() -> str:
    return _("%(n)s MiB", n=f"{max_bytes() / (1024 * 1024):.1f}".removesuffix(".0"))


MESSAGES = {
    "empty": lambda name: _("“%(name)s” is empty: nothing was attached.", name=name),
    "too_large": lambda name: _(
        "“%(name)s” is larger than %(limit)s, the most one file may be: nothing was attached.",
        name=name,
        limit=limit_label(),
    ),
    "type": lambda name: _(
        "“%(name)s” is not a file of a kind accepted here (%(kinds)s), whatever its name says: "
        "nothing was attached.",
        name=name,
        kinds=accepted(),
    ),
    "source": lambda name: _("Choose one of the sources listed."),
    "description": lambda name: _("At most 1000 characters."),
    "reason": lambda name: _("Say why the file is withdrawn: nothing was changed."),
    "reason_long": lambda name: _("At most 500 characters."),
    "withdrawn": lambda name: _("This file was already withdrawn."),
}


def back_to(target_type: str, target: dict) -> str:
    """The page the files of ``target`` are listed on."""
    if target_type == "defendant":
        return url_for("cases.case_file", defendant_uuid=target["uuid"]) + "#evidence"
    if target_type == "sitting":
        return url_for("observe.sitting_view", sitting_uuid=target["uuid"]) + "#evidence"
    trial = records.existing(get_db(), "trial", target["trial_id"])
    if target_type == "witness":
        return url_for("witnesses.person_list", trial_uuid=trial["uuid"]) + f"#evidence-{target['uuid']}"
    hearing = records.existing(get_db(), "hearing", target["hearing_id"])
    return url_for("observe.hearing_view", hearing_uuid=hearing["uuid"]) + f"#evidence-{target['uuid']}"


@bp.route("/evidence/<target_type>/<target_uuid>", methods=["POST"])
@allow("lead", "admin", "observer")
def attach(target_type, target_uuid):
    """Attach one file to a case file, a sitting, a witness or an allegation."""
    target = get_evidence_target_or_404(target_type, target_uuid, attach=True)
    back = redirect(back_to(target_type, target))
    form = EvidenceForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return back
    upload = form.file.data
    name = files.clean_filename(upload.filename)
    data = upload.stream.read(max_bytes() + 1)
    try:
        row = evidence.attach(
            get_db(),
            request_actor(),
            me(),
            target_type,
            target,
            filename=name,
            data=data,
            source=form.source.data or "",
            description=form.description.data or "",
            max_bytes=max_bytes(),
        )
    except evidence.EvidenceError as error:
        flash(MESSAGES[error.code](name), "error")
        return back
    flash(
        _("Attached “%(name)s” (SHA-256 %(hash)s…).", name=row["filename"], hash=row["sha256"][:12]),
        "success",
    )
    return back


@bp.route("/evidence/<evidence_uuid>/download")
@allow("lead", "admin", "observer")
def download(evidence_uuid):
    """The file as an attachment: never shown inline, never sniffed, never cached; every download audited."""
    row, _target_type, _target = get_evidence_or_404(evidence_uuid)
    data = evidence.content(get_db(), row)
    if data is None:
        abort(410, description=_("This file was withdrawn; its content is no longer kept."))
    evidence.downloaded(get_db(), request_actor(), row)  # audited before a byte leaves
    response = Response(data, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = files.content_disposition(row["filename"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/evidence/<evidence_uuid>/withdraw", methods=["POST"])
@allow("lead", "admin")
def withdraw(evidence_uuid):
    """A lead withdraws a file, saying why: its record and audit trail stay, its content goes."""
    row, target_type, target = get_evidence_or_404(evidence_uuid, withdraw=True)
    back = redirect(back_to(target_type, target))
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(MESSAGES["reason_long"](""), "error")
        return back
    try:
        evidence.withdraw(get_db(), request_actor(), row, form.reason.data)
    except evidence.EvidenceError as error:
        flash(MESSAGES[error.code](row["filename"]), "error")
        return back
    flash(_("“%(name)s” withdrawn; its record stays.", name=row["filename"]), "success")
    return back


def panel(target_type: str, target: dict) -> dict | None:
    """What a host page shows of a record's files for the current user: None when they may not see them."""
    if not current_user.is_authenticated:
        return None
    read, may_attach, may_withdraw = evidence_rights(get_db(), target_type, target, me())
    if not read:
        return None
    items = evidence.listed(get_db(), target_type, target["id"])
    for item in items:
        item["kind_label"] = files.LABELS.get(item["kind"], item["kind"])
        item["size_label"] = files.size_label(item["size"])
    return {
        "target_type": target_type,
        "target": target,
        "items": items,
        "may_attach": may_attach,
        "may_withdraw": may_withdraw,
        "form": EvidenceForm(formdata=None) if may_attach else None,
        "withdraw_form": WithdrawForm(formdata=None) if may_withdraw else None,
        "limit": limit_label(),
        "kinds": accepted(),
        "sources": SOURCE_LABELS,
        "anchor": "evidence" if target_type in ("defendant", "sitting") else f"evidence-{target['uuid']}",
    }


@bp.app_context_processor
def _globals() -> dict:
    return {"evidence_panel": panel}
