"""Who may do what: the one place where access is decided.

Every view declares who may reach it with :func:`allow`; :func:`check_request` runs before every
request and enforces it, so a view without a declaration is refused (fail closed). Object-level
rules ("is this observer assigned to this trial?") go through helpers here that turn "not found"
into 404 and "not yours" into 403, and every refusal is audited.
"""

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from flask_login import current_user

from . import audit, records
from .auth.identity import login_manager, request_actor
from .auth.tokens import may_write
from .auth.users import ROLES
from .db import get_db

PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed-in"  # any active account

View = TypeVar("View", bound=Callable[..., Any])


def allow(*who: str) -> Callable[[View], View]:
    """Declare who may reach a view: PUBLIC, SIGNED_IN, or role names."""
    unknown = set(who) - {PUBLIC, SIGNED_IN, *ROLES}
    if not who or unknown:
        raise ValueError(f"allow() needs PUBLIC, SIGNED_IN or roles, got {who!r}")

    def decorate(view: View) -> View:
        # the rule rides on the view function itself; rule_for reads it back with getattr
        view.__dict__["allowed"] = frozenset(who)
        return view

    return decorate


def rule_for(endpoint: str) -> frozenset | None:
    if endpoint == "static":
        return frozenset({PUBLIC})
    return getattr(current_app.view_functions.get(endpoint), "allowed", None)


def refuse(reason: str = "role", message: str | None = None) -> NoReturn:
    """Audit the refusal and answer 403 (with ``message`` for the user, when there is one)."""
    audit_refusal(reason)
    abort(403, description=message)


def audit_refusal(reason: str) -> None:
    """Put a refusal in the audit log (for a view that refuses with a message on its own page)."""
    audit.record(
        get_db(),
        "permission.refused",
        request_actor(),
        after={
            "endpoint": request.endpoint,
            "path": request.path,
            "method": request.method,
            "reason": reason,
        },
    )


def check_request():
    """before_request: enforce the view's declared rule."""
    if request.endpoint is None:
        return None  # no such route: the 404 handler answers
    allowed = rule_for(request.endpoint)
    if allowed is None:
        refuse("no permission rule declared")
    if not may_write():
        refuse("read-only API token", _("This token may only read."))
    if PUBLIC in allowed:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if SIGNED_IN in allowed or current_user.role in allowed:
        return None
    refuse()


def require(condition: bool, reason: str = "object") -> None:
    """Object-level check inside a view: refuse unless ``condition`` holds."""
    if not condition:
        refuse(reason)


def init_app(app: Flask) -> None:
    app.before_request(check_request)


# Object-level access --------------------------------------------------------------------------------
# Who may open a mission, a trial or a hearing. Each helper turns "no such record" into 404 and "not
# yours" into an audited 403, so views never decide access themselves.


def me() -> dict:
    return current_user.row


def membership(db, mission_id: int, user: dict) -> str | None:
    """'lead' or 'observer' when ``user`` is a member of the mission, else None (any account, any
    connection: the sync importer and exporter ask it about the account they act for)."""
    row = next(
        db.query(
            "SELECT role FROM mission_member WHERE mission_id = ? AND user_id = ?", [mission_id, user["id"]]
        ),
        None,
    )
    return row["role"] if row else None


def role_in_mission(db, mission_id: int, user: dict) -> str | None:
    """'admin', 'lead', 'observer' (``user``'s part in this mission) or None."""
    return "admin" if user["role"] == "admin" else membership(db, mission_id, user)


def assigned_to(db, trial_id: int, user: dict) -> bool:
    row = db.query("SELECT 1 FROM trial_observer WHERE trial_id = ? AND user_id = ?", [trial_id, user["id"]])
    return next(row, None) is not None


def mission_role(mission_id: int) -> str | None:
    """'admin', 'lead', 'observer' (the current user's part in this mission) or None."""
    return role_in_mission(get_db(), mission_id, me())


def manages(mission_id: int) -> bool:
    return mission_role(mission_id) in ("admin", "lead")


def is_assigned(trial_id: int) -> bool:
    return assigned_to(get_db(), trial_id, me())


