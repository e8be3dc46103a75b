"""Views: the recommendations register of the mission's country, a recommendation with the mission's
assessment and the evidence linked to it, official statistics, and the submission draft."""

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from .. import records
from ..auth import request_actor
from ..checklists import LANGUAGES
from ..db import get_db, utcnow
from ..forms import EmptyForm
from ..permissions import (
    allow,
    allowed_profiles,
    get_assessment_link_or_404,
    get_assessment_or_404,
    get_recommendation_or_404,
    get_register_or_404,
    get_statistic_or_404,
    leads,
    me,
)
from ..reports.labels import PROFILE_LABELS
from ..reports.render import submission as drafting
from . import importer
from . import links as linked
from . import records as register
from .forms import (
    KIND_LABELS,
    AssessmentForm,
    CountryForm,
    FindingLinkForm,
    ImportForm,
    RecommendationForm,
    RecordLinkForm,
    StatisticForm,
)

bp = Blueprint("recommendations", __name__)


def _country(mission: dict) -> str:
    return register.mission_country(get_db(), mission["id"])


def _back(mission: dict):
    return redirect(url_for("recommendations.register_view", mission_uuid=mission["uuid"]))


@bp.route("/missions/<mission_uuid>/recommendations")
@allow("lead", "admin")
def register_view(mission_uuid):
    """The recommendations the mission's country received, with the mission's latest assessment of each."""
    mission = get_register_or_404(mission_uuid)
    db = get_db()
    country = _country(mission)
    body, cycle, theme = (request.args.get(k, "") for k in ("body", "cycle", "theme"))
    rows = register.recommendations(db, country, body, cycle, theme) if country else []
    assessed = register.assessments(db, mission["id"])
    return render_template(
        "recommendations/register.html",
        mission=mission,
        country=country,
        rows=rows,
        latest={rec_id: found[-1] for rec_id, found in assessed.items()},
        cycles=register.cycles(db, country) if country else [],
        themes=register.all_themes(db, country) if country else [],
        args=request.args,
        may_edit=leads(mission["id"]),
        country_form=CountryForm(data={"country_code": country}),
        import_form=ImportForm(),
        statuses=drafting.STATUS_LABELS,
        responses=drafting.RESPONSE_LABELS,
    )


@bp.route("/missions/<mission_uuid>/recommendations/country", methods=["POST"])
@allow("lead", "admin")
def set_country(mission_uuid):
    """Name the country (its ISO code) whose recommendations the mission assesses."""
    mission = get_register_or_404(mission_uuid, edit=True)
    form = CountryForm()
    if form.validate_on_submit():
        register.set_mission_country(get_db(), request_actor(), mission, form.country_code.data)
        flash(_("Country saved."), "success")
    else:
        errors = " ".join(map(str, form.country_code.errors))
        flash(errors or _("Two letters (ISO 3166-1), e.g. KZ."), "error")
    return _back(mission)


