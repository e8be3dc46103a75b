"""The tables of a data export, column by column: names, what each holds, and how to fill a row.

The CSV and Excel writers (exports.py) and the answer tables (answer_tables.py) describe their columns
here, so the README, the About sheet and the files themselves never disagree.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..cases.forms import SOURCE_LABELS
from ..missions.labels import (
    CONVICTION_BASIS_LABELS,
    COUNSEL_LABELS,
    DETENTION_LABELS,
    SEX_LABELS,
    TRIAL_STATUS_LABELS,
    VERDICT_LABELS,
)
from ..observe.fields import ALLEGATION, HEARING, PROVENANCE, WITNESS

HEARING_STATUS_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted"),
    "returned": _l("Returned"),
    "approved": _l("Approved"),
}
REVIEW_LABELS = {"approved": _l("Approved"), "returned": _l("Returned"), "comment": _l("Comment")}
ITEM, ANSWER = "checklist item", "checklist answer"  # labels that come from the checklist, not a dict


@dataclass(frozen=True)
class Column:
    """One column of an exported table.

    ``kind`` is text, uuid, integer, flag (0/1), list (a JSON list of keys), date, datetime, time, or
    derived (computed for the CSV and Excel files only). ``labels`` adds a ``<name>_label`` column.
    """

    name: str
    about: str
    kind: str = "text"
    labels: Mapping | str | None = None

    @property
    def label_name(self) -> str:
        return self.name.removesuffix("_key") + "_label"


def _c(name, about, kind="text", labels=None) -> Column:
    return Column(name, about, kind, labels)


def _choices(fields: dict, name: str) -> dict:
    return fields[name].choices


UUID = _c("uuid", "The record's unique id; other tables refer to it.", "uuid")
HEARING_UUID = _c("hearing_uuid", "The hearing (hearings.uuid).", "uuid")


def _person_columns(reason: str) -> tuple:
    """The witness's own fields, the same in the per-appearance table and the persons table."""
    return (
        _c("side", "Who called the witness.", labels=_choices(WITNESS, "side")),
        _c("anonymous", "1 if the witness testified anonymously.", "flag"),
        _c("anonymity_reason", reason),
        _c(
            "identity_known_to_defence",
            "Whether the defence knew the identity.",
            labels=_choices(WITNESS, "identity_known_to_defence"),
        ),
        _c("voice_hidden", "1 if the voice was disguised.", "flag"),
        _c("image_hidden", "1 if the face was hidden.", "flag"),
        _c(
            "police_officer",
            "Whether the witness is a police officer.",
            labels=_choices(WITNESS, "police_officer"),
        ),
    )


