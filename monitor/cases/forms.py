"""The case file's form: the facts changed together, and what they rest on."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from .records import MAX_LEARNED_FROM, MAX_REASON, Change

SOURCE_LABELS = {
    "observed": _l("Observed in court"),
    "court_record": _l("The judgment or another court record"),
    "counsel": _l("Defence counsel"),
    "defendant": _l("The defendant"),
    "family": _l("The family"),
    "prosecution": _l("The prosecution"),
    "official": _l("An official statement"),
    "other": _l("Other"),
}


def source_choices(blank) -> list[SelectChoice]:
    return [SelectChoice("", blank)] + [SelectChoice(code, label) for code, label in SOURCE_LABELS.items()]


class CaseFactsForm(FlaskForm):
    source = SelectField(
        _l("Source"),
        description=_l("Where what you enter was learned; a fact may name its own source instead."),
        validate_choice=False,  # checked with the change (records.change_facts), as the API's are
    )
    learned_at = SelectField(_l("Learned at"), validate_choice=False)
    learned_from = StringField(
        _l("Or learned from a document"),
        validators=[Length(max=MAX_LEARNED_FROM, message=_l("At most 200 characters."))],
        description=_l("For example: judgment of 3 May."),
    )
    reason = StringField(
        _l("Reason for the change"),
        validators=[Length(max=MAX_REASON, message=_l("At most 500 characters."))],
        description=_l("Needed when a value already recorded changes; kept in the fact's history."),
    )
    submit = SubmitField(_l("Save the case file"))

    def __init__(self, observations: list[dict], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source.choices = source_choices(_l("—"))
        self.learned_at.choices = [SelectChoice("", _l("A document (below) or nowhere in particular"))] + [
            SelectChoice(o["uuid"], f"{o['hearing_date']} · {o['observer_name']}") for o in observations
        ]


def submitted_changes(data, items: list, current: dict[str, dict]) -> tuple[list[Change], list[str]]:
    """The facts the form changes (those whose value or note differ from what the form showed, its
    ``seen-`` fields, or that name their own new source), and the keys of any whose version field is
    unreadable. A fact someone else changed meanwhile that this person left alone is not touched."""
    changes, broken = [], []
    for item in items:
        key = item.key
        value = (data.get(f"value-{key}") or "").strip()
        note = (data.get(f"note-{key}") or "").strip()
        source = (data.get(f"source-{key}") or "").strip()
        try:
            version = int(data.get(f"version-{key}") or 0)
        except ValueError:
            broken.append(key)
            continue
        fact = current.get(key)
        before = (fact["value"], fact["note"], fact["source"]) if fact else ("", "", "")
        if f"seen-value-{key}" in data:  # what the form showed, when it was filled
            seen = (data.get(f"seen-value-{key}") or "", data.get(f"seen-note-{key}") or "", before[2])
        else:
            seen = before
        if (value, note) == seen[:2] and (not source or source == before[2]):
            continue
        changes.append(Change(key, value, note, version, source))
    return changes, broken
