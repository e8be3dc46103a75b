"""Every list the API answers is paged: ?page & ?limit (at most 500, default 100), X-Total-Count, a Link to
the next page; an unreadable page or limit is a 400 naming it."""

import re

import pytest

from monitor.api.paging import DEFAULT_LIMIT, MAX_LIMIT
from tests.conftest import setup_trial, start_hearing
from tests.test_tokens import bearer, make_token

NEXT = re.compile(r'^<(?P<url>[^>]+)>; rel="next"$')


@pytest.fixture
def api(app, people):
    setup = setup_trial(app, defendants=DEFAULT_LIMIT + 5)
    hearing = start_hearing(app, setup)
    client = app.test_client()
    secrets = {name: make_token(app, name)[1] for name in ("lena", "oleg")}

    def call(who, path, **kwargs):
        return client.get(path if path.startswith("http") else f"/api/v1{path}", headers=bearer(secrets[who]))

    return {"call": call, "setup": setup, "hearing": hearing, "client": client}


def test_following_the_next_links_gives_the_whole_list_once(api):
    trial = api["setup"]["trial"]["uuid"]
    url, pages, seen = f"/trials/{trial}/defendants?limit=40", 0, []
    while url:
        response = api["call"]("lena", url)
        assert response.status_code == 200 and response.headers["X-Total-Count"] == str(DEFAULT_LIMIT + 5)
        seen += [d["name"] for d in response.json]
        link = response.headers.get("Link")
        url = NEXT.match(link)["url"] if link else None
        pages += 1
    assert pages == 3 and len(seen) == DEFAULT_LIMIT + 5 == len(set(seen))
    assert seen == [f"Defendant {n}" for n in range(DEFAULT_LIMIT + 5)]  # the trial's order, kept


def test_without_parameters_a_list_is_its_first_hundred_with_a_link_to_the_rest(api):
    trial = api["setup"]["trial"]["uuid"]
    first = api["call"]("lena", f"/trials/{trial}/defendants")
    assert len(first.json) == DEFAULT_LIMIT
    assert first.headers["Link"].endswith(
        f'/api/v1/trials/{trial}/defendants?limit={DEFAULT_LIMIT}&page=2>; rel="next"'
    )
    last = api["call"]("lena", f"/trials/{trial}/defendants?page=2")
    assert len(last.json) == 5 and "Link" not in last.headers
    beyond = api["call"]("lena", f"/trials/{trial}/defendants?page=9")
    assert beyond.json == [] and beyond.headers["X-Total-Count"] == str(DEFAULT_LIMIT + 5)
    whole = api["call"]("lena", f"/trials/{trial}/defendants?limit={MAX_LIMIT}")
    assert len(whole.json) == DEFAULT_LIMIT + 5 and "Link" not in whole.headers


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        (f"limit={MAX_LIMIT + 1}", "limit"),
        ("limit=ten", "limit"),
        ("limit=-1", "limit"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("page=99999999999", "page"),
    ],
)
def test_an_unreadable_page_or_limit_is_a_400_naming_it(api, query, field):
    response = api["call"]("lena", f"/trials/{api['setup']['trial']['uuid']}/defendants?{query}")
    assert response.status_code == 400 and response.json["field"] == field
    assert "Link" not in response.headers and "X-Total-Count" not in response.headers


def test_other_query_parameters_are_kept_in_the_next_link(api):
    trial = api["setup"]["trial"]["uuid"]
    response = api["call"]("lena", f"/trials/{trial}/defendants?limit=2&lang=ru")
    assert "lang=ru" in response.headers["Link"] and "page=2" in response.headers["Link"]


def test_every_list_in_the_document_is_described_and_answers_paged(api):
    """Each GET that answers an array documents page, limit and the two headers, and really pages."""
    document = api["client"].get("/api/v1/openapi.json").get_json()
    values = {
        "mission_uuid": api["setup"]["mission"]["uuid"],
        "trial_uuid": api["setup"]["trial"]["uuid"],
        "hearing_uuid": api["hearing"]["uuid"],
        "defendant_uuid": api["setup"]["defendants"][0]["uuid"],
    }
    lists = []
    for path, operations in document["paths"].items():
        get = operations.get("get")
        schema = (get or {}).get("responses", {}).get("200", {}).get("content", {})
        if schema.get("application/json", {}).get("schema", {}).get("type") != "array":
            continue
        lists.append(path)
        assert {"page", "limit"} <= {p["name"] for p in get["parameters"]}, path
        assert {"Link", "X-Total-Count"} <= get["responses"]["200"]["headers"].keys(), path
        assert "400" in get["responses"], path
        if set(re.findall(r"{(\w+)}", path)) - values.keys():
            continue  # (a path parameter no record here fills)
        response = api["call"]("lena", path.format(**values) + "?limit=1")
        if response.status_code == 403:
            response = api["call"]("oleg", path.format(**values) + "?limit=1")
        assert response.status_code == 200, path
        assert len(response.json) <= 1 and "X-Total-Count" in response.headers, path
    assert len(lists) >= 12  # missions, trials, defendants, hearings, sittings, members, observers, reviews…
