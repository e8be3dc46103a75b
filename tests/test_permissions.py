"""Every route × every kind of user → the expected status. A new route without a row here fails."""

import io
import json
import zipfile
from urllib.parse import unquote

import pytest

from monitor import checklists
from monitor.audit import Actor
from monitor.auth import tokens
from monitor.db import connect
from monitor.observe import records as observe
from monitor.permissions import allow
from monitor.recommendations import records as register
from tests.conftest import csrf_token, login, post, setup_trial, start_hearing

ROLES = ("anonymous", "observer", "other_observer", "lead", "admin")
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
SIGNED_IN_ONLY = {"anonymous": REDIRECT, "observer": OK, "other_observer": OK, "lead": OK, "admin": OK}
LEADS = {"anonymous": REDIRECT, "observer": FORBIDDEN, "other_observer": FORBIDDEN, "lead": OK, "admin": OK}
LEADS_ACT = {**LEADS, "lead": REDIRECT, "admin": REDIRECT}  # a POST that does it and redirects
OWNER_ONLY = {"anonymous": REDIRECT, "other_observer": FORBIDDEN, "lead": FORBIDDEN, "admin": FORBIDDEN}
OWNER_AND_LEADS = {
    "anonymous": REDIRECT,
    "observer": OK,
    "other_observer": FORBIDDEN,
    "lead": OK,
    "admin": OK,
}
# The mission's leads only: an administrator who is not one of them is refused too.
MISSION_LEADS = {**LEADS, "admin": FORBIDDEN}
ADMIN_ONLY = {
    "anonymous": REDIRECT,
    "observer": FORBIDDEN,
    "other_observer": FORBIDDEN,
    "lead": FORBIDDEN,
    "admin": OK,
}

