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


def homes(checklist: Checklist) -> dict[str, Item]:
    """Item key → the item declaring the record field that holds its fact (``item.home``).

    A checklist that declares units: its own ``home`` declarations. An older one (v1) asked these facts
    as answers *and* kept them in a record (the allegation records, the defendant's conviction basis, the
    observation's public access): the reference checklist's homes for the same keys say which record, so
    findings can read both places for those missions (see monitor/findings/aggregate.py ``home_units``);
    the reference's item says how the record's values read (which are a concern).
    """
    if checklist.declares_units:
        return {item.key: item for item in checklist.items if item.home}
    own = {item.key for item in checklist.items}
    for candidate in available():
        if (candidate.id, candidate.version) == CASE_REFERENCE:
            return {item.key: item for item in candidate.items if item.home and item.key in own}
    return {}


def case_keys() -> frozenset[str]:
    """The keys the reference checklist keeps in the case file (empty if it is not installed)."""
    for candidate in available():
        if (candidate.id, candidate.version) == CASE_REFERENCE:
            return frozenset(item.key for item in candidate.items_at("case") if item.home is None)
    return frozenset()
