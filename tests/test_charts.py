"""The findings charts: well-formed SVG, escaped labels, no inline style, the right bars and colours."""

import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from monitor.findings import charts

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(1)</script> & \"double\" 'single'"
CUSTODY_LABELS = {"h48": "48 h", "h72": "72 h"}


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))  # noqa: S314 (our own output, parsed to prove it well-formed)


def elements(root: ET.Element, tag: str) -> list[ET.Element]:
    return list(root.iter(SVG + tag))


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in elements(root, "rect") if "bar" in rect.get("class", "").split()]


def text_of(root: ET.Element) -> str:
    return " ".join(" ".join(element.itertext()) for element in elements(root, "text"))


def item(stage: str, concern: int, observed: int) -> dict:
    return {
        "key": f"{stage}_{concern}_{observed}",
        "stage": stage,
        "scope": "defendant",
        "observed": {"count": observed, "of": None, "uuids": []},
        "concern": {"count": concern, "of": observed, "uuids": []},
    }


def every_chart(label: str = "Arrest") -> dict[str, Markup]:
    return {
        "bar": charts.bar_chart([(label, 3, 10), ("Beating", 7, 10)], "By method"),
        "custody": charts.custody_chart(
            [{"name": label, "to_judge": 90.0}, {"name": "B", "to_judge": 20}], "Hours", CUSTODY_LABELS
        ),
        "timeline": charts.timeline_chart({"2026-01": 4, "2026-02": 6}, "Per month"),
        "stacked": charts.stacked_item_chart(
            [item("arrest", 2, 5)], {"arrest": label}, "By stage", {"concern": "Concerns", "observed": "Seen"}
        ),
        "empty": charts.bar_chart([], "Nothing", empty="No data"),
    }


@pytest.mark.parametrize("name", list(every_chart()))
def test_is_every_chart_an_accessible_svg_without_inline_style(name):
    root = parse(every_chart()[name])
    assert root.tag == SVG + "svg"
    assert root.get("role") == "img" and root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 ")
    title = root.find(SVG + "title")
    assert title is not None and title.get("id") == root.get("aria-labelledby")
    assert not [e for e in root.iter() if "style" in e.attrib]
    assert not elements(root, "style") and not elements(root, "script")


@pytest.mark.parametrize("name", ["bar", "custody", "stacked"])
def test_is_a_hostile_label_escaped_and_kept(name):
    svg = every_chart(HOSTILE)[name]
    root = parse(svg)
    assert "<script" not in str(svg)
    assert not elements(root, "script")
    assert not [e for e in root.iter() if "style" in e.attrib]
    assert any((title.text or "").startswith(HOSTILE + ":") for title in elements(root, "title"))
    assert "".join(HOSTILE.split()) in "".join(text_of(root).split())  # drawn, perhaps over two lines


def test_does_a_bar_chart_draw_one_bar_per_row_with_its_total():
    rows = [("Beating", 5, 12), ("Electric shocks", 2, 12), ("Threats", 0, 12)]
    root = parse(charts.bar_chart(rows, "Allegations by method"))
    assert root.find(SVG + "title").text == "Allegations by method"
    assert len(bars(root)) == 3
    assert len([r for r in elements(root, "rect") if "track" in r.get("class", "")]) == 3
    text = text_of(root)
    assert "5 / 12" in text and "2 / 12" in text and "0 / 12" in text
    assert "Beating: 5 / 12" in root.find(SVG + "desc").text


def test_does_a_bar_chart_without_totals_scale_to_the_largest_and_write_the_unit():
    root = parse(charts.bar_chart([("A", 3, None), ("B", 6, None)], "Counts", unit="defendants"))
    widths = [float(bar.get("width")) for bar in bars(root)]
    assert widths[1] == pytest.approx(2 * widths[0])
    assert "6 defendants" in text_of(root)


def test_does_a_bar_chart_grow_with_its_rows():
    def height(n):
        svg = charts.bar_chart([(f"Row {i}", i, None) for i in range(n)], "Rows")
        return float(parse(svg).get("viewBox").split()[3])

    assert height(10) > height(2) > 0


def test_is_a_long_label_cut_with_an_ellipsis_and_whole_on_hover():
    label = "Beating with fists and batons during the interrogation at the police station on the first night"
    root = parse(charts.bar_chart([(label, 1, 2)], "Methods"))
    drawn = " ".join(
        " ".join(t.itertext()) for t in elements(root, "text") if t.get("class") == "chart-label"
    )
    assert drawn.endswith("…") and len(drawn) < len(label)
    assert any((title.text or "").startswith(label) for title in elements(root, "title"))


