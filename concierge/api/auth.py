"""API authentication: a bearer token, or the browser's session (which then needs the CSRF token)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from concierge.assist.middleware import acting_context
from concierge.identity.policies import may_sign_in
from concierge.identity.services import api_token_user

if TYPE_CHECKING:
    from concierge.core.requests import ConciergeRequest


class TokenAuth(HttpBearer):
    """``Authorization: Bearer cg_…`` with a key from POST /api/v1/auth/tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token, touch=request.method not in {"GET", "HEAD", "OPTIONS"})
        if user is not None:
            request.user = user
            # The context resolved before the token was read named nobody: now it names the token's
            # user (and the assisted session the request names, or its refusal).
            cast("ConciergeRequest", request).ctx = acting_context(request)
        return user


class ActiveSessionAuth(SessionAuth):
    """The Django session of a signed-in, active user; unsafe methods need the CSRF token.

    A request that sent an Authorization header, or has no signed-in session, is not a session
    request at all: it gets 401 (not a CSRF refusal) when its token did not authenticate it.
    """

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if "authorization" in request.headers or user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and may_sign_in(user):
            return user
        return None


token_or_session = [TokenAuth(), ActiveSessionAuth()]


def identify(request: HttpRequest) -> None:
    """For routes open to anonymous callers: a bearer token, if sent, must be valid and then names
    the caller; a signed-in browser session must send the CSRF token for a change; otherwise the
    caller is anonymous."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or TokenAuth().authenticate(request, key.strip()) is None:
            raise AuthenticationError()
        return
    user = getattr(request, "user", None)
    changing = request.method not in {"GET", "HEAD", "OPTIONS"}
    if user is not None and user.is_authenticated and changing and check_csrf(request) is not None:
        raise HttpError(403, "CSRF check Failed")
