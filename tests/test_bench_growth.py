"""bench/growth.py's second table — every other figure by size — on a tiny generated mission, so CI runs
the same code paths `growth.py --doc` runs at 1×, 3× and 10× (issue #16, part 3)."""

from bench import growth, run
from bench.generate import FAST_ARGON2, tiny


def test_the_other_figures_are_measured_written_and_charted_per_size(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(f"SECRET_KEY = 'test'\nARGON2 = {FAST_ARGON2!r}\n")
    made = tiny(str(instance / "monitor.sqlite"))
    calls = []

    def autosave(where):
        calls.append(where)
        return {20: {"p95_ms": 12.0, "saves": 40, "errors": 0, "lost": 0}}

    got = growth.figures(instance, made["mission_uuid"], autosave)
    assert calls == [instance]
    assert got["form"]["work"]["n"] == 60 and got["form"]["work"]["p95"] > 0
    for name in growth.GROWN:  # each in its own process, with its peak memory
        assert got[name]["work"]["median"] > 0 and got[name]["peak_mb"] > 0, got[name]
    first, second = got["import"]["first"], got["import"]["second"]
    assert first["totals"]["inserted"] > 0 and first["totals"]["conflict"] == 0
    assert second["totals"]["inserted"] == second["totals"]["updated"] == 0  # again: nothing changed
    assert got["import"]["answers"] == made["rows"]["answer"]

    measured = [
        {
            "data": made,
            "answers": made["rows"]["answer"],
            "k": k,
            "load": (1.0, 1.0),
            "date": "now",
            "figures": got,
        }
        for k in (1, 3)
    ]
    row = growth.figures_row(measured[0])
    assert row.startswith("| 1× | ") and row.count(" | ") == growth.FIGURES_HEADER.count(" | ")
    assert "12.0 ms p95, 40 saves, 0 errors, 0 lost" in row and "not measured" in row  # no 100-observer run
    assert f"{first['seconds']:.1f} s, peak {first['peak_mb']} MB" in row
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\n| what |\n|---|\n| x |\n\n## Notes\n\n- a note\n")
    heading = (growth.FIGURES_SECTION, growth.FIGURES_INTRO, growth.FIGURES_HEADER)
    rows = {f"{r['k']}×": growth.figures_row(r) for r in measured}
    growth.write_doc(
        page, rows, growth.figures_notes(measured), growth.figures_charts(page, measured), heading
    )
    text = page.read_text()
    assert text.index(run.GROWTH_FIGURES_SECTION) > text.index("## Notes") and text.count("| 3× |") == 1
    assert "Cost per unit of work from 1× to 3×: mission PDF" in text
    assert "(1.00×: flat within the spread)" in text  # the same measurements twice: no growth
    assert (tmp_path / "growth-per-unit.svg").read_text().startswith("<svg")
    # run again with one size: the other size's row is kept
    growth.write_doc(page, {"3×": rows["3×"].replace("now", "later")}, [], None, heading)
    text = page.read_text()
    assert (
        text.count("| 1× |") == 1
        and "later, load average" in text
        and text.count(run.GROWTH_FIGURES_SECTION) == 1
    )

    # a later run measuring only some figures keeps the others, saying when they were measured
    later = {**measured[1], "date": "later", "figures": {"pdf": got["pdf"]}}
    results = growth.merged(measured, later)
    assert [r["k"] for r in results] == [1, 3] and results[1]["figures"]["xlsx"] == got["xlsx"]
    assert results[1]["figures_dates"]["import"] == "now" and "pdf" not in results[1]["figures_dates"]
    assert "; autosave, form, import, xlsx measured on now |" in growth.figures_row(results[1])
    # measured again later: its earlier date goes; the others keep the date they were measured on
    third = {**results[1], "date": "latest", "figures": {"form": got["form"]}}
    third.pop("figures_dates")
    dates = growth.merged(results, third)[1]["figures_dates"]
    assert "form" not in dates and dates["import"] == "now" and dates["pdf"] == "later"
