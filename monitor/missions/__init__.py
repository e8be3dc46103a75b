"""Missions, trials and defendants: what a mission lead sets up."""

from flask import Blueprint

bp = Blueprint("missions", __name__)

from . import routes  # noqa: E402,F401
