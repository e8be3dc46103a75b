"""An export written to ``/dev/null`` or a pipe works, or says why not; it never dies in the zip writer."""

import io
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

from monitor.reports.export_cli import _open
from monitor.reports.xlsx import Workbook

SIZES = range(0, 120)


def _workbook(out, size: int) -> None:
    rng = random.Random(size)
    with Workbook(out) as book:
        for number in range(4):
            sheet = book.sheet(f"Sheet {number}")
            for _row in range(size + number):
                sheet.append(["".join(rng.choices("abcdefghij0123456789", k=rng.randint(1, 40)))])


def _failures(opener) -> int:
    failures = 0
    for size in SIZES:
        out = opener()
        try:
            with out:
                _workbook(out, size)
        except Exception:  # noqa: BLE001 (counting every way the writer fails)
            failures += 1
    return failures


def test_a_plain_dev_null_handle_breaks_the_zip_writer_for_some_sizes():
    # The case the export must avoid: /dev/null answers tell() with 0, so offsets move backwards.
    assert _failures(lambda: open("/dev/null", "wb")) > 0  # noqa: SIM115


def test_the_export_target_for_dev_null_takes_every_size():
    assert _failures(lambda: _open("/dev/null")[0]) == 0


def test_a_stream_target_writes_a_workbook_that_opens_again(tmp_path):
    fifo_like = io.BytesIO()

    class Sink(io.RawIOBase):  # a pipe: accepts bytes, cannot tell or seek
        def writable(self):
            return True

        def write(self, data):
            fifo_like.write(data)
            return len(data)

    with io.BufferedWriter(Sink()) as out:
        _workbook(out, 50)
    with zipfile.ZipFile(io.BytesIO(fifo_like.getvalue())) as archive:
        assert archive.testzip() is None
        assert "xl/worksheets/sheet1.xml" in archive.namelist()


def test_the_export_command_writes_a_workbook_into_a_pipe(tmp_path):
    env = dict(os.environ, MONITOR_INSTANCE_PATH=str(tmp_path))
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "monitor"]
    for command in (["init-db"], ["seed-demo"]):
        done = subprocess.run(flask + command, capture_output=True, text=True, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    mission = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
            "'SELECT uuid FROM mission LIMIT 1').fetchone()[0])",
            str(tmp_path / "monitor.sqlite"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    for fmt, member in (("xlsx", "xl/workbook.xml"), ("csv", "answers.csv")):
        piped = subprocess.run(
            flask + ["export", mission, "--format", fmt, "--profile", "partner", "-o", "/dev/stdout"],
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        assert piped.returncode == 0, piped.stderr.decode()
        with zipfile.ZipFile(io.BytesIO(piped.stdout)) as archive:
            assert archive.testzip() is None
            assert member in archive.namelist()
        to_null = subprocess.run(
            flask + ["export", mission, "--format", fmt, "--profile", "partner", "-o", "/dev/null"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        assert to_null.returncode == 0 and "Wrote /dev/null" in to_null.stdout, to_null.stderr
