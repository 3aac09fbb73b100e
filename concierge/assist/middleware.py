"""The acting context of every request, resolved once, eagerly, before any view (DESIGN.md
principle 1; RELIABILITY.md bars 2, 4 and 15).

Resolution itself only reads (``assist/context.py``). What it finds is then acted on here, in the
open: an assisted session that is over is ended by an explicit service call — on whatever request
finds it, even one answered 401 or by a redirect to sign in (bar 4) — and forgotten by the
browser, whose session key rotates (bar 2), with a message for the agent. A session the agent is
working in is renewed only by requests that change something (and by the heartbeat POST of the
open page): a GET changes no row (bar 15).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse

from concierge.assist.context import ASSISTED_SESSION_KEY, resolve
from concierge.assist.services import session_expire, session_touch
from concierge.core import lease_tokens
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The API's description is the same for everyone: it is served without resolving anyone.
CONTEXT_FREE_PATHS = frozenset({"/api/v1/openapi.json", "/api/v1/docs"})
SESSION_ENDED_MESSAGE = "Your session on behalf of the customer has ended. You are signed in as yourself."


def _ended_message(session_id: object) -> str:
    """What the agent reads when their session is found over: who ended it, where the customer did."""
    from concierge.assist.models import AssistedSession

    try:
        pk = int(str(session_id))
    except ValueError:
        return SESSION_ENDED_MESSAGE
    session = AssistedSession.objects.select_related("customer", "ended_by").filter(pk=pk).first()
    if session is not None and session.end_reason == AssistedSession.EndReason.ENDED_BY_CUSTOMER:
        return f"{session.customer.display_name} ended your access to their account. You are signed in as yourself."
    if session is not None and session.end_reason == AssistedSession.EndReason.ENDED_BY_SUPERVISOR:
        who = session.ended_by.display_name if session.ended_by is not None else "A supervisor"
        why = session.end_note.rstrip(". ")
        return (f"{who} ended your session on behalf of {session.customer.display_name}. Reason: {why}. "
                "You are signed in as yourself.")  # fmt: skip
    return SESSION_ENDED_MESSAGE


def acting_context(request: HttpRequest) -> ActingContext:
    """Resolve ``request``'s context and do what resolution found; raise the refusal of an API
    request naming an ended session. Also called by API token authentication, which changes who
    the request is from."""
    found = resolve(request)
    ctx = found.ctx
    if found.over is not None:
        session_expire(ctx, session=found.over, reason=found.over_reason)
    if found.forget_in_browser:
        ended_id = request.session.pop(ASSISTED_SESSION_KEY, None)
        lease_tokens.forget_all(request, "cart")
        if ctx.user is not None:
            request.session.cycle_key()
            messages.info(request, _ended_message(ended_id), fail_silently=True)
    if found.account_dropped:
        request.session.pop("account_id", None)
        messages.warning(
            request,
            "You are no longer acting for that organization: it is disabled or no longer assigned to you.",
            fail_silently=True,
        )
    if found.refused is not None:
        raise found.refused
    if ctx.is_assisting and request.method not in SAFE_METHODS:
        session_touch(ctx)
    return ctx


class ActingContextMiddleware:
    """Puts the acting context on ``request.ctx`` before the view runs, and names who acted for
    whom on every authenticated API answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: ConciergeRequest) -> HttpResponse:
        if request.path in CONTEXT_FREE_PATHS:
            request.ctx = ActingContext(user=None)
            return self.get_response(request)
        try:
            request.ctx = acting_context(request)
        except DomainError as exc:  # only API requests are refused while resolving
            return JsonResponse(exc.as_dict(), status=exc.status)
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") and user is not None and user.is_authenticated:
            # Every authenticated API answer says who acted and for whom (ids; names are in
            # GET /api/v1/me). request.ctx may have been rebuilt by token authentication.
            ctx = request.ctx
            if ctx.user is None:
                return response
            response["X-Acting-User"] = str(ctx.user.pk)
            if ctx.is_assisting:
                response["X-Assisted-Session"] = str(ctx.assisted_session.pk)
            if ctx.customer is not None:
                response["X-On-Behalf-Of-Customer"] = str(ctx.customer.pk)
            if ctx.account is not None:
                response["X-Acting-For-Account"] = str(ctx.account.pk)
        return response
