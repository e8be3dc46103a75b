"""bench/run.py's rows for the reports and exports, and `--only exports` replacing just those in the page."""

import pytest

from bench import run

TABLE = """# Benchmarks

Written by `make bench` (bench/run.py) on 2026-11-25 23:07 UTC. Do not edit by hand: run it again.

Data (full): 20 trials, 400 defendants.

| what | target | measured | spread | floor (same run) | ratio | |
|---|---|---|---|---|---|---|
| cold start: gunicorn launched → first page | ≤ 2 s | 0.80 s | 0.78–0.81 s (n=3) | — | — | met |
| mission PDF report | ≤ 30 s, ≤ 600 MB | 33.2 s, peak 718 MB | n=1 | — | — | **missed** |
| mission XLSX export | ≤ 15 s, ≤ 600 MB | 179.0 s, peak 2317 MB | n=1 | — | — | **missed** |

## Notes

- Mission PDF, profiled in one process: old.
- The XLSX export holds the whole redacted mission in memory: old.
- Findings scan each checklist item's answers: kept.
"""


def measured(seconds: float, peak: int) -> dict:
    return {"work": {"median": seconds, "n": 1}, "peak_mb": peak}


def results(size: str = "full") -> dict:
    return {
        "size": size,
        "machine": {"date": "2026-11-26 10:00 UTC", "load": 1.25},
        "data": {"defendants": 400},
        "pdf": measured(21.8, 577),
        "docx": measured(9.0, 250),
        "xlsx": measured(9.3, 147),
        "csv": {"failed": "exit status 1"},
        "openpyxl": {"cells_per_s": 200_000},
        "answer_cells": {"cells": 3_600_000, "rows": 78_000, "answers": 2_881_800},
        "pdf_profile": {
            "findings_and_matrix": 4.4,
            "to_html": 7.0,
            "pdf_layout": 14.0,
            "pdf_kb": 1300,
            "html_kb": 715,
        },
    }


def test_export_rows_state_the_targets_and_the_openpyxl_floor():
    rows = run.export_rows(results())
    assert rows[0].startswith("| mission PDF report | ≤ 30 s, ≤ 600 MB | 21.8 s, peak 577 MB |")
    assert rows[0].endswith("| met |")
    assert "openpyxl write-only: 200,000 cells/s, so 18.0 s for the 3,600,000 cells" in rows[2]
    assert "| 0.52× | met |" in rows[2]
    assert rows[3].startswith("| mission CSV export") and "not measured: exit status 1" in rows[3]


def test_only_exports_replaces_their_rows_and_notes_and_keeps_the_rest(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text(TABLE)
    run.update_exports(page, results())
    text = page.read_text()
    assert "Exports re-measured on 2026-11-26 10:00 UTC (`BENCH_ONLY=exports`, load average 1.2 at" in text
    assert "on 2026-11-25 23:07 UTC" in text
    assert "| cold start: gunicorn launched → first page | ≤ 2 s | 0.80 s |" in text
    assert "33.2 s" not in text and "179.0 s" not in text and "old." not in text
    assert "| mission XLSX export | ≤ 15 s, ≤ 600 MB | 9.3 s, peak 147 MB |" in text
    assert "- Findings scan each checklist item's answers: kept." in text
    assert text.index("| mission CSV export") < text.index("## Notes") < text.index("- Exports stream")
    run.update_exports(page, results())  # again: nothing doubled
    again = page.read_text()
    assert again.count("| mission PDF report |") == 1 and again.count("Exports re-measured") == 1


def test_only_exports_refuses_a_page_of_another_size(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text(TABLE)
    with pytest.raises(SystemExit, match="another data size"):
        run.update_exports(page, results("small"))
