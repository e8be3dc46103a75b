"""A small run of the benchmark generator and the findings over it, so CI catches a broken `make bench`."""

from monitor import checklists
from monitor.db import connect
from monitor.findings.aggregate import findings
from monitor.findings.scope import Scope


def test_generator_and_findings_agree(tmp_path):
    """The default (v2) shape: sittings observed once or by a pair, case files, witness persons."""
    from bench.generate import generate

    path = str(tmp_path / "monitor.sqlite")
    summary = generate(
        path, trials=2, defendants=10, sittings=20, witnesses=10, allegations=4, log=lambda _m: None
    )
    db = connect(path)
    assert summary["shape"] == "v2" and summary["checklist"] == "fair_trial v2"
    assert db["sitting"].count == 20 and db["defendant"].count == 10
    assert db["hearing"].count == summary["hearings"] >= 20  # a pair at some sittings
    assert summary["rows"]["answer"] == db["answer"].count
    counted = "hearing_id IN (SELECT id FROM hearing WHERE status != 'draft')"
    drafts = db.execute("SELECT count(DISTINCT sitting_id) FROM hearing WHERE status = 'draft'").fetchone()[0]
    assert drafts == 2  # the tenth round of sittings stays in draft
    # only sitting and defendant-at-sitting items are answered per observation; case items in case_fact
    v2 = checklists.get("fair_trial", 2)
    units = {i.key: i.unit for i in v2.items}
    answered = {r["item_key"] for r in db.query("SELECT DISTINCT item_key FROM answer")}
    assert {units[k] for k in answered} <= {"sitting", "defendant_at_sitting", "witness", "appearance"}
    assert db["case_fact"].count > 0 and db["case_fact_history"].count > 0
    assert (
        db.execute(
            "SELECT count(*) FROM case_fact GROUP BY defendant_id, item_key HAVING count(*) > 1"
        ).fetchall()
        == []
    )
    mission = next(db.query("SELECT * FROM mission"))
    data = findings(db, Scope(mission["id"]), v2, mission)
    assert data["method"]["sittings"]["count"] == 18  # drafts never count; a pair's sitting counts once
    assert data["torture"]["allegations"]["count"] == db["allegation"].count_where(counted) > 0
    # witnesses count as persons: those heard at a counted observation, fewer than their appearances
    heard = f"SELECT count(DISTINCT witness_id) FROM witness_appearance WHERE {counted}"  # noqa: S608
    persons = db.execute(heard).fetchone()[0]
    assert data["anonymous_witnesses"]["witnesses"]["count"] == persons > 0
    assert persons < db["witness_appearance"].count_where(counted)
    # a case item counts once per defendant, from the case file, of the defendants on trial
    informed = next(i for i in data["items"] if i["key"] == "informed_of_reasons")
    known = db["case_fact"].count_where(
        "item_key = 'informed_of_reasons' AND value NOT IN ('', 'unclear', 'not_observed')"
    )
    assert informed["observed"] == {**informed["observed"], "count": known, "of": 10}
    db.close()


def test_the_v1_shape_migrates_with_every_answer_accounted_for(tmp_path):
    """bench/migrate_units.py end to end on a small v1 database: generated before m010, migrated."""
    from bench.generate import generate
    from bench.migrate_units import migrate, report

    path = str(tmp_path / "v1.sqlite")
    made = generate(
        path,
        trials=2,
        defendants=10,
        sittings=20,
        witnesses=10,
        allegations=4,
        log=lambda _m: None,
        shape="v1",
    )
    db = connect(path)
    assert "sitting" not in db.table_names() and db["witness"].count == made["witnesses"] == 10
    db.close()
    result = migrate(path, log=lambda _m: None)
    lines = []
    assert report(result, lines.append), lines
    before, after = result["before"], result["after"]
    assert list(result["times"])[:4] == [
        "m010_sittings",
        "m011_reconciliation",
        "m012_case_file",
        "m013_witness_persons",
    ]
    assert after["answers"] == before["answers"] == made["rows"]["answer"]
    assert after["sittings"] == 20 and after["observations"] == made["hearings"] > 20
    assert after["appearances"] == 10 and after["persons"] < 10  # a person typed again by label is one
    assert after["case_answers_in_history"] == before["case_answers_said"] > 0


