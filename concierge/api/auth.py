"""API authentication: a bearer token, or the browser's session (which then needs the CSRF token)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from concierge.identity.services import api_token_user


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cg_…`` with a key from POST /api/v1/auth/tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is not None:
            # The acting context is built from request.user on first use, after this.
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    """The Django session of a signed-in, active user; unsafe methods need the CSRF token."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


token_or_session = [TokenAuth(), ActiveSessionAuth()]
