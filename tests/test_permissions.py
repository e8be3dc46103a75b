"""Every route × every kind of user → the expected status. A new route without a row here fails."""

import pytest

from monitor.permissions import allow
from tests.conftest import login, post

ROLES = ("anonymous", "observer", "other_observer", "lead", "admin")
OK, REDIRECT, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
SIGNED_IN_ONLY = {"anonymous": REDIRECT, "observer": OK, "other_observer": OK, "lead": OK, "admin": OK}
ADMIN_ONLY = {
    "anonymous": REDIRECT,
    "observer": FORBIDDEN,
    "other_observer": FORBIDDEN,
    "lead": FORBIDDEN,
    "admin": OK,
}

# endpoint: (method, path — "{observer}" is the observer's uuid, expected status per user)
PERMISSIONS = {
    "static": ("GET", "/static/style.css", dict.fromkeys(ROLES, OK)),
    "main.index": ("GET", "/", SIGNED_IN_ONLY),
    "main.set_language": ("POST", "/language", dict.fromkeys(ROLES, REDIRECT)),
    "auth.login": ("GET", "/login", {**dict.fromkeys(ROLES, REDIRECT), "anonymous": OK}),
    "auth.logout": ("POST", "/logout", dict.fromkeys(ROLES, REDIRECT)),
    "auth.setup": ("GET", "/setup", dict.fromkeys(ROLES, NOT_FOUND)),  # gone once accounts exist
    "auth.profile": ("GET", "/profile", SIGNED_IN_ONLY),
    "admin.user_list": ("GET", "/admin/users", ADMIN_ONLY),
    "admin.user_create": ("GET", "/admin/users/new", ADMIN_ONLY),
    "admin.user_edit": ("GET", "/admin/users/{observer}", ADMIN_ONLY),
    "admin.audit_log": ("GET", "/admin/audit", ADMIN_ONLY),
}


def test_every_route_has_a_row_in_the_permission_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PERMISSIONS.keys() == set(), "add these routes to PERMISSIONS"
    assert PERMISSIONS.keys() - endpoints == set(), "these rows name routes that no longer exist"


def test_every_view_declares_who_may_reach_it(app):
    undeclared = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and not getattr(view, "allowed", None)
    ]
    assert undeclared == []


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize("endpoint", sorted(PERMISSIONS))
def test_route_answers_each_kind_of_user_as_the_table_says(app, client, people, endpoint, who):
    method, path, expected = PERMISSIONS[endpoint]
    if who != "anonymous":
        assert login(client, people[who]["username"]).status_code == 302
    path = path.format(observer=people["observer"]["uuid"])
    response = post(client, path) if method == "POST" else client.get(path)
    response.close()
    assert response.status_code == expected[who]
    if who == "anonymous" and expected in (SIGNED_IN_ONLY, ADMIN_ONLY):
        assert response.headers["Location"] == "/login?next=" + path


def test_a_refusal_is_audited(app, client, people, db):
    login(client, "oleg")
    assert client.get("/admin/users").status_code == 403
    row = next(db.query("SELECT * FROM audit WHERE action = 'permission.refused'"))
    assert row["actor_name"] == "oleg"
    assert '"path":"/admin/users"' in row["after"]


def test_a_view_that_forgot_its_rule_is_refused(app, client, people):
    @app.route("/forgotten")
    def forgotten():
        return "should never be served"

    @app.route("/declared")
    @allow("lead")
    def declared():
        return "leads only"

    login(client, "ada")
    assert client.get("/forgotten").status_code == 403
    assert client.get("/declared").status_code == 403
    other = app.test_client()
    login(other, "lena")
    assert other.get("/declared").status_code == 200


def test_an_unknown_account_gives_404_to_the_admin(client, people):
    login(client, "ada")
    assert client.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404


def test_allow_rejects_unknown_roles():
    with pytest.raises(ValueError):
        allow("superuser")
    with pytest.raises(ValueError):
        allow()
