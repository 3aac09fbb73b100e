"""Orders' part in Delete Account: orders placed by or for an account are purchases (their returns,
refunds and payments hang off them), so they refuse the deletion; orders are never deleted."""

from __future__ import annotations

from django.db.models import Count, Q

from concierge.customers.account_holders import AccountHolder, Ids, plural, register
from concierge.orders.models import Order


def purchases(ids: Ids) -> dict[int, list[str]]:
    """``{account_id: ["3 orders"]}``: an order counts for its customer and for its account."""
    wanted = set(ids)
    counts: dict[int, int] = {}
    rows = Order.objects.filter(Q(customer_id__in=wanted) | Q(account_id__in=wanted)).values(
        "customer_id", "account_id"
    )
    for row in rows.annotate(n=Count("id")):
        for key in {row["customer_id"], row["account_id"]} & wanted:
            counts[key] = counts.get(key, 0) + row["n"]
    return {pk: [plural(n, "order")] for pk, n in counts.items() if n}


def register_holder() -> None:
    register(AccountHolder(name="orders", purchases=purchases))