@bp.route("/missions/<mission_uuid>/recommendations/import", methods=["POST"])
@allow("lead", "admin")
def import_file(mission_uuid):
    """Import a CSV file of recommendations: all its rows, or — if any is wrong — none."""
    mission = get_register_or_404(mission_uuid, edit=True)
    country = _country(mission)
    form = ImportForm()
    if not country:
        flash(_("Name the mission's country first."), "error")
        return _back(mission)
    if not form.validate_on_submit():
        flash(" ".join(map(str, form.file.errors)) or _("Choose a CSV file."), "error")
        return _back(mission)
    try:
        result = importer.import_csv(get_db(), request_actor(), form.file.data.read(), country)
    except importer.ImportRefused as refused:
        return render_template(
            "recommendations/refused.html", mission=mission, problems=refused.problems
        ), 422
    flash(
        _(
            "Imported: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return _back(mission)


def _recommendation_fields(form: RecommendationForm, country: str) -> dict:
    return {
        "country": country,
        "body": form.body.data,
        "cycle": form.cycle.data,
        "session": form.session.data,
        "identifier": form.identifier.data,
        "recommending_state": form.recommending_state.data,
        "text": form.text.data,
        "response": form.response.data,
        "themes": register.split_themes(form.themes.data or ""),
        "document": form.document.data,
    }


@bp.route("/missions/<mission_uuid>/recommendations/new", methods=["GET", "POST"])
@allow("lead", "admin")
def recommendation_new(mission_uuid):
    """Enter a recommendation by hand (one not in a database, or a treaty body's)."""
    mission = get_register_or_404(mission_uuid, edit=True)
    country = _country(mission)
    if not country:
        flash(_("Name the mission's country first."), "error")
        return _back(mission)
    return _recommendation_form(RecommendationForm(), mission, country, None)


@bp.route("/missions/<mission_uuid>/recommendations/<recommendation_uuid>/edit", methods=["GET", "POST"])
@allow("lead", "admin")
def recommendation_edit(mission_uuid, recommendation_uuid):
    """Correct a recommendation (its versions are kept)."""
    recommendation, mission = get_recommendation_or_404(mission_uuid, recommendation_uuid, edit=True)
    form = RecommendationForm(
        data={**recommendation, "themes": "\n".join(register.themes_of(recommendation["themes"]))}
    )
    return _recommendation_form(form, mission, recommendation["country"], recommendation)


def _recommendation_form(form, mission: dict, country: str, existing: dict | None):
    """Save a new or corrected recommendation from its form, then show it; or the form again, with why."""
    if form.validate_on_submit():
        try:
            row, _outcome = register.save_recommendation(
                get_db(), request_actor(), _recommendation_fields(form, country), existing=existing
            )
        except ValueError as error:
            flash(str(error), "error")
        else:
            flash(_("Recommendation saved."), "success")
            return redirect(
                url_for(
                    "recommendations.recommendation_view",
                    mission_uuid=mission["uuid"],
                    recommendation_uuid=row["uuid"],
                )
            )
    return render_template("recommendations/form.html", mission=mission, form=form, recommendation=existing)


@bp.route("/missions/<mission_uuid>/recommendations/<recommendation_uuid>")
@allow("lead", "admin")
def recommendation_view(mission_uuid, recommendation_uuid):
    """A recommendation, the mission's assessments of it and the evidence linked to each."""
    recommendation, mission = get_recommendation_or_404(mission_uuid, recommendation_uuid)
    db = get_db()
    findings = linked.Findings(db, mission)
    newest_first = reversed(register.assessments(db, mission["id"]).get(recommendation["id"], []))
    found = [
        (assessment, [linked.described(db, findings, link) for link in register.links(db, assessment["id"])])
        for assessment in newest_first
    ]
    latest = found[0][0] if found else None
    form = AssessmentForm(data=latest or {"cycle": ""})
    finding_form = FindingLinkForm(filters=request.args.get("filters", ""))
    finding_form.path.choices = [SelectChoice(p, words) for p, words in findings.paths()]
    if request.args.get("path"):
        finding_form.path.data = request.args["path"]
    record_form = RecordLinkForm()
    return render_template(
        "recommendations/recommendation.html",
        mission=mission,
        recommendation=recommendation,
        themes=register.themes_of(recommendation["themes"]),
        assessments=found,
        form=form,
        finding_form=finding_form,
        record_form=record_form,
        record_choices=linked.choices(db, mission),
        kind_labels=KIND_LABELS,
        may_edit=leads(mission["id"]),
        remove_form=EmptyForm(),
        statuses=drafting.STATUS_LABELS,
        responses=drafting.RESPONSE_LABELS,
        bodies=drafting.BODY_LABELS,
    )


@bp.route("/missions/<mission_uuid>/recommendations/<recommendation_uuid>/assessment", methods=["POST"])
@allow("lead", "admin")
def assess(mission_uuid, recommendation_uuid):
    """Record (or change) the mission's assessment of a recommendation for one review cycle."""
    recommendation, mission = get_recommendation_or_404(mission_uuid, recommendation_uuid, edit=True)
    form = AssessmentForm()
    target = url_for(
        "recommendations.recommendation_view",
        mission_uuid=mission_uuid,
        recommendation_uuid=recommendation_uuid,
    )
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(target)
    try:
        register.save_assessment(
            get_db(),
            request_actor(),
            mission,
            recommendation,
            me(),
            form.cycle.data,
            form.status.data,
            form.reasoning.data,
        )
    except ValueError as error:
        flash(str(error), "error")
    else:
        flash(_("Assessment saved."), "success")
    return redirect(target)


def _assessment_page(assessment: dict, mission: dict):
    recommendation = records.existing(get_db(), "recommendation", assessment["recommendation_id"])
    return redirect(
        url_for(
            "recommendations.recommendation_view",
            mission_uuid=mission["uuid"],
            recommendation_uuid=recommendation["uuid"],
        )
        + "#evidence"
    )


@bp.route("/assessments/<assessment_uuid>/links", methods=["POST"])
@allow("lead", "admin")
def link_add(assessment_uuid):
    """Link evidence to an assessment: a findings number (live or frozen), a case file, an allegation, a
    document or an official figure."""
    assessment, mission = get_assessment_or_404(assessment_uuid)
    db = get_db()
    if request.form.get("path") is not None:
        findings = linked.Findings(db, mission)
        form = FindingLinkForm()
        form.path.choices = [SelectChoice(p, words) for p, words in findings.paths()]
        if not form.validate_on_submit():
            flash(
                " ".join(str(e) for errors in form.errors.values() for e in errors) or _("Choose a number."),
                "error",
            )
            return _assessment_page(assessment, mission)
        try:
            fields = linked.finding_link(
                findings,
                form.path.data,
                form.filters.data or "",
                form.mode.data,
                form.note.data or "",
                utcnow(),
            )
        except ValueError as error:
            flash(str(error), "error")
            return _assessment_page(assessment, mission)
    else:
        form = RecordLinkForm()
        kind, _sep, uuid = (form.target.data or "").partition(":")
        if not form.validate_on_submit() or kind not in KIND_LABELS:
            flash(_("Choose what to link."), "error")
            return _assessment_page(assessment, mission)
        try:
            fields = linked.record_link(db, mission, kind, uuid, form.note.data or "")
        except ValueError as error:
            flash(str(error), "error")
            return _assessment_page(assessment, mission)
    register.add_link(db, request_actor(), assessment, fields)
    flash(_("Evidence linked."), "success")
    return _assessment_page(assessment, mission)


@bp.route("/assessment-links/<link_uuid>/remove", methods=["POST"])
@allow("lead", "admin")
def link_remove(link_uuid):
    """Unlink a piece of evidence (the audit log keeps what it was)."""
    link, assessment, mission = get_assessment_link_or_404(link_uuid)
    register.remove_link(get_db(), request_actor(), link)
    flash(_("Evidence unlinked."), "success")
    return _assessment_page(assessment, mission)


# Official statistics --------------------------------------------------------------------------------------


def _statistic_fields(form: StatisticForm, country: str) -> dict:
    return {
        "country": country,
        "what": form.what.data,
        "value": form.value.data,
        "period": form.period.data,
        "source": form.source.data,
        "retrieved_on": form.retrieved_on.data.isoformat() if form.retrieved_on.data else "",
        "themes": register.split_themes(form.themes.data or ""),
    }


@bp.route("/missions/<mission_uuid>/statistics", methods=["GET", "POST"])
@allow("lead", "admin")
def statistics(mission_uuid):
    """Figures from official sources for the mission's country; a lead adds one here."""
    mission = get_register_or_404(mission_uuid, edit=request.method == "POST")
    country = _country(mission)
    form = StatisticForm()
    if request.method == "POST" and country and form.validate_on_submit():
        try:
            register.save_statistic(get_db(), request_actor(), _statistic_fields(form, country))
        except ValueError as error:
            flash(str(error), "error")
        else:
            flash(_("Official figure saved."), "success")
            return redirect(url_for("recommendations.statistics", mission_uuid=mission_uuid))
    return render_template(
        "recommendations/statistics.html",
        mission=mission,
        country=country,
        rows=register.statistics(get_db(), country) if country else [],
        form=form,
        may_edit=leads(mission["id"]),
        shown_value=register.shown_value,
    )


@bp.route("/missions/<mission_uuid>/statistics/<statistic_uuid>", methods=["GET", "POST"])
@allow("lead", "admin")
def statistic_edit(mission_uuid, statistic_uuid):
    """Correct an official figure (its versions are kept)."""
    statistic, mission = get_statistic_or_404(mission_uuid, statistic_uuid)
    form = StatisticForm(
        data={
            **statistic,
            "value": register.shown_value(statistic["value"]),
            "themes": "\n".join(register.themes_of(statistic["themes"])),
        }
    )
    if request.method == "GET":
        from datetime import date

        try:
            form.retrieved_on.data = date.fromisoformat(statistic["retrieved_on"])
        except ValueError:
            form.retrieved_on.data = None
    if form.validate_on_submit():
        try:
            register.save_statistic(
                get_db(), request_actor(), _statistic_fields(form, statistic["country"]), existing=statistic
            )
        except ValueError as error:
            flash(str(error), "error")
        else:
            flash(_("Official figure saved."), "success")
            return redirect(url_for("recommendations.statistics", mission_uuid=mission_uuid))
    return render_template(
        "recommendations/statistic_form.html", mission=mission, form=form, statistic=statistic
    )


# The submission ----------------------------------------------------------------------------------------


@bp.route("/missions/<mission_uuid>/submission", methods=["GET", "POST"])
@allow("lead", "admin")
def submission(mission_uuid):
    """The submission draft: its themes, counts and word count; the new recommendations per theme (a
    lead writes them here); the DOCX and PDF to download."""
    mission = get_register_or_404(mission_uuid, edit=request.method == "POST")
    db = get_db()
    if request.method == "POST":
        form = EmptyForm()
        if form.validate_on_submit():
            for theme in drafting.themes(db, mission):
                key = f"theme-{theme.title}"
                if key in request.form:
                    try:
                        register.save_theme_text(db, request_actor(), mission, theme.title, request.form[key])
                    except ValueError as error:
                        flash(str(error), "error")
                        break
            else:
                flash(_("New recommendations saved."), "success")
        return redirect(url_for("recommendations.submission", mission_uuid=mission_uuid))
    profiles = allowed_profiles(db, mission["id"], me())
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else "en"
    draft = drafting.build(db, mission, lang, profiles[-1], current_app.instance_path)
    return render_template(
        "recommendations/submission.html",
        mission=mission,
        country=_country(mission),
        draft=draft,
        texts=register.theme_texts(db, mission["id"]),
        profiles=profiles,
        languages=LANGUAGES,
        may_edit=leads(mission["id"]),
        form=EmptyForm(),
        counts_sentence=drafting.counts_sentence,
        statuses=drafting.STATUS_LABELS,
        profile_labels=PROFILE_LABELS,
    )


@bp.route("/missions/<mission_uuid>/submission/download")
@allow("lead", "admin")
def submission_download(mission_uuid):
    """The submission as DOCX (to edit) or PDF, in a language and with a redaction profile the user may
    receive."""
    mission = get_register_or_404(mission_uuid)
    db = get_db()
    fmt = request.args.get("format", "docx")
    lang = request.args.get("lang", "en")
    profile = request.args.get("profile", "public")
    if fmt not in ("docx", "pdf") or lang not in LANGUAGES:
        abort(404)
    if profile not in allowed_profiles(db, mission["id"], me()):
        abort(403)
    draft = drafting.build(db, mission, lang, profile, current_app.instance_path)
    content = drafting.to_docx(draft) if fmt == "docx" else drafting.to_pdf(draft)
    from ..reports.build import FORMATS, record_export

    record_export(db, request_actor(), mission, report="submission", fmt=fmt, profile=profile, lang=lang)
    response = Response(content, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{drafting.filename(mission, draft, fmt)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(value) -> str:
    return json.dumps(value)
