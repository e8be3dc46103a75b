"""Bundles of the recommendations register (issue #14): what the importer checks before writing one
(monitor.sync.importer calls :func:`authorize`).

A mission's bundle from a lead (or an administrator) carries the mission's country (``mission_country``),
that country's recommendations and official statistics, the mission's assessments with their evidence
links, and its submission's new recommendations per theme. Recommendations and statistics belong to a
country, not to a mission: they travel with every mission reporting on that country, and one is written
here only when it is of the country of the bundle's mission. An observer's bundle carries none of them
(the exporter sends them from leads only) and one that does is refused whole.

Each is imported only when the importer manages the mission (a lead, or an administrator bringing a
lead's bundle in) and the bundle comes from a lead of the mission or an administrator; an assessment
must be a lead's. Its values must be those the pages would save. A recommendation, an assessment, a
mission's country and a theme's text have natural uuids, so importing them twice, or the same
recommendation from two missions, makes one record.
"""

import json

from .. import records
from ..ids import natural_uuid
from ..permissions import membership, role_in_mission
from ..sync.bundle import BundleError, Refused
from . import records as register

KINDS = (
    "mission_country",
    "recommendation",
    "official_statistic",
    "assessment",
    "assessment_link",
    "submission_theme",
)
LINK_MODES = ("", "live", "frozen")
NAMES = {
    "mission_country": "mission's country",
    "recommendation": "recommendation",
    "official_statistic": "official statistic",
    "assessment": "assessment of a recommendation",
    "assessment_link": "evidence linked to an assessment",
    "submission_theme": "submission's new recommendations",
}


def authorize(
    db, user: dict, sender_uuid: str, kind: str, content: dict, mission_id, record_uuid: str
) -> None:
    """Refuse (:class:`Refused`, :class:`BundleError`) what the pages would not let the sender save."""
    sender = records.get(db, "user", sender_uuid or "")
    if (
        mission_id is None
        or role_in_mission(db, mission_id, user) not in ("admin", "lead")
        or sender is None
        or role_in_mission(db, mission_id, sender) not in ("admin", "lead")
    ):
        raise Refused(
            f"The bundle carries a {NAMES[kind]} ({record_uuid}); only a lead of the mission writes the "
            "recommendations register, and only a lead or an administrator imports it: refused."
        )
    mission = records.existing(db, "mission", mission_id)
    if kind == "mission_country":
        _check(
            kind, record_uuid, lambda: register.country_code(content["country_code"]), content, "country_code"
        )
        if record_uuid != natural_uuid("mission_country", mission["uuid"]):
            raise BundleError(f"The mission's country {record_uuid} does not have the uuid of its mission.")
        return
    if kind == "submission_theme":
        _strings(kind, record_uuid, content)
        if len(content["new_recommendations"] or "") > register.MAX_REASONING:
            raise BundleError(f"The {NAMES[kind]} {record_uuid} is longer than the page allows.")
        if record_uuid != natural_uuid("submission_theme", mission["uuid"], content["theme"]):
            raise BundleError(f"The {NAMES[kind]} {record_uuid} does not have the uuid of its theme.")
        return
    if kind == "assessment_link":
        _link(content, record_uuid)
        return
    country = register.mission_country(db, mission_id)
    if kind in ("recommendation", "official_statistic"):
        _strings(kind, record_uuid, content, but=("value",))
        themes = _themes(kind, record_uuid, content["themes"])
        clean = register.recommendation_fields if kind == "recommendation" else register.statistic_fields
        try:
            cleaned = clean({**content, "themes": themes})
        except ValueError as error:
            raise BundleError(
                f"The {NAMES[kind]} {record_uuid} has a value the page refuses ({error})."
            ) from None
        if any(cleaned[name] != content[name] for name in cleaned):
            raise BundleError(
                f"The {NAMES[kind]} {record_uuid} has a value the page would not save as it is."
            )
        if cleaned["country"] != country:
            raise Refused(
                f"The {NAMES[kind]} {record_uuid} is of another country than the mission's "
                f"({country or 'none'}): refused."
            )
        if kind == "recommendation" and cleaned["identifier"]:
            clash = next(
                db.query(
                    "SELECT uuid FROM recommendation WHERE country = ? AND body = ? AND identifier = ? "
                    "AND uuid != ?",
                    [cleaned["country"], cleaned["body"], cleaned["identifier"], record_uuid],
                ),
                None,
            )
            if clash:
                raise BundleError(
                    f"The recommendation {record_uuid} has the identifier {cleaned['identifier']} of another "
                    f"recommendation here ({clash['uuid']})."
                )
        return
    # an assessment: a lead's, of a recommendation of the mission's country, with a status the page offers
    _strings(kind, record_uuid, content)
    author = records.get(db, "user", content["assessed_by_uuid"] or "")
    if author is None or membership(db, mission_id, author) != "lead":
        raise Refused(f"The assessment {record_uuid} is not a lead's of the mission: refused.")
    if content["status"] not in register.STATUSES:
        raise BundleError(
            f"The assessment {record_uuid} has a status the page refuses ({content['status']!r}); "
            f"allowed: {', '.join(register.STATUSES)}."
        )
    cycle = (content["cycle"] or "").strip()
    if not cycle or cycle != content["cycle"] or len(content["reasoning"] or "") > register.MAX_REASONING:
        raise BundleError(f"The assessment {record_uuid} has a cycle or reasoning the page refuses.")
    recommendation = records.get(db, "recommendation", content["recommendation_uuid"] or "")
    if recommendation is None or recommendation["country"] != country:
        raise Refused(f"The assessment {record_uuid} is of a recommendation of another country: refused.")
    if record_uuid != register.assessment_uuid(mission, recommendation, cycle):
        raise BundleError(
            f"The assessment {record_uuid} does not have the uuid of its mission, recommendation and cycle."
        )


def _check(kind: str, record_uuid: str, clean, content: dict, name: str) -> None:
    try:
        value = clean()
    except (ValueError, TypeError, AttributeError):
        value = None
    if value != content[name]:
        raise BundleError(f"The {NAMES[kind]} {record_uuid} has a value the page refuses in {name}.")


def _strings(kind: str, record_uuid: str, content: dict, but: tuple[str, ...] = ()) -> None:
    for name, value in content.items():
        if name not in but and value is not None and not isinstance(value, str):
            raise BundleError(f"The {NAMES[kind]} {record_uuid} has an unreadable {name}.")


def _themes(kind: str, record_uuid: str, value) -> list[str]:
    try:
        themes = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        themes = None
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        raise BundleError(f"The {NAMES[kind]} {record_uuid} has unreadable themes.")
    return themes


def _link(content: dict, record_uuid: str) -> None:
    """A link as the assessment page saves it: a kind it offers, a live or frozen count, its filters."""
    what = NAMES["assessment_link"]
    try:
        filters = json.loads(content["filters"]) if isinstance(content["filters"], str) else None
    except ValueError:
        filters = None
    numbers_ok = all(
        content[name] is None or (isinstance(content[name], int) and not isinstance(content[name], bool))
        for name in ("frozen_count", "frozen_of")
    )
    if (
        content["kind"] not in register.LINK_KINDS
        or content["mode"] not in LINK_MODES
        or not isinstance(filters, dict)
        or not numbers_ok
        or (content["mode"] == "frozen" and (not content["frozen_at"] or content["frozen_count"] is None))
        or (content["kind"] == "finding") != bool(content["mode"])
    ):
        raise BundleError(f"The {what} {record_uuid} has a value the page refuses.")
    _strings("assessment_link", record_uuid, content, but=("frozen_count", "frozen_of"))
