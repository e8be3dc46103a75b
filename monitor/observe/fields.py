"""The fields of a hearing record that the form saves as the observer types.

One description per field — its type, allowed values, label — drives validation of autosaves, the form
widgets and the labels in the list of changes, so the three never disagree.
"""

import json
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..dates import observed_on

YES_NO = {"yes": _l("Yes"), "no": _l("No"), "unclear": _l("Unclear")}
YES_NO_UNKNOWN = {"yes": _l("Yes"), "no": _l("No"), "unknown": _l("Unknown")}
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Field:
    """One saved field: ``kind`` is text, longtext, date, time, choice, multi, flag, or refs (uuids)."""

    name: str
    kind: str
    label: object
    choices: dict = field(default_factory=dict)
    max_length: int = 300
    help: object = None
    sensitive: bool = False  # kept out of the audit log in clear (only a keyed hash: monitor.sensitive)

    def display(self, value, names: dict | None = None) -> str:
        """The stored value as the form shows it to a person, "" when empty: a choice by its label, a
        list by its labels, a tick as Yes or No; ``names`` (uuid → name) for fields that name people.
        The record pages, the corrections page and the hearing's facts all show values through this."""
        if self.kind == "flag":
            return str(YES_NO["yes"] if value in (1, True, "1") else YES_NO["no"])
        if value in ("", None, [], "[]"):
            return ""
        labels = names if names is not None else self.choices
        if self.kind in ("multi", "refs"):
            codes = json.loads(value) if isinstance(value, str) else value
            return ", ".join(str(labels.get(code, code)) for code in codes)
        if self.kind == "choice" or names is not None:
            return str(labels.get(value, value))
        return str(value)

    def clean(self, value):
        """The value to store, or ValueError with a message for the observer."""
        if self.kind == "flag":
            if value in (True, False, 0, 1, "0", "1"):
                return int(value in (True, 1, "1"))
            raise ValueError(_l("Tick or untick the box."))
        if self.kind in ("multi", "refs"):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 500:
                raise ValueError(_l("Choose from the list."))
            if self.kind == "multi" and set(value) - set(self.choices):
                raise ValueError(_l("Choose from the list."))
            return sorted(set(value))
        if not isinstance(value, str):
            raise ValueError(_l("Enter text."))
        value = value.strip() if self.kind != "longtext" else value
        if value == "":
            return ""
        if self.kind == "date":
            if not DATE.match(value):
                raise ValueError(_l("Enter a date as YYYY-MM-DD."))
            observed_on(value)  # one rule for observed dates (monitor/dates.py)
        if self.kind == "time" and not TIME.match(value):
            raise ValueError(_l("Enter a time as HH:MM."))
        if self.kind == "choice" and value not in self.choices:
            raise ValueError(_l("Choose from the list."))
        limit = 20000 if self.kind == "longtext" else self.max_length
        if len(value) > limit:
            raise ValueError(_l("At most %(max)d characters.", max=limit))
        return value


def _fields(*items: Field) -> dict[str, Field]:
    return {f.name: f for f in items}


HEARING = _fields(
    Field("hearing_date", "date", _l("Date")),
    Field("start_time", "time", _l("Started")),
    Field("end_time", "time", _l("Ended")),
    Field("courtroom", "text", _l("Courtroom")),
    Field("judge", "text", _l("Presiding judge")),
    Field(
        "public_access",
        "choice",
        _l("Public access"),
        {"open": _l("Open"), "restricted": _l("Restricted"), "closed": _l("Closed")},
    ),
    Field(
        "observers_admitted",
        "choice",
        _l("Observers admitted"),
        {"yes": _l("Yes"), "partly": _l("Partly, or removed later"), "no": _l("No")},
    ),
    Field(
        "access_note",
        "longtext",
        _l("Access: what happened"),
        help=_l("Who was refused or removed, by whom, for what stated reason."),
    ),
    Field(
        "present",
        "longtext",
        _l("Who was present"),
        help=_l("Prosecutor, defence lawyers, relatives, press, diplomats, police in the room …"),
    ),
    Field(
        "summary", "longtext", _l("What happened at this hearing"), help=_l("A few sentences for the report.")
    ),
)

WITNESS = _fields(
    Field("label", "text", _l("Label"), max_length=100, help=_l("How the report refers to this witness.")),
    Field(
        "identity",
        "text",
        _l("Identity"),
        help=_l("Name and role if known. For an anonymous witness only you and the mission leads see this."),
        sensitive=True,
    ),
    Field(
        "side",
        "choice",
        _l("Called by"),
        {"prosecution": _l("Prosecution"), "defence": _l("Defence"), "court": _l("Court")},
    ),
    Field("anonymous", "flag", _l("Anonymous witness")),
    Field("anonymity_reason", "text", _l("Reason given for anonymity")),
    Field("identity_known_to_defence", "choice", _l("Identity known to the defence"), YES_NO),
    Field("voice_hidden", "flag", _l("Voice hidden")),
    Field("image_hidden", "flag", _l("Image hidden")),
    Field("police_officer", "choice", _l("Police officer"), YES_NO),
    Field("against", "refs", _l("Testified against")),
    Field("testimony", "longtext", _l("Testimony in short")),
)

