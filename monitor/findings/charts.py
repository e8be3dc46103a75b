"""The findings as charts: inline SVG drawn on the server, with no script and nothing fetched.

The pages' Content-Security-Policy forbids inline style, so colours are presentation attributes and the
classes (``bar concern``, ``track`` …) are hooks for static/style.css. Labels arrive already translated;
every text is escaped here. ``role="img"`` hides the drawn text from screen readers, so each chart is named
by its ``<title>`` and its numbers are repeated in its ``<desc>``.
"""

import hashlib
import math
import re
import textwrap
from dataclasses import dataclass

from markupsafe import Markup, escape

SVG_NS = "http://www.w3.org/2000/svg"
CONCERN = "#a3261b"
NO_CONCERN = "#1f4e99"
NEUTRAL = "#9aa3b2"
WARNING = "#8a5a00"
INK = "#1d2433"
MUTED = "#5b6577"
TONES = {
    "concern": CONCERN,
    "no-concern": NO_CONCERN,
    "observed": NO_CONCERN,
    "neutral": NEUTRAL,
    "warning": WARNING,
}

WIDTH = 640
FONT = 13
CHAR = FONT * 0.6  # a generous average glyph width, so estimated text stays inside the drawing
LINE = FONT + 1
ROW = 32
BAR = 16
PAD = 8
LABEL_WIDTH = 200
LABEL_CHARS = int((LABEL_WIDTH - PAD) / CHAR)
MONTH = re.compile(r"\d{4}-\d{2}")


@dataclass
class _Bar:
    label: str
    value: float
    full: float  # the value drawn at full width
    text: str  # written at the end of the row
    tone: str
    track: str | None = None  # the tone of a full-width track behind the bar (the total), if any


