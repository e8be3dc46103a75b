"""A hearing report says what was seen: a defendant answered "Not observed" throughout is not "unanswered"."""

from monitor import checklists
from tests.conftest import login, post, save, setup_trial, start_hearing

CHECKLIST = checklists.get("fair_trial", 1)


def test_a_defendant_not_observed_throughout_is_said_so(app, client, tmp_path):
    setup = setup_trial(app, defendants=2)
    hearing = start_hearing(app, setup)
    login(client, "oleg")
    unseen, answered = setup["defendants"]
    items = [item for item in CHECKLIST.items_for("defendant") if item.answer == "yesno"]
    changes = [
        {"id": f"{n}", "target": "answer", "subject": unseen["uuid"], "item": item.key, "field": "value",
         "value": "not_observed"}
        for n, item in enumerate(items)
    ] + [{"id": "x", "target": "answer", "subject": answered["uuid"], "item": items[0].key, "field": "value",
          "value": "yes"}]  # fmt: skip
    assert save(client, hearing, *changes).status_code == 200
    assert post(client, f"/hearings/{hearing['uuid']}/submit").status_code == 302
    path = tmp_path / "hearing.html"
    args = [
        "report",
        setup["mission"]["uuid"],
        "--kind",
        "hearing",
        "--id",
        hearing["uuid"],
        "--format",
        "html",
    ]
    result = app.test_cli_runner().invoke(args=[*args, "--profile", "internal", "-o", str(path)])
    assert result.exit_code == 0, result.output
    page = path.read_text()
    assert f"{len(items)} questions answered “Not observed”; none answered otherwise." in page
    assert page.count("No question was answered.") == 1  # the whole-hearing questions only, left blank