def _get_or_404(table: str, record_uuid: str) -> dict:
    row = records.get(get_db(), table, record_uuid)
    if row is None:
        abort(404)
    return row


def get_mission_or_404(mission_uuid: str) -> dict:
    """A mission the current user leads (or any, for an administrator)."""
    mission = _get_or_404("mission", mission_uuid)
    require(manages(mission["id"]), "not a lead of this mission")
    return mission


def get_trial_or_404(trial_uuid: str, manage: bool = False) -> tuple[dict, dict]:
    """(trial, mission): leads of the mission always; observers assigned to it only to read."""
    trial = _get_or_404("trial", trial_uuid)
    mission = records.existing(get_db(), "mission", trial["mission_id"])
    allowed = manages(mission["id"]) or (not manage and is_assigned(trial["id"]))
    require(allowed, "not assigned to this trial")
    return trial, mission


def get_defendant_or_404(defendant_uuid: str) -> tuple[dict, dict, dict]:
    """(defendant, trial, mission) for a lead of the mission."""
    defendant = _get_or_404("defendant", defendant_uuid)
    trial = records.existing(get_db(), "trial", defendant["trial_id"])
    mission = records.existing(get_db(), "mission", trial["mission_id"])
    require(manages(mission["id"]), "not a lead of this mission")
    return defendant, trial, mission


def updates_case_file(db, mission_id: int, trial_id: int, user: dict) -> bool:
    """Whether ``user`` may change a defendant's case file: the mission's leads and the observers assigned
    to the trial (an administrator who is not a lead of the mission may only read it)."""
    return membership(db, mission_id, user) == "lead" or assigned_to(db, trial_id, user)


def get_case_file_or_404(defendant_uuid: str, edit: bool = False) -> tuple[dict, dict, dict]:
    """(defendant, trial, mission) for the case file: read by the mission's leads, administrators and the
    observers assigned to the trial; changed by those :func:`updates_case_file` allows. Case facts hold no
    witness identity and no named perpetrator (no sensitive field), so whoever reads it reads it whole."""
    defendant = _get_or_404("defendant", defendant_uuid)
    trial = records.existing(get_db(), "trial", defendant["trial_id"])
    mission = records.existing(get_db(), "mission", trial["mission_id"])
    if edit:
        may = updates_case_file(get_db(), mission["id"], trial["id"], me())
        require(may, "may not change this case file")
    else:
        require(manages(mission["id"]) or is_assigned(trial["id"]), "not assigned to this trial")
    return defendant, trial, mission


def get_hearing_or_404(hearing_uuid: str, edit: bool = False) -> tuple[dict, dict, dict]:
    """(hearing, trial, mission). Its observer may read and edit it; the mission's leads may read it."""
    hearing = _get_or_404("hearing", hearing_uuid)
    trial = records.existing(get_db(), "trial", hearing["trial_id"])
    mission = records.existing(get_db(), "mission", trial["mission_id"])
    mine = hearing["observer_id"] == me()["id"]
    require(mine if edit else (mine or manages(mission["id"])), "not this user's hearing")
    return hearing, trial, mission


def get_hearing_to_review_or_404(hearing_uuid: str) -> tuple[dict, dict, dict]:
    """(hearing, trial, mission) for a reviewer: the mission's leads and administrators approve, return
    and comment (the hearing page's review form and the API alike)."""
    hearing, trial, mission = get_hearing_or_404(hearing_uuid)
    require(manages(mission["id"]), "not a lead of this mission")
    return hearing, trial, mission


def leads(mission_id: int) -> bool:
    """Whether the current user is a lead of this mission (an administrator who is not one is not)."""
    return membership(get_db(), mission_id, me()) == "lead"


def get_witness_register_or_404(trial_uuid: str, change: bool = False) -> tuple[dict, dict]:
    """(trial, mission) for the trial's register of witness persons: read by whoever manages the mission
    (an administrator who is not a lead sees no identities there); changed (merge, split, marked right)
    only by its leads."""
    trial, mission = get_trial_or_404(trial_uuid)
    require(leads(mission["id"]) if change else manages(mission["id"]), "not a lead of this mission")
    return trial, mission


