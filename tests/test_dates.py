"""One date rule for observed dates (monitor/dates.py): a real calendar day, not in the future, not before
1950 — the same in the page's start form, the autosave and the API. A trial of 2012 can be recorded from
the notes of the time; 2012-02-30 and 9999-99-99 are refused with a message and nothing changes."""

from datetime import date, timedelta

import pytest

from monitor import records
from monitor.dates import observed_on
from tests.conftest import login, post, save, setup_trial, start_hearing
from tests.test_api import api  # noqa: F401 (a fixture)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2012-02-30", "Enter a real date as YYYY-MM-DD."),
        ("9999-99-99", "Enter a real date as YYYY-MM-DD."),
        ("0202-03-01", "Enter a date after 1950."),
        ((date.today() + timedelta(days=3)).isoformat(), "That date is in the future."),
    ],
)
def test_the_rule_refuses_with_a_message(app, text, message):
    with app.test_request_context(), pytest.raises(ValueError, match=message):
        observed_on(text)


def test_the_rule_takes_an_old_trial_and_tomorrow():
    assert observed_on("2012-03-01") == date(2012, 3, 1)
    tomorrow = date.today() + timedelta(days=1)  # an observer east of the server
    assert observed_on(tomorrow.isoformat()) == tomorrow


def test_the_api_starts_an_observation_of_2012_and_refuses_an_impossible_date_to_patch(api, db):  # noqa: F811
    call, trial = api["call"], api["setup"]["trial"]["uuid"]
    old = call("oleg", "post", f"/trials/{trial}/hearings", json={"hearing_date": "2012-03-01"})
    assert old.status_code == 201, old.get_json()
    future = call("oleg", "post", f"/trials/{trial}/hearings", json={"hearing_date": "2099-01-01"})
    assert future.status_code == 422 and "future" in future.get_json()["message"]
    url = f"/hearings/{api['hearing']['uuid']}"
    before = records.get(db, "hearing", api["hearing"]["uuid"])
    for bad in ("2012-02-30", "9999-99-99"):
        change = {"changes": [{"target": "hearing", "field": "hearing_date", "value": bad}]}
        response = call("oleg", "patch", url, json={**change, "version": before["version"]})
        assert response.status_code == 422, (bad, response.get_json())
    after = records.get(db, "hearing", api["hearing"]["uuid"])
    assert (after["hearing_date"], after["version"]) == (before["hearing_date"], before["version"])


def test_the_autosave_refuses_an_impossible_date_with_a_message(app, client, db):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    login(client, "oleg")
    response = save(
        client, hearing, {"id": "d", "target": "hearing", "field": "hearing_date", "value": "2012-02-30"}
    )
    assert [e["message"] for e in response.get_json()["errors"]] == ["Enter a real date as YYYY-MM-DD."]
    assert records.get(db, "hearing", hearing["uuid"])["hearing_date"] == hearing["hearing_date"]


def test_the_start_form_says_why_a_future_date_is_refused(app, client, db):
    setup = setup_trial(app)
    login(client, "oleg")
    response = post(
        client,
        f"/trials/{setup['trial']['uuid']}/hearings",
        {"hearing_date": "2099-05-01"},
        follow_redirects=True,
    )
    assert "That date is in the future." in response.get_data(as_text=True)  # on the trial page
    assert db["hearing"].count == 0
