"""**Remove customer data** on the Customer Data Policies tab of a user record (seed 004; the
privilege): erases the customer's data. The tab's context is :mod:`concierge.service.privacy_tabs`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.customers.privacy import customer_erase
from concierge.service.customer_views import record_action, record_guard

if TYPE_CHECKING:
    from concierge.core.requests import ConciergeRequest
    from concierge.customers.models import Customer


@record_action("policies", ends_edit=True)
def customer_remove_data(request: ConciergeRequest, customer: Customer) -> str:
    """Remove customer data: the confirm dialog posts the Shared ID typed and the reason."""
    report = customer_erase(
        request.ctx,
        customer_id=customer.pk,
        guard=record_guard(request, customer),
        confirmation=request.POST.get("confirmation", ""),
        reason=request.POST.get("reason", ""),
    )
    removed = ", ".join(f"{what}: {count}" for what, count in report.counts.items())
    return f"Customer data removed ({removed}). The record is disabled; orders and payments are kept."