def get_witness_record_or_404(table: str, uuid: str) -> tuple[dict, dict, dict]:
    """(row, trial, mission) for a witness person (``witness``) or one appearance
    (``witness_appearance``), to be changed on the register: only by the mission's leads."""
    row = _get_or_404(table, uuid)
    trial, mission = get_witness_register_or_404(
        records.existing(get_db(), "trial", row["trial_id"])["uuid"], change=True
    )
    return row, trial, mission


def get_sitting_or_404(sitting_uuid: str, reconcile: bool = False) -> tuple[dict, dict, dict]:
    """(sitting, trial, mission): readable by whoever may read its trial; reconciled (and its
    disagreements read side by side) only by a lead of the mission."""
    sitting = _get_or_404("sitting", sitting_uuid)
    trial = records.existing(get_db(), "trial", sitting["trial_id"])
    mission = records.existing(get_db(), "mission", trial["mission_id"])
    if reconcile:
        require(leads(mission["id"]), "not a lead of this mission")
    else:
        require(manages(mission["id"]) or is_assigned(trial["id"]), "not assigned to this trial")
    return sitting, trial, mission


def get_conflict_or_404(conflict_uuid: str) -> dict:
    """A sync conflict, for a lead of its mission (or an administrator)."""
    conflict = _get_or_404("sync_conflict", conflict_uuid)
    require(
        conflict["mission_id"] is not None and manages(conflict["mission_id"]), "not a lead of its mission"
    )
    return conflict


# Witness identities and named perpetrators ----------------------------------------------------------
# The most sensitive data in the system. One decision says who may receive an anonymous witness's
# identity and the perpetrators an allegation names, and from it the highest redaction profile a user
# may receive; pages, hearing reports, mission reports, data exports, bundles, the list of corrections,
# conflicts and the API all ask it.

# Redaction profiles, most revealing first (the same names as monitor.reports.redact.PROFILES).
PROFILE_ORDER = ("internal", "partner", "public")
# What someone who may not receive identities gets at most: without them and without named perpetrators.
WITHOUT_IDENTITIES = "partner"


def receives_identities(db, mission_id: int, user: dict, recorded_by: int | str | None = None) -> bool:
    """Whether ``user`` may receive anonymous witnesses' identities and named perpetrators in a mission.

    The mission's leads may. The observer who recorded them may, for their own records: ``recorded_by``
    is the account that recorded them (its id, or its uuid as bundles and conflicts name it) — a
    witness's ``recorded_by``, a hearing's observer for its allegations. Nobody else: an administrator
    who is not a lead of the mission never receives them.
    """
    if recorded_by is not None and recorded_by in (user["id"], user["uuid"]):
        return True
    return membership(db, mission_id, user) == "lead"


def highest_profile(db, mission_id: int, user: dict, recorded_by: int | str | None = None) -> str:
    """The most revealing redaction profile ``user`` may receive for this mission's records."""
    return "internal" if receives_identities(db, mission_id, user, recorded_by) else WITHOUT_IDENTITIES


def allowed_profiles(db, mission_id: int, user: dict, recorded_by: int | str | None = None) -> tuple:
    """The profiles ``user`` may ask for, most revealing first."""
    highest = highest_profile(db, mission_id, user, recorded_by)
    return PROFILE_ORDER[PROFILE_ORDER.index(highest) :]


def hearing_profile(db, hearing: dict, mission_id: int, user: dict) -> str:
    """The profile of a hearing's report for ``user``: internal for the mission's leads, and for the
    observer who recorded the hearing (unless it holds an anonymous witness someone else recorded);
    partner for everyone else, administrators included."""
    if membership(db, mission_id, user) == "lead":
        return "internal"
    if hearing["observer_id"] != user["id"]:
        return WITHOUT_IDENTITIES
    others = db.execute(
        "SELECT 1 FROM witness_appearance JOIN witness ON witness.id = witness_appearance.witness_id "
        "WHERE witness_appearance.hearing_id = ? AND witness.anonymous = 1 AND witness.recorded_by != ? "
        "LIMIT 1",
        [hearing["id"], user["id"]],
    ).fetchone()
    return WITHOUT_IDENTITIES if others else "internal"


