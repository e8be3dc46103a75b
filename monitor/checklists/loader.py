"""Read checklist files and refuse bad ones with the file and line at fault.

The YAML is composed into nodes (which remember their line) and walked here by hand, rather than
loaded into plain dicts, so that every message can point at the line to fix. Scalars are read as
written, so ``concern: [no]`` means the answer ``no`` and not YAML 1.1's ``false``.
"""

import difflib
import os
import re
from pathlib import Path
from typing import NoReturn

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from ..i18n import LANGUAGES
from .model import (
    ANSWERS,
    HOME_FIELDS,
    HOME_RECORDS,
    NOT_ANSWERED,
    SCOPES,
    SOURCES,
    UNIT_SCOPE,
    UNITS,
    YESNO,
    YESNO_LABELS,
    Checklist,
    Item,
    Option,
    Stage,
    Text,
)

WORD = re.compile(r"[a-z][a-z0-9_]*")
POSITIVE = re.compile(r"[1-9][0-9]*")
# home: <record>, <record>.<field> or <record>.<field>=<value> (docs/checklists.md, "Homes")
HOME = re.compile(r"([a-z][a-z0-9_]*)(?:\.([a-z][a-z0-9_]*)(?:=([a-z][a-z0-9_]*))?)?")
NULL = "tag:yaml.org,2002:null"
INT = "tag:yaml.org,2002:int"

CHECKLIST_FIELDS = ("id", "version", "title", "stages", "items")
STAGE_FIELDS = ("key", "label")
ITEM_FIELDS = ("key", "stage", "answer", "concern", "label", "help", "finding", "refs")
# scope (v1) or unit (a checklist that declares units: every item has one, none has scope)
ITEM_OPTIONAL = ("scope", "unit", "home", "source", "options")
OPTION_FIELDS = ("value", "label")


class ChecklistError(ValueError):
    """A checklist file that cannot be used; ``str(error)`` is ``"<file>:<line>: <message>"``."""

    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(path, line, message)
        self.path, self.line, self.message = path, line, message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def load(path: str | os.PathLike) -> Checklist:
    """Read and check one checklist file; :class:`ChecklistError` names the first problem and its line.

    A file that cannot be read at all raises :class:`OSError`.
    """
    path = os.fspath(path)
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ChecklistError(path, data[: error.start].count(b"\n") + 1, "not UTF-8 text") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        context = f" ({error.context})" if error.context else ""
        message = f"not valid YAML: {error.problem}{context}"
        raise ChecklistError(path, mark.line + 1 if mark else 1, message) from None
    except ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise ChecklistError(path, line, f"not valid YAML: {error.reason}") from None
    if root is None:
        raise ChecklistError(path, 1, "the file is empty")
    return _Reader(path).checklist(root)


