"""The Customer Data Policies tab of a user record (seed 004): the policies that apply to the
customer, their consent and when it was last updated, the policy's state; selecting one shows its
data points with the values collected. **Remove customer data** (privilege) erases them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from concierge.customers.privacy import customer_erase, data_point_values, is_erased, policies_for
from concierge.identity.roles import Priv
from concierge.service.customer_views import record_action, record_guard

if TYPE_CHECKING:
    from concierge.core.requests import ConciergeRequest
    from concierge.customers.models import Customer


def policies_tab(request: ConciergeRequest, customer: Customer, editing: bool) -> dict[str, Any]:
    """The tab's rows, and the data points of the policy chosen (``?policy=<id>``)."""
    rows = policies_for(customer)
    chosen_id = request.GET.get("policy") or request.POST.get("policy") or ""
    chosen = next((row for row in rows if str(row.policy.pk) == chosen_id), None)
    return {
        "policy_rows": rows,
        "chosen_policy": chosen,
        "data_points": data_point_values(customer, chosen.policy) if chosen else [],
        "can_remove_data": request.ctx.has_perm(Priv.REMOVE_CUSTOMER_DATA),
        "erased": is_erased(customer),
    }


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