def sees_identity(witness: dict, mission_id: int) -> bool:
    """An anonymous witness's identity: only the mission's leads and the observer who recorded it."""
    if not witness["anonymous"]:
        return True
    return receives_identities(get_db(), mission_id, me(), witness["recorded_by"])


def sees_perpetrators(hearing: dict, mission_id: int) -> bool:
    """The perpetrators named in a hearing's allegations: the mission's leads and the hearing's observer."""
    return receives_identities(get_db(), mission_id, me(), hearing["observer_id"])


# Evidence files ------------------------------------------------------------------------------------
# A file is read, attached and withdrawn by whoever may read or change the record it hangs on: a
# defendant's case file or a sitting — the mission's leads and the trial's observers (an administrator
# who is not a lead reads them and attaches nothing); a witness person — the mission's leads and the
# observer who recorded the witness (a file may reveal who they are: nobody else, administrators
# included); an allegation — the mission's leads and the observer of its hearing (it may name
# perpetrators). Only a lead of the mission withdraws a file.

EVIDENCE_TARGETS = ("defendant", "sitting", "witness", "allegation")


def evidence_rights(db, target_type: str, target: dict, user: dict) -> tuple[bool, bool, bool]:
    """(read, attach, withdraw) for ``user`` on the files of ``target`` (any connection: the sync
    importer and exporter ask it too)."""
    trial = records.existing(db, "trial", target["trial_id"])
    mission_id = trial["mission_id"]
    lead = membership(db, mission_id, user) == "lead"
    assigned = assigned_to(db, trial["id"], user)
    if target_type in ("defendant", "sitting"):
        read = lead or assigned or user["role"] == "admin"
        attach = lead or assigned
    elif target_type == "witness":
        read = attach = lead or (assigned and target["recorded_by"] == user["id"])
    elif target_type == "allegation":
        hearing = records.existing(db, "hearing", target["hearing_id"])
        read = attach = lead or (assigned and hearing["observer_id"] == user["id"])
    else:
        return False, False, False
    return read, attach, lead


def get_evidence_target_or_404(target_type: str, target_uuid: str, attach: bool = False) -> dict:
    """The record files are attached to (404 for an unknown kind or record; 403 when not the user's)."""
    if target_type not in EVIDENCE_TARGETS:
        abort(404)
    target = _get_or_404(target_type, target_uuid)
    read, may_attach, _withdraw = evidence_rights(get_db(), target_type, target, me())
    require(may_attach if attach else read, "may not see or attach files here")
    return target


def get_evidence_or_404(evidence_uuid: str, withdraw: bool = False) -> tuple[dict, str, dict]:
    """(evidence, target type, target) for someone who may read it (withdraw: a lead of the mission)."""
    from .evidence.records import target_of

    evidence = _get_or_404("evidence", evidence_uuid)
    target_type, target_id = target_of(evidence)
    target = records.existing(get_db(), target_type, target_id)
    read, _attach, may_withdraw = evidence_rights(get_db(), target_type, target, me())
    require(may_withdraw if withdraw else read, "may not see or withdraw this file")
    return evidence, target_type, target


# After the courtroom (issue #14) --------------------------------------------------------------------
# An allegation's follow-up is as sensitive as the allegation: read by the mission's leads and the
# observer of the hearing it was raised at (who recorded it); written by the mission's leads only — what
# happened after the courtroom is learned from lawyers, families and documents, and a lead vouches for
# it. An administrator who is not a lead of the mission reads none of it. A trial's legal assessment is
# read by whoever reads the trial (its leads, administrators, its observers) and written by its leads.


def follow_up_rights(db, allegation: dict, user: dict) -> tuple[bool, bool]:
    """(read, write) for ``user`` on ``allegation``'s follow-up (any connection: API, sync too)."""
    trial = records.existing(db, "trial", allegation["trial_id"])
    lead = membership(db, trial["mission_id"], user) == "lead"
    hearing = records.existing(db, "hearing", allegation["hearing_id"])
    own = hearing["observer_id"] == user["id"] and assigned_to(db, trial["id"], user)
    return lead or own, lead