TABLE_ABOUT = {
    "trials": "One row per trial the mission follows.",
    "defendants": "One row per defendant, with custody times, counsel and verdict.",
    "sittings": "One row per court sitting (trial, date, session) observed at least once: the unit the "
    "findings count. Each observation of it is a row of hearings.",
    "hearings": "One row per observation of a court sitting: an observer's report that was submitted "
    "(drafts are left out). Two observers at one sitting are two rows with the same sitting_uuid.",
    "presence": "Which defendants were present at which hearing.",
    "answers": "One row per checklist answer: per hearing, per defendant or per witness.",
    "witnesses": "One row per witness heard at a hearing (person_uuid: the same person at every sitting).",
    "witness_persons": "One row per witness as a person in the trial, heard at one or more observed "
    "sittings (the findings count these).",
    "witness_appearances": "One row per witness heard at an observation of a sitting: the person and where.",
    "allegations": "One row per allegation of torture or ill-treatment raised at a hearing.",
    "notes": "Time-stamped notes typed during hearings.",
    "reviews": "Mission leads' decisions on hearing reports.",
    "reconciliations": "A lead's reconciled answer where observations of one sitting disagreed: the "
    "findings count this answer.",
    "case_facts": "The defendants' case files: one row per defendant and fact of the case, its current "
    "value, its source and where it was learned.",
    "case_fact_history": "Every earlier value of a case fact, with its source, where it was learned and "
    "why it changed (who recorded and changed it: internal exports only).",
    "hearing_answers": "One row per hearing; one column per question asked about the hearing as a whole.",
    "defendant_answers": "One row per defendant at each hearing (present or not); one column per question "
    "asked about each defendant.",
    "witness_answers": "One row per witness heard; one column per question asked about each witness.",
    "answer_notes": "The answers that carry a note or a source, that a lead commented on, or that answer a "
    "question the mission's checklist no longer has: one per row, like answers.csv.",
}
COLUMNS: dict[str, tuple[Column, ...]] = {
    "trials": (
        UUID,
        _c("title", "The trial's name as the mission uses it (names in it replaced in public exports)."),
        _c("court", "The court (names in it replaced in public exports)."),
        _c("case_number", "The court's case number (removed in public exports)."),
        _c("judges", "The judges, as entered (removed in public exports)."),
        _c("prosecutor", "The prosecutor, as entered (removed in public exports)."),
        _c("charges", "The charges, as entered (removed in public exports)."),
        _c("status", "Stage of the case.", labels=TRIAL_STATUS_LABELS),
    ),
    "defendants": (
        UUID,
        _c("trial_uuid", "The trial (trials.uuid).", "uuid"),
        _c("position", "Order of the defendant in the trial.", "integer"),
        _c("name", "Name (a pseudonym in public exports)."),
        _c(
            "pseudonym",
            "The lead's pseudonym for public reports (in public exports: the pseudonym used, as in name).",
        ),
        _c("sex", "Sex.", labels=SEX_LABELS),
        _c("age", "Age in years.", "integer"),
        _c("charges", "This defendant's charges."),
        _c("apprehended_at", "When apprehended (local time, as entered).", "datetime"),
        _c("arrest_registered_at", "When the arrest was registered (local time).", "datetime"),
        _c("first_judge_at", "When first brought before a judge (local time).", "datetime"),
        _c("pretrial_detention", "Pre-trial detention.", labels=DETENTION_LABELS),
        _c("counsel", "Defence counsel.", labels=COUNSEL_LABELS),
        _c("counsel_from", "When counsel was first available (local time).", "datetime"),
        _c("verdict", "Verdict.", labels=VERDICT_LABELS),
        _c("sentence", "Sentence, in words."),
        _c("sentence_months", "Sentence in months.", "integer"),
        _c(
            "conviction_basis",
            "What the conviction rested on (JSON list of keys).",
            "list",
            CONVICTION_BASIS_LABELS,
        ),
    ),
    "sittings": (
        UUID,
        _c("trial_uuid", "The trial (trials.uuid).", "uuid"),
        _c("sitting_date", "Date of the sitting.", "date"),
        _c("session", "The session that day (1 unless the court sat more than once).", "integer"),
        _c("courtroom", "Courtroom (removed in public exports)."),
        _c("judge", "Presiding judge (removed in public exports)."),
        _c(
            "observations",
            "How many observations of the sitting were submitted (rows of hearings).",
            "integer",
        ),
        _c(
            "disputed_open",
            "Items on which submitted or approved observations of the sitting disagree and no lead has "
            "reconciled them: the findings leave them out.",
            "integer",
        ),
    ),
    "hearings": (
        UUID,
        _c("trial_uuid", "The trial (trials.uuid).", "uuid"),
        _c("hearing_date", "Date of the hearing.", "date"),
        _c("start_time", "When it started (local time).", "time"),
        _c("end_time", "When it ended (local time).", "time"),
        _c("courtroom", "Courtroom."),
        _c("judge", "Presiding judge, as the observer wrote it (removed in public exports)."),
        _c("public_access", "Whether the public was admitted.", labels=_choices(HEARING, "public_access")),
        _c(
            "observers_admitted",
            "Whether observers were admitted.",
            labels=_choices(HEARING, "observers_admitted"),
        ),
        _c("access_note", "What happened about access."),
        _c("present", "Who was present."),
        _c("summary", "What happened at the hearing."),
        _c("status", "Review state of the report.", labels=HEARING_STATUS_LABELS),
        _c("checklist_id", "The checklist the answers follow."),
        _c("checklist_version", "Its version.", "integer"),
        _c("submitted_at", "When the report was submitted (UTC).", "datetime"),
        _c("observer_uuid", "The observer's account (a pseudonym in public exports).", "uuid"),
        _c("observer", "The observer's name (a pseudonym in public exports)."),
        _c("sitting_uuid", "The court sitting this is an observation of (sittings.uuid).", "uuid"),
    ),
    "presence": (
        HEARING_UUID,
        _c("defendant_uuid", "The defendant (defendants.uuid).", "uuid"),
        _c("present", "1 if the defendant was present, 0 if not.", "flag"),
    ),
    "answers": (
        UUID,
        HEARING_UUID,
        _c("subject_uuid", "Whom the answer is about: defendants.uuid, witnesses.uuid, or empty.", "uuid"),
        _c("scope", "What the item is asked about: hearing, defendant or witness.", "derived"),
        _c("item_key", "The checklist item's stable key.", labels=ITEM),
        _c(
            "value",
            "The answer's stable value (yes, no, unclear, not_observed, an option, a number).",
            labels=ANSWER,
        ),
        _c("concern", "1 if the answer counts against the standard in the findings, 0 if not.", "derived"),
        _c("note", "The observer's note on the answer."),
        _c("provenance", "Where the observer has it from.", labels=PROVENANCE),
    ),
    "witnesses": (
        UUID,
        HEARING_UUID,
        _c(
            "person_uuid",
            "The witness as a person in the trial: the same for every sitting they were heard at.",
            "uuid",
        ),
        _c("label", "How reports refer to the witness."),
        _c("identity", "Name and role (removed for anonymous witnesses outside internal exports)."),
        *_person_columns("Reason given for anonymity."),
        _c("against", "Defendants the witness testified against (JSON list of defendants.uuid).", "list"),
        _c("testimony", "The testimony in short."),
    ),
    "witness_persons": (
        _c("uuid", "The person (witnesses.person_uuid).", "uuid"),
        _c("trial_uuid", "The trial (trials.uuid).", "uuid"),
        _c("label", "How reports refer to the witness (a pseudonym in public exports)."),
        _c(
            "identity",
            "Name and role (removed for anonymous witnesses outside internal exports, and "
            "for every witness in public exports).",
        ),
        *_person_columns("Reason given for anonymity (removed in public exports)."),
        _c("appearances", "At how many observations of sittings the witness was heard.", "integer"),
    ),
    "witness_appearances": (
        _c("uuid", "The appearance (witnesses.uuid).", "uuid"),
        _c("person_uuid", "The person (witness_persons.uuid).", "uuid"),
        HEARING_UUID,
        _c("sitting_uuid", "The sitting (sittings.uuid).", "uuid"),
        _c("sitting_date", "Date of the sitting.", "date"),
    ),
    "allegations": (
        UUID,
        HEARING_UUID,
        _c("alleged_by", "Who raised the allegation.", labels=_choices(ALLEGATION, "alleged_by")),
        _c("defendant_uuid", "The defendant concerned (defendants.uuid), if any.", "uuid"),
        _c("witness_uuid", "The witness concerned (witnesses.uuid), if any.", "uuid"),
        _c("stage", "Stage of the proceedings.", labels=_choices(ALLEGATION, "stage")),
        _c("place_type", "Kind of place.", labels=_choices(ALLEGATION, "place_type")),
        _c("place", "The place, in words."),
        _c(
            "registered_at_time",
            "Officially registered as detained at the time.",
            labels=_choices(ALLEGATION, "registered_at_time"),
        ),
        _c("lawyer_present", "A lawyer was present.", labels=_choices(ALLEGATION, "lawyer_present")),
        _c("methods", "Methods alleged (JSON list of keys).", "list", _choices(ALLEGATION, "methods")),
        _c("methods_other", "Other methods, in words."),
        _c("perpetrators", "Perpetrators named (removed outside internal exports)."),
        _c(
            "perpetrators_testified",
            "A named perpetrator testified.",
            labels=_choices(ALLEGATION, "perpetrators_testified"),
        ),
        _c("purpose", "Purpose alleged (JSON list of keys).", "list", _choices(ALLEGATION, "purpose")),
        _c("medical_examined", "Medically examined.", labels=_choices(ALLEGATION, "medical_examined")),
        _c("medical_by", "Examined by."),
        _c(
            "medical_independent",
            "By an independent doctor.",
            labels=_choices(ALLEGATION, "medical_independent"),
        ),
        _c(
            "istanbul_consistency",
            "Medical evidence, in Istanbul Protocol terms.",
            labels=_choices(ALLEGATION, "istanbul_consistency"),
        ),
        _c("raised_to", "Raised with whom, and when."),
        _c(
            "court_response",
            "The court's response (JSON list of keys).",
            "list",
            _choices(ALLEGATION, "court_response"),
        ),
        _c("investigation", "Investigation and outcome."),
        _c("outcome", "Outcome."),
        _c("reprisals", "Reprisals."),
        _c("source", "Source of the information.", labels=_choices(ALLEGATION, "source")),
        _c("confidentiality", "Confidentiality asked for.", labels=_choices(ALLEGATION, "confidentiality")),
        _c("account", "What the person said."),
        _c("created_at", "When the allegation was recorded (UTC).", "datetime"),
        _c("updated_at", "When it was last changed (UTC).", "datetime"),
        _c("version", "How many times it was saved.", "integer"),
    ),
    "notes": (
        UUID,
        HEARING_UUID,
        _c("typed_at", "When the note was typed (UTC).", "datetime"),
        _c("text", "The note."),
        _c("publishable", "1 if the observer marked the note as publishable.", "flag"),
    ),
    "reviews": (
        UUID,
        HEARING_UUID,
        _c("decision", "The lead's decision.", labels=REVIEW_LABELS),
        _c("comment", "The lead's comment."),
        _c("answer_uuid", "The answer commented on (answers.uuid), if any.", "uuid"),
        _c("created_at", "When (UTC).", "datetime"),
        _c("reviewer", "The reviewing lead (removed in public exports)."),
    ),
    "reconciliations": (
        UUID,
        _c("sitting_uuid", "The sitting (sittings.uuid).", "uuid"),
        _c("sitting_date", "Date of the sitting.", "date"),
        _c("subject_uuid", "Whom the answer is about: defendants.uuid, witnesses.uuid, or empty.", "uuid"),
        _c("item_key", "The checklist item's stable key.", labels=ITEM),
        _c("value", "The reconciled answer's stable value.", labels=ANSWER),
        _c("reason", "Why the lead chose it (removed in public exports)."),
        _c("decided_by_uuid", "The lead who decided (internal exports only).", "uuid"),
        _c("decided_by", "The lead who decided (internal exports only)."),
        _c("updated_at", "When it was last decided (UTC).", "datetime"),
    ),
    "case_facts": (
        UUID,
        _c("defendant_uuid", "The defendant (defendants.uuid).", "uuid"),
        _c("item_key", "The fact: the checklist item's stable key.", labels=ITEM),
        _c("value", "Its value's stable key (yes, no, an option, a number).", labels=ANSWER),
        _c("note", "The recorder's note (removed in public exports)."),
        _c(
            "source",
            "Where it comes from: observed, court_record (both established), counsel, "
            "defendant, family, prosecution, official, other (alleged).",
            labels=SOURCE_LABELS,
        ),
        _c("learned_at_hearing_uuid", "The observation it was learned at (hearings.uuid), if any.", "uuid"),
        _c("learned_at_date", "The date of that sitting.", "date"),
        _c("learned_from", "The document it was learned from (removed in public exports)."),
        _c("recorded_by_uuid", "Who recorded the current value (internal exports only).", "uuid"),
        _c("recorded_by", "Who recorded the current value (internal exports only)."),
        _c("updated_at", "When the current value was recorded (UTC).", "datetime"),
        _c("version", "How many times the fact was saved.", "integer"),
    ),
    "case_fact_history": (
        UUID,
        _c("case_fact_uuid", "The fact (case_facts.uuid).", "uuid"),
        _c("defendant_uuid", "The defendant (defendants.uuid).", "uuid"),
        _c("item_key", "The fact: the checklist item's stable key.", labels=ITEM),
        _c("value", "The earlier value's stable key.", labels=ANSWER),
        _c("note", "The note it had (removed in public exports)."),
        _c("source", "Its source, as in case_facts.source.", labels=SOURCE_LABELS),
        _c("learned_at_hearing_uuid", "The observation it was learned at (hearings.uuid), if any.", "uuid"),
        _c("learned_at_date", "The date of that sitting.", "date"),
        _c("learned_from", "The document it was learned from (removed in public exports)."),
        _c("recorded_by_uuid", "Who recorded it (internal exports only).", "uuid"),
        _c("recorded_by", "Who recorded it (internal exports only)."),
        _c("recorded_at", "When it was recorded (UTC).", "datetime"),
        _c("changed_by_uuid", "Who replaced it (internal exports only).", "uuid"),
        _c("changed_by", "Who replaced it (internal exports only)."),
        _c("changed_at", "When it was replaced (UTC).", "datetime"),
        _c("reason", "Why it was replaced (removed in public exports)."),
    ),
}


