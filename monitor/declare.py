"""One declaration per record type: its columns (type, limits, label, choices) and who may write it.

This module is the small layer that reads a declaration; the declarations themselves sit beside the
labels of their area (monitor/missions/declarations.py: MISSION, TRIAL, DEFENDANT). Everything that
describes one of those record types is derived from its :class:`Record`:

- the pages' forms (``monitor/missions/forms.py``): :meth:`Record.form_base` makes the WTForms fields,
  their required/length/range rules and labels;
- the API's validation (``monitor/api/resources.py``): the JSON body is checked by those same forms, and
  :meth:`Record.json_kinds` says which JSON type each writable field takes;
- the values stored from a valid form (``monitor/missions/routes.py``, the API): :meth:`Record.values`;
- the API's serialisation (``monitor/api/serialize.py``): :attr:`Record.stored` names the columns shown;
- the sync conflict page's labels (``monitor/sync/routes.py``): :attr:`Column.label`, ``choice_labels``;
- the OpenAPI document (``monitor/api/spec.py``): :meth:`Record.input_schema`, :meth:`Record.change_schema`
  and :meth:`Record.read_properties`;
- the bundle schema (``monitor/sync/schema.json``) is written by hand for readers outside; a test
  (tests/test_declarations.py) checks that it carries every stored column with a type that agrees.

A new column is then: one :class:`Column` in the declaration, one migration step, the template line that
shows it, and its entry in the published bundle schema (docs/declarations.md lists them).
See docs/declarations.md for why this is a small layer of our own and not a library.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

# Kinds of column. ``pick`` is a choice whose options are known only at run time (a mission's checklist).
TEXT, LONGTEXT, DATE, DATETIME, CHOICE, CHOICES, INTEGER, PICK = (
    "text",
    "longtext",
    "date",
    "datetime",
    "choice",
    "choices",
    "integer",
    "pick",
)
KINDS = (TEXT, LONGTEXT, DATE, DATETIME, CHOICE, CHOICES, INTEGER, PICK)

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[T ]([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"
TOO_LONG = _l("At most %(max)d characters.")
REQUIRED = _l("This field is required.")


class DeclaredLength(Length):
    """The longest text a column takes, read from the column itself whenever a form checks or renders it
    (the API's validation is the form's): the same object the OpenAPI document reads."""

    def __init__(self, column: "Column"):
        self.column, self.min, self.message = column, -1, TOO_LONG

    @property
    def max(self):  # type: ignore[override]
        return self.column.max_length

    @property
    def field_flags(self):  # type: ignore[override]
        return {"maxlength": self.column.max_length}


class DeclaredRange(NumberRange):
    """A whole number's range, read from the column whenever a form checks or renders it."""

    def __init__(self, column: "Column"):
        self.column, self.message = column, column.range_message

    @property
    def min(self):  # type: ignore[override]
        return self.column.minimum

    @property
    def max(self):  # type: ignore[override]
        return self.column.maximum

    @property
    def field_flags(self):  # type: ignore[override]
        return {"min": self.column.minimum, "max": self.column.maximum}


