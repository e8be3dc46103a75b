"""The demo as the v1 release loaded it migrates to the new units with every answer accounted for (issue #11).

``tests/fixtures/demo_v1.sql.gz`` is the database ``flask seed-demo`` (default seed) made with the code of
commit 66f4bc2, the last one before ``m010_sittings``: its schema stops at ``m009_sync``, its rows and audit
chain are that code's own. The demo accounts' password hashes are replaced by a placeholder; nothing
else was changed. Made with::

    git archive 66f4bc2 | tar -x -C /tmp/v1 && cd /tmp/v1
    MONITOR_INSTANCE_PATH=/tmp/v1i flask --app monitor init-db && … seed-demo
    (then sqlite3's iterdump of /tmp/v1i/monitor.sqlite, gzipped)

The same checks run at full size on a generated v1 mission: ``bench/migrate_units.py`` (docs/benchmarks.md).
"""

import gzip
import sqlite3
from pathlib import Path

from bench.migrate_units import STEPS, migrate, report
from monitor import checklists
from monitor.db import connect
from monitor.findings.aggregate import compute_findings
from monitor.findings.scope import Scope
from tests.conftest import make_app

FIXTURE = Path(__file__).parent / "fixtures" / "demo_v1.sql.gz"


def v1_demo(folder: Path) -> str:
    path = folder / "monitor.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(gzip.decompress(FIXTURE.read_bytes()).decode())
    conn.close()
    return str(path)


def test_the_v1_demo_migrates_with_every_answer_accounted_for_and_the_audit_chain_intact(tmp_path):
    path = v1_demo(tmp_path)
    db = connect(path)
    assert "sitting" not in db.table_names() and "witness_appearance" not in db.table_names()
    db.close()
    app = make_app(tmp_path)  # the database exists: not migrated by the app
    runner = app.test_cli_runner()
    anchored = runner.invoke(args=["audit-anchor"])  # the head of the v1 log, kept beside the database
    assert anchored.exit_code == 0, anchored.output

    result = migrate(path, log=lambda _message: None)
    printed = []
    assert report(result, printed.append), "\n".join(printed)
    assert tuple(result["times"])[: len(STEPS)] == STEPS
    before, after = result["before"], result["after"]
    assert (before["answers"], after["answers"]) == (2200, 2200)
    assert before["answers_digest"] == after["answers_digest"]  # the same rows, unchanged
    # 8 hearings on 8 dates → 8 observations of 8 sittings
    assert (after["observations"], after["sittings"], after["observations_in_a_sitting"]) == (8, 8, 8)
    # 8 witness rows → 8 appearances; the v1 form labelled every first witness "W1": no two are matched,
    # each person is flagged for a lead
    assert (after["appearances"], after["persons"], after["persons_flagged"]) == (8, 8, 8)
    assert before["witness_answers"] == after["witness_answers"] == 40
    # every answer to a case item (1,632, none blank) is an entry of one of 408 case facts' history
    assert before["case_answers"] == before["case_answers_said"] == 1632
    assert after["case_answers_in_history"] == after["case_history"] == 1632
    assert after["case_facts"] == 408 and 0 < after["case_facts_current"] <= 408
    assert (after["allegations"], after["notes"]) == (8, 24)
    assert after["audit_rows"] > before["audit_rows"] == 121

    verified = runner.invoke(args=["audit-verify"])  # the chain, and that it still holds the v1 anchor
    assert verified.exit_code == 0, verified.output
    assert f"Audit chain intact: {after['audit_rows']} rows" in verified.output

    # the migrated mission reads in the new units: its counted observations are 4 sittings
    db = connect(path)
    mission = next(db.query("SELECT * FROM mission"))
    checklist = checklists.get(mission["checklist_id"], mission["checklist_version"])
    method = compute_findings(db, Scope(mission["id"]), checklist, mission)["method"]
    counted = db["hearing"].count_where("status IN ('submitted', 'approved')")
    db.close()
    assert method["sittings"]["count"] == method["observations"]["count"] == counted == 4
