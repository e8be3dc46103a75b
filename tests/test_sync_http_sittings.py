"""Over real HTTP (gunicorn): a laptop's offline observation of a sitting another observer already recorded on
the server joins that sitting; the server's findings count one sitting, two observations."""

import requests

from monitor.audit import Actor
from monitor.db import connect
from monitor.missions import records as missions
from monitor.observe import records as observe
from tests.conftest import make_user
from tests.test_sync_http import count, flask, instances, log_hearings, token_for  # noqa: F401 (fixture)

ACTOR = Actor(name="test")


def test_a_pushed_observation_joins_the_sitting_already_on_the_server(instances):  # noqa: F811
    server_app, setup, server, laptop_app, laptop_dir = instances
    olga = make_user(server_app, "olga", "observer")
    db = connect(server_app.config["DATABASE"])
    missions.add_member(db, ACTOR, setup["mission"], olga, "observer")
    missions.assign_observer(db, ACTOR, setup["trial"], olga, setup["mission"])
    hers = observe.start_hearing(db, ACTOR, setup["trial"], setup["mission"], olga, "2026-11-10")
    observe.submit(db, ACTOR, hers)
    db.close()

    configured = flask(
        laptop_dir, "sync", "configure", server.url, "--token-stdin", stdin=token_for(server_app, "oleg")
    )
    assert configured.returncode == 0, configured.stderr
    assert flask(laptop_dir, "sync", "pull").returncode == 0
    log_hearings(laptop_app, 1, first_day=10)  # oleg, offline, at the sitting of 2026-11-10
    pushed = flask(laptop_dir, "sync", "push")
    assert pushed.returncode == 0, pushed.stderr + pushed.stdout

    assert count(server_app, "hearing") == 2 and count(server_app, "sitting") == 1
    findings = requests.get(
        f"{server.url}/api/v1/missions/{setup['mission']['uuid']}/findings",
        headers={"Authorization": f"Bearer {token_for(server_app, 'lena')}"},
        timeout=30,
    ).json()
    assert findings["method"]["sittings"]["count"] == 1
    assert findings["method"]["observations"]["count"] == 2
    again = flask(laptop_dir, "sync", "push")
    assert again.returncode == 0 and count(server_app, "sitting") == 1
