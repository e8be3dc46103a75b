"""What became of the allegations, counted per person alleging: "an investigation was opened for 3 of 27
people who alleged torture or ill-treatment".

The people are the findings' own ``torture.persons_alleging`` (each defendant or witness person once,
however many records repeat the allegation); a person counts for an event when any of their allegations
in the mission has that event in its follow-up and the event is not withdrawn. The count is added to the
findings as ``torture.follow_up`` by :func:`add_to`, after the findings' memo, so a new event shows at
once (the memo's stamp does not read the follow-up table).
"""

from sqlite_utils import Database

from . import wording


def count(uuids, of: int | None = None) -> dict:
    """The shape of every number in the findings (as monitor.findings.aggregate.count)."""
    unique = sorted(set(u for u in uuids if u))
    return {"count": len(unique), "of": of, "uuids": unique}


# key in torture.follow_up → the event kinds that count for it
COUNTED = {
    "complaint_lodged": ("complaint_lodged",),
    "investigation_refused": ("investigation_refused",),
    "investigation_opened": ("investigation_opened",),
    "closed_without_charge": ("closed_without_charge",),
    "charges_brought": ("charges_brought",),
    "officials_convicted": ("officials_convicted",),
    "reprisals": ("reprisal",),
    "communicated_to_un": ("un_communication", "un_decision"),
}
REFS = {
    "complaint_lodged": ["CAT 13"],
    "investigation_opened": ["CAT 12", "CAT 13"],
    "charges_brought": ["CAT 4", "CAT 7"],
    "reprisals": ["CAT 13"],
    "communicated_to_un": ["CAT 22"],
}


def kinds_per_person(db: Database, mission_id: int, persons) -> dict[str, set[str]]:
    """person uuid → the kinds of the (not withdrawn) events of their allegations in the mission."""
    rows = db.query(
        """
        SELECT follow_up.kind, allegation.alleged_by, allegation.defendant_uuid,
               coalesce(witness.uuid, allegation.witness_uuid) AS witness_person
        FROM follow_up JOIN allegation ON allegation.uuid = follow_up.allegation_uuid
        JOIN trial ON trial.id = allegation.trial_id
        LEFT JOIN witness_appearance ON witness_appearance.uuid = allegation.witness_uuid
        LEFT JOIN witness ON witness.id = witness_appearance.witness_id
        WHERE trial.mission_id = ? AND follow_up.withdrawn_at IS NULL
        """,
        [mission_id],
    )
    wanted = set(persons)
    seen: dict[str, set[str]] = {}
    for row in rows:
        person = row["defendant_uuid"] if row["alleged_by"] == "defendant" else row["witness_person"]
        if person in wanted:
            seen.setdefault(person, set()).add(row["kind"])
    return seen


def counts(db: Database, mission_id: int, persons_alleging: dict) -> dict:
    """``torture.follow_up``: the people alleging, and of them those each kind of event concerns."""
    persons = persons_alleging["uuids"]
    seen = kinds_per_person(db, mission_id, persons)
    result = {"people_alleging": count(persons, of=None)}
    for key, kinds in COUNTED.items():
        result[key] = count([p for p, had in seen.items() if had & set(kinds)], of=len(persons))
    return result


def add_to(db: Database, data: dict, mission: dict) -> dict:
    """The findings ``data`` with ``torture.follow_up`` in them (computed now, never memoised)."""
    data["torture"]["follow_up"] = counts(db, mission["id"], data["torture"]["persons_alleging"])
    return data


# Sentences ---------------------------------------------------------------------------------------------


def sentences(follow_up: dict, html: bool = False, shown=None) -> list[tuple[str, list[str]]]:
    """(sentence, refs) for the findings page, its export and the mission report. ``shown`` maps a key
    of ``follow_up`` to what to print for its count (a link)."""
    shown = shown or {}
    total = wording.number(follow_up["people_alleging"])
    if not total:
        return []
    gettext, fill, number = wording.gettext, wording.fill, wording.number

    def show(key):
        return shown.get(key, number(follow_up[key]))

    people = wording.people_alleging_of(total)

    def line(message: str, key: str, **more) -> tuple[str, list[str]]:
        """One sentence of "``key``'s count of the people alleging" (and its ``more`` counts), with refs."""
        more = {name: show(other) for name, other in more.items()}
        text = fill(message, html, count=show(key), total=total, people_alleging=people, **more)
        return text, REFS[key]

    return [
        line(
            gettext("A complaint was lodged for %(count)s of %(total)s %(people_alleging)s"),
            "complaint_lodged",
        ),
        line(
            gettext(
                "An investigation was opened for %(count)s of %(total)s %(people_alleging)s; it was "
                "refused for %(refused)s"
            ),
            "investigation_opened",
            refused="investigation_refused",
        ),
        line(
            gettext(
                "Charges were brought against officials for %(count)s of %(total)s "
                "%(people_alleging)s; officials were convicted for %(convicted)s; cases were closed "
                "without charge for %(closed)s"
            ),
            "charges_brought",
            convicted="officials_convicted",
            closed="closed_without_charge",
        ),
        line(gettext("Reprisals were reported for %(count)s of %(total)s %(people_alleging)s"), "reprisals"),
        line(
            gettext("A UN body was seized of the case of %(count)s of %(total)s %(people_alleging)s"),
            "communicated_to_un",
        ),
    ]


def markdown_lines(torture: dict) -> list[str]:
    """The follow-up's sentences for the Markdown summary (``findings --format md``), after the torture
    section's own lines; nothing when nobody alleged torture."""
    from flask_babel import gettext as _

    lines = sentences(torture["follow_up"]) if "follow_up" in torture else []
    if not lines:
        return []
    return ["", "### " + _("After the courtroom"), ""] + [
        f"- {line} ({'; '.join(refs)})" for line, refs in lines
    ]
