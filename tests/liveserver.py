"""A real server (gunicorn) on a loopback port, and an HTTP client that signs in like a browser."""

import http.client
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving the app for one instance folder; ``kill()`` is a kill -9 of the whole group."""

    def __init__(self, instance: Path, workers: int = 2):
        self.instance, self.workers, self.port, self.process = instance, workers, free_port(), None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        env = dict(os.environ, MONITOR_INSTANCE_PATH=str(self.instance))
        self.process = subprocess.Popen(
            [
                BIN / "gunicorn",
                "--workers",
                str(self.workers),
                "--threads",
                "4",
                "--bind",
                f"127.0.0.1:{self.port}",
                "monitor:create_app()",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/static/app.js", timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class Browser:
    """Cookies, CSRF token and JSON, over real HTTP."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.token = None

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=10) as response:
            page = response.read().decode()
        found = CSRF.search(page)
        if found:
            self.token = found.group(1)
        return page

    def sign_in(self, username: str, password: str) -> None:
        try:
            self._sign_in(username, password)
        except http.client.HTTPException as error:
            raise ConnectionError(str(error)) from error

    def _sign_in(self, username: str, password: str) -> None:
        self.get("/login")
        data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": self.token})
        with self.opener.open(self.base + "/login", data=data.encode(), timeout=10):
            pass
        self.get("/")

    def post_json(self, path: str, payload: dict, timeout: float = 10) -> tuple[int, dict]:
        """(status, JSON body). A connection cut mid-answer (a killed server) raises OSError."""
        try:
            return self._post_json(path, payload, timeout)
        except http.client.HTTPException as error:  # e.g. IncompleteRead when the server dies mid-response
            raise ConnectionError(str(error)) from error

    def _post_json(self, path: str, payload: dict, timeout: float) -> tuple[int, dict]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(payload).encode(),
            headers={
                "Content-Type": "application/json",
                "X-CSRFToken": self.token,
                "Accept": "application/json",
            },
        )
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            body = error.read()
            error.close()
            return error.code, json.loads(body or b"{}") if body.startswith(b"{") else {}
