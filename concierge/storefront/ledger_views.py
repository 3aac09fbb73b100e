"""My Account, Customer service: every session customer service had on the account, and End access
now for the one that is live. The customer's own page: an agent assisting them is refused it, as
they are Sign-in and security (they see their session from the other side)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from concierge.assist.ledger import customer_ledger, pending_confirmations
from concierge.assist.services import session_end_by_customer
from concierge.core.errors import DomainError
from concierge.core.on_behalf import OnBehalfDenied, not_on_behalf
from concierge.core.requests import ConciergeRequest
from concierge.storefront.account_views import customer_required


@customer_required
@not_on_behalf(OnBehalfDenied.SESSION_LEDGER)
@require_GET
def customer_service_sessions(request: ConciergeRequest) -> HttpResponse:
    customer = request.ctx.served_customer
    entries = customer_ledger(customer)
    context = {
        "customer": customer,
        "live": [e for e in entries if e.is_live],
        "past": [e for e in entries if not e.is_live],
        "pending": pending_confirmations(customer),
    }
    template = "storefront/_ledger_sessions.html" if request.headers.get("HX-Request") else "storefront/ledger.html"
    return render(request, template, context)


@customer_required
@not_on_behalf(OnBehalfDenied.SESSION_LEDGER)
@require_POST
def end_access_now(request: ConciergeRequest, session_id: int) -> HttpResponse:
    try:
        session = session_end_by_customer(request.ctx, session_id=session_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"You ended {session.agent.first_name or 'customer service'}'s access to your account."
        )
    return redirect("storefront:customer_service_sessions")
