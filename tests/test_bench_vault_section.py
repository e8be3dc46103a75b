"""docs/benchmarks.md's encrypted-vs-plain section: written by bench/vault_bench.py --doc (every row
plain and encrypted from one run), replaced in place by the next run, and kept by `make bench`."""

from bench import run, vault_bench


def figures(median: float) -> dict:
    return {"n": 80, "median": median, "p95": median * 2}


ROWS = {
    "plain": {
        "connect": figures(0.5),
        "findings": figures(200.0),
        "hearing page": figures(20.0),
        "autosave": {**figures(7.0), "errors": 0, "lost": 0},
        "size": 35_000_000,
    },
    "encrypted": {
        "unlock": figures(700.0),
        "connect": figures(0.7),
        "findings": figures(260.0),
        "hearing page": figures(24.0),
        "autosave": {**figures(8.0), "errors": 0, "lost": 0},
        "size": 35_000_000,
    },
}
STARTED = {"date": "2026-12-05 12:00 UTC", "load": 1.0}


def test_the_section_has_findings_hearing_page_and_autosave_plain_and_encrypted():
    text = "\n".join(vault_bench.section(ROWS, 400, STARTED, 1.0))
    for label in ("mission findings", "hearing form page", "autosave over HTTP"):
        row = next(line for line in text.splitlines() if label in line)
        assert row.count(" ms (") == 2  # a plain and an encrypted figure on the same row
    assert "| 1.30× |" in text and "80 saves" in text and "0 lost" in text


def test_a_new_run_replaces_the_section_and_make_bench_keeps_it(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nrows\n\n## Migration to the new units\n\nmigration rows\n")
    vault_bench.write_doc(doc, vault_bench.section(ROWS, 400, STARTED, 1.0))
    vault_bench.write_doc(doc, vault_bench.section(ROWS, 400, {**STARTED, "date": "later"}, 1.0))
    text = doc.read_text()
    assert text.count(vault_bench.SECTION) == 1 and "on later" in text
    assert text.index(vault_bench.SECTION) < text.index("## Migration to the new units")
    assert "migration rows" in text
    kept = run.kept_section(doc, run.VAULT_SECTION)
    assert kept[1] == vault_bench.SECTION and any("mission findings" in line for line in kept)
    assert not any("migration rows" in line for line in kept)
