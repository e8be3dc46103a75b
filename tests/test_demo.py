"""`flask --app monitor seed-demo`: a fictional mission a new user can click through."""

import re

from monitor import audit, checklists
from monitor.observe import sittings
from tests.conftest import login


def test_seed_demo_loads_a_complete_fictional_mission(app, runner, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    passwords = dict(re.findall(r"^\s+(demo\.\w+)\s+\w+\s+(\S+)$", result.output, re.M))
    assert set(passwords) == {"demo.lead", "demo.observer1", "demo.observer2"}
    counts = {
        t: db[t].count
        for t in (
            "mission",
            "trial",
            "defendant",
            "hearing",
            "witness",
            "witness_appearance",
            "allegation",
            "note",
        )
    }
    assert counts == {
        "mission": 1,
        "trial": 2,
        "defendant": 12,
        "hearing": 9,  # one sitting has two observations
        "witness": 7,  # persons: one anonymous witness is heard at two sittings
        "witness_appearance": 8,
        "allegation": 8,
        "note": 24,
    }
    statuses = sorted(r["status"] for r in db.query("SELECT status FROM hearing"))
    assert statuses == sorted(["approved", "submitted", "returned", "draft"] * 2 + ["submitted"])
    assert db["sitting"].count == 8  # eight sittings; the first trial's first one observed twice
    mission = next(db.query("SELECT * FROM mission"))
    assert (mission["checklist_id"], mission["checklist_version"]) == ("fair_trial", 2), "the newest"
    (disagreeing,) = sittings.open_sittings(db, mission["id"], checklists.get("fair_trial", 2))
    assert disagreeing["open"] == 1  # the observers disagree on public access: the lead's page has it
    assert db["answer"].count > 200
    assert db["witness"].count_where("anonymous = 1") == 3
    heard_twice = db.execute(
        "SELECT witness.anonymous, count(*) FROM witness_appearance "
        "JOIN witness ON witness.id = witness_appearance.witness_id GROUP BY witness.id HAVING count(*) > 1"
    ).fetchall()
    assert [tuple(row) for row in heard_twice] == [(1, 2)]
    # every defendant has a case file: 12 facts each for all but the first two of each trial (3 + 1 facts)
    assert (
        db["case_fact"].count == 12 * (12 - 4) + 8 and db["case_fact_history"].count == 2
    )  # one changed per trial
    assert audit.verify(db).ok

    # The printed passwords work, and each role lands on its own home page.
    client = app.test_client()
    assert login(client, "demo.lead", passwords["demo.lead"]).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Demonstration mission (fictional)" in home and "Awaiting your review" in home
    observer = app.test_client()
    login(observer, "demo.observer1", passwords["demo.observer1"])
    home = observer.get("/").get_data(as_text=True)
    assert home.index("Returned to you") < home.index("My hearings")

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert db["mission"].count == 1