class _Reader:
    """Turns the nodes of one file into a :class:`Checklist`, failing at the first problem."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.units_from: str | None = None  # the first item that gives unit:, as messages name it

    def fail(self, node: Node, message: str) -> NoReturn:
        raise ChecklistError(self.path, node.start_mark.line + 1, message)

    def checklist(self, root: Node) -> Checklist:
        fields = self.fields(root, "checklist", CHECKLIST_FIELDS)
        checklist_id = self.word(fields["id"], "checklist", "id")
        version = fields["version"]
        if not (isinstance(version, ScalarNode) and version.tag == INT and POSITIVE.fullmatch(version.value)):
            self.fail(version, f"version must be a positive whole number, not {_shown(version)}")
        title = self.text(fields["title"], "title")

        stages: dict[str, Stage] = {}
        for index, node in enumerate(self.sequence(fields["stages"], "stages"), 1):
            stage = self.stage(node, index)
            if stage.key in stages:
                self.fail(node, f"stage {stage.key!r} is given twice")
            stages[stage.key] = stage

        item_nodes = self.sequence(fields["items"], "items")
        for index, node in enumerate(item_nodes, 1):
            if _field(node, "unit") is not None:
                self.units_from = f"{_name(node, 'item', index)}, line {node.start_mark.line + 1}"
                break
        items: dict[str, Item] = {}
        homes = _Homes(self)
        for index, node in enumerate(item_nodes, 1):
            item = self.item(node, index, tuple(stages))
            if item.key in items:
                self.fail(node, f"item {item.key!r} is given twice")
            items[item.key] = item
            homes.add(item, _field(node, "home") or node)
        return Checklist(
            checklist_id,
            int(version.value),
            title,
            tuple(stages.values()),
            tuple(items.values()),
            self.path,
            declares_units=self.units_from is not None,
        )

    def stage(self, node: Node, index: int) -> Stage:
        where = _name(node, "stage", index)
        fields = self.fields(node, where, STAGE_FIELDS)
        return Stage(self.word(fields["key"], where, "key"), self.text(fields["label"], f"{where} label"))

    def item(self, node: Node, index: int, stages: tuple[str, ...]) -> Item:
        where = _name(node, "item", index)
        fields = self.fields(node, where, ITEM_FIELDS, optional=ITEM_OPTIONAL)
        key = self.word(fields["key"], where, "key")
        stage = self.one_of(fields["stage"], where, "stage", stages)
        scope, unit = self.scope_and_unit(node, fields, where)
        home = self.home(fields.get("home"), where, unit)
        answer = self.one_of(fields["answer"], where, "answer type", ANSWERS)
        options = self.options(fields.get("options"), where, answer, fields["answer"])
        if answer == "choice" and self.units_from is not None and home is None:
            self.not_answered_options(fields["options"], where, options)
        allowed = ("yes", "no") if answer == "yesno" else tuple(option.value for option in options)
        sources: tuple[str, ...] = ()
        if "source" in fields:
            sources = tuple(
                self.one_of(n, where, "source", SOURCES)
                for n, _ in self.strings(fields["source"], where, "source", "source")
            )
        return Item(
            key=key,
            stage=stage,
            scope=scope,
            answer=answer,
            concern=self.concern(fields["concern"], where, answer, allowed),
            options=options,
            label=self.text(fields["label"], f"{where} label"),
            help=self.text(fields["help"], f"{where} help"),
            finding=self.text(fields["finding"], f"{where} finding"),
            refs=tuple(value for _, value in self.strings(fields["refs"], where, "refs", "legal reference")),
            unit=unit or "",
            home=home,
            sources=sources,
        )

    def scope_and_unit(self, node: Node, fields: dict[str, Node], where: str) -> tuple[str, str | None]:
        """A v1 item gives its scope; in a checklist that declares units every item gives its unit instead."""
        if self.units_from is None:
            if "scope" not in fields:
                self.fail(node, f"{where}: missing 'scope'")
            return self.one_of(fields["scope"], where, "scope", SCOPES), None
        if "scope" in fields:
            self.fail(
                fields["scope"],
                f"{where}: give unit, not scope: this checklist declares units ({self.units_from}), "
                "and the scope follows from the unit",
            )
        if "unit" not in fields:
            self.fail(node, f"{where}: missing 'unit' (this checklist declares units: {self.units_from})")
        unit = self.one_of(fields["unit"], where, "unit", UNITS)
        return UNIT_SCOPE[unit], unit

    def home(self, node: Node | None, where: str, unit: str | None) -> str | None:
        """The record field a fact lives in instead of an answer: ``<record>[.<field>[=<value>]]``."""
        if node is None:
            return None
        value = self.string(node, f"{where}: home")
        if unit is None:
            self.fail(node, f"{where}: home is only for a checklist that declares units (give unit:)")
        match = HOME.fullmatch(value)
        if not match:
            self.fail(
                node,
                f"{where}: home {value!r} must read <record>.<field> or <record>.<field>=<value> "
                "(snake_case words)",
            )
        record, field, _value = match.groups()
        if record not in HOME_RECORDS:
            known = ", ".join(HOME_RECORDS)
            self.fail(node, f"{where}: unknown record {record!r} in home (expected one of: {known})")
        if unit not in HOME_RECORDS[record]:
            self.fail(
                node,
                f"{where}: a {unit} fact cannot live in the {record} record "
                f"(the {record} record holds {' and '.join(HOME_RECORDS[record])} facts)",
            )
        if field is None and record != "allegation":
            self.fail(node, f"{where}: home {value!r} must name a field of the record ({record}.<field>)")
        if field is not None and field not in HOME_FIELDS.get(record, ()):
            kept = ", ".join(f"{record}.{name}" for name in HOME_FIELDS.get(record, ())) or "none"
            self.fail(
                node, f"{where}: the app keeps no field {field!r} in the {record} record (it keeps: {kept})"
            )
        return value

    def not_answered_options(self, node: Node, where: str, options: tuple[Option, ...]) -> None:
        """In a checklist that declares units, a choice offers "Unclear" and "Not observed" like a yes/no."""
        by_value = {option.value: option for option in options}
        for value in NOT_ANSWERED:
            if value not in by_value:
                self.fail(
                    node,
                    f"{where}: a choice needs the options {' and '.join(NOT_ANSWERED)}, as every question "
                    f"offers them (missing {value!r})",
                )
            if by_value[value].label != YESNO_LABELS[value]:
                expected = YESNO_LABELS[value]
                option_node = next(
                    n for n in node.value if getattr(_field(n, "value"), "value", None) == value
                )
                self.fail(
                    option_node,
                    f"{where}: option {value!r} must be labelled as everywhere else: "
                    f"{expected.en} / {expected.ru} / {expected.kk}",
                )

    def options(self, node: Node | None, where: str, answer: str, answer_node: Node) -> tuple[Option, ...]:
        if answer != "choice":
            if node is not None:
                self.fail(node, f"{where}: options are only for answer: choice (this item is {answer})")
            return ()
        if node is None:
            self.fail(answer_node, f"{where}: answer: choice needs a list of options")
        options: dict[str, Option] = {}
        for index, option_node in enumerate(self.sequence(node, f"{where} options"), 1):
            fields = self.fields(option_node, f"{where} option {index}", OPTION_FIELDS)
            value = self.word(fields["value"], f"{where} option {index}", "value")
            if value in options:
                self.fail(option_node, f"{where}: option {value!r} is given twice")
            options[value] = Option(value, self.text(fields["label"], f"{where} option {value!r} label"))
        if len(options) < 2:
            self.fail(node, f"{where}: a choice needs at least two options")
        return tuple(options.values())

    def concern(self, node: Node, where: str, answer: str, allowed: tuple[str, ...]) -> frozenset[str]:
        values = self.strings(node, where, "concern", "answer", allow_empty=True)
        allowed = tuple(value for value in allowed if value not in NOT_ANSWERED)
        for value_node, value in values:
            if value in allowed:
                continue
            if answer in ("number", "text"):
                problem = f"a {answer} answer cannot be a concern (write concern: [])"
            elif value in YESNO and answer == "yesno":
                problem = f"concern {value!r} is not allowed (only yes or no can be a concern)"
            elif value in NOT_ANSWERED:
                problem = f"concern {value!r} is not allowed (unclear and not observed are never a concern)"
            else:
                problem = (
                    f"concern {value!r} is not one of the answers (expected one of: {', '.join(allowed)})"
                )
            self.fail(value_node, f"{where}: {problem}")
        return frozenset(value for _, value in values)

    def text(self, node: Node, where: str) -> Text:
        fields = self.fields(node, where, LANGUAGES)
        return Text(*(self.string(fields[lang], f"{where} ({lang})") for lang in LANGUAGES))

    def fields(self, node: Node, where: str, required: tuple[str, ...], optional=()) -> dict[str, Node]:
        """The mapping's values by field name; unknown, repeated and missing fields are errors."""
        if not isinstance(node, MappingNode):
            self.fail(node, f"{where} must be a mapping of {', '.join(required)}, not {_shown(node)}")
        allowed, found = (*required, *optional), {}
        for key_node, value_node in node.value:
            name = key_node.value if isinstance(key_node, ScalarNode) else ""
            if name not in allowed:
                hint = difflib.get_close_matches(str(name), allowed, n=1)
                guess = f"did you mean {hint[0]!r}? " if hint else ""
                self.fail(key_node, f"{where}: unknown field {name!r} ({guess}allowed: {', '.join(allowed)})")
            if name in found:
                self.fail(key_node, f"{where}: field {name!r} is given twice")
            found[name] = value_node
        for name in required:
            if name not in found:
                self.fail(node, f"{where}: missing {name!r}")
        return found

    def sequence(self, node: Node, where: str, allow_empty: bool = False) -> list[Node]:
        if isinstance(node, ScalarNode) and node.tag == NULL:
            node = SequenceNode("tag:yaml.org,2002:seq", [], node.start_mark, node.end_mark)
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{where} must be a list, not {_shown(node)}")
        if not node.value and not allow_empty:
            self.fail(node, f"{where} is empty")
        return node.value

    def strings(
        self, node: Node, where: str, field: str, what: str, allow_empty=False
    ) -> list[tuple[Node, str]]:
        """A list of distinct texts (concern values, refs), each with its node for later messages."""
        values: list[tuple[Node, str]] = []
        for value_node in self.sequence(node, f"{where}: {field}", allow_empty):
            value = self.string(value_node, f"{where}: each {what} in {field}")
            if value in (seen for _, seen in values):
                self.fail(value_node, f"{where}: {field} gives {value!r} twice")
            values.append((value_node, value))
        return values

    def string(self, node: Node, where: str) -> str:
        if not isinstance(node, ScalarNode) or node.tag == NULL or not node.value.strip():
            self.fail(node, f"{where} must be a non-empty text, not {_shown(node)}")
        return node.value.strip()

    def word(self, node: Node, where: str, field: str) -> str:
        value = self.string(node, f"{where}: {field}")
        if not WORD.fullmatch(value):
            self.fail(node, f"{where}: {field} {value!r} must be a snake_case word (a-z, 0-9 and _)")
        return value

    def one_of(self, node: Node, where: str, field: str, choices: tuple[str, ...]) -> str:
        value = self.string(node, f"{where}: {field}")
        if value not in choices:
            self.fail(node, f"{where}: unknown {field} {value!r} (expected one of: {', '.join(choices)})")
        return value


