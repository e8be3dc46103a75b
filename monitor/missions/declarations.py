"""The declarations of missions, trials and defendants: every field once, with its type, limits, label
and choices, and who may write the record. Forms, API validation and serialisation and the OpenAPI
document are derived from these (see monitor/declare.py and docs/declarations.md)."""

from flask_babel import lazy_gettext as _l

from ..declare import CHOICE, CHOICES, DATE, DATETIME, INTEGER, LONGTEXT, PICK, TEXT, Column, Record
from .labels import (
    CONVICTION_BASIS_LABELS,
    COUNSEL_LABELS,
    DETENTION_LABELS,
    SEX_LABELS,
    TRIAL_STATUS_LABELS,
    VERDICT_LABELS,
)

UUID = {"type": "string", "format": "uuid"}

MISSION = Record(
    "mission",
    (
        Column(
            "name",
            TEXT,
            _l("Name"),
            max_length=200,
            required=True,
            help=_l("E.g. “Trial observation, oil workers, 2026”."),
        ),
        Column("country", TEXT, _l("Country"), max_length=100),
        Column("description", LONGTEXT, _l("Description"), max_length=5000),
        Column("start_date", DATE, _l("Start date")),
        Column("end_date", DATE, _l("End date"), doc="Not before the start date."),
        Column(
            "checklist",
            PICK,
            _l("Checklist"),
            help=_l("The fair-trial checklist observers answer."),
            doc="As id:version (e.g. fair_trial:1); default the first one available.",
            pattern=r"^[A-Za-z0-9_.-]+:\d+$",
            stored=False,
        ),
        Column("checklist_id", TEXT, _l("Checklist"), max_length=100, writable=False),
        Column("checklist_version", INTEGER, _l("Checklist"), writable=False),
    ),
    writers="leads of the mission, administrators",
    extra_read={"checklist": {"type": "string", "description": "The checklist as id:version."}},
)

TRIAL = Record(
    "trial",
    (
        Column(
            "title",
            TEXT,
            _l("Title"),
            max_length=200,
            required=True,
            help=_l("How the mission refers to the case."),
        ),
        Column("court", TEXT, _l("Court"), max_length=200),
        Column("case_number", TEXT, _l("Case number"), max_length=100),
        Column("judges", TEXT, _l("Judge(s)"), max_length=500),
        Column("prosecutor", TEXT, _l("Prosecutor(s)"), max_length=500),
        Column("charges", LONGTEXT, _l("Charges"), max_length=2000),
        Column("status", CHOICE, _l("Stage of the case"), choices=TRIAL_STATUS_LABELS, default="ongoing"),
    ),
    writers="leads of its mission",
    extra_read={"mission": UUID},
)

DEFENDANT = Record(
    "defendant",
    (
        Column("position", INTEGER, "Position", writable=False, doc="Its place in the trial's order."),
        Column("name", TEXT, _l("Name"), max_length=200, required=True),
        Column(
            "pseudonym",
            TEXT,
            _l("Pseudonym"),
            max_length=100,
            help=_l("Used instead of the name in public reports."),
        ),
        Column("sex", CHOICE, _l("Sex"), choices=SEX_LABELS, blank=True),
        Column(
            "age",
            INTEGER,
            _l("Age"),
            minimum=10,
            maximum=120,
            range_message=_l("An age from 10 to 120."),
        ),
        Column("charges", LONGTEXT, _l("Charges"), max_length=2000),
        Column(
            "apprehended_at",
            DATETIME,
            _l("Actually apprehended"),
            help=_l("When the person was in fact deprived of liberty, whatever the record says."),
        ),
        Column("arrest_registered_at", DATETIME, _l("Arrest registered"), doc="Not before apprehension."),
        Column(
            "first_judge_at", DATETIME, _l("First brought before a judge"), doc="Not before apprehension."
        ),
        Column(
            "pretrial_detention",
            CHOICE,
            _l("Pre-trial detention"),
            choices=DETENTION_LABELS,
            blank=True,
        ),
        Column("counsel", CHOICE, _l("Counsel"), choices=COUNSEL_LABELS, blank=True),
        Column("counsel_from", DATETIME, _l("Counsel first available")),
        Column("verdict", CHOICE, _l("Verdict"), choices=VERDICT_LABELS, default="pending"),
        Column("sentence", TEXT, _l("Sentence"), max_length=500),
        Column(
            "sentence_months",
            INTEGER,
            _l("Sentence in months"),
            minimum=0,
            maximum=1200,
            range_message=_l("A number of months from 0 to 1200."),
            help=_l("For counting: 0 for a fine or suspended sentence."),
        ),
        Column(
            "conviction_basis",
            CHOICES,
            _l("The conviction rests mainly on"),
            choices=CONVICTION_BASIS_LABELS,
            doc="Only with the verdict convicted.",
        ),
    ),
    writers="leads of the trial's mission",
    extra_read={
        "trial": UUID,
        "custody_hours": {
            "type": "object",
            "description": "Hours from actual apprehension to registration and to a judge (null if "
            "a time is missing); more than 48 or 72 is a concern.",
            "properties": {
                "to_registration": {"type": ["number", "null"]},
                "to_judge": {"type": ["number", "null"]},
            },
        },
    },
)

RECORDS = {r.name: r for r in (MISSION, TRIAL, DEFENDANT)}
