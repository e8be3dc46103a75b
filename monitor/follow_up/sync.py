"""Bundles of what comes after the courtroom (kinds ``follow_up`` and ``legal_assessment``): what the
importer checks before writing one (monitor.sync.importer calls :func:`authorize`).

Both are a lead's records: one is imported only when its author is a lead of the mission and the
importer manages it (a lead, or an administrator bringing a lead's bundle in, as for reconciliations);
an observer's bundle carrying one is refused whole. Its values must be those the pages would save. A
follow-up event names an allegation of its own trial that is here or in the bundle; once entered it never
changes except to be withdrawn, and a withdrawn event stays withdrawn. A legal assessment has the natural
uuid of its trial and right, and a conclusion the scale allows for it. The exporter sends them in a
lead's bundles only (an observer's bundle carries the records they wrote: none of these).
"""

from .. import checklists, records
from ..permissions import membership, role_in_mission
from ..sync.bundle import BundleError, Refused
from . import legal
from . import records as follow_up

KINDS = ("follow_up", "legal_assessment")


def authorize(db, user: dict, kind: str, content: dict, local: dict | None, mission_id, record_uuid) -> None:
    """Refuse (:class:`Refused`, :class:`BundleError`) what the pages would not let ``user`` save."""
    author = records.get(db, "user", str(content.get("recorded_by_uuid") or ""))
    if (
        mission_id is None
        or role_in_mission(db, mission_id, user) not in ("admin", "lead")
        or author is None
        or membership(db, mission_id, author) != "lead"
    ):
        raise Refused(
            f"The bundle carries a lead's {kind.replace('_', ' ')} ({record_uuid}); only a lead of the "
            "mission writes one, and only a lead or an administrator imports it: refused."
        )
    for name, value in content.items():
        if value is not None and not isinstance(value, str):
            raise BundleError(f"The {kind} {record_uuid} has an unreadable {name}.")
    trial = records.get(db, "trial", content["trial_uuid"] or "")
    if trial is None:
        raise BundleError(f"The {kind.replace('_', ' ')} {record_uuid} names a trial that is not here.")
    if kind == "legal_assessment":
        if legal.assessment_uuid(trial["uuid"], content["right_key"] or "") != record_uuid:
            raise BundleError(
                f"The legal assessment {record_uuid} does not have the uuid of its trial and right."
            )
        mission = records.existing(db, "mission", trial["mission_id"])
        known = {r["key"] for r in legal.rights(checklists.of(mission))}
        try:
            legal.clean(content, known)
        except legal.AssessmentError as error:
            raise BundleError(
                f"The legal assessment {record_uuid} has a value the page refuses ({error.code})."
            ) from None
        return
    try:
        follow_up.clean(content)
    except follow_up.FollowUpError as error:
        raise BundleError(
            f"The follow-up event {record_uuid} has a value the page refuses in {error.code}."
        ) from None
    allegation = records.get(db, "allegation", content["allegation_uuid"] or "")
    if allegation is None:
        raise BundleError(
            f"The follow-up event {record_uuid} names an allegation that is neither here nor in the bundle."
        )
    if allegation["trial_id"] != trial["id"]:
        raise Refused(f"The follow-up event {record_uuid} names an allegation of another trial: refused.")
    if local is None:
        return
    unchanged = all(local[name] == content[name] for name in (*follow_up.FIELDS, "allegation_uuid"))
    if not unchanged or (local["withdrawn_at"] and not content["withdrawn_at"]):
        raise Refused(
            f"The bundle changes the follow-up event {record_uuid}; an event is only ever withdrawn: refused."
        )