def test_does_an_empty_chart_say_so():
    for svg in (
        charts.bar_chart([], "Methods", empty="No allegation recorded."),
        charts.custody_chart(
            [{"name": "A", "to_judge": None}], "Hours", CUSTODY_LABELS, empty="No allegation recorded."
        ),
        charts.timeline_chart({}, "Months", empty="No allegation recorded."),
        charts.stacked_item_chart(
            [], {}, "Stages", {"concern": "C", "observed": "O"}, empty="No allegation recorded."
        ),
    ):
        root = parse(svg)
        assert "No allegation recorded." in text_of(root)
        assert not bars(root)
        assert root.get("role") == "img" and root.find(SVG + "title").text


def test_does_the_custody_chart_draw_the_limits_and_colour_by_them():
    defendants = [
        {"name": "Under", "to_judge": 20},
        {"name": "Not timed", "to_judge": None},
        {"name": "Over 72", "to_judge": 90},
        {"name": "Over 48", "to_judge": 50.5},
    ]
    root = parse(charts.custody_chart(defendants, "Hours to a judge", CUSTODY_LABELS))
    assert root.find(SVG + "title").text == "Hours to a judge"
    references = [line for line in elements(root, "line") if line.get("stroke-dasharray")]
    assert len(references) == 2
    assert {line.get("stroke") for line in references} == {charts.WARNING, charts.CONCERN}
    text = text_of(root)
    assert "48 h" in text and "72 h" in text and "90 h" in text and "50.5 h" in text
    drawn = bars(root)
    assert [bar.get("class") for bar in drawn] == ["bar concern", "bar warning", "bar no-concern"]
    assert drawn[0].get("fill") == charts.CONCERN == "#a3261b"
    assert [t.text for t in elements(root, "title")][1:] == [
        "Over 72: 90 h",
        "Over 48: 50.5 h",
        "Under: 20 h",
    ]


def test_does_the_custody_axis_reach_the_longest_wait():
    root = parse(charts.custody_chart([{"name": "A", "to_judge": 130}], "Hours", CUSTODY_LABELS))
    ticks = [t.text for t in elements(root, "text") if (t.text or "").isdigit()]
    assert ticks == ["0", "24", "48", "72", "96", "120", "144"]
    short = parse(charts.custody_chart([{"name": "A", "to_judge": 10}], "Hours", CUSTODY_LABELS))
    assert [t.text for t in elements(short, "text") if (t.text or "").isdigit()][-1] == "96"


def test_does_the_timeline_draw_a_bar_per_month_and_show_gaps():
    root = parse(charts.timeline_chart({"2025-11": 3, "2026-01": 4, "2026-02": 12}, "Hearings per month"))
    assert root.find(SVG + "title").text == "Hearings per month"
    assert len(bars(root)) == 4  # December held no hearing and still has its place
    text = text_of(root)
    for shown in ("2025-11", "2025-12", "2026-01", "2026-02", "3", "4", "12"):
        assert shown in text
    heights = [float(bar.get("height")) for bar in bars(root)]
    assert heights[1] == 0 and heights[3] == max(heights)


def test_does_the_stacked_chart_sum_concerns_and_observations_per_stage():
    items = [item("arrest", 3, 10), item("trial", 0, 8), item("arrest", 2, 5)]
    root = parse(
        charts.stacked_item_chart(
            items,
            {"arrest": "Arrest and custody", "trial": "Trial"},
            "Concerns by stage",
            {"concern": "Concerns", "observed": "Observations"},
        )
    )
    assert root.find(SVG + "title").text == "Concerns by stage"
    assert len(bars(root)) == 2
    text = text_of(root)
    assert "5 / 15" in text and "0 / 8" in text
    assert "Concerns" in text and "Observations" in text
    assert text.index("Arrest and custody") < text.index("Trial")  # the order the stages come in
    assert [t.text for t in elements(root, "title")][1:] == ["Arrest and custody: 5 / 15", "Trial: 0 / 8"]


def test_is_a_stage_with_no_observation_drawn_apart_from_one_without_concern():
    items = [item("arrest", 0, 12), item("appeal", 0, 0)]
    labels = {"concern": "Concerns", "observed": "Observations", "not_observed": "not observed"}
    root = parse(charts.stacked_item_chart(items, {"arrest": "Arrest", "appeal": "Appeal"}, "Stages", labels))
    tracks = [rect for rect in elements(root, "rect") if "track" in rect.get("class", "").split()]
    assert len(tracks) == 1  # "0 / 12" has its full track; "0 of 0" has none
    titles = [t.text for t in elements(root, "title")][1:]
    assert titles == ["Arrest: 0 / 12", "Appeal: not observed"]
