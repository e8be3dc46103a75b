"""The app factory and the per-machine configuration."""

import os
import stat
from pathlib import Path

import pytest

from monitor import create_app
from monitor.instance_config import ensure_instance_config


def test_first_start_writes_a_private_config_with_a_random_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_INSTANCE_PATH", str(tmp_path / "inst"))
    app = create_app()
    config = tmp_path / "inst" / "config.py"
    assert app.instance_path == str(tmp_path / "inst")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert len(app.config["SECRET_KEY"]) == 64
    assert app.config["DATABASE"] == str(tmp_path / "inst" / "monitor.sqlite")
    # A second start keeps the same key (sessions survive a restart).
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]


def test_two_machines_get_different_secrets(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = ensure_instance_config(str(tmp_path / "a"))
    second = ensure_instance_config(str(tmp_path / "b"))
    assert Path(first).read_text() != Path(second).read_text()
    assert not [p for p in os.listdir(tmp_path / "a") if p != "config.py"]  # no partial file left behind


def test_app_refuses_to_start_without_a_secret_key(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path), "DATABASE": str(tmp_path / "x")})


def test_templates_and_static_files_come_from_the_top_level(app):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    assert app.template_folder == os.path.join(root, "templates")
    assert app.static_folder == os.path.join(root, "static")


def test_https_setting_makes_cookies_secure(tmp_path):
    from tests.conftest import make_app

    assert make_app(tmp_path, HTTPS=True).config["SESSION_COOKIE_SECURE"] is True
    assert make_app(tmp_path).config["SESSION_COOKIE_SECURE"] is False
