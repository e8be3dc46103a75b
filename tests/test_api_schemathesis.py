"""Schemathesis against the API's own OpenAPI document, in process: no input may cause a server error.

For every operation the document describes, generated requests (bodies, parameters and headers that
follow the document, and ones that break it) are sent to the app through WSGI, once as a mission lead
and once as an observer, each with a write token, aimed at real records: the path parameters are the
lead's mission, trial and defendant and the observer's draft hearing. Every response must not be a
server error and must match the document (status code, content type, body schema, headers).

The schema is loaded from the running app in each test; the operations to parametrize over come from
the same registry (importing ``monitor.api`` registers every endpoint). A few examples per operation and
mode keep this well under a minute (``API_FUZZ_EXAMPLES`` for more); ``make stress`` has its own budget.
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.api import openapi
from tests.conftest import make_app, setup_trial, start_hearing
from tests.test_tokens import bearer, make_token

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
OPERATIONS = sorted(
    (path, method.upper())
    for path, operations in openapi.PATHS.items()
    for method in operations
    if method != "parameters"
)
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


@pytest.fixture
def app(tmp_path):
    """The test app, with the refused-token throttle out of the way (test_tokens.py tests it)."""
    return make_app(tmp_path, LOGIN_FAILURES_PER_MINUTE=1_000_000)


@pytest.fixture
def world(app, people):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    return {
        "mission_uuid": setup["mission"]["uuid"],
        "trial_uuid": setup["trial"]["uuid"],
        "defendant_uuid": setup["defendants"][0]["uuid"],
        "hearing_uuid": hearing["uuid"],
    }


@pytest.mark.parametrize("username", ["lena", "oleg"])
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_no_request_makes_a_server_error_or_breaks_the_document(app, world, username, path, method):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(with_security_parameters=False)  # our token, not made-up ones
    # Valid-looking data may still break a rule the document cannot state (an end date before the
    # start, an unknown checklist): 422 is a fine answer to it, but never 400 ("could not be read") —
    # except from the findings, whose filters answer 400 as the page and the command do.
    accepted = ["2xx", "401", "403", "404", "409", "422", *(["400"] if path.endswith("/findings") else [])]
    schema.config.checks.positive_data_acceptance.expected_statuses = accepted
    # Like the pages, the API trims text before checking it, with Python's notion of white space (which
    # includes characters JSON Schema's \s does not, like U+001E): a value the document calls too long or
    # not blank can be accepted once trimmed. So schema-violating data may be accepted on purpose; it
    # must still never cause a server error or a response the document does not describe (checked).
    # Found with 200 examples per operation in `make stress`.
    schema.config.checks.negative_data_rejection.enabled = False
    operation = schema[path][method]
    _row, secret = make_token(app, username)
    pinned = {name: value for name, value in world.items() if "{" + name + "}" in path}
    strategy = st.one_of(
        operation.as_strategy(mode, path_parameters=pinned) for mode in schemathesis.GenerationMode
    )

    @given(case=strategy)
    @SETTINGS
    def run(case):
        # the token as the caller's own credentials: schemathesis also tries without it and a wrong one
        case.call_and_validate(headers=bearer(secret))

    run()
