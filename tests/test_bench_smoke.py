"""A small run of the benchmark generator and the findings over it, so CI catches a broken `make bench`."""

from monitor import checklists
from monitor.db import connect
from monitor.findings.aggregate import findings
from monitor.findings.scope import Scope


def test_generator_and_findings_agree(tmp_path):
    from bench.generate import generate

    path = str(tmp_path / "monitor.sqlite")
    summary = generate(
        path, trials=2, defendants=10, hearings=20, witnesses=10, allegations=4, log=lambda _m: None
    )
    db = connect(path)
    assert db["hearing"].count == 20 and db["defendant"].count == 10
    assert db["hearing"].count_where("status = 'draft'") == 2  # the tenth round of hearings stays in draft
    assert db["allegation"].count == summary["allegations"] and db["witness"].count == summary["witnesses"]
    mission = next(db.query("SELECT * FROM mission"))
    data = findings(db, Scope(mission["id"]), checklists.get("fair_trial", 1), mission)
    assert data["method"]["hearings"]["count"] == 18  # drafts never count
    counted = "hearing_id IN (SELECT id FROM hearing WHERE status != 'draft')"
    assert data["torture"]["allegations"]["count"] == db["allegation"].count_where(counted) > 0
    # the generator hears each witness person once: persons heard at counted hearings = their appearances
    heard = db["witness_appearance"].count_where(counted)
    assert data["anonymous_witnesses"]["witnesses"]["count"] == heard > 0
    informed = next(i for i in data["items"] if i["key"] == "informed_of_reasons")
    assert informed["observed"]["count"] == 10  # every defendant was answered for in some counted hearing
    db.close()


def test_import_benchmark_on_a_small_mission(tmp_path):
    """bench/sync_bench.py end to end: export the mission, import it twice with the command."""
    from bench.generate import generate
    from bench.sync_bench import bench_import

    generate(
        str(tmp_path / "monitor.sqlite"),
        trials=2,
        defendants=10,
        hearings=20,
        witnesses=10,
        allegations=4,
        log=lambda _m: None,
    )
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
