"""The bundle commands name their account, mission and trial, and say plainly which one is wrong."""

import zipfile

import pytest

from tests.conftest import setup_trial


@pytest.fixture
def mission(app):
    return setup_trial(app)


def export(runner, tmp_path, *options):
    out = tmp_path / "out.tmbundle"
    return out, runner.invoke(args=["export-bundle", str(out), *options])


def test_one_trial_of_the_mission_is_written_as_a_bundle(runner, tmp_path, mission):
    out, result = export(
        runner, tmp_path, "--mission", "Test mission", "--what", "trial",
        "--trial", mission["trial"]["uuid"], "--user", "lena",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(out)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--mission", "No such", "--user", "lena"], "No mission has the uuid or the name 'No such'."),
        (["--mission", "Test mission", "--user", "nobody"], "No active account named 'nobody' here."),
        (["--mission", "Test mission"], "Say which account acts: --user NAME."),  # lena and oleg here
        (
            ["--mission", "Test mission", "--what", "trial", "--user", "lena", "--trial", "0" * 32],
            "No such trial in this mission.",
        ),
    ],
)
def test_a_wrong_name_is_a_message_and_no_file(runner, tmp_path, mission, options, message):
    out, result = export(runner, tmp_path, *options)
    assert result.exit_code != 0
    assert message in result.output
    assert not out.exists()


def test_a_trial_of_another_mission_is_refused(app, runner, tmp_path, mission):
    other = setup_trial(app)  # a second mission, also called "Test mission": name it by uuid
    out, result = export(
        runner, tmp_path, "--mission", mission["mission"]["uuid"], "--what", "trial",
        "--trial", other["trial"]["uuid"], "--user", "lena",
    )  # fmt: skip
    assert result.exit_code != 0 and "No such trial in this mission." in result.output
    assert not out.exists()
    _out, named = export(runner, tmp_path, "--mission", "Test mission", "--user", "lena")
    assert "2 missions are called 'Test mission'; give one uuid" in named.output
