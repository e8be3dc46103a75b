"""Schemathesis's negative data over the new endpoints: where the document states the API's rules (members,
observers, reviews, corrections, and the paging parameters of every list), a request that breaks the
document must be refused with a 4xx and no server error — the check the older operations still leave off
(tests/test_api_schemathesis.py says why: their text is trimmed before it is measured).

Its power is modest: with the fixture's draft hearing most broken bodies meet a 409 or 422 anyway, and two
schema mutations tried by hand (a decision or a role dropped from an enum) went unnoticed at 50 examples.
What it does hold: no server error and a documented answer for every broken input, and a 4xx for each."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from monitor.api import members, openapi, reviews
from tests.conftest import make_app, setup_trial, start_hearing
from tests.test_tokens import bearer, make_token

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
NEW = {
    (path, method.upper())
    for module in (members, reviews)
    for path, operations in module.PATHS.items()
    for method in operations
    if method not in ("parameters", "delete")  # a DELETE has nothing but its (pinned) path to break
}
LISTS = sorted(
    (path, "GET")
    for path, operations in openapi.PATHS.items()
    if "get" in operations
    and operations["get"]["responses"]
    .get("200", {})
    .get("content", {})
    .get("application/json", {})
    .get("schema", {})
    .get("type")
    == "array"
)
OPERATIONS = sorted(NEW | set(LISTS))


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path, LOGIN_FAILURES_PER_MINUTE=1_000_000)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_data_that_breaks_the_document_is_refused(app, people, path, method):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    world = {
        "mission_uuid": setup["mission"]["uuid"],
        "trial_uuid": setup["trial"]["uuid"],
        "hearing_uuid": hearing["uuid"],
        "defendant_uuid": setup["defendants"][0]["uuid"],
        "user_uuid": setup["observer"]["uuid"],  # oleg: a member of the mission, observing the trial
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(with_security_parameters=False)
    schema.config.checks.negative_data_rejection.enabled = True
    operation = schema[path][method]
    _row, secret = make_token(app, "lena")
    pinned = {name: value for name, value in world.items() if "{" + name + "}" in path}

    @given(case=operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, path_parameters=pinned))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=bearer(secret))

    run()
