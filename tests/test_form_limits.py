"""Request bodies the outside review's limits missed: a url-encoded form is parsed whole in memory, so it is
held to the form limit on every route (the bundle routes too); JSON nested deeper than Python parses is a
clear refusal on the pages' JSON routes, not a 500."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.db import connect
from tests.conftest import csrf_token, login, setup_trial, start_hearing
from tests.liveserver import Server
from tests.test_limits import MiB, grown_mib, send_body, worker_peaks

URLENCODED = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(scope="module")
def default_server(tmp_path_factory):
    """gunicorn with the default limits (a 512 MiB bundle limit on the import page and the push)."""
    instance = tmp_path_factory.mktemp("forms")
    subprocess.run(
        [Path(sys.executable).parent / "flask", "--app", "monitor", "init-db"],
        env=dict(os.environ, MONITOR_INSTANCE_PATH=str(instance)),
        check=True,
        capture_output=True,
    )
    server = Server(instance).start()
    yield server
    server.kill()


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "chunked"])
def test_a_url_encoded_body_to_the_import_page_is_held_to_the_form_limit(default_server, chunked):
    """Before: the import page took 512 MiB as a url-encoded form, read whole and parsed before the CSRF
    check, by anyone: 400 MiB cost a worker about 620 MiB."""
    before = worker_peaks(default_server)
    status, body, sent = send_body(default_server, "/sync/import", URLENCODED, chunked, 300 * MiB)
    assert status == 413
    assert b"larger than this server accepts (at most 1 MiB)" in body
    assert sent <= 1 * MiB + 16 * MiB  # the limit, plus what the sockets' buffers held
    assert grown_mib(before, worker_peaks(default_server)) < 32


def test_a_sign_in_form_of_millions_of_fields_is_refused_before_it_is_parsed(default_server):
    """Before: 8 MiB of "a&a&…" (under the body limit) parsed into about 330 MiB, for anyone."""
    before = worker_peaks(default_server)
    status, body, _sent = send_body(default_server, "/login", URLENCODED, False, 8 * MiB - 1)
    assert status == 413
    assert b"larger than this server accepts (at most 1 MiB)" in body
    assert grown_mib(before, worker_peaks(default_server)) < 32


def test_a_bundle_file_still_reaches_the_import_page_past_the_form_limit(app, client, people):
    """The form limit is for url-encoded bodies only: a bundle uploaded as a file part may be larger."""
    login(client, "oleg")
    token = csrf_token(client, "/")
    body = (
        (
            f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            '--b\r\nContent-Disposition: form-data; name="bundle"; filename="x.tmbundle"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + b"x" * (3 * MiB)
        + b"\r\n--b--\r\n"
    )
    response = client.post("/sync/import", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 302  # read and refused as not a bundle, with a message
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nothing was imported" in page


DEEP = 100_000


@pytest.mark.parametrize("route", ["save", "notes"])
def test_json_nested_deeper_than_python_parses_is_refused_not_a_500(app, client, route):
    setup = setup_trial(app)
    hearing = start_hearing(app, setup)
    login(client, "oleg")
    body = '{"changes": ' + "[" * DEEP + "]" * DEEP + "}" if route == "save" else "[" * DEEP + "]" * DEEP
    response = client.post(
        f"/hearings/{hearing['uuid']}/{route}",
        data=body,
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf_token(client, "/")},
    )
    assert response.status_code in (400, 422)
    assert response.get_json()["message"]
    db = connect(app.config["DATABASE"])
    try:
        assert db["hearing"].get(hearing["id"])["version"] == hearing["version"]
        assert db["note"].count == 0
    finally:
        db.close()
