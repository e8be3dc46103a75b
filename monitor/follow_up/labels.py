"""The words for follow-up events, UN bodies, conclusions and grades (pages, reports, the API's docs)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "complaint_lodged": _l("Complaint lodged"),
    "investigation_refused": _l("Investigation refused"),
    "investigation_opened": _l("Investigation opened"),
    "closed_without_charge": _l("Closed without charge"),
    "charges_brought": _l("Charges brought against officials"),
    "officials_convicted": _l("Officials convicted"),
    "officials_acquitted": _l("Officials acquitted"),
    "reprisal": _l("Reprisal"),
    "un_communication": _l("Communication to a UN body"),
    "un_decision": _l("Decision or views of a UN body"),
    "other": _l("Other"),
}
UN_BODY_LABELS = {
    "CAT": _l("Committee against Torture"),
    "HRC": _l("Human Rights Committee"),
    "SRT": _l("Special Rapporteur on torture"),
    "WGAD": _l("Working Group on Arbitrary Detention"),
    "other": _l("Another UN body"),
}
CONCLUSION_LABELS = {
    "respected": _l("Respected"),
    "concerns": _l("Some concerns"),
    "violated": _l("Violated"),
    "not_assessed": _l("Not enough information"),
}
GRADE_LABELS = {
    "fair": _l("Fair"),
    "fair_with_concerns": _l("Fair with concerns"),
    "unfair": _l("Unfair"),
}
GRADE_CRITERIA = {
    "fair": _l("Every right assessed was respected; no concern affects the outcome."),
    "fair_with_concerns": _l(
        "Concerns about one or more rights, none of which, alone or together, deprived the trial of its "
        "fairness as a whole."
    ),
    "unfair": _l(
        "One or more rights were violated in a way that, alone or together, deprived the trial of its "
        "fairness as a whole (for example a conviction resting on evidence obtained by torture)."
    ),
}
# The counts of the findings' torture.follow_up, in words (the headings of their evidence pages).
FINDINGS_LABELS = {
    "people_alleging": _l("Everyone who alleged torture or ill-treatment"),
    "complaint_lodged": KIND_LABELS["complaint_lodged"],
    "investigation_refused": KIND_LABELS["investigation_refused"],
    "investigation_opened": KIND_LABELS["investigation_opened"],
    "closed_without_charge": KIND_LABELS["closed_without_charge"],
    "charges_brought": KIND_LABELS["charges_brought"],
    "officials_convicted": KIND_LABELS["officials_convicted"],
    "reprisals": KIND_LABELS["reprisal"],
    "communicated_to_un": KIND_LABELS["un_communication"],
}

# What the pages and the API say when an event or an assessment is refused, by the error's code.
EVENT_MESSAGES = {
    "kind": lambda: _("Choose what happened."),
    "event_date": lambda: _("Give the date it happened as YYYY-MM-DD, not later than today."),
    "un_body": lambda: _("Choose the UN body."),
    "source": lambda: _("Say where this was learned (at most 300 characters)."),
    "reference": lambda: _("A reference has at most 200 characters."),
    "note": lambda: _("A note has at most 2000 characters."),
    "draft": lambda: _("This allegation's observation has not been submitted yet: nothing was saved."),
    "reason": lambda: _("Say why the event is withdrawn: nothing was changed."),
    "reason_long": lambda: _("A reason has at most 500 characters."),
    "withdrawn": lambda: _("This event was already withdrawn."),
}
ASSESSMENT_MESSAGES = {
    "right": lambda: _("A right was not one of this checklist's: nothing was saved."),
    "conclusion": lambda: _("Choose a conclusion from the list: nothing was saved."),
    "reasoning": lambda: _("Reasoning has at most 5000 characters: nothing was saved."),
    "refs": lambda: _("References have at most 500 characters: nothing was saved."),
    "reasoning_needed": lambda: _(
        "Give the reasoning for a conclusion of concern, violation or unfairness: nothing was saved."
    ),
}
