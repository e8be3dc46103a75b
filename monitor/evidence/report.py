"""The annex of evidence files in a mission's or a trial's report: listed, never embedded.

``build.build_report`` puts :func:`records.annex` (already cut to the edition) into the dataset as
``evidence``; :func:`annex_section` turns it into the report's last annex, naming each record a file hangs
on as the edition names it (a defendant by their public name in a public edition).
"""

from flask_babel import gettext as _

from ..reports.render.blocks import DASH, Block, Section, Table, note, text
from . import files


def annex_section(data: dict) -> Section | None:
    annexed = data.get("evidence") or []
    if not annexed:
        return None
    public = data.get("profile") == "public"
    defendants = {d["uuid"]: d.get("name") or DASH for d in data.get("defendants", [])}
    witnesses = {w.get("person_uuid"): w.get("label") or DASH for w in data.get("witnesses", [])}
    rows = []
    for item in annexed:
        attached = {
            "defendant": lambda i: _("Case file: %(name)s", name=defendants.get(i["defendant_uuid"], DASH)),
            "sitting": lambda i: _("Sitting of %(date)s", date=i["sitting_date"]),
            "witness": lambda i: _("Witness %(label)s", label=witnesses.get(i["witness_uuid"], DASH)),
            "allegation": lambda i: _("Allegation, hearing of %(date)s", date=i["allegation_date"] or DASH),
        }[item["attached_to"]](item)
        row = [item["kind"], files.size_label(item["size"]), item["sha256"], attached]
        rows.append(row if public else [item["filename"], *row])
    head = [_("Kind"), _("Size"), "SHA-256", _("Attached to")]
    widths: tuple[float, ...] = (0.08, 0.1, 0.52, 0.3)
    if not public:
        head, widths = [_("File"), *head], (0.2, 0.07, 0.08, 0.4, 0.25)
    blocks = [
        text(
            _(
                "Files kept with the mission's records. Each is identified by its SHA-256: a copy with the "
                "same SHA-256 is the same file, byte for byte. The files themselves are not part of this "
                "report."
            )
        ),
        Block("table", Table(head, rows, widths=widths, css="evidence-annex")),
    ]
    if public:
        blocks.append(
            note(
                _(
                    "File names are not given in this edition; files that could identify a witness are "
                    "not listed."
                )
            )
        )
    return Section(_("Annex: evidence files"), blocks, ident="annex-evidence")
