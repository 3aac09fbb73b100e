"""The Customer Data Policies tab's context (seed 004): the policies that apply to the customer,
their consent and when it was last updated, the policy's state; selecting one shows its data points
with the values collected. Apart from :mod:`concierge.service.privacy_views` (its POST), which
imports the record's views: the tab bar imports this module, and the record's views the tab bar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from concierge.customers.privacy import data_point_values, is_erased, policies_for
from concierge.identity.roles import Priv

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
