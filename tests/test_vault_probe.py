"""Two workers looking at the vault file at the same instant: neither takes the other's look for a claim.

Every request to a locked worker asks whether another process holds the key (a non-blocking lock on
the vault file). That look used to take the lock exclusively for an instant, so two workers looking at
once, or one looking while the other unlocked, could each answer "another process holds the key" (409)
although none did. A look now takes the lock shared, and a claim waits out looks for half a second."""

import fcntl
import os
import subprocess
import sys
import threading
import time

import pytest

from monitor.vault import keys
from tests.vault_util import forget_everything, make_vault_app


@pytest.fixture
def locked(tmp_path):
    app = make_vault_app(tmp_path)
    yield app
    forget_everything(app)


def hold(database: str, how: int) -> int:
    """Another open file description on the vault file (as another process's would be), locked ``how``."""
    fd = os.open(keys.path_for(database), os.O_RDONLY)
    fcntl.flock(fd, how | fcntl.LOCK_NB)
    return fd


def test_a_look_in_another_worker_at_the_same_instant_is_not_a_claim(locked):
    database = locked.config["DATABASE"]
    fd = hold(database, fcntl.LOCK_SH)  # the other worker, in the middle of its own look
    try:
        assert keys.is_claimed_elsewhere(database) is False
        assert locked.test_client().get("/unlock").status_code == 200
    finally:
        os.close(fd)


def test_unlocking_while_another_worker_looks_takes_the_key(locked):
    database = locked.config["DATABASE"]
    fd = hold(database, fcntl.LOCK_SH)
    threading.Timer(0.1, os.close, [fd]).start()  # the look ends a moment later
    keys.claim(database)
    try:
        assert keys._id(database) in keys._claims
    finally:
        keys.release_claim(database)


def test_a_real_claim_in_another_process_is_still_seen_and_refused(locked):
    database = locked.config["DATABASE"]
    code = (
        "import sys, time; from monitor.vault import keys; keys.claim(sys.argv[1]); "
        "print('ok', flush=True); time.sleep(30)"
    )
    other = subprocess.Popen([sys.executable, "-c", code, database], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "ok"
        assert keys.is_claimed_elsewhere(database) is True
        started = time.monotonic()
        with pytest.raises(keys.Served):
            keys.claim(database)
        assert time.monotonic() - started < 2
        response = locked.test_client().get("/unlock")
        assert response.status_code == 409 and "runs one" in response.get_data(as_text=True)
    finally:
        other.kill()
        other.wait()
        other.stdout.close()
