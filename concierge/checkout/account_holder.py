"""Checkout's part in Delete Account: a checkout on record (an attempt to place an order) is a
purchase, so it refuses the deletion; the attempts are deleted only with an account that has none."""

from __future__ import annotations

from django.db.models import Count

from concierge.checkout.models import CheckoutAttempt
from concierge.customers.account_holders import AccountHolder, Ids, register


def purchases(ids: Ids) -> dict[int, list[str]]:
    """``{account_id: ["checkouts on record"]}``."""
    found = set(CheckoutAttempt.objects.filter(customer_id__in=ids).values_list("customer_id", flat=True))
    return {pk: ["checkouts on record"] for pk in ids if pk in found}


def delete(ids: Ids) -> dict[int, dict[str, int]]:
    """Delete the accounts' checkout attempts; ``{account_id: {"checkout_attempts": n}}``."""
    rows = CheckoutAttempt.objects.filter(customer_id__in=ids)
    counts = dict(rows.values_list("customer_id").annotate(n=Count("id")))
    rows.delete()
    return {pk: {"checkout_attempts": counts.get(pk, 0)} for pk in ids}


def register_holder() -> None:
    register(AccountHolder(name="checkout", purchases=purchases, delete=delete))
