"""The administrator's pages: accounts and the audit log."""

import pytest
from markupsafe import escape

from monitor.auth import users
from tests.conftest import PASSWORD, login, post

NEW = "a fresh passphrase 42"


def create_form(**overrides):
    data = {
        "username": "nadia",
        "display_name": "Nadia",
        "role": "lead",
        "language": "ru",
        "password": NEW,
        "confirm": NEW,
    }
    data.update(overrides)
    return data


def test_admin_creates_an_account(client, people, db):
    login(client, "ada")
    response = post(client, "/admin/users/new", create_form())
    assert response.status_code == 302
    user = users.get_by_username(db, "nadia")
    assert (user["role"], user["language"], user["display_name"]) == ("lead", "ru", "Nadia")
    assert login(client.application.test_client(), "nadia", NEW).status_code == 302


def test_a_taken_user_name_is_explained_and_nothing_changes(client, people, db):
    login(client, "ada")
    before = users.get_by_username(db, "oleg")
    response = post(client, "/admin/users/new", create_form(username="OLEG"))
    assert response.status_code == 200
    assert "already taken" in response.get_data(as_text=True)
    assert users.get_by_username(db, "oleg") == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"username": "has space"}, "username", "Use letters, digits and . _ - @ only, without spaces."),
        ({"username": "x" * 65}, "username", "At most 64 characters."),
        ({"role": "superuser"}, "role", "Not a valid choice."),
        ({"language": "fr"}, "language", "Not a valid choice."),
        ({"confirm": "something else entirely"}, "confirm", "The two passwords differ."),
        ({"username": ""}, "username", "Enter a user name."),
    ],
)
def test_bad_values_get_messages_not_errors(client, people, db, change, field, message):
    """Each bad value is named beside its own field, with its own message; no account is made."""
    login(client, "ada")
    count = users.count(db)
    response = post(client, "/admin/users/new", create_form(**change))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="{field}-error">{escape(message)}</p>' in page
    assert page.count('class="error"') == 1
    assert users.count(db) == count


def test_admin_changes_role_and_deactivates_which_ends_the_session(app, client, people, db):
    observer = app.test_client()
    login(observer, "oleg")
    login(client, "ada")
    uuid = people["observer"]["uuid"]
    form = {"edit-display_name": "Oleg K.", "edit-role": "lead", "edit-language": "en", "edit-submit": "1"}
    assert post(client, f"/admin/users/{uuid}", {**form, "edit-active": "y"}).status_code == 302
    assert users.get_by_uuid(db, uuid)["role"] == "lead"
    assert observer.get("/").status_code == 200  # a role change keeps the session
    post(client, f"/admin/users/{uuid}", form)  # no "edit-active": deactivated
    assert users.get_by_uuid(db, uuid)["active"] == 0
    assert observer.get("/").status_code == 302  # signed out at once
    assert login(app.test_client(), "oleg").status_code == 200  # and cannot sign in again


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, people, db):
    login(client, "ada")
    uuid = people["admin"]["uuid"]
    for form in (
        {"edit-display_name": "Ada", "edit-role": "observer", "edit-language": "en", "edit-active": "y"},
        {"edit-display_name": "Ada", "edit-role": "admin", "edit-language": "en"},
    ):
        response = post(client, f"/admin/users/{uuid}", {**form, "edit-submit": "1"}, follow_redirects=True)
        assert "last active administrator" in response.get_data(as_text=True)
        row = users.get_by_uuid(db, uuid)
        assert (row["role"], row["active"]) == ("admin", 1)


def test_admin_resets_a_password_which_ends_the_users_sessions(app, client, people, db):
    observer = app.test_client()
    login(observer, "oleg")
    login(client, "ada")
    uuid = people["observer"]["uuid"]
    response = post(
        client, f"/admin/users/{uuid}", {"reset-password": NEW, "reset-confirm": NEW, "reset-submit": "1"}
    )
    assert response.status_code == 302
    assert observer.get("/").status_code == 302
    assert login(app.test_client(), "oleg", PASSWORD).status_code == 200
    assert login(app.test_client(), "oleg", NEW).status_code == 302
    assert db["audit"].count_where("action = 'user.password_reset' AND record_uuid = ?", [uuid]) == 1


def test_the_audit_page_shows_entries_and_verifies_the_chain(client, people, db):
    login(client, "ada")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "user.create" in page and "login" in page
    assert "The chain is intact: " in client.get("/admin/audit?verify=1").get_data(as_text=True)
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET actor_name = 'someone else' WHERE id = 2")
    page = client.get("/admin/audit?verify=1").get_data(as_text=True)
    assert "The chain is broken at entry 2: its content was changed" in page


def test_the_audit_page_pages_back_through_history(client, people, db):
    from monitor import audit

    for n in range(120):
        audit.record(db, f"test.{n}")
    login(client, "ada")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "<code>test.119</code>" in first and "<code>test.0</code>" not in first
    older = client.get("/admin/audit?before=30").get_data(as_text=True)
    assert "<code>test.0</code>" in older and "<code>test.119</code>" not in older
