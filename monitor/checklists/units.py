"""Which items of a checklist are facts of the defendant's case file (issue #11, docs/units.md step 3)."""

from .model import Checklist, Item
from .registry import available

# The checklist whose ``unit: case`` declarations say which keys of an older checklist are case facts.
CASE_REFERENCE = ("fair_trial", 2)


def case_items(checklist: Checklist) -> list[Item]:
    """The items of ``checklist`` kept in the case file, in file order (so grouped by stage).

    A checklist that declares units: its ``case`` items that are answered (no ``home``). An older one
    (v1): its per-defendant items whose key the reference checklist (fair_trial v2, installed) declares an
    answered ``case`` item, so missions of both versions have a case file, in their own words.
    """
    if checklist.declares_units:
        return [item for item in checklist.items_at("case") if item.home is None]
    return [item for item in checklist.items if item.scope == "defendant" and item.key in case_keys()]


def case_keys() -> frozenset[str]:
    """The keys the reference checklist keeps in the case file (empty if it is not installed)."""
    for candidate in available():
        if (candidate.id, candidate.version) == CASE_REFERENCE:
            return frozenset(item.key for item in candidate.items_at("case") if item.home is None)
    return frozenset()
