"""Carts' part in Delete Account: an account's carts go with it (a cart is not a purchase)."""

from __future__ import annotations

from django.db.models import Count

from concierge.carts.models import Cart
from concierge.customers.account_holders import AccountHolder, Ids, register


def delete(ids: Ids) -> dict[int, dict[str, int]]:
    """Delete the accounts' carts; ``{account_id: {"carts": n}}``."""
    rows = Cart.objects.filter(customer_id__in=ids)
    counts = dict(rows.values_list("customer_id").annotate(n=Count("id")))
    rows.delete()
    return {pk: {"carts": counts.get(pk, 0)} for pk in ids}


def register_holder() -> None:
    register(AccountHolder(name="carts", delete=delete))
