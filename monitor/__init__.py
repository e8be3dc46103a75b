"""Trial monitor: field data collection for human-rights trial observers."""

import os
from pathlib import Path

from flask import Flask

from . import anchors, db, i18n, limits, permissions, schema, security
from .admin.routes import bp as admin_bp
from .api import bp as api_bp
from .auth import identity
from .auth.routes import bp as auth_bp
from .cases.routes import bp as cases_bp
from .cli import register_commands
from .evidence.routes import bp as evidence_bp
from .findings.routes import bp as findings_bp
from .follow_up.routes import bp as follow_up_bp
from .instance_config import DEFAULTS, ensure_instance_config
from .main.routes import bp as main_bp
from .missions.routes import bp as missions_bp
from .observe.routes import bp as observe_bp
from .recommendations.routes import bp as recommendations_bp
from .reports.routes import bp as reports_bp
from .sync.routes import bp as sync_bp
from .vault import web as vault
from .witnesses.routes import bp as witnesses_bp

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints and commands."""
    test_config = dict(test_config or {})
    instance_path = (
        test_config.pop("INSTANCE_PATH", None)
        or os.environ.get("MONITOR_INSTANCE_PATH")
        or str(ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(
        DEFAULTS,
        DATABASE=os.path.join(app.instance_path, "monitor.sqlite"),
        CHECKLIST_DIRS=[os.path.join(app.instance_path, "checklists")],
    )
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config:
        app.config.from_mapping(test_config)
    else:
        ensure_instance_config(app.instance_path)
        app.config.from_pyfile("config.py")
    security.apply_config(app)

    limits.init_app(app)  # first: no other hook may read a body before its size is checked
    vault.init_app(app)  # next: a locked installation answers before anything opens the database
    db.init_app(app)
    schema.init_app(app)
    anchors.init_app(app)
    i18n.init_app(app)
    identity.init_app(app)
    security.init_app(app)
    permissions.init_app(app)

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(missions_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(observe_bp)
    app.register_blueprint(witnesses_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(findings_bp)
    app.register_blueprint(follow_up_bp)
    app.register_blueprint(recommendations_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(sync_bp, url_prefix="/sync")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    register_commands(app)
    return app
