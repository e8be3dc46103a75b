"""Files the app writes outside the database: owner-only from the first byte, never seen half-written."""

import multiprocessing
import os
import stat

import pytest

from monitor import private_files
from monitor.reports.redact import pseudonym_key


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_replace_writes_an_owner_only_file_and_leaves_nothing_beside_it(tmp_path):
    target = tmp_path / "settings.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    private_files.replace(str(target), '{"url": "x"}', durable=True)
    assert target.read_text() == '{"url": "x"}'
    assert mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_a_failed_write_keeps_the_earlier_file_and_leaves_no_part(tmp_path):
    target = tmp_path / "export.zip"
    target.write_bytes(b"earlier")

    def fails(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        private_files.replace(str(target), fails)
    assert target.read_bytes() == b"earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.zip"]


def test_create_once_keeps_the_first_file(tmp_path):
    target = tmp_path / "key"
    assert private_files.create_once(str(target), "first") is True
    assert private_files.create_once(str(target), "second") is False
    assert target.read_text() == "first" and mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]


def test_create_new_refuses_to_overwrite(tmp_path):
    target = tmp_path / "bundle.tmbundle"
    private_files.create_new(str(target), b"one")
    with pytest.raises(FileExistsError):
        private_files.create_new(str(target), b"two")
    assert target.read_bytes() == b"one" and mode(target) == 0o600


def _read_key(folder: str, queue) -> None:
    queue.put(pseudonym_key(folder).hex())


def test_processes_starting_together_agree_on_one_pseudonym_key(tmp_path):
    """Eight processes ask for the machine's pseudonym key at once: all get the same 32 bytes (a key file
    written in place could be read half-written by another process, giving it a different key)."""
    context = multiprocessing.get_context("spawn")  # no fork of a threaded process
    queue = context.Queue()
    workers = [context.Process(target=_read_key, args=(str(tmp_path), queue)) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    keys = {queue.get(timeout=5) for _ in workers}
    assert len(keys) == 1 and len(bytes.fromhex(keys.pop())) == 32
    assert mode(tmp_path / "pseudonym.key") == 0o600
