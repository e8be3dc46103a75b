"""A hearing report: access, presence, the checklist answers by stage, witnesses, allegations, notes
and the review history."""

import json

from flask_babel import gettext as _
from flask_babel import ngettext

from ...observe.fields import ALLEGATION, HEARING, PROVENANCE, WITNESS
from ..redact import withheld
from .blocks import (
    DASH,
    NOT_ANSWERED,
    Block,
    Cell,
    Report,
    Section,
    Table,
    about_section,
    choice,
    fact_pairs,
    facts,
    note,
    people,
    profile_line,
    several,
    status_label,
    text,
    when,
    yes_no,
)

# A witness's facts after the identity, in the order the form asks them.
WITNESS_FACTS = (
    "side",
    "anonymous",
    "anonymity_reason",
    "identity_known_to_defence",
    "voice_hidden",
    "image_hidden",
    "police_officer",
    "against",
    "testimony",
)


def answer_table(checklist, scope: str, subject: str, answers: dict, lang: str) -> tuple[Table, int, int]:
    """The answers about one subject, by stage, with their legal references; how many are blank, and how
    many of those were answered "Not observed" (said apart: the observer was there and saw nothing)."""
    rows, blank, unseen = [], 0, 0
    for stage, items in checklist.by_stage(scope):
        stage_rows = []
        for item in items:
            answer = answers.get((subject, item.key))
            if not answer or answer["value"] in NOT_ANSWERED:
                blank += 1
                unseen += bool(answer and answer["value"] == "not_observed")
                continue
            source = PROVENANCE.get(answer["provenance"], "") if answer["provenance"] else ""
            remark = answer["note"] + (f" ({source})" if source else "")
            concern = item.is_concern(answer["value"])
            stage_rows.append(
                [
                    Cell(item.label.get(lang), note=" · ".join(item.refs)),
                    Cell(item.value_label(answer["value"], lang), tone="concern" if concern else ""),
                    remark.strip(),
                ]
            )
        if stage_rows:
            rows.append(stage.label.get(lang))
            rows += stage_rows
    table = Table([_("Question"), _("Answer"), _("Note")], rows, widths=(0.6, 0.15, 0.25), css="answers")
    return table, blank, unseen


def _answers_blocks(checklist, scope, subject, answers, lang) -> list[Block]:
    table, blank, unseen = answer_table(checklist, scope, subject, answers, lang)
    if not table.rows and unseen:
        return [
            note(
                ngettext(
                    "%(num)d question answered “Not observed”; none answered otherwise.",
                    "%(num)d questions answered “Not observed”; none answered otherwise.",
                    unseen,
                )
            )
        ]
    blocks = [Block("table", table)] if table.rows else [note(_("No question was answered."))]
    if blank and table.rows:
        blocks.append(
            note(
                ngettext(
                    "%(num)d question not answered or not observed.",
                    "%(num)d questions not answered or not observed.",
                    blank,
                )
            )
        )
    return blocks


def hearing_report(data: dict, lang: str, checklist) -> Report:
    hearing = data["hearings"][0]
    trial = next(t for t in data["trials"] if t["uuid"] == hearing["trial_uuid"])
    names = people(data)
    report = _heading(data, hearing, trial, lang, checklist)
    report.sections += [
        _access(hearing),
        _presence(data, hearing, names),
        *(
            [Section(str(HEARING["summary"].label), [text(hearing["summary"])], ident="summary")]
            if hearing["summary"]
            else []
        ),
        *_answer_sections(data, checklist, names, lang),
        *_witness_sections(data, checklist, names, lang),
        *_allegation_sections(data, names),
        _notes(data),
        _review(data, hearing),
        about_section(data, lang),
    ]
    return report


def _heading(data: dict, hearing: dict, trial: dict, lang: str, checklist) -> Report:
    times = "–".join(t for t in (hearing["start_time"], hearing["end_time"]) if t)
    profile = data["profile"]
    return Report(
        "hearing",
        lang,
        _("Hearing report"),
        f"{trial['title']} · {hearing['hearing_date']}",
        data["mission"]["name"],
        profile,
        profile_line(profile),
        fact_pairs(
            (_("Mission"), data["mission"]["name"]),
            (_("Trial"), trial["title"]),
            (_("Court"), trial["court"]),
            (_("Case number"), trial["case_number"]),
            (_("Date"), f"{hearing['hearing_date']} {times}".strip()),
            (_("Sitting"), sitting_line(data.get("sitting"))),
            (HEARING["courtroom"].label, hearing["courtroom"]),
            (HEARING["judge"].label, hearing["judge"]),
            (_("Observer"), hearing["observer"]),
            (_("Checklist"), f"{checklist.title.get(lang)}, v{checklist.version}"),
            (_("Status"), status_label(hearing["status"])),
        ),
    )


def sitting_line(sitting: dict | None) -> str:
    """The sitting this observation is one of: how many observed it, and what they still disagree on."""
    if sitting is None:
        return ""
    parts = [sitting["sitting_date"]]
    if sitting["session"] > 1:
        parts[0] += " · " + _("session %(n)d", n=sitting["session"])
    parts.append(
        ngettext("%(num)d counted observation", "%(num)d counted observations", sitting["observations"])
    )
    if sitting["disputed_open"]:
        parts.append(
            ngettext(
                "the observations disagree on %(num)d answer that no lead has reconciled yet",
                "the observations disagree on %(num)d answers that no lead has reconciled yet",
                sitting["disputed_open"],
            )
        )
    return "; ".join(parts)


