"""Cookies, CSRF and the response headers every page carries."""

from urllib.parse import urlsplit

from flask import Flask, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth.tokens import token_request

csrf = CSRFProtect()

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path inside this app, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def apply_config(app: Flask) -> None:
    """Settings derived from HTTPS / PROXY_COUNT; called once the configuration is loaded."""
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: see instance/config.py")
    https = bool(app.config["HTTPS"])
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=https,
        REMEMBER_COOKIE_DURATION=0,  # no "remember me": every session ends with the browser or 12 h
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=https,
        PREFERRED_URL_SCHEME="https" if https else "http",
        WTF_CSRF_TIME_LIMIT=None,  # tokens live as long as the session: long hearings must not expire
        WTF_CSRF_SSL_STRICT=https,
        WTF_CSRF_CHECK_DEFAULT=False,  # check_csrf below decides, so API token requests can skip it
    )
    proxies = int(app.config["PROXY_COUNT"])
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way to add middleware
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def add_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        # Pages may show personal data: never keep a copy in a cache or the browser's history.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def check_csrf():
    """before_request: a CSRF token on every state change, except with an API token (no cookie involved)."""
    if not current_app.config["WTF_CSRF_ENABLED"] or request.endpoint is None or token_request():
        return  # no such route: the 404 answers; a token request carries no cookie to forge
    if request.path.startswith("/api/") and not current_user.is_authenticated:
        return  # no session to ride on: the permission check answers 401, as for any signed-out call
    csrf.protect()


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(check_csrf)
    app.after_request(add_headers)
