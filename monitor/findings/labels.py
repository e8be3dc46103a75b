"""What each count of the findings is, in words: the heading of its evidence page, never its path."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..checklists import Checklist
from ..follow_up.labels import FINDINGS_LABELS as FOLLOW_UP_LABELS
from ..missions.labels import CONVICTION_BASIS_LABELS
from ..observe import fields

TITLES = {
    "method.hearings": _l("Hearings observed"),
    "method.sittings": _l("Court sittings observed"),
    "method.observations": _l("Observations of court sittings"),
    "method.trials": _l("Trials observed"),
    "method.defendants_observed": _l("Defendants observed"),
    "torture.defendants_alleging": _l("Defendants who said they were tortured or ill-treated"),
    "torture.witnesses_alleging": _l("Witnesses who said they were tortured or ill-treated"),
    "torture.allegations": _l("Allegations of torture or ill-treatment"),
    "torture.perpetrators_named": _l("Allegations that name those responsible"),
    "torture.investigation_ordered": _l("Allegations on which the court ordered an investigation"),
    "torture.evidence_excluded": _l("Allegations after which the court excluded the evidence"),
    "torture.relied_on": _l("Allegations where the court relied on the contested evidence"),
    "anonymous_witnesses.anonymous": _l("Anonymous witnesses"),
    "anonymous_witnesses.convictions_resting_on_anonymous": _l(
        "Convictions resting mainly on an anonymous witness"
    ),
    "anonymous_witnesses.identity_known_to_defence": _l(
        "Anonymous witnesses whose identity the defence knew"
    ),
    "anonymous_witnesses.voice_hidden": _l("Anonymous witnesses whose voice was hidden"),
    "anonymous_witnesses.image_hidden": _l("Anonymous witnesses whose image was hidden"),
    "anonymous_witnesses.police_officers": _l("Anonymous witnesses who were police officers"),
    "anonymous_witnesses.defence_could_question": _l("Anonymous witnesses the defence could question"),
    "custody.judge_over_48": _l("Defendants brought before a judge after more than 48 hours"),
    "custody.judge_over_72": _l("Defendants brought before a judge after more than 72 hours"),
    "custody.registration_over_48": _l("Defendants whose arrest was registered after more than 48 hours"),
    "custody.no_counsel": _l("Defendants with no lawyer"),
    "custody.counsel_after_24": _l("Defendants who first had a lawyer more than 24 hours after arrest"),
    "verdicts.convicted": _l("Defendants convicted"),
    "verdicts.acquitted": _l("Defendants acquitted"),
    "verdicts.pending": _l("Defendants awaiting a verdict"),
    "verdicts.discontinued": _l("Defendants whose case was discontinued"),
}
# "<group>.<key>": the group's words, then the key's label from the form it was chosen in.
BREAKDOWNS = {
    "torture.by_method": (_l("Allegations by method"), fields.ALLEGATION["methods"].choices),
    "torture.by_stage": (_l("Allegations by stage"), fields.ALLEGATION["stage"].choices),
    "torture.by_place": (_l("Allegations by place"), fields.ALLEGATION["place_type"].choices),
    "torture.court_response": (
        _l("Allegations by the court's response"),
        fields.ALLEGATION["court_response"].choices,
    ),
    "verdicts.basis": (_l("Convictions resting mainly on"), CONVICTION_BASIS_LABELS),
    "torture.follow_up": (_l("After the courtroom"), FOLLOW_UP_LABELS),  # monitor/follow_up (issue #14)
}


def evidence_title(path: str, checklist: Checklist, lang: str) -> str:
    """The heading of the evidence page of the count at ``path`` (``aggregate.resolve``'s paths)."""
    if path in TITLES:
        return str(TITLES[path])
    group, _dot, key = path.rpartition(".")
    if group in BREAKDOWNS:
        words, labels = BREAKDOWNS[group]
        return f"{words}: {labels.get(key, key)}"
    parts = path.split(".")
    if parts[0] == "items" and len(parts) == 3:
        try:
            question = checklist.item(parts[1]).label.get(lang)
        except KeyError:
            return _("Counted")
        part = {"observed": _("observed for"), "concern": _("a concern for")}.get(parts[2])
        return f"{question} — {part}" if part else question
    return _("Counted")