ALLEGATION = _fields(
    Field(
        "alleged_by", "choice", _l("Alleged by"), {"defendant": _l("A defendant"), "witness": _l("A witness")}
    ),
    Field("defendant_uuid", "text", _l("Defendant"), max_length=36),
    Field("witness_uuid", "text", _l("Witness"), max_length=36),
    Field(
        "stage",
        "choice",
        _l("Stage"),
        {
            "arrest": _l("Arrest"),
            "police_custody": _l("Police custody"),
            "pretrial_detention": _l("Pre-trial detention"),
            "trial": _l("During the trial"),
            "prison": _l("After conviction, in prison"),
        },
    ),
    Field(
        "place_type",
        "choice",
        _l("Place"),
        {
            "police_car": _l("Police car"),
            "police_station": _l("Police station"),
            "unofficial_place": _l("Unofficial place"),
            "detention_centre": _l("Detention centre"),
            "prison": _l("Prison"),
            "other": _l("Other"),
        },
    ),
    Field("place", "text", _l("Place, in words")),
    Field(
        "registered_at_time", "choice", _l("Officially registered as detained at the time"), YES_NO_UNKNOWN
    ),
    Field("lawyer_present", "choice", _l("Lawyer present"), YES_NO_UNKNOWN),
    Field(
        "methods",
        "multi",
        _l("Methods"),
        {
            "beating": _l("Beating"),
            "asphyxiation": _l("Asphyxiation (bag, gas mask)"),
            "stress_positions": _l("Stress positions"),
            "threats_to_family": _l("Threats to family"),
            "sexual_violence": _l("Sexual violence"),
            "medical_care_denied": _l("Medical care denied"),
            "other": _l("Other"),
        },
    ),
    Field("methods_other", "text", _l("Other methods")),
    Field(
        "perpetrators",
        "longtext",
        _l("Perpetrators named"),
        help=_l("Name, rank, unit as alleged; whether they testified."),
        sensitive=True,
    ),
    Field("perpetrators_testified", "choice", _l("A named perpetrator testified"), YES_NO_UNKNOWN),
    Field(
        "purpose",
        "multi",
        _l("Purpose"),
        {
            "confession_sought": _l("Confession sought"),
            "confession_signed": _l("Confession signed"),
            "confession_used": _l("Confession used in court"),
        },
    ),
    Field("medical_examined", "choice", _l("Medically examined"), YES_NO_UNKNOWN),
    Field("medical_by", "text", _l("Examined by")),
    Field("medical_independent", "choice", _l("Independent doctor"), YES_NO_UNKNOWN),
    Field(
        "istanbul_consistency",
        "choice",
        _l("Medical evidence (Istanbul Protocol)"),
        {
            "not_consistent": _l("Not consistent"),
            "consistent": _l("Consistent"),
            "highly_consistent": _l("Highly consistent"),
            "typical": _l("Typical of"),
            "diagnostic": _l("Diagnostic of"),
        },
    ),
    Field("raised_to", "text", _l("Raised with whom, and when")),
    Field(
        "court_response",
        "multi",
        _l("The court's response"),
        {
            "ignored": _l("Ignored"),
            "dismissed_as_tactic": _l("Dismissed as a defence tactic"),
            "referred_to_prosecutor": _l("Referred to the prosecutor"),
            "investigation_ordered": _l("Independent investigation ordered"),
            "evidence_excluded": _l("Evidence excluded"),
            "relied_on": _l("Relied on in the judgment"),
        },
    ),
    Field("investigation", "longtext", _l("Investigation and outcome")),
    Field("reprisals", "longtext", _l("Reprisals")),
    Field(
        "source",
        "choice",
        _l("Source"),
        {"direct": _l("Direct testimony"), "hearsay": _l("Hearsay"), "documents": _l("Documents")},
    ),
    Field(
        "confidentiality",
        "choice",
        _l("Confidentiality"),
        {"normal": _l("Normal"), "confidential": _l("Confidential"), "strict": _l("Strictly confidential")},
    ),
    Field(
        "account", "longtext", _l("Account"), help=_l("What the person said, in their words where possible.")
    ),
)

PROVENANCE = {"observed": _l("Observed"), "counsel": _l("Told by counsel"), "documents": _l("From documents")}
ANSWER = _fields(
    Field("value", "text", _l("Answer"), max_length=100),
    Field("note", "longtext", _l("Note")),
    Field("provenance", "choice", _l("Source"), PROVENANCE),
)

# What a witness's appearance at one observation holds (the rest of WITNESS is the person's).
APPEARANCE = {name: WITNESS[name] for name in ("against", "testimony")}

TARGETS = {
    "hearing": HEARING,
    "witness": WITNESS,
    "witness_appearance": APPEARANCE,
    "allegation": ALLEGATION,
    "answer": ANSWER,
}
