"""The fair-trial checklist engine: checklists are YAML data, loaded and checked here.

Other code imports from this package only; the modules behind it may change. The file format and the
rules for versions are in ``docs/checklists.md``.
"""

from ..i18n import LANGUAGES
from .cli import checklist_validate_command
from .loader import ChecklistError, load
from .model import (
    ANSWERS,
    SCOPES,
    SOURCES,
    UNITS,
    YESNO,
    YESNO_LABELS,
    Checklist,
    Item,
    Option,
    Stage,
    Text,
)
from .registry import available, get, is_offered, of, offered
from .units import case_items, case_keys, homes

__all__ = [
    "ANSWERS",
    "LANGUAGES",
    "SCOPES",
    "SOURCES",
    "UNITS",
    "YESNO",
    "YESNO_LABELS",
    "Checklist",
    "ChecklistError",
    "Item",
    "Option",
    "Stage",
    "Text",
    "available",
    "case_items",
    "homes",
    "case_keys",
    "checklist_validate_command",
    "get",
    "is_offered",
    "load",
    "of",
    "offered",
]
