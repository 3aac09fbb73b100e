"""Request-scoped plumbing: a request id for logs and audit events, and the acting context."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from concierge.core.context import build_context
from concierge.core.errors import DomainError

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Takes a well-formed ``X-Request-ID`` from the caller or makes one, and echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class ActingContextMiddleware:
    """Puts the acting context on ``request.ctx``, built on first use."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.ctx = SimpleLazyObject(lambda: build_context(request))
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") and user is not None and user.is_authenticated:
            # Every authenticated API answer says who acted and for whom (ids; names are in
            # GET /api/v1/me). request.ctx may have been rebuilt by token authentication.
            try:
                ctx = request.ctx
                ctx.user  # noqa: B018  (resolves the lazy context)
            except DomainError:
                return response  # the context was refused (an ended assisted session): nobody acts
            response["X-Acting-User"] = str(ctx.user.pk)
            if ctx.is_assisting:
                response["X-Assisted-Session"] = str(ctx.assisted_session.pk)
            if ctx.customer is not None:
                response["X-On-Behalf-Of-Customer"] = str(ctx.customer.pk)
            if ctx.account is not None:
                response["X-Acting-For-Account"] = str(ctx.account.pk)
        return response