def get_follow_up_or_404(allegation_uuid: str, write: bool = False) -> tuple[dict, dict, dict]:
    """(allegation, trial, mission) for someone who may read (or, ``write``, add to) its follow-up."""
    allegation = _get_or_404("allegation", allegation_uuid)
    read, may_write = follow_up_rights(get_db(), allegation, me())
    require(may_write if write else read, "may not see or change this follow-up")
    trial = records.existing(get_db(), "trial", allegation["trial_id"])
    return allegation, trial, records.existing(get_db(), "mission", trial["mission_id"])


def get_follow_up_event_or_404(event_uuid: str) -> tuple[dict, dict | None]:
    """(event, allegation) for a lead of its mission (withdrawing it). The event names its allegation by
    uuid, without a foreign key: None when that allegation was removed from its draft hearing."""
    event = _get_or_404("follow_up", event_uuid)
    trial = records.existing(get_db(), "trial", event["trial_id"])
    require(leads(trial["mission_id"]), "not a lead of this mission")
    return event, records.get(get_db(), "allegation", event["allegation_uuid"])


def get_follow_up_mission_or_404(mission_uuid: str) -> dict:
    """The mission's follow-up list (names, dates): its leads only."""
    mission = _get_or_404("mission", mission_uuid)
    require(leads(mission["id"]), "not a lead of this mission")
    return mission


def get_legal_assessment_or_404(trial_uuid: str, write: bool = False) -> tuple[dict, dict]:
    """(trial, mission): read by whoever reads the trial; written by a lead of its mission."""
    trial, mission = get_trial_or_404(trial_uuid)
    if write:
        require(leads(mission["id"]), "not a lead of this mission")
    return trial, mission


# Recommendations, assessments, official statistics, the submission --------------------------------------
# Read by whoever may read the mission (its leads, administrators); changed only by the mission's leads.


def get_register_or_404(mission_uuid: str, edit: bool = False) -> dict:
    """The mission whose recommendations register is read (``edit``: changed) by the current user."""
    mission = _get_or_404("mission", mission_uuid)
    require(leads(mission["id"]) if edit else manages(mission["id"]), "not a lead of this mission")
    return mission


def get_recommendation_or_404(
    mission_uuid: str, recommendation_uuid: str, edit: bool = False
) -> tuple[dict, dict]:
    """(recommendation, mission): a recommendation of the country the mission reports on."""
    from .recommendations.records import mission_country

    mission = get_register_or_404(mission_uuid, edit)
    recommendation = _get_or_404("recommendation", recommendation_uuid)
    if recommendation["country"] != mission_country(get_db(), mission["id"]):
        abort(404)
    return recommendation, mission


def get_assessment_or_404(assessment_uuid: str) -> tuple[dict, dict]:
    """(assessment, mission) for a lead of the mission, to link evidence to it."""
    assessment = _get_or_404("assessment", assessment_uuid)
    mission = records.existing(get_db(), "mission", assessment["mission_id"])
    require(leads(mission["id"]), "not a lead of this mission")
    return assessment, mission


def get_assessment_link_or_404(link_uuid: str) -> tuple[dict, dict, dict]:
    """(link, assessment, mission) for a lead of the mission, to unlink it."""
    link = _get_or_404("assessment_link", link_uuid)
    assessment = records.existing(get_db(), "assessment", link["assessment_id"])
    mission = records.existing(get_db(), "mission", assessment["mission_id"])
    require(leads(mission["id"]), "not a lead of this mission")
    return link, assessment, mission


def get_statistic_or_404(mission_uuid: str, statistic_uuid: str) -> tuple[dict, dict]:
    """(official statistic, mission) for a lead of a mission in its country, to change it."""
    from .recommendations.records import mission_country

    mission = get_register_or_404(mission_uuid, edit=True)
    statistic = _get_or_404("official_statistic", statistic_uuid)
    if statistic["country"] != mission_country(get_db(), mission["id"]):
        abort(404)
    return statistic, mission
