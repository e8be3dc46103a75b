"""The installed checklists through the API: what an integrator needs without parsing the YAML — each item's
unit and home, its allowed answers with labels in every language, and its concern answers as strings."""

from tests.conftest import make_user
from tests.test_tokens import bearer, make_token


def get(app, path, who="oleg"):
    make_user(app, who, "observer")
    return app.test_client().get(f"/api/v1{path}", headers=bearer(make_token(app, who)[1]))


def test_every_installed_checklist_is_listed_with_whether_it_is_offered(app):
    response = get(app, "/checklists")
    assert response.status_code == 200
    listed = {(c["id"], c["version"]): c for c in response.get_json()["checklists"]}
    assert set(listed) == {("fair_trial", 1), ("fair_trial", 2)}
    assert listed[("fair_trial", 2)]["offered"] and listed[("fair_trial", 2)]["declares_units"]
    assert listed[("fair_trial", 1)]["title"]["ru"]


def test_an_item_says_its_unit_home_answers_and_concern_in_strings(app):
    data = get(app, "/checklists/fair_trial/2").get_json()
    assert [s["key"] for s in data["stages"]][0] == "arrest" and len(data["items"]) == 66
    items = {item["key"]: item for item in data["items"]}
    informed = items["informed_of_reasons"]
    assert informed["unit"] == "case" and informed["asked"] and informed["home"] is None
    assert informed["concern"] == ["no"], "a string, not YAML's false"
    assert {a["value"] for a in informed["answers"]} == {"yes", "no", "unclear", "not_observed"}
    no = next(a for a in informed["answers"] if a["value"] == "no")
    assert no["label"] == {"en": "No", "ru": "Нет", "kk": "Жоқ"}
    basis = items["conviction_main_basis"]
    assert basis["home"] == "case.conviction_basis" and basis["asked"] is False
    assert basis["concern"] == ["anonymous_witness", "confession"]
    assert items["days_to_study_case_file"]["answers"] == []  # a number
    assert informed["refs"] and informed["finding"]["kk"]


def test_an_unknown_checklist_is_a_404_with_a_message(app):
    response = get(app, "/checklists/fair_trial/9")
    assert response.status_code == 404 and response.get_json()["message"] == "There is no such checklist."
    assert get(app, "/checklists/fair_trial/x", who="olga").status_code == 404
