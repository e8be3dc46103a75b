"""A report's blocks in the chosen language (:func:`prepare`) and as one self-contained HTML page for
WeasyPrint or a browser (:func:`render_html`), with its page and column rules."""

import base64
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ...checklists import LANGUAGES
from ..redact import PROFILES
from .blocks import KINDS, Report
from .hearing import hearing_report
from .mission import mission_report
from .trial import trial_report


def prepare(kind: str, data: dict, lang: str, findings: dict | None = None, checklist=None) -> Report:
    """The report's content in ``lang``, from a redacted dataset (narrowed to the hearing or the trial)."""
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}; use one of {', '.join(KINDS)}")
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}")
    if data.get("profile") not in PROFILES:
        raise ValueError("a report is made only from a redacted dataset (redact.redact)")
    if checklist is None:
        raise ValueError("a report needs its checklist")
    with force_locale(lang):
        if kind == "hearing":
            if len(data["hearings"]) != 1:
                raise ValueError("a hearing report needs the dataset narrowed to one hearing")
            return hearing_report(data, lang, checklist)
        if kind == "trial":
            if len(data["trials"]) != 1:
                raise ValueError("a trial report needs the dataset narrowed to one trial")
            return trial_report(data, lang, findings, checklist)
        if findings is None:
            raise ValueError("a mission report needs the findings")
        return mission_report(data, lang, findings, checklist)


def css_string(value: str) -> str:
    """A CSS string literal that cannot end the string or the rule (and holds no "<")."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
    return f'"{escaped}"'


def page_label() -> list[tuple[str, str]]:
    """ "Page 3 of 12" in the current language, as text parts and counters ("page", "pages")."""
    label = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = label.split("\x00")
    return [("counter" if i % 2 else "text", part) for i, part in enumerate(parts) if part]


def edition(profile: str) -> str:
    return {
        "internal": _("Internal — not for distribution"),
        "partner": _("For partners — not for publication"),
        "public": _("Public edition"),
    }[profile]


FOOTER_AUDIT = (
    'font: 6.5pt/1.2 "DejaVu Sans Mono", monospace; color: #5b6577; vertical-align: top; padding-top: 4mm;'
)


def audit_line(export: dict) -> str:
    """The audit log's head when the report was made, short enough to copy by hand: with the report kept
    off the machine, ``audit-verify --anchor`` can later show the log was not cut short or rewritten."""
    if not export.get("audit_head"):
        return ""
    line = _(
        "Audit log: %(rows)s entries, head %(head)s",
        rows=export["audit_rows"],
        head=export["audit_head"][:16],
    )
    return line if export.get("audit_ok", True) else f"{line} — {_('BROKEN')}"


def page_css(report: Report) -> str:
    """The running header and footer: mission, report, edition, "Page X of Y"."""
    counter = " ".join(f"counter({p})" if kind == "counter" else css_string(p) for kind, p in page_label())
    rules = [
        "@page {",
        f"  @top-left {{ content: {css_string(report.mission)}; }}",
        f"  @top-right {{ content: {css_string(report.title)}; }}",
        f"  @bottom-left {{ content: {css_string(edition(report.profile))}; }}",
        f"  @bottom-center {{ content: {css_string(report.audit_line)}; {FOOTER_AUDIT} }}",
        f"  @bottom-right {{ content: {counter}; }}",
        "}",
    ]
    if report.kind == "mission":
        rules.append("@page :first { @top-left { content: none; } @top-right { content: none; } }")
    return "\n".join(rules)


def column_css(report: Report) -> str:
    """The tables' column widths (the templates carry no style attributes): one class per set of widths,
    shared by the tables that have it, such as the matrix of every trial; a run of equal columns is one
    <col span> (the matrix's 45 questions: one element, not 45)."""
    rules: list[str] = []
    classes: dict[tuple[float, ...], str] = {}  # widths → the class that styles them
    tables = [b.table() for s in report.sections for b in s.blocks if b.kind == "table"]
    for table in tables:
        if table.widths not in classes:
            classes[table.widths] = ident = f"w{len(classes) + 1}"
            rules += [
                f"table.{ident} col:nth-child({n}) {{ width: {share * 100:.2f}%; }}"
                for n, (share, _span) in enumerate(table.column_groups(), 1)
            ]
        table.ident = classes[table.widths]
    return "\n".join(rules)


def stylesheet(report: Report) -> str:
    """static/report.css with this report's page and column rules, as a data: URL.

    Linked rather than written into a <style> element: the HTML file stays self-contained (it opens
    styled from a disk) and the templates stay free of inline style, as the app's CSP wants of every
    template.
    """
    static = current_app.static_folder
    if static is None:
        raise RuntimeError("the app has no static folder: report.css is in it")
    css = Path(static, "report.css").read_text(encoding="utf-8")
    text = "\n".join((css, page_css(report), column_css(report)))
    return "data:text/css;charset=utf-8;base64," + base64.b64encode(text.encode()).decode()


def render_html(kind: str, data: dict, lang: str, **context) -> str:
    """The report as one self-contained HTML page, ready for WeasyPrint or a browser.

    ``context`` holds ``checklist`` and, for trial and mission reports, ``findings``.
    """
    report = prepare(kind, data, lang, context.pop("findings", None), context.pop("checklist", None))
    with force_locale(lang):
        report.audit_line = audit_line(data.get("export", {}))
        template = current_app.jinja_env.get_template(f"reports/{kind}.html")
        return template.render(report=report, stylesheet=stylesheet(report), **context)
