"""The app as `make run` and a mission server serve it: gunicorn, several workers, real HTTP."""

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """A fresh instance folder, init-db, then gunicorn with two workers, as `make run` does."""
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(tmp_path / "instance"))
    subprocess.run([BIN / "flask", "--app", "monitor", "init-db"], env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(
        [BIN / "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "monitor:create_app()"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while time.monotonic() - started < 20:
        try:
            urllib.request.urlopen(base + "/static/style.css", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode())
    yield base, tmp_path / "instance"
    process.terminate()
    process.wait(timeout=10)
    process.stderr.close()


def test_a_fresh_server_asks_for_the_first_administrator(server):
    base, instance = server
    with urllib.request.urlopen(base + "/") as response:  # follows / → /login → /setup
        page = response.read().decode()
        assert response.url == base + "/setup"
        assert response.headers["Cache-Control"] == "no-store"
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Create the first administrator" in page
    config = instance / "config.py"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / "monitor.sqlite").stat().st_mode) == 0o600
    assert [p.name for p in instance.iterdir() if p.name.startswith("config.py.")] == []


def test_a_post_without_a_token_is_refused_over_http(server):
    base, _instance = server
    request = urllib.request.Request(base + "/setup", data=b"username=x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400
    refused.value.close()
