"""The reports' parts after the courtroom: the allegations' follow-up in the mission report (counts only,
in every edition: no name, no date, no source of an event leaves this way), and a trial's legal assessment
in the trial report (the reasoning not in the public edition; who assessed in the internal one only)."""

from flask_babel import gettext as _

from ...findings.follow_up import sentences as follow_up_sentences
from ...follow_up.labels import CONCLUSION_LABELS, GRADE_CRITERIA, GRADE_LABELS
from .blocks import DASH, Block, Section, Table, cited, note, sentences, text


def with_follow_up(section: Section, report, found: dict) -> Section:
    """The torture section with the follow-up's counts after its own (when anyone alleged torture)."""
    counts = found["torture"].get("follow_up")
    lines = follow_up_sentences(counts) if counts else []
    if lines:
        section.blocks += [
            text(_("After the courtroom")),
            sentences([cited(report, line, refs) for line, refs in lines]),
        ]
    return section


def legal_assessment_section(data: dict, lang: str) -> Section | None:
    """The lead's conclusion per right and the overall grade, apart from the findings."""
    assessment = data.get("legal_assessment")
    if not assessment:
        return None
    internal = data["profile"] == "internal"
    blocks = [
        text(
            _(
                "The mission's legal assessment of the trial: a conclusion on each right, with its "
                "reasoning and references. It is the mission's judgement on what was observed, not an "
                "observation."
            )
        )
    ]
    overall = assessment.get("overall")
    if overall:
        grade = str(GRADE_LABELS.get(overall["conclusion"], overall["conclusion"]))
        blocks.append(text(_("Overall grade: %(grade)s.", grade=grade)))
        blocks.append(note(str(GRADE_CRITERIA.get(overall["conclusion"], ""))))
        if overall["reasoning"]:
            blocks.append(text(overall["reasoning"]))
    rows = []
    for entry in assessment["rights"]:
        label = entry["label"].get(lang) if entry["label"] else entry["key"]
        row = [
            label,
            str(CONCLUSION_LABELS.get(entry["conclusion"], entry["conclusion"])),
            entry["reasoning"] or DASH,
            entry["refs"] or DASH,
        ]
        if internal:
            row.append(f"{entry['recorded_by']}, {entry['updated_at']}")
        rows.append(row)
    if rows:
        head = [_("Right"), _("Conclusion"), _("Reasoning"), _("References")]
        widths: tuple[float, ...] = (0.22, 0.14, 0.46, 0.18)
        if internal:
            head.append(_("Assessed by"))
            widths = (0.2, 0.13, 0.38, 0.15, 0.14)
        blocks.append(Block("table", Table(head, rows, widths=widths)))
    if data["profile"] == "public":
        blocks.append(note(_("The reasoning is in the internal and partner editions.")))
    return Section(_("Legal assessment"), blocks, ident="legal-assessment")
