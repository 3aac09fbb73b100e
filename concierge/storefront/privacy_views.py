"""My Account, Privacy: the data policies in force, what data each covers in plain words, and
the customer's consent — given or withdrawn by the customer only (an agent assisting them may look,
never change it: bar 6)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.customers.privacy import active_policies_for, consent_set, data_point_values
from concierge.storefront.account_views import customer_required


@require_http_methods(["GET", "POST"])
@customer_required
def privacy(request: ConciergeRequest) -> HttpResponse:
    ctx = request.ctx
    status = 200
    if request.method == "POST":
        given = request.POST.get("consent") == "give"
        try:  # the service refuses an agent acting for the customer (not_allowed_on_behalf, 403)
            consent = consent_set(ctx, policy_id=request.POST.get("policy", ""), given=given)
        except DomainError as exc:
            messages.error(request, exc.message)
            status = exc.status
        else:
            name = consent.policy.name
            messages.success(request, f"Thank you: you consent to “{name}”." if given
                             else f"You withdrew your consent to “{name}”.")  # fmt: skip
            return redirect("storefront:privacy")
    customer = ctx.served_customer
    rows = [(row, data_point_values(customer, row.policy)) for row in active_policies_for(customer)]
    return render(request, "storefront/privacy.html", {"rows": rows, "customer": customer}, status=status)