# endpoint: (method, path with {placeholders} from the `world` fixture, expected status per user).
# The observer owns the hearing and is assigned to the trial; the other observer is neither.
PERMISSIONS = {
    "static": ("GET", "/static/style.css", dict.fromkeys(ROLES, OK)),
    "main.index": ("GET", "/", SIGNED_IN_ONLY),
    "main.health": ("GET", "/healthz", dict.fromkeys(ROLES, OK)),
    "main.set_language": ("POST", "/language", dict.fromkeys(ROLES, REDIRECT)),
    "auth.login": ("GET", "/login", {**dict.fromkeys(ROLES, REDIRECT), "anonymous": OK}),
    "auth.logout": ("POST", "/logout", dict.fromkeys(ROLES, REDIRECT)),
    "auth.setup": ("GET", "/setup", dict.fromkeys(ROLES, NOT_FOUND)),  # gone once accounts exist
    "auth.profile": ("GET", "/profile", SIGNED_IN_ONLY),
    # A plain installation has nothing to unlock or lock: both go home (tests/test_vault_*.py: encrypted).
    "vault.unlock": ("GET", "/unlock", dict.fromkeys(ROLES, REDIRECT)),
    "vault.lock_now": ("POST", "/lock", dict.fromkeys(ROLES, REDIRECT)),
    "admin.user_list": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.user_create": ("GET", "/admin/users/new", ADMIN_ONLY),
    "admin.user_edit": ("GET", "/admin/users/{observer}", ADMIN_ONLY),
    "admin.audit_log": ("GET", "/admin/audit", ADMIN_ONLY),
    "missions.mission_list": ("GET", "/missions", LEADS),
    "missions.mission_create": ("GET", "/missions/new", LEADS),
    "missions.mission_view": ("GET", "/missions/{mission}", LEADS),
    "missions.mission_edit": ("GET", "/missions/{mission}/edit", LEADS),
    "missions.member_add": ("POST", "/missions/{mission}/members", LEADS_ACT),
    "missions.member_remove": ("POST", "/missions/{mission}/members/{observer}/remove", LEADS_ACT),
    "missions.trial_create": ("GET", "/missions/{mission}/trials/new", LEADS),
    "missions.trial_view": ("GET", "/trials/{trial}", OWNER_AND_LEADS),
    "missions.trial_edit": ("GET", "/trials/{trial}/edit", LEADS),
    "missions.observer_assign": ("POST", "/trials/{trial}/observers", LEADS_ACT),
    "missions.observer_unassign": ("POST", "/trials/{trial}/observers/{observer}/remove", LEADS_ACT),
    "missions.defendants_add": ("GET", "/trials/{trial}/defendants/new", LEADS),
    "missions.defendant_edit": ("GET", "/defendants/{defendant}", LEADS),
    "cases.case_file": ("GET", "/defendants/{defendant}/case-file", OWNER_AND_LEADS),
    # an administrator who is not a lead of the mission reads the case file, and changes nothing in it
    "cases.case_file_edit": (
        "GET",
        "/defendants/{defendant}/case-file/edit",
        {**OWNER_AND_LEADS, "admin": FORBIDDEN},
    ),
    "observe.hearing_start": ("POST", "/trials/{trial}/hearings", {**OWNER_ONLY, "observer": REDIRECT}),
    "observe.hearing_view": ("GET", "/hearings/{hearing}", OWNER_AND_LEADS),
    "observe.hearing_save": (
        "POST",
        "/hearings/{hearing}/save",
        {**OWNER_ONLY, "observer": 400},
    ),  # empty body
    "observe.note_add": ("POST", "/hearings/{hearing}/notes", {**OWNER_ONLY, "observer": 422}),  # empty note
    "observe.witness_add": ("POST", "/hearings/{hearing}/witnesses", {**OWNER_ONLY, "observer": REDIRECT}),
    "observe.allegation_add": (
        "POST",
        "/hearings/{hearing}/allegations",
        {**OWNER_ONLY, "observer": REDIRECT},
    ),
    "observe.record_remove": (
        "POST",
        "/hearings/{hearing}/witness/{witness}/remove",
        {**OWNER_ONLY, "observer": REDIRECT},
    ),
    "observe.hearing_submit": ("POST", "/hearings/{hearing}/submit", {**OWNER_ONLY, "observer": REDIRECT}),
    "observe.hearing_correct": ("POST", "/hearings/{hearing}/correct", {**OWNER_ONLY, "observer": REDIRECT}),
    "observe.hearing_review": (
        "POST",
        "/hearings/{hearing}/review",
        {**LEADS_ACT, "observer": FORBIDDEN},
    ),
    "observe.hearing_changes": ("GET", "/hearings/{hearing}/changes", OWNER_AND_LEADS),
    "observe.review_queue": ("GET", "/review", LEADS),
    "observe.sitting_view": ("GET", "/sittings/{sitting}", MISSION_LEADS),
    "observe.sitting_reconcile": (  # an empty form: sent back to the page with a message
        "POST",
        "/sittings/{sitting}/reconcile",
        {**MISSION_LEADS, "lead": REDIRECT},
    ),
    "observe.mission_disagreements": ("GET", "/missions/{mission}/disagreements", MISSION_LEADS),
    "findings.mission_findings": ("GET", "/missions/{mission}/findings", LEADS),
    "findings.trial_findings": (
        "GET",
        "/trials/{trial}/findings",
        {**LEADS, "lead": REDIRECT, "admin": REDIRECT},
    ),
    "findings.findings_evidence": (
        "GET",
        "/missions/{mission}/findings/evidence?path=torture.allegations",
        LEADS,
    ),
    "findings.findings_matrix": ("GET", "/missions/{mission}/findings/matrix", LEADS),
    "findings.findings_compare": ("GET", "/missions/{mission}/findings/compare", LEADS),
    "api.mission_findings": ("GET", "/api/v1/missions/{mission}/findings", {**LEADS, "anonymous": 401}),
    "api.openapi": ("GET", "/api/v1/openapi.json", dict.fromkeys(ROLES, OK)),
    # The JSON API answers 401, not a redirect; a form-encoded POST that gets past the checks is a 400.
    # GET and PATCH share an endpoint: the row checks GET, tests/test_api.py checks PATCH.
    "api.me": ("GET", "/api/v1/me", {**SIGNED_IN_ONLY, "anonymous": 401}),
    "api.checklist_list": ("GET", "/api/v1/checklists", {**SIGNED_IN_ONLY, "anonymous": 401}),
    "api.checklist_get": ("GET", "/api/v1/checklists/fair_trial/2", {**SIGNED_IN_ONLY, "anonymous": 401}),
    "api.mission_list": ("GET", "/api/v1/missions", {**LEADS, "anonymous": 401}),
    "api.mission_create": (
        "POST",
        "/api/v1/missions",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": 400},
    ),
    "api.mission": ("GET", "/api/v1/missions/{mission}", {**LEADS, "anonymous": 401}),
    "api.trial_list": ("GET", "/api/v1/missions/{mission}/trials", {**LEADS, "anonymous": 401}),
    "api.trial_create": (
        "POST",
        "/api/v1/missions/{mission}/trials",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": 400},
    ),
    "api.my_trials": ("GET", "/api/v1/trials", {**SIGNED_IN_ONLY, "anonymous": 401}),
    "api.trial": ("GET", "/api/v1/trials/{trial}", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.defendant_list": ("GET", "/api/v1/trials/{trial}/defendants", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.defendant_create": (
        "POST",
        "/api/v1/trials/{trial}/defendants",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": 400},
    ),
    "api.defendant": ("GET", "/api/v1/defendants/{defendant}", {**LEADS, "anonymous": 401}),
    "api.case_file": (
        "GET",
        "/api/v1/defendants/{defendant}/case-file",
        {**OWNER_AND_LEADS, "anonymous": 401},
    ),
    # GET, PUT and PATCH share an endpoint: tests/test_case_file_api.py checks the writes
    "api.case_fact": (
        "GET",
        "/api/v1/defendants/{defendant}/case-file/family_notified",
        {**OWNER_AND_LEADS, "anonymous": 401},
    ),
    "api.hearing_list": ("GET", "/api/v1/trials/{trial}/hearings", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.hearing_start": (
        "POST",
        "/api/v1/trials/{trial}/hearings",
        {**OWNER_ONLY, "anonymous": 401, "observer": 400},
    ),
    "api.sitting_list": ("GET", "/api/v1/trials/{trial}/sittings", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.sitting": ("GET", "/api/v1/sittings/{sitting}", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.my_hearings": ("GET", "/api/v1/hearings", {**SIGNED_IN_ONLY, "anonymous": 401}),
    "api.hearing": ("GET", "/api/v1/hearings/{hearing}", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.witness_add": (
        "POST",
        "/api/v1/hearings/{hearing}/witnesses",
        {**OWNER_ONLY, "anonymous": 401, "observer": 400},
    ),
    "api.allegation_add": (
        "POST",
        "/api/v1/hearings/{hearing}/allegations",
        {**OWNER_ONLY, "anonymous": 401, "observer": 400},
    ),
    "api.note_add": (
        "POST",
        "/api/v1/hearings/{hearing}/notes",
        {**OWNER_ONLY, "anonymous": 401, "observer": 400},
    ),
    "api.hearing_submit": (
        "POST",
        "/api/v1/hearings/{hearing}/submit",
        {**OWNER_ONLY, "anonymous": 401, "observer": 400},
    ),
    # a token of the observer's: only its owner can revoke it; anyone else is told there is no such token
    "auth.token_revoke": (
        "POST",
        "/profile/tokens/{token}/revoke",
        {
            "anonymous": REDIRECT,
            "observer": REDIRECT,
            "other_observer": NOT_FOUND,
            "lead": NOT_FOUND,
            "admin": NOT_FOUND,
        },
    ),
    # A trial's witness persons: its leads; an administrator reads the page (never an identity), only a
    # lead of the mission merges, splits or marks one right (a form without its fields comes back).
    "witnesses.person_list": ("GET", "/trials/{trial}/witnesses", LEADS),
    "witnesses.person_merge": ("POST", "/trials/{trial}/witnesses/merge", {**LEADS_ACT, "admin": FORBIDDEN}),
    "witnesses.appearance_split": (
        "POST",
        "/appearances/{witness}/split",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "witnesses.person_reviewed": (
        "POST",
        "/witnesses/{person}/reviewed",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "api.witness_persons": (
        "GET",
        "/api/v1/trials/{trial}/witnesses",
        {**OWNER_AND_LEADS, "anonymous": 401},
    ),
    "reports.mission_exports": ("GET", "/missions/{mission}/exports", LEADS),
    "reports.job_view": ("GET", "/exports/{job}", {**LEADS, "admin": FORBIDDEN}),  # only whoever started it
    "reports.job_status": ("GET", "/exports/{job}/status", {**LEADS, "admin": FORBIDDEN}),
    "reports.job_download": (
        "GET",
        "/exports/{job}/download",
        {**LEADS, "lead": NOT_FOUND, "admin": FORBIDDEN},
    ),
    "reports.hearing_report": (
        "GET",
        "/hearings/{hearing}/report",
        {**OWNER_AND_LEADS, "observer": REDIRECT, "lead": REDIRECT, "admin": REDIRECT},
    ),
    # Sync: every signed-in person has the page; forms without their fields send them back with a message.
    "sync.status": ("GET", "/sync/", SIGNED_IN_ONLY),
    "sync.export": ("POST", "/sync/export", dict.fromkeys(ROLES, REDIRECT)),
    "sync.import_": ("POST", "/sync/import", dict.fromkeys(ROLES, REDIRECT)),
    "sync.remote": ("POST", "/sync/remote", dict.fromkeys(ROLES, REDIRECT)),
    "sync.run": ("POST", "/sync/push", dict.fromkeys(ROLES, REDIRECT)),
    "sync.job_view": ("GET", "/sync/jobs/{sync_job}", {**OWNER_ONLY, "observer": OK}),  # oleg's push
    "sync.job_status": ("GET", "/sync/jobs/{sync_job}/status", {**OWNER_ONLY, "observer": OK}),
    "sync.conflict_list": ("GET", "/sync/conflicts", LEADS),
    "sync.conflict_view": ("GET", "/sync/conflicts/{conflict}", LEADS),
    "api.sync_missions": ("GET", "/api/v1/sync/missions", {**SIGNED_IN_ONLY, "anonymous": 401}),
    "api.sync_pull": (
        "GET",
        "/api/v1/sync/pull?mission={mission}",
        {**OWNER_AND_LEADS, "anonymous": 401, "other_observer": NOT_FOUND},  # not her mission
    ),
    # Evidence files: a case file's, read by whoever reads the case file; attached by its leads and the
    # trial's observers (a form without a file goes back with a message); withdrawn by a lead only.
    "evidence.attach": (
        "POST",
        "/evidence/defendant/{defendant}",
        {**OWNER_AND_LEADS, "observer": REDIRECT, "lead": REDIRECT, "admin": FORBIDDEN},
    ),
    "evidence.download": ("GET", "/evidence/{evidence}/download", OWNER_AND_LEADS),
    "evidence.withdraw": ("POST", "/evidence/{evidence}/withdraw", {**MISSION_LEADS, "lead": REDIRECT}),
    # An allegation's follow-up: read by the mission's leads and the observer who recorded it (never an
    # administrator who is not a lead); written by the leads (a form without its fields comes back, 400).
    "follow_up.allegation_follow_up": (
        "GET",
        "/allegations/{allegation}/follow-up",
        {**OWNER_AND_LEADS, "admin": FORBIDDEN},
    ),
    "follow_up.event_add": ("POST", "/allegations/{allegation}/follow-up", {**MISSION_LEADS, "lead": 400}),
    "follow_up.event_withdraw": (
        "POST",
        "/follow-up/{follow_up_event}/withdraw",
        {**MISSION_LEADS, "lead": REDIRECT},
    ),
    "follow_up.mission_follow_up": ("GET", "/missions/{mission}/follow-up", MISSION_LEADS),
    "api.follow_up": (
        "GET",
        "/api/v1/allegations/{allegation}/follow-up",
        {**OWNER_AND_LEADS, "admin": FORBIDDEN, "anonymous": 401},
    ),
    "api.follow_up_withdraw": (  # a form carries no JSON: 400 once past the permission checks
        "POST",
        "/api/v1/follow-up/{follow_up_event}/withdraw",
        {**MISSION_LEADS, "lead": 400, "anonymous": 401},
    ),
    "api.legal_assessment": (
        "GET",
        "/api/v1/trials/{trial}/legal-assessment",
        {**OWNER_AND_LEADS, "anonymous": 401},
    ),
    # A trial's legal assessment: read by whoever reads the trial; written by its leads.
    "follow_up.legal_assessment": ("GET", "/trials/{trial}/legal-assessment", OWNER_AND_LEADS),
    "follow_up.legal_assessment_save": (
        "POST",
        "/trials/{trial}/legal-assessment",
        {**MISSION_LEADS, "lead": REDIRECT},
    ),
    # Members and observers (monitor/api/members.py): as on the mission's and the trial's pages. A DELETE
    # row really removes (oleg from the mission, or from the trial): 204 for those who may.
    "api.member_list": ("GET", "/api/v1/missions/{mission}/members", {**LEADS, "anonymous": 401}),
    "api.member_add": (
        "POST",
        "/api/v1/missions/{mission}/members",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": 400},
    ),
    "api.member_change": (
        "DELETE",
        "/api/v1/missions/{mission}/members/{observer}",
        {**LEADS, "anonymous": 401, "lead": 204, "admin": 204},
    ),
    "api.observer_list": ("GET", "/api/v1/trials/{trial}/observers", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.observer_assign": (
        "POST",
        "/api/v1/trials/{trial}/observers",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": 400},
    ),
    "api.observer_unassign": (
        "DELETE",
        "/api/v1/trials/{trial}/observers/{observer}",
        {**LEADS, "anonymous": 401, "lead": 204, "admin": 204},
    ),
    # Reviews and corrections (monitor/api/reviews.py): as on the hearing's page and the review queue.
    "api.review_queue": ("GET", "/api/v1/review-queue", {**LEADS, "anonymous": 401}),
    "api.review_list": ("GET", "/api/v1/hearings/{hearing}/reviews", {**OWNER_AND_LEADS, "anonymous": 401}),
    "api.review_add": (
        "POST",
        "/api/v1/hearings/{hearing}/reviews",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": 400},
    ),
    "api.correction_list": (
        "GET",
        "/api/v1/hearings/{hearing}/corrections",
        {**OWNER_AND_LEADS, "anonymous": 401},
    ),
    "api.sync_push": (  # a form carries no bundle: 422 once past the permission checks
        "POST",
        "/api/v1/sync/push",
        {**dict.fromkeys(ROLES, 422), "anonymous": 401},
    ),
    # Recommendations, assessments, official figures, the submission: read by whoever reads the mission,
    # changed by its leads only (a form without its fields goes back with a message).
    "recommendations.register_view": ("GET", "/missions/{mission}/recommendations", LEADS),
    "recommendations.set_country": (
        "POST",
        "/missions/{mission}/recommendations/country",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "recommendations.import_file": (
        "POST",
        "/missions/{mission}/recommendations/import",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "recommendations.recommendation_new": ("GET", "/missions/{mission}/recommendations/new", MISSION_LEADS),
    "recommendations.recommendation_view": (
        "GET",
        "/missions/{mission}/recommendations/{recommendation}",
        LEADS,
    ),
    "recommendations.recommendation_edit": (
        "GET",
        "/missions/{mission}/recommendations/{recommendation}/edit",
        MISSION_LEADS,
    ),
    "recommendations.assess": (
        "POST",
        "/missions/{mission}/recommendations/{recommendation}/assessment",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "recommendations.link_add": (
        "POST",
        "/assessments/{assessment}/links",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "recommendations.link_remove": (
        "POST",
        "/assessment-links/{assessment_link}/remove",
        {**LEADS_ACT, "admin": FORBIDDEN},
    ),
    "recommendations.statistics": ("GET", "/missions/{mission}/statistics", LEADS),
    "recommendations.statistic_edit": ("GET", "/missions/{mission}/statistics/{statistic}", MISSION_LEADS),
    "recommendations.submission": ("GET", "/missions/{mission}/submission", LEADS),
    "api.recommendation_list": (
        "GET",
        "/api/v1/missions/{mission}/recommendations",
        {**LEADS, "anonymous": 401},
    ),
    "api.recommendation_import": (  # a form is not JSON: 400 once past the permission checks
        "POST",
        "/api/v1/missions/{mission}/recommendations/import",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": FORBIDDEN},
    ),
    # GET and PUT share an endpoint: the row checks GET, tests/test_recommendations_api.py checks PUT
    "api.assessment": (
        "GET",
        "/api/v1/missions/{mission}/recommendations/{recommendation}/assessment",
        {**LEADS, "anonymous": 401},
    ),
    "api.statistic_list": ("GET", "/api/v1/missions/{mission}/statistics", {**LEADS, "anonymous": 401}),
    "api.assessment_link_add": (  # no JSON body: 400 once past the permission checks
        "POST",
        "/api/v1/assessments/{assessment}/links",
        {**LEADS, "anonymous": 401, "lead": 400, "admin": FORBIDDEN},
    ),
    "api.assessment_link_remove": (  # really unlinks: 204 for a lead of the mission
        "DELETE",
        "/api/v1/assessment-links/{assessment_link}",
        {**LEADS, "anonymous": 401, "lead": 204, "admin": FORBIDDEN},
    ),
    "recommendations.submission_download": (
        "GET",
        "/missions/{mission}/submission/download?format=docx&lang=en&profile=partner",
        LEADS,
    ),
}


# What an administrator who is not a lead of the mission must never receive, on any route.
IDENTITY, CORRECTED, PERPETRATORS = "Ormund Thistlegrave", "Vexley Quorrabine", "Major Kestrel Yablonsky"
SECRETS = (IDENTITY, CORRECTED, PERPETRATORS)


@pytest.fixture
def world(app, people):
    """A mission led by lena; oleg assigned to its trial, with a hearing (a draft again, after a
    correction that changed an anonymous witness's identity), the witness, an allegation naming a
    perpetrator, and a conflict over the witness's identity."""
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    db = connect(app.config["DATABASE"])
    actor, checklist = Actor(name="test"), checklists.get("fair_trial", 1)
    witness = observe.add_witness(db, actor, hearing, setup["observer"]["id"])
    allegation = observe.add_allegation(db, actor, hearing)
    changes = observe.changes("witness", {"anonymous": True, "identity": IDENTITY}, witness["uuid"])
    changes += observe.changes("allegation", {"perpetrators": PERPETRATORS}, allegation["uuid"])
    assert observe.save_changes(db, actor, hearing, checklist, changes) == []
    observe.submit(db, actor, hearing)
    observe.start_correction(db, actor, hearing, setup["observer"]["id"], "misspelt")
    changes = observe.changes("witness", {"identity": CORRECTED}, witness["uuid"])
    assert observe.save_changes(db, actor, hearing, checklist, changes) == []
    db["export_job"].insert(
        {
            "uuid": "00000000-0000-4000-8000-000000000001",
            "user_uuid": setup["lead"]["uuid"],
            "mission_uuid": setup["mission"]["uuid"],
            "kind": "export",
            "fmt": "json",
            "profile": "internal",
            "lang": "en",
            "status": "queued",
            "created_at": "2026-01-01T00:00:00Z",
        }
    )  # a queued job of lena's, with no file yet
    db["export_job"].insert(
        {
            "uuid": "00000000-0000-4000-8000-000000000002",
            "user_uuid": setup["observer"]["uuid"],
            "kind": "sync-push",
            "status": "done",
            "created_at": "2026-01-01T00:00:00Z",
        }
    )  # a finished push of oleg's
    side = {
        "label": "W1",
        "anonymous": 1,
        "hearing_uuid": hearing["uuid"],
        "recorded_by_uuid": setup["observer"]["uuid"],
    }
    db["sync_conflict"].insert(
        {
            "uuid": "00000000-0000-4000-8000-000000000003",
            "record_uuid": witness["uuid"],
            "record_type": "witness",
            "mission_id": setup["mission"]["id"],
            "local": json.dumps({**side, "identity": CORRECTED}),
            "local_hash": "0" * 64,
            "incoming": json.dumps({**side, "identity": IDENTITY}),
            "incoming_hash": "1" * 64,
            "incoming_version": 2,
            "incoming_updated_at": "2026-01-01T00:00:00Z",
            "bundle_uuid": "00000000-0000-4000-8000-000000000004",
            "created_at": "2026-01-01T00:00:00Z",
        }
    )  # an anonymous witness's identity changed on two machines, in lena's mission
    sitting_uuid = db.execute(
        "SELECT sitting.uuid FROM sitting JOIN hearing ON hearing.sitting_id = sitting.id "
        "WHERE hearing.uuid = ?",
        [hearing["uuid"]],
    ).fetchone()[0]
    evidence_on_case = attach_evidence(db, actor, "defendant", setup["defendants"][0], setup["observer"])
    person = next(db.query("SELECT * FROM witness WHERE uuid = ?", [witness["person_uuid"]]))
    evidence_on_witness = attach_evidence(db, actor, "witness", person, setup["observer"])
    from monitor.follow_up import records as follow_up

    follow_up_event = follow_up.add(
        db,
        actor,
        setup["lead"],
        allegation,
        {"kind": "complaint_lodged", "event_date": "2026-01-02", "source": "counsel"},
    )
    register.set_mission_country(db, actor, setup["mission"], "KZ")
    recommendation, _outcome = register.save_recommendation(
        db,
        actor,
        {"country": "KZ", "cycle": "3", "identifier": "140.1", "text": "Investigate every allegation."},
    )
    assessment = register.save_assessment(
        db, actor, setup["mission"], recommendation, setup["lead"], "4", "partially", ""
    )
    link = register.add_link(
        db, actor, assessment, {"kind": "finding", "path": "torture.allegations", "mode": "live"}
    )
    statistic = register.save_statistic(
        db,
        actor,
        {"country": "KZ", "what": "Complaints", "value": "3", "period": "2025", "source": "Ministry"}
        | {"retrieved_on": "2026-01-01"},
    )
    token, _secret = tokens.create(
        db, Actor(name="test"), people["observer"], name="sync", scope="write", days=30
    )
    db.close()
    return {
        "job": "00000000-0000-4000-8000-000000000001",
        "mission": setup["mission"]["uuid"],
        "trial": setup["trial"]["uuid"],
        "defendant": setup["defendants"][0]["uuid"],
        "hearing": hearing["uuid"],
        "sitting": sitting_uuid,
        "witness": witness["uuid"],
        "person": witness["person_uuid"],
        "observer": people["observer"]["uuid"],
        "token": token["uuid"],
        "sync_job": "00000000-0000-4000-8000-000000000002",
        "conflict": "00000000-0000-4000-8000-000000000003",
        "evidence": evidence_on_case["uuid"],
        "witness_evidence": evidence_on_witness["uuid"],
        "allegation": allegation["uuid"],
        "follow_up_event": follow_up_event["uuid"],
        "recommendation": recommendation["uuid"],
        "assessment": assessment["uuid"],
        "assessment_link": link["uuid"],
        "statistic": statistic["uuid"],
    }


def attach_evidence(db, actor, target_type, target, user):
    from monitor.evidence import records as evidence

    # the file on a witness names them; the one on the case file does not
    named = IDENTITY if target_type == "witness" else "detention order"
    data = b"%PDF-1.4\n" + named.encode() + b"\n%%EOF\n"
    return evidence.attach(
        db, actor, user, target_type, target, filename=f"{target_type}.pdf", data=data, max_bytes=1 << 20
    )


# A file attached to a witness may reveal who they are: the mission's leads and the observer who recorded
# the witness; nobody else, an administrator who is not a lead included.
WITNESS_EVIDENCE = {**OWNER_AND_LEADS, "admin": FORBIDDEN}


@pytest.mark.parametrize("who", ROLES)
def test_a_file_on_a_witness_is_for_the_leads_and_its_recorder_only(app, client, people, world, who):
    if who != "anonymous":
        login(client, people[who]["username"])
    response = client.get(f"/evidence/{world['witness_evidence']}/download")
    assert response.status_code == WITNESS_EVIDENCE[who]
    assert (IDENTITY.encode() in response.get_data()) == (response.status_code == OK)
    withdraw = post(client, f"/evidence/{world['witness_evidence']}/withdraw", {"reason": "x"})
    assert withdraw.status_code == {**MISSION_LEADS, "lead": REDIRECT}[who]


UNGATED = ("auth.login", "vault.unlock")  # public pages that send everyone elsewhere, not to sign in


def test_every_route_has_a_row_in_the_permission_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PERMISSIONS.keys() == set(), "add these routes to PERMISSIONS"
    assert PERMISSIONS.keys() - endpoints == set(), "these rows name routes that no longer exist"


def test_every_view_declares_who_may_reach_it(app):
    undeclared = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and not getattr(view, "allowed", None)
    ]
    assert undeclared == []


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("endpoint", sorted(PERMISSIONS))
def test_route_answers_each_kind_of_user_as_the_table_says(app, client, people, world, endpoint, who):
    method, path, expected = PERMISSIONS[endpoint]
    if who != "anonymous":
        assert login(client, people[who]["username"]).status_code == 302
    path = path.format(**world)
    if method == "DELETE":  # as a page's script would send it: the CSRF token in a header
        response = client.delete(path, headers={"X-CSRFToken": csrf_token(client, "/")})
    else:
        response = post(client, path) if method == "POST" else client.get(path)
    body = readable(response)
    response.close()
    assert response.status_code == expected[who]
    if who == "admin" and method == "GET":  # not a lead of the mission: never an identity, on any page
        assert [secret for secret in SECRETS if secret in body] == [], endpoint
    if who == "anonymous" and expected[who] == REDIRECT and method == "GET" and endpoint not in UNGATED:
        assert unquote(response.headers["Location"]) == "/login?next=" + path


def readable(response) -> str:
    """A response's body as text; a zip (a bundle) with every part in it."""
    data = response.get_data()
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return data.decode("utf-8", "replace")


@pytest.mark.parametrize(
    "path", ("/hearings/{hearing}", "/hearings/{hearing}/changes", "/sync/conflicts/{conflict}")
)
def test_the_mission_lead_reads_what_the_administrator_does_not(app, client, people, world, path):
    """The other side of the sweep above: the identities are there for a lead, so their absence for the
    administrator is the gate's doing."""
    login(client, "lena")
    body = client.get(path.format(**world)).get_data(as_text=True)
    assert IDENTITY in body or CORRECTED in body
    admin = app.test_client()
    login(admin, "ada")
    body = admin.get(path.format(**world)).get_data(as_text=True)
    assert [secret for secret in SECRETS if secret in body] == [] and "Hidden:" in body


def test_a_refusal_is_audited(app, client, people, db):
    login(client, "oleg")
    assert client.get("/admin/users").status_code == 403
    row = next(db.query("SELECT * FROM audit WHERE action = 'permission.refused'"))
    assert row["actor_name"] == "oleg"
    assert '"path":"/admin/users"' in row["after"]


def test_a_view_that_forgot_its_rule_is_refused(app, client, people):
    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    @app.route("/declared")
    @allow("lead")
    def declared():
        return "leads only"

    login(client, "ada")
    assert client.get("/forgotten").status_code == 403
    assert client.get("/declared").status_code == 403
    other = app.test_client()
    login(other, "lena")
    assert other.get("/declared").status_code == 200


def test_an_unknown_account_gives_404_to_the_admin(client, people):
    login(client, "ada")
    assert client.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404


def test_allow_rejects_unknown_roles():
    with pytest.raises(ValueError):
        allow("superuser")
    with pytest.raises(ValueError):
        allow()