class _Homes:
    """Every fact's one home: two items about the same subject may not keep their fact in one place."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.seen: dict[tuple[str, str], tuple[str, int]] = {}
        self.fields: dict[tuple[str, str], tuple[str, int, bool]] = {}

    def add(self, item: Item, node: Node) -> None:
        line = node.start_mark.line + 1
        where = f"item {item.key!r}"
        key = (item.subject, item.where)
        if key in self.seen:
            other, other_line = self.seen[key]
            self.reader.fail(
                node,
                f"{where}: {item.where!r} is already the home of item {other!r} (line {other_line}); "
                "a fact has one home",
            )
        self.seen[key] = (item.key, line)
        field, _sep, value = item.where.partition("=")
        previous = self.fields.get((item.subject, field))
        if previous and (previous[2] or not value):
            other, other_line, _ = previous
            self.reader.fail(
                node,
                f"{where}: {item.where!r} overlaps the home of item {other!r} (line {other_line}): one "
                f"item keeps the whole field {field!r}, the other one of its values; a fact has one home",
            )
        self.fields.setdefault((item.subject, field), (item.key, line, not value))


def _field(node: Node, name: str) -> Node | None:
    """The value node of ``name`` in a mapping node, or ``None``."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value == name:
                return value_node
    return None


def _name(node: Node, kind: str, index: int) -> str:
    """How messages name a stage or item: by its key when it has one (``item 'foo'``), else by position."""
    if isinstance(node, MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "key" and isinstance(value_node, ScalarNode) and value_node.value:
                return f"{kind} {value_node.value!r}"
    return f"{kind} {index}"


def _shown(node: Node) -> str:
    """A short description of what was found instead, for messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "nothing" if node.tag == NULL else repr(node.value)
