"""CSRF, cookies and the headers every response carries."""

import re
from pathlib import Path

import pytest

from monitor.security import HEADERS
from tests.conftest import PASSWORD, csrf_token, login, make_app, make_user
from tests.test_permissions import PERMISSIONS

POST_ROUTES = sorted(path for method, path, _ in PERMISSIONS.values() if method == "POST")
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def assert_security_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp


def test_every_kind_of_response_carries_the_headers(app, client, people):
    responses = [
        client.get("/login"),  # page
        client.get("/"),  # redirect
        client.get("/static/app.js"),  # static file
        client.get("/no/such/page"),  # 404
        client.post("/logout"),  # 400: no CSRF token
    ]
    login(client, "oleg")
    responses += [client.get("/"), client.get("/admin/users")]  # signed in; 403
    for n in range(6):
        responses.append(login(app.test_client(), "lena", f"wrong {n} password"))  # … 429
    assert [r.status_code for r in responses] == [200, 302, 200, 404, 400, 200, 403] + [200] * 5 + [429]
    for response in responses:
        assert_security_headers(response)
        response.close()


def test_pages_are_never_cached_but_static_files_may_be(client, people):
    login(client, "oleg")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.get("/profile").headers["Cache-Control"] == "no-store"
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    static = client.get("/static/style.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


@pytest.mark.parametrize("path", POST_ROUTES + ["/login", "/profile", "/admin/users/new"])
def test_a_post_without_csrf_token_gets_400_and_changes_nothing(client, people, db, path):
    login(client, "ada")
    audit_rows = db["audit"].count
    response = client.post(path, data={"language": "ru", "display_name": "changed"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db["audit"].count == audit_rows
    assert client.get("/").status_code == 200  # still signed in: logout did not happen


def test_a_post_with_a_token_from_another_session_gets_400(app, client, people):
    login(client, "ada")
    foreign = csrf_token(app.test_client())
    assert client.post("/logout", data={"csrf_token": foreign}).status_code == 400


def test_fetch_requests_may_send_the_token_in_a_header(client, people):
    login(client, "ada")
    token = csrf_token(client, "/")
    response = client.post("/logout", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # signed out


def test_session_cookie_flags(app, client, people):
    login(client, "oleg")
    cookie = client.get_cookie("monitor_session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    assert client.get_cookie("remember_token") is None


def test_https_configuration_marks_the_cookie_secure_and_sends_hsts(tmp_path):
    app = make_app(tmp_path, HTTPS=True)
    make_user(app, "oleg")
    client = app.test_client()
    token = csrf_token(client, "https://localhost/login")
    response = client.post(
        "https://localhost/login",
        data={"username": "oleg", "password": PASSWORD, "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_inline_script_or_style():
    """The CSP forbids them; this catches them before a browser silently ignores them."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text):
            offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text):
            offenders.append(f"{template.name}: event-handler attribute")
        if re.search(r"<style|\sstyle\s*=", text):
            offenders.append(f"{template.name}: inline style")
    assert offenders == []


def test_user_text_is_escaped(app, client, people, db):
    from monitor.auth import users

    users.update(
        db, users.Actor(name="t"), people["observer"]["uuid"], display_name="<script>alert(1)</script>"
    )
    login(client, "ada")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_signing_in_starts_a_fresh_session(app, client, people):
    before = csrf_token(client)
    login(client, "oleg")
    after = csrf_token(client, "/")
    assert before != after
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400


def test_a_server_error_shows_a_calm_page_with_the_headers(app, client, people):
    from monitor.permissions import SIGNED_IN, allow

    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    @allow(SIGNED_IN)
    def boom():
        raise RuntimeError("a bug")

    login(client, "oleg")
    response = client.get("/boom")
    assert response.status_code == 500
    assert "What you saved before is safe" in response.get_data(as_text=True)
    assert "a bug" not in response.get_data(as_text=True)
    assert_security_headers(response)
