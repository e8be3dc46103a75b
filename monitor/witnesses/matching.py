"""How per-hearing witnesses are matched into persons: by the recorder's label within a trial.

Used by migration ``m013_witness_persons`` and by the import of format-1 bundles, so both match alike.
Plain functions, no Flask: the migration runs outside the app.
"""

import re
import unicodedata

# The fields of the person (trial-level): who the witness is. The appearance keeps the rest.
PERSON_FIELDS = (
    "label",
    "identity",
    "side",
    "anonymous",
    "anonymity_reason",
    "identity_known_to_defence",
    "voice_hidden",
    "image_hidden",
    "police_officer",
)
APPEARANCE_FIELDS = ("against", "testimony")
# Flags: ticked at any appearance means ticked for the person (an unticked box says nothing).
FLAG_FIELDS = ("anonymous", "voice_hidden", "image_hidden")
# The labels the form gives a new witness ("W1", "W2", …): not chosen by anyone, so they say nothing
# about who the witness is, and never match one witness to another.
DEFAULT_LABEL = re.compile(r"^w\d+$")

# Why a person is flagged for a lead (``witness.review``).
NO_LABEL = "no_label"  # empty or the form's default label: nothing to match on
LABEL_CONFLICT = "label_conflict"  # the same label with another side or anonymity
FIELDS_DIFFER = "fields_differ"  # the same label, side and anonymity, but other values that differ


def normalise(label: str | None) -> str:
    """NFC, casefolded, whitespace trimmed and collapsed."""
    return " ".join(unicodedata.normalize("NFC", label or "").casefold().split())


def matchable(label: str | None) -> bool:
    key = normalise(label)
    return bool(key) and not DEFAULT_LABEL.match(key)


def group(rows: list[dict]) -> list[tuple[list[dict], str]]:
    """Per-hearing witness rows of ONE trial (each with every person and appearance field, ``recorded_by``
    and ``hearing_date``), grouped into persons: ``[(rows of one person, review flag or "")]``.

    Rows with the same normalised label, side and anonymity become one person, unless another value of
    the person (identity, reason, …) is set differently in two of them. Where unsure they stay apart and
    are flagged: no label (or the form's default), the same label with another side or anonymity, or
    values that differ."""
    persons: list[tuple[list[dict], str]] = []
    by_label: dict[str, list[dict]] = {}
    for row in rows:
        if not matchable(row.get("label")):
            persons.append(([row], NO_LABEL))
        else:
            by_label.setdefault(normalise(row["label"]), []).append(row)
    for label_rows in by_label.values():
        kinds: dict[tuple, list[dict]] = {}
        for row in label_rows:
            kinds.setdefault((row.get("side") or "", int(bool(row.get("anonymous")))), []).append(row)
        conflict = len(kinds) > 1
        for same in kinds.values():
            if len(same) > 1 and differing(same):
                persons.extend(([row], FIELDS_DIFFER) for row in same)
            else:
                persons.append((same, LABEL_CONFLICT if conflict else ""))
    persons.sort(key=lambda p: (p[0][0].get("hearing_date") or "", p[0][0].get("id") or 0))
    return persons


def differing(rows: list[dict]) -> list[str]:
    """The person fields set to two different (non-empty) values among these rows."""
    names = []
    for name in PERSON_FIELDS:
        if name in FLAG_FIELDS or name == "label":
            continue
        values = {row.get(name) for row in rows if row.get(name) not in (None, "")}
        if len(values) > 1:
            names.append(name)
    return names


def person_values(rows: list[dict]) -> dict:
    """The person made of these rows: each field's non-empty value (the latest appearance's first), flags
    ticked if ticked at any appearance; the label as the first appearance typed it."""
    ordered = sorted(rows, key=lambda r: (r.get("hearing_date") or "", r.get("id") or 0))
    person = {"label": ordered[0].get("label") or ""}
    for name in PERSON_FIELDS:
        if name == "label":
            continue
        if name in FLAG_FIELDS:
            person[name] = int(any(row.get(name) for row in rows))
        else:
            person[name] = next(
                (row[name] for row in reversed(ordered) if row.get(name) not in (None, "")), ""
            )
    return person
