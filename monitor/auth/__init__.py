"""Sign-in, sign-out, first-run set-up, the user's own profile and API tokens.

``identity`` says who makes a request, ``users`` and ``tokens`` keep the accounts and tokens, ``routes``
holds the views (and the blueprint). This package imports only ``identity``, so that
``from monitor.auth import request_actor`` keeps working without importing the views.
"""

from .identity import User, login_manager, request_actor

__all__ = ["User", "login_manager", "request_actor"]
