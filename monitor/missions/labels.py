"""Translated labels for the coded values of missions, trials and defendants."""

from flask_babel import lazy_gettext as _l

TRIAL_STATUS_LABELS = {
    "pretrial": _l("Pre-trial"),
    "ongoing": _l("Trial ongoing"),
    "verdict": _l("Verdict given"),
    "appeal": _l("On appeal"),
    "closed": _l("Closed"),
}
SEX_LABELS = {"female": _l("Female"), "male": _l("Male"), "other": _l("Other")}
DETENTION_LABELS = {
    "custody": _l("In custody"),
    "house_arrest": _l("House arrest"),
    "bail": _l("Bail or other conditions"),
    "none": _l("Not detained"),
    "unknown": _l("Unknown"),
}
COUNSEL_LABELS = {
    "retained": _l("Retained lawyer"),
    "legal_aid": _l("Legal aid lawyer"),
    "none": _l("No lawyer"),
    "unknown": _l("Unknown"),
}
VERDICT_LABELS = {
    "pending": _l("Pending"),
    "convicted": _l("Convicted"),
    "acquitted": _l("Acquitted"),
    "discontinued": _l("Case discontinued"),
}
CONVICTION_BASIS_LABELS = {
    "confession": _l("Confession"),
    "anonymous_witness": _l("Anonymous witness"),
    "police_witnesses": _l("Police witnesses"),
    "documents": _l("Documents"),
    "other": _l("Other evidence"),
}
