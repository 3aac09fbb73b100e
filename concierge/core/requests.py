"""The type of a request once Concierge's middleware has run: it carries the acting context and a
request id. Annotate a view or an API route's ``request`` with it so the type checker knows them."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from concierge.core.context import ActingContext


class ConciergeRequest(HttpRequest):
    """Only a type: requests stay Django's own. ``core.middleware.RequestIdMiddleware`` sets
    ``request_id`` and ``assist.middleware.ActingContextMiddleware`` sets ``ctx`` on every request
    before any view runs (API token authentication sets it again for the token's user)."""

    ctx: ActingContext
    request_id: str


def context_of(request: HttpRequest) -> ActingContext:
    """The acting context of a request typed as Django's own (the admin's hooks): the one the
    middleware set, or a refusal naming the missing middleware, never ``None``."""
    ctx = getattr(request, "ctx", None)
    if not isinstance(ctx, ActingContext):
        raise ImproperlyConfigured("request.ctx is set by assist.middleware.ActingContextMiddleware.")
    return ctx