@dataclass(frozen=True)
class Column:
    """One field of a record type, as the form asks it, the API takes it and the database keeps it."""

    name: str
    kind: str
    label: Any  # a lazy string: the form's label, in the reader's language
    max_length: int | None = None  # text and longtext
    required: bool = False
    choices: dict | None = None  # value -> lazy label (choice, choices)
    blank: bool = False  # a choice that may be left "not known"
    default: Any = None
    minimum: int | None = None  # integer
    maximum: int | None = None
    range_message: Any = None
    help: Any = None  # the form's description under the field
    doc: str = ""  # what the OpenAPI document says beyond the label
    pattern: str | None = None  # pick: what a value looks like
    writable: bool = True  # False: stored and shown, set by the server (a defendant's position)
    stored: bool = True  # False: taken by the form, kept in other columns (a mission's checklist)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.kind in (TEXT, LONGTEXT) and not self.max_length:
            raise ValueError(f"{self.name}: text needs a max_length")

    # The form ----------------------------------------------------------------------------------------

    def form_field(self):
        """The unbound WTForms field: label, required or optional, length and range rules, choices."""
        kwargs: dict = {}
        if self.help is not None:
            kwargs["description"] = self.help
        if self.default is not None:
            kwargs["default"] = self.default
        first = InputRequired(REQUIRED) if self.required else Optional()
        if self.kind in (TEXT, LONGTEXT):
            validators = [first, DeclaredLength(self)]
            if self.kind == LONGTEXT:
                return TextAreaField(self.label, validators=validators, render_kw={"rows": 3}, **kwargs)
            return StringField(self.label, validators=validators, **kwargs)
        if self.kind == DATE:
            return DateField(self.label, validators=[first], **kwargs)
        if self.kind == DATETIME:
            return DateTimeLocalField(self.label, validators=[first], **kwargs)
        if self.kind == INTEGER:
            return IntegerField(self.label, validators=[first, DeclaredRange(self)], **kwargs)
        if self.kind == CHOICE:
            options = [SelectChoice(v, label) for v, label in self.choice_labels.items()]
            validators = [Optional()] if self.blank else []
            return SelectField(self.label, choices=options, validators=validators, **kwargs)
        if self.kind == CHOICES:
            return SelectMultipleField(
                self.label,
                choices=[SelectChoice(v, label) for v, label in (self.choices or {}).items()],
                widget=ListWidget(prefix_label=False),
                option_widget=CheckboxInput(),
                validators=[Optional()],
                **kwargs,
            )
        return SelectField(self.label, **kwargs)  # PICK: its choices are set by the view

    @property
    def choice_labels(self) -> dict:
        """Each stored code and its label, as the form offers them ("" first, for a blank choice)."""
        return {**({"": _l("— not known —")} if self.blank else {}), **(self.choices or {})}

    # JSON ----------------------------------------------------------------------------------------------

    @property
    def json_kind(self) -> str:
        """What the API takes for it: ``text`` (a string or null), ``number`` (a whole number or null) or
        ``list`` (a list of strings)."""
        return {INTEGER: "number", CHOICES: "list"}.get(self.kind, "text")

    def input_schema(self) -> dict:
        """The JSON Schema of a value the API accepts for this column."""
        blank = [{"type": "string", "maxLength": 0}, {"type": "null"}]
        if self.kind in (TEXT, LONGTEXT):
            if self.required:
                schema: dict = {"type": "string", "minLength": 1, "maxLength": self.max_length}
            else:
                schema = {"type": ["string", "null"], "maxLength": self.max_length}
        elif self.kind == DATE:
            schema = {"anyOf": [{"type": "string", "format": "date"}, *blank]}
        elif self.kind == DATETIME:
            schema = {
                "anyOf": [{"type": "string", "pattern": DATETIME_PATTERN}, *blank],
                "description": "Local time as YYYY-MM-DDTHH:MM.",
            }
        elif self.kind == INTEGER:
            schema = {"type": ["integer", "null"], "minimum": self.minimum, "maximum": self.maximum}
        elif self.kind == CHOICE:
            schema = {"enum": [*(self.choices or {}), *(["", None] if self.blank else [])]}
        elif self.kind == CHOICES:
            schema = {"type": "array", "items": {"enum": list(self.choices or {})}}
        else:
            schema = {"type": "string", "pattern": self.pattern or ".*"}
        return self._described(schema)

    def read_schema(self) -> dict:
        """The JSON Schema of the value the API shows."""
        if self.kind in (TEXT, LONGTEXT):
            kind = "string" if self.required else ["string", "null"]
            schema: dict = {"type": kind, "maxLength": self.max_length}
        elif self.kind == INTEGER:
            schema = {"type": ["integer", "null"]}
        elif self.kind == CHOICES:
            schema = {"type": "array", "items": {"type": "string"}}
        elif self.kind == CHOICE and not self.blank:
            schema = {"type": "string"}
        else:
            schema = {"type": ["string", "null"]}
        return self._described(schema)

    def _described(self, schema: dict) -> dict:
        parts = (f"{self.label}.", self.doc, schema.get("description", ""))
        return {**schema, "description": " ".join(part for part in parts if part)}


@dataclass(frozen=True)
class Record:
    """A record type: its columns in form order, who may write it, and what the API adds when it shows one."""

    name: str  # the table
    columns: tuple[Column, ...]
    writers: str  # who may write it, as the OpenAPI document says (the rule itself: monitor/permissions.py)
    extra_read: dict = field(default_factory=dict)  # name -> read schema of what the API adds

    def __getitem__(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def writable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.writable)

    @property
    def stored(self) -> tuple[str, ...]:
        """The database columns the API shows, in order."""
        return tuple(c.name for c in self.columns if c.stored)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.writable if c.required)

    def form_base(self) -> type:
        """A FlaskForm class with a field for every writable column; a page's form subclasses it and adds
        its submit button and the rules between fields (an end date after the start)."""
        return type(
            f"{self.name.title()}Fields", (FlaskForm,), {c.name: c.form_field() for c in self.writable}
        )

    def values(self, form) -> dict:
        """The values to store from a validated form of this record: text trimmed (a long text kept as
        typed), dates and times as ISO text or None, a list of choices as JSON text. Columns the form
        takes but keeps elsewhere (a mission's checklist) are left to the caller."""
        out: dict = {}
        for column in self.writable:
            data = form[column.name].data
            if not column.stored:
                continue
            if column.kind == TEXT:
                out[column.name] = (data or "").strip()
            elif column.kind == DATE:
                out[column.name] = data.isoformat() if data else None
            elif column.kind == DATETIME:
                out[column.name] = data.isoformat(timespec="minutes") if data else None
            elif column.kind == CHOICES:
                out[column.name] = json.dumps(data or [])
            elif column.kind == INTEGER:
                out[column.name] = data
            else:
                out[column.name] = data or ""
        return out

    def json_kinds(self) -> dict[str, str]:
        return {c.name: c.json_kind for c in self.writable}

    def input_schema(self) -> dict:
        """A create body: only these fields; the required ones needed."""
        return {
            "type": "object",
            "description": f"Written by the {self.writers} (decided in monitor/permissions.py).",
            "properties": {c.name: c.input_schema() for c in self.writable},
            "required": list(self.required),
            "additionalProperties": False,
        }

    def change_schema(self) -> dict:
        """A PATCH body: any of the writable fields, and the version read."""
        return {
            "type": "object",
            "description": f"Changed by the {self.writers} (decided in monitor/permissions.py).",
            "properties": {
                **{c.name: c.input_schema() for c in self.writable},
                "version": {
                    "type": ["integer", "null"],
                    "description": "The version read (or send it as If-Match); null or absent: no check.",
                },
            },
            "additionalProperties": False,
        }

    def read_properties(self) -> dict:
        return {**{c.name: c.read_schema() for c in self.columns if c.stored}, **self.extra_read}
