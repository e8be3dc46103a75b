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

from .model import ANSWERS, LANGUAGES, SCOPES, YESNO, Checklist, Item, Option, Stage, Text

WORD = re.compile(r"[a-z][a-z0-9_]*")
POSITIVE = re.compile(r"[1-9][0-9]*")
NULL = "tag:yaml.org,2002:null"
INT = "tag:yaml.org,2002:int"

CHECKLIST_FIELDS = ("id", "version", "title", "stages", "items")
STAGE_FIELDS = ("key", "label")
ITEM_FIELDS = ("key", "stage", "scope", "answer", "concern", "label", "help", "finding", "refs")
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

        items: dict[str, Item] = {}
        for index, node in enumerate(self.sequence(fields["items"], "items"), 1):
            item = self.item(node, index, tuple(stages))
            if item.key in items:
                self.fail(node, f"item {item.key!r} is given twice")
            items[item.key] = item
        return Checklist(
            checklist_id, int(version.value), title, tuple(stages.values()), tuple(items.values()), self.path
        )

    def stage(self, node: Node, index: int) -> Stage:
        where = _name(node, "stage", index)
        fields = self.fields(node, where, STAGE_FIELDS)
        return Stage(self.word(fields["key"], where, "key"), self.text(fields["label"], f"{where} label"))

    def item(self, node: Node, index: int, stages: tuple[str, ...]) -> Item:
        where = _name(node, "item", index)
        fields = self.fields(node, where, ITEM_FIELDS, optional=("options",))
        answer = self.one_of(fields["answer"], where, "answer type", ANSWERS)
        options = self.options(fields.get("options"), where, answer, fields["answer"])
        allowed = ("yes", "no") if answer == "yesno" else tuple(option.value for option in options)
        return Item(
            key=self.word(fields["key"], where, "key"),
            stage=self.one_of(fields["stage"], where, "stage", stages),
            scope=self.one_of(fields["scope"], where, "scope", SCOPES),
            answer=answer,
            concern=self.concern(fields["concern"], where, answer, allowed),
            options=options,
            label=self.text(fields["label"], f"{where} label"),
            help=self.text(fields["help"], f"{where} help"),
            finding=self.text(fields["finding"], f"{where} finding"),
            refs=tuple(value for _, value in self.strings(fields["refs"], where, "refs", "legal reference")),
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
        for value_node, value in values:
            if value in allowed:
                continue
            if answer in ("number", "text"):
                problem = f"a {answer} answer cannot be a concern (write concern: [])"
            elif value in YESNO:
                problem = f"concern {value!r} is not allowed (only yes or no can be a concern)"
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
            name = key_node.value if isinstance(key_node, ScalarNode) else None
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