def _n(number: float) -> str:
    """A number as people write it: 90, 49.5 (never 90.0)."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _el(tag: str, content: str = "", /, **attrs) -> Markup:
    """One SVG element; ``class_`` is written ``class``, ``stroke_width`` ``stroke-width``; text escaped."""
    names = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(_n(value) if isinstance(value, float) else value)}"'
        for name, value in attrs.items()
        if value is not None
    )
    return Markup(f"<{tag}{names}>{escape(content)}</{tag}>")  # noqa: S704 (values and content escaped)


def _text(content: str, x: float, y: float, anchor: str = "middle", fill: str = INK, **attrs) -> Markup:
    return _el("text", content, x=x, y=y, text_anchor=anchor, font_size=FONT, fill=fill, **attrs)


def _rect(x: float, y: float, width: float, height: float, tone: str, kind: str = "bar", **attrs) -> Markup:
    """A rectangle coloured by its tone; ``kind`` is its first class (only data bars are ``bar``)."""
    return _el(
        "rect", x=x, y=y, width=width, height=height, fill=TONES[tone], class_=f"{kind} {tone}", **attrs
    )


def _svg(title: str, desc: str, height: float, body: Markup) -> Markup:
    # Derived from the content, so the same chart always gets the same id and two charts rarely share one.
    ident = "chart-" + hashlib.blake2s(f"{title}\n{body}".encode(), digest_size=5).hexdigest()
    return _el(
        "svg",
        _el("title", title, id=f"{ident}-title") + _el("desc", desc, id=f"{ident}-desc") + body,
        xmlns=SVG_NS,
        class_="chart",
        role="img",
        aria_labelledby=f"{ident}-title",
        aria_describedby=f"{ident}-desc",
        width="100%",
        viewBox=f"0 0 {WIDTH} {_n(height)}",
    )


def _empty(title: str, empty: str) -> Markup:
    return _svg(title, empty, 44, _el("g", _text(empty, WIDTH / 2, 28, fill=MUTED), class_="chart-empty"))


def _label(x: float, middle: float, label: str, anchor: str = "end") -> Markup:
    """A label of at most two lines, cut with an ellipsis (the whole label is in the row's title)."""
    lines = textwrap.wrap(label, LABEL_CHARS, max_lines=2, placeholder="…") or [""]
    first_line = middle + FONT * 0.35 - (len(lines) - 1) * LINE / 2
    spans = _el("tspan", lines[0]) + Markup("").join(_el("tspan", line, x=x, dy=LINE) for line in lines[1:])
    return _text(spans, x, first_line, anchor, class_="chart-label")


def _plot_area(bars: list[_Bar]) -> tuple[float, float]:
    """Where the bars go: after the column of labels, before the column of values."""
    text_width = min(200, max(40, max(len(bar.text) for bar in bars) * CHAR + PAD))
    plot_x = LABEL_WIDTH + PAD
    return plot_x, WIDTH - plot_x - text_width - PAD


def _rows(bars: list[_Bar], top: float, plot_x: float, plot_w: float) -> Markup:
    rows = []
    for i, bar in enumerate(bars):
        middle = top + i * ROW + ROW / 2
        share = max(0.0, min(bar.value / bar.full, 1.0)) if bar.full > 0 else 0.0
        width = max(share * plot_w, 1.5) if bar.value > 0 else 0.0  # one person still shows
        parts = [_el("title", f"{bar.label}: {bar.text}"), _label(LABEL_WIDTH, middle, bar.label)]
        if bar.track:
            light = 0.35 if bar.track == "neutral" else None
            parts.append(_rect(plot_x, middle - BAR / 2, plot_w, BAR, bar.track, "track", fill_opacity=light))
        parts.append(_rect(plot_x, middle - BAR / 2, width, BAR, bar.tone))
        parts.append(_text(bar.text, WIDTH - PAD, middle + FONT * 0.35, "end", class_="chart-value"))
        rows.append(_el("g", Markup("").join(parts), class_="chart-row"))
    return Markup("").join(rows)


def _horizontal(bars: list[_Bar], title: str, legend: Markup | None = None, top: float = PAD) -> Markup:
    plot_x, plot_w = _plot_area(bars)
    desc = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    body = (legend or Markup("")) + _rows(bars, top, plot_x, plot_w)
    return _svg(title, desc, top + len(bars) * ROW + PAD, body)


def bar_chart(
    rows: list[tuple[str, int, int | None]],
    title: str,
    unit: str = "",
    *,
    empty: str = "No data",
    tone: str = "concern",
    tones: list[str] | None = None,
) -> Markup:
    """Horizontal bars, one per ``(label, value, total)``; a total is drawn as a full-width track behind.

    ``tones`` gives each bar its own tone instead of ``tone``.
    """
    if not rows:
        return _empty(title, empty)
    largest = max((value for _, value, total in rows if total is None), default=0)
    suffix = f" {unit}" if unit else ""
    bars = [
        _Bar(
            str(label),
            value,
            largest if total is None else total,
            (_n(value) if total is None else f"{_n(value)} / {_n(total)}") + suffix,
            tones[n] if tones else tone,
            None if total is None else "neutral",
        )
        for n, (label, value, total) in enumerate(rows)
    ]
    return _horizontal(bars, title)


def custody_chart(defendants: list[dict], title: str, labels: dict, *, empty: str = "No data") -> Markup:
    """Hours from apprehension to a judge per defendant, longest first, against the 48 h and 72 h limits.

    ``labels`` holds ``h48`` and ``h72`` (the reference lines) and optionally ``unit`` (default "h").
    """
    timed = sorted(
        (d for d in defendants if d.get("to_judge") is not None), key=lambda d: d["to_judge"], reverse=True
    )
    if not timed:
        return _empty(title, empty)
    unit = labels.get("unit", "h")
    axis = 24 * math.ceil(max(96, timed[0]["to_judge"]) / 24)
    bars = [
        _Bar(str(d.get("name") or "—"), d["to_judge"], axis, f"{_n(d['to_judge'])} {unit}", _custody_tone(d))
        for d in timed
    ]
    plot_x, plot_w = _plot_area(bars)

    def x(hours: float) -> float:
        return plot_x + plot_w * hours / axis

    h48, h72 = str(labels["h48"]), str(labels["h72"])
    # Over a long axis the two labels would overlap: then the 48 h one goes a line higher.
    crowded = x(72) - x(48) < (len(h48) + len(h72)) * CHAR / 2 + 4
    top = PAD + LINE + (LINE if crowded else 0) + 4
    bottom = top + len(bars) * ROW
    step = 24 * max(1, math.ceil(36 / (plot_w * 24 / axis)))  # tick labels at least 36 units apart
    axis_parts = [_el("line", x1=plot_x, y1=bottom, x2=plot_x + plot_w, y2=bottom, stroke=MUTED)]
    for hours in range(0, axis + 1, step):
        axis_parts.append(_el("line", x1=x(hours), y1=bottom, x2=x(hours), y2=bottom + 4, stroke=MUTED))
        axis_parts.append(_text(str(hours), x(hours), bottom + 6 + FONT, fill=MUTED))
    references = []
    for hours, key, text, colour, y in (
        (48, "h48", h48, WARNING, top - 4 - (LINE if crowded else 0)),
        (72, "h72", h72, CONCERN, top - 4),
    ):
        line = _el(
            "line",
            x1=x(hours),
            y1=top - 2,
            x2=x(hours),
            y2=bottom,
            stroke=colour,
            stroke_width=1.5,
            stroke_dasharray="5 3",
        )
        references.append(
            _el("g", line + _text(text, x(hours), y, fill=colour), class_=f"chart-reference {key}")
        )
    body = (
        _rows(bars, top, plot_x, plot_w)
        + _el("g", Markup("").join(axis_parts), class_="chart-axis")
        + Markup("").join(references)
    )
    desc = f"{h48}, {h72}: " + "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return _svg(title, desc, bottom + 6 + FONT + PAD, body)


def _custody_tone(defendant: dict) -> str:
    hours = defendant["to_judge"]
    return "concern" if hours > 72 else "warning" if hours > 48 else "no-concern"


def _months(by_month: dict[str, int]) -> list[tuple[str, int]]:
    """Every month from the first to the last, with 0 where no hearing was held, so a gap shows as one."""
    if not by_month or not all(isinstance(k, str) and MONTH.fullmatch(k) for k in by_month):
        return [(str(month), n) for month, n in by_month.items()]
    first, last = min(by_month), max(by_month)
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        months.append((key, by_month.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def timeline_chart(
    by_month: dict[str, int], title: str, *, empty: str = "No data", tone: str = "neutral"
) -> Markup:
    """Vertical bars of hearings per month ("2026-01": 4 …), the month under each bar, the number on top."""
    months = _months(by_month)
    if not months:
        return _empty(title, empty)
    height, top = 200, PAD + LINE + 4
    base = height - LINE - PAD - 4
    margin = 4 * CHAR  # half a month label, so the first and last fit
    slot = (WIDTH - 2 * margin) / len(months)
    bar_width = min(slot * 0.7, 48)
    peak = max(n for _, n in months) or 1
    every = math.ceil((7 * CHAR + 6) / slot)  # label every n-th month when they would not fit
    parts = []
    for i, (month, n) in enumerate(months):
        middle = margin + i * slot + slot / 2
        bar_height = (base - top) * max(n, 0) / peak
        group = _el("title", f"{month}: {n}") + _rect(
            middle - bar_width / 2, base - bar_height, bar_width, bar_height, tone
        )
        if len(str(n)) * CHAR <= slot:
            group += _text(str(n), middle, base - bar_height - 4, class_="chart-value")
        if i % every == 0:
            group += _text(month, middle, base + LINE + 2, fill=MUTED, class_="chart-label")
        parts.append(_el("g", group, class_="chart-month"))
    baseline = _el("line", x1=margin, y1=base, x2=WIDTH - margin, y2=base, stroke=MUTED, class_="chart-axis")
    desc = "; ".join(f"{month}: {n}" for month, n in months)
    return _svg(title, desc, height, Markup("").join(parts) + baseline)


def _count(number) -> int:
    """A findings number (``{"count", "of", "uuids"}``) or a plain int."""
    return number["count"] if isinstance(number, dict) else int(number or 0)


def stacked_item_chart(
    items: list[dict], stage_labels: dict[str, str], title: str, labels: dict, *, empty: str = "No data"
) -> Markup:
    """Concerns out of observations per stage (in the order the items come), with a legend on top.

    ``labels`` gives the legend texts ``concern`` and ``observed``, and ``not_observed`` for a stage with
    no observation: it gets no track at all (a full track read as "observed, all fine") and says so.
    """
    stages: dict[str, list[int]] = {}
    for item in items:
        totals = stages.setdefault(item["stage"], [0, 0])
        totals[0] += _count(item["concern"])
        totals[1] += _count(item["observed"])
    if not stages:
        return _empty(title, empty)
    bars = [
        _Bar(
            str(stage_labels.get(stage) or stage),
            concern,
            observed,
            f"{concern} / {observed}" if observed else str(labels.get("not_observed", "not observed")),
            "concern",
            "observed" if observed else None,
        )
        for stage, (concern, observed) in stages.items()
    ]
    legend, x = [], float(LABEL_WIDTH + PAD)
    for tone in ("concern", "observed"):
        text = str(labels[tone])
        legend.append(_rect(x, PAD, 12, 12, tone, "swatch") + _text(text, x + 18, PAD + 10, "start"))
        x += 18 + len(text) * CHAR + 16
    return _horizontal(
        bars, title, _el("g", Markup("").join(legend), class_="chart-legend"), top=PAD + 12 + PAD
    )


# Concerns by stage: one rule for the findings page and the mission report ---------------------------------


def established_only(items: list[dict]) -> list[dict]:
    """The findings' items as the stage chart counts them: a fact of the case file is a concern where it
    is established (observed, or a court record); what was only alleged is counted apart, never added."""
    return [{**e, "concern": e["concern_established"]} if e.get("unit") == "case" else e for e in items]


def stage_rows(items: list[dict], stages) -> list[dict]:
    """Per stage that has items: its concerns (established), the alleged ones apart, and observations."""
    counted = established_only(items)
    rows = []
    for stage in stages:
        entries = [e for e in counted if e["stage"] == stage.key]
        if entries:
            rows.append(
                {
                    "stage": stage,
                    "concerns": sum(e["concern"]["count"] for e in entries),
                    "alleged": sum(e["concern_alleged"]["count"] for e in entries if "concern_alleged" in e),
                    "observed": sum(e["observed"]["count"] for e in entries),
                }
            )
    return rows
