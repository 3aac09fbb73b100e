"""A session's changeset in the console: everything changed in one assisted session, for review
(assist/changeset.py). The agent undoes a cart line from inside the open session, in the storefront
(storefront/assist_views.py ``assist_changes``)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from concierge.assist.changeset import session_changeset
from concierge.assist.models import AssistedSession
from concierge.core.requests import ConciergeRequest
from concierge.identity.policies import stores_served
from concierge.service.views import staff_required


def _session(request: ConciergeRequest, pk: int) -> AssistedSession:
    """The session, if its customer is of a store the viewer serves (any other: not found)."""
    session = (
        AssistedSession.objects.select_related("agent", "customer", "customer__store")
        .filter(pk=pk, customer__store_id__in=stores_served(request.ctx))
        .first()
    )
    if session is None:
        raise Http404("No such session in your stores.")
    return session


@require_GET
@staff_required
def session_changes(request: ConciergeRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    context = {"session": session, "objects": session_changeset(session), "may_undo": False}
    return render(request, "service/sessions/changes.html", context)