def test_import_benchmark_on_a_small_mission(tmp_path):
    """bench/sync_bench.py end to end: export the mission, import it twice with the command."""
    from bench.generate import tiny
    from bench.sync_bench import bench_import

    tiny(str(tmp_path / "monitor.sqlite"))
    result = bench_import(tmp_path)
    records = sum(n for kind, n in result["export"]["counts"].items() if kind not in ("user", "audit"))
    assert result["first"]["totals"]["inserted"] == records > 20
    assert result["second"]["totals"]["unchanged"] == records
    assert result["answers"] > 0 and result["floor_seconds"] > 0


def test_mass_sitting_benchmark_measures_the_v2_form_of_37_defendants(tmp_path, monkeypatch):
    """bench/run.py's mass-sitting step end to end: the sitting made, its page served and timed, the row
    written into a copy of docs/benchmarks.md."""
    from bench.run import MASS_SITTING_LABEL, bench_mass_sitting_page, update_mass_sitting

    monkeypatch.setenv("MONITOR_INSTANCE_PATH", str(tmp_path))  # the step sets it: restored afterwards
    result = bench_mass_sitting_page(tmp_path)
    assert result["answers"] == 36 * 6 + 1 + 4  # shared answers, the absent's presence, the sitting's
    assert result["work"]["n"] == 100 and result["work"]["p95"] > 0
    report = tmp_path / "benchmarks.md"
    report.write_text("| what |\n|---|\n| hearing form page (draft, ~19 defendants present) | x |\n")
    update_mass_sitting(report, result)
    update_mass_sitting(report, result)  # replaced, not added twice
    assert report.read_text().count(MASS_SITTING_LABEL) == 1


def test_the_migration_section_survives_make_bench_and_an_exports_update(tmp_path):
    """bench/migrate_units.py --doc writes its section; bench/run.py keeps it, and `--only exports` puts
    its rows in the main table, not in the section's."""
    from bench import migrate_units, run
    from bench.generate import generate

    path = str(tmp_path / "v1.sqlite")
    generate(
        path, trials=2, defendants=4, sittings=6, witnesses=2, allegations=1, log=lambda _m: None, shape="v1"
    )
    figures = migrate_units.migrate(path, log=lambda _m: None)
    figures.update(size_bytes=1, date="today", load=1.0, made=None)
    figures["checks"] = [{"text": t, "ok": ok} for t, ok in figures["checks"]]
    page = tmp_path / "benchmarks.md"
    page.write_text(
        "# Benchmarks\n\nData (full): x\n\n| what |\n|---|\n| cold start | 1 s |\n\n## Notes\n\n- a note\n"
    )
    migrate_units.write_doc(str(page), "a tenth", figures)
    migrate_units.write_doc(str(page), "full", figures)
    migrate_units.write_doc(str(page), "a tenth", figures)  # replaced, not added twice
    text = page.read_text()
    assert text.count("| a tenth |") == 1 and text.count("| full |") == 1 and text.count("- **full**") == 1
    section = run.kept_section(page, run.MIGRATION_SECTION)
    assert section[1] == run.MIGRATION_SECTION and "| a tenth |" in "\n".join(section)
    exports = {
        "size": "full",
        "machine": {"date": "now"},
        "data": {"defendants": 4},
        "pdf": {"work": {"median": 1.0, "n": 1}, "peak_mb": 1},
    }
    run.update_exports(page, exports)
    text = page.read_text()
    assert text.index("| mission PDF report") < text.index("## Notes") < text.index(run.MIGRATION_SECTION)
