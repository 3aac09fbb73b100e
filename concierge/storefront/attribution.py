"""Who placed an order, as the organization's own users read it (seed 003): an order a seller
assigned to the organization placed for it says "placed by <seller> (your sales representative)",
never "with help from our customer service", which is for customer service's orders."""

from __future__ import annotations

from collections.abc import Iterable

from concierge.customers.models import SellerAssignment
from concierge.orders.models import Order


def placed_by_sales_rep(orders: Iterable[Order]) -> set[int]:
    """The ids of ``orders`` placed for their organization by a seller assigned to it — one query
    for a page of orders."""
    candidates = [o for o in orders if o.account_id is not None and o.placed_by_id is not None]
    if not candidates:
        return set()
    pairs = set(
        SellerAssignment.objects.filter(
            organization_id__in={o.account_id for o in candidates}, seller_id__in={o.placed_by_id for o in candidates}
        ).values_list("organization_id", "seller_id")
    )
    return {o.pk for o in candidates if (o.account_id, o.placed_by_id) in pairs}