def _access(hearing: dict) -> Section:
    pairs = [
        (HEARING[name].label, choice(HEARING[name], hearing[name]))
        for name in ("public_access", "observers_admitted")
    ]
    pairs.append((HEARING["access_note"].label, hearing["access_note"]))
    return Section(_("Public access"), [facts(*pairs)], ident="access")


def _presence(data: dict, hearing: dict, names: dict) -> Section:
    presence = [(names.get(p["defendant_uuid"], DASH), p["present"]) for p in data["presence"]]
    listing = facts(
        (_("Defendants present"), ", ".join(n for n, here in presence if here) or DASH),
        (_("Absent"), ", ".join(n for n, here in presence if not here)),
        (HEARING["present"].label, hearing["present"]),
    )
    return Section(_("Presence"), [listing], ident="presence")


def _answer_sections(data: dict, checklist, names: dict, lang: str) -> list[Section]:
    """The checklist's answers: the hearing as a whole, then each defendant answered for, in the order of
    the indictment."""
    answers = {(a["subject_uuid"], a["item_key"]): a for a in data["answers"]}
    explained = note(
        _("Answers that raise a concern are shaded; the legal standards are under each question.")
    )
    sections = [
        Section(_("Checklist answers"), [explained], ident="answers"),
        Section(
            _("The hearing as a whole"), _answers_blocks(checklist, "hearing", "", answers, lang), level=3
        ),
    ]
    answered = {a["subject_uuid"] for a in data["answers"]}
    for defendant in data["defendants"]:
        if defendant["uuid"] in answered:
            blocks = _answers_blocks(checklist, "defendant", defendant["uuid"], answers, lang)
            title = _("Answers for %(name)s", name=names[defendant["uuid"]])
            sections.append(Section(title, blocks, level=3))
    return sections


def _shown(profile: str, table: str, column: str, value: str) -> str:
    """A value as the edition shows it: "Withheld in this edition" where its profile took it out."""
    return value or (_("Withheld in this edition") if withheld(profile, table, column) else "")


def _witness_sections(data: dict, checklist, names: dict, lang: str) -> list[Section]:
    answers = {(a["subject_uuid"], a["item_key"]): a for a in data["answers"]}
    sections = [
        Section(
            _("Witnesses heard"),
            [] if data["witnesses"] else [note(_("No witness recorded."))],
            ident="witnesses",
        )
    ]
    for witness in data["witnesses"]:
        title = _("Witness %(label)s", label=witness["label"])
        if witness["anonymous"]:
            title += f" ({_('anonymous')})"
        pairs = [
            (WITNESS["identity"].label, _shown(data["profile"], "witnesses", "identity", witness["identity"]))
        ]
        for name in WITNESS_FACTS:
            spec, value = WITNESS[name], witness[name]
            if spec.kind == "refs":
                pairs.append((spec.label, several(spec, value, names)))
            elif spec.kind == "choice":
                pairs.append((spec.label, choice(spec, value)))
            elif spec.kind == "flag":
                pairs.append((spec.label, yes_no(value)))
            else:
                pairs.append((spec.label, value))
        blocks = [facts(*pairs), *_answers_blocks(checklist, "witness", witness["uuid"], answers, lang)]
        sections.append(Section(title, blocks, level=3))
    return sections


def _allegation_sections(data: dict, names: dict) -> list[Section]:
    allegations = data["allegations"]
    sections = [
        Section(
            _("Torture and ill-treatment allegations"),
            [] if allegations else [note(_("No allegation recorded."))],
            ident="allegations",
        )
    ]
    witnesses = {w["uuid"]: _("Witness %(label)s", label=w["label"]) for w in data["witnesses"]}
    for number, allegation in enumerate(allegations, 1):
        who = names.get(allegation["defendant_uuid"]) or witnesses.get(allegation["witness_uuid"], "")
        alleged_by = choice(ALLEGATION["alleged_by"], allegation["alleged_by"])
        pairs = [(ALLEGATION["alleged_by"].label, f"{alleged_by}: {who}" if who else alleged_by)]
        for name, spec in ALLEGATION.items():
            if name in ("alleged_by", "defendant_uuid", "witness_uuid"):
                continue
            value = allegation.get(name, "")
            if spec.kind == "multi":
                shown = several(spec, value) if json.loads(value or "[]") else ""
            elif spec.kind == "choice":
                shown = choice(spec, value) if value else ""
            else:
                shown = value
            pairs.append((spec.label, _shown(data["profile"], "allegations", name, shown)))
        title = _("Allegation %(n)d", n=number) + (f" — {who}" if who else "")
        sections.append(Section(title, [facts(*pairs)], level=3))
    return sections


def _notes(data: dict) -> Section:
    rows = [[n["typed_at"][11:16], n["text"]] for n in data["notes"]]
    table = Table([_("Time (UTC)"), _("Note")], rows, widths=(0.12, 0.88))
    return Section(
        _("Running notes"), [Block("table", table)] if rows else [note(_("No notes."))], ident="notes"
    )


def _review(data: dict, hearing: dict) -> Section:
    decisions = {"approved": _("approved"), "returned": _("returned"), "comment": _("commented")}
    history = [
        [
            when(r["created_at"]),
            r["reviewer"] or DASH,
            decisions.get(r["decision"], r["decision"]),
            r["comment"],
        ]
        for r in data["reviews"]
    ]
    review = [
        facts((_("Status"), status_label(hearing["status"])), (_("Submitted"), when(hearing["submitted_at"])))
    ]
    if history:
        head = [_("Date"), _("Reviewer"), _("Decision"), _("Comment")]
        review.append(Block("table", Table(head, history, widths=(0.2, 0.2, 0.15, 0.45))))
    else:
        review.append(note(_("Not reviewed yet.")))
    return Section(_("Review status and history"), review, ident="review")