class Columns:
    """One table's columns as written (label and derived columns included) and how to fill each row.

    ``sample`` is one row of the table (or ``None``): a column it has that :data:`COLUMNS` does not
    describe is written too.
    """

    def __init__(self, name: str, sample: dict | None, checklist, lang: str):
        self.name = name
        known = COLUMNS[name]
        extra = [key for key in (sample or {}) if key not in {c.name for c in known}]
        self.source = (*known, *(Column(key, "Not described yet.") for key in extra))
        self.columns: list[Column] = []
        for column in self.source:
            self.columns.append(column)
            if column.labels is not None:
                about = f"{column.name} in words ({lang}); the stable key stays in {column.name}."
                self.columns.append(Column(column.label_name, about, "label"))
        self._items = {item.key: item for item in checklist.items} if checklist else {}
        self._seen_labels: dict[tuple, str] = {}  # see _label
        self._seen_derived: dict[tuple, str | int] = {}
        self._lang = lang
        with force_locale(lang):  # resolved once: millions of rows must not go through Babel each
            self._labels = {
                c.name: {code: str(text) for code, text in c.labels.items()}
                for c in self.source
                if isinstance(c.labels, Mapping)
            }

    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def cells(self, row: dict) -> list:
        """The row's values in column order, label and derived columns filled in."""
        values: list[object] = []
        for column in self.source:
            if column.kind == "derived":
                values.append(self._derived(column.name, row))
                continue
            value = row.get(column.name)
            values.append(value)
            if column.labels is not None:
                values.append(self._label(column, value, row))
        return values

    def _label(self, column: Column, value, row: dict) -> str:
        if not value:
            return ""
        # Worked out once per code: the answers table repeats a few codes millions of times.
        key = (column.name, row["item_key"], value) if column.labels == ANSWER else (column.name, value)
        label = self._seen_labels.get(key)
        if label is None:
            label = self._word(column, value, row)
            if len(self._seen_labels) < 100_000:
                self._seen_labels[key] = label
        return label

    def _word(self, column: Column, value, row: dict) -> str:
        if column.labels == ITEM:
            item = self._items.get(value)
            return item.label.get(self._lang) if item else ""
        if column.labels == ANSWER:
            item = self._items.get(row["item_key"])
            return item.value_label(value, self._lang) if item else value
        labels = self._labels[column.name]
        if column.kind == "list":
            return "; ".join(labels.get(code, code) for code in json.loads(value))
        return labels.get(value, value)

    def _derived(self, name: str, row: dict) -> str | int:
        key = (name, row.get("item_key"), row.get("value"))
        derived = self._seen_derived.get(key)
        if derived is None:
            item = self._items.get(row.get("item_key"))
            if item is None:
                derived = ""
            elif name == "scope":
                derived = item.scope
            else:
                derived = int(item.is_concern(row["value"])) if row["value"] else ""
            if len(self._seen_derived) < 100_000:
                self._seen_derived[key] = derived
        return derived
