"""Default settings and the per-machine ``instance/config.py`` written on first start."""

import os
import secrets
from datetime import timedelta

from . import private_files
from .i18n import LANGUAGES

DEFAULTS = {
    "SECRET_KEY": None,
    # Serve over HTTPS (a TLS proxy in front of gunicorn): Secure cookies and HSTS.
    "HTTPS": False,
    # Trust X-Forwarded-* from this many proxies in front of the app (0 on a laptop).
    "PROXY_COUNT": 0,
    "SESSION_COOKIE_NAME": "monitor_session",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "LANGUAGES": list(LANGUAGES),
    "BABEL_DEFAULT_LOCALE": "en",
    # Failed sign-ins allowed per minute, per account and per address, before HTTP 429.
    "LOGIN_FAILURES_PER_MINUTE": 5,
    # Argon2id parameters (argon2-cffi's RFC 9106 low-memory profile). Stored hashes made with
    # other parameters are rehashed at the next successful sign-in.
    "ARGON2": {"time_cost": 3, "memory_cost": 65536, "parallelism": 4},
    "PASSWORD_MIN_LENGTH": 12,
    # The largest request body in bytes: more gets a 413 before it is read, also when it comes chunked
    # (with no Content-Length). An autosave batch or a form is far smaller; bundle uploads (the API's push
    # and the import page) may send up to MAX_BUNDLE_BYTES instead.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    "MAX_BUNDLE_BYTES": 512 * 1024 * 1024,
    # One evidence file (a PDF, a photo …) at most; its upload may send this much more than any form.
    "MAX_EVIDENCE_BYTES": 20 * 1024 * 1024,
    # A multipart form (the bundle upload): at most this much text in one field, this many fields.
    "MAX_FORM_MEMORY_SIZE": 1024 * 1024,
    "MAX_FORM_PARTS": 100,
    # An encrypted installation locks itself after this many minutes without a request (0: never).
    "LOCK_AFTER_IDLE_MINUTES": 15,
    # Argon2id parameters for a new vault's key (init-db --encrypt, encrypt-db, rekey); each installation
    # keeps its own in its vault file. None: monitor.vault.keys.KDF (256 MiB, 3 passes).
    "VAULT_KDF": None,
}

TEMPLATE = """\
# Trial monitor settings for this machine. Written on first start; keep it private (mode 0600).
# Never commit this file: the secret key signs every session cookie.
SECRET_KEY = "{secret}"

# An encrypted installation (init-db --encrypt) locks itself after this many idle minutes:
# LOCK_AFTER_IDLE_MINUTES = 15

# On a mission server behind a TLS proxy, uncomment:
# HTTPS = True
# PROXY_COUNT = 1
"""


def ensure_instance_config(instance_path: str) -> str:
    """Write ``config.py`` with a fresh random ``SECRET_KEY`` unless it exists; return its path."""
    path = os.path.join(instance_path, "config.py")
    if os.path.exists(path):
        return path
    # Several server processes starting at once agree on one key, and none reads a half-written file.
    private_files.create_once(path, TEMPLATE.format(secret=secrets.token_hex(32)))
    return path
