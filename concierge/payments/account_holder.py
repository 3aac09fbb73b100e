"""Payments' part in Delete Account: a payment made with an account's payment method outside an
order (a declined one too) and on-account credit in use are purchases; otherwise the account's
payment methods go with it."""

from __future__ import annotations

from django.db.models import Count

from concierge.customers.account_holders import AccountHolder, Ids, plural, register
from concierge.payments.models import PaymentSource, PaymentTransaction


def purchases(ids: Ids) -> dict[int, list[str]]:
    """``{account_id: ["1 payment", "on-account credit in use"]}``."""
    payments = dict(
        PaymentTransaction.objects.filter(source__customer_id__in=ids, order__isnull=True)
        .values_list("source__customer_id")
        .annotate(n=Count("id"))
    )
    credit = set(
        PaymentSource.objects.filter(customer_id__in=ids, credit_used__gt=0).values_list("customer_id", flat=True)
    )
    found: dict[int, list[str]] = {}
    for pk in ids:
        reasons = []
        if payments.get(pk):
            reasons.append(plural(payments[pk], "payment"))
        if pk in credit:
            reasons.append("on-account credit in use")
        if reasons:
            found[pk] = reasons
    return found


def delete(ids: Ids) -> dict[int, dict[str, int]]:
    """Delete the accounts' payment methods; ``{account_id: {"payment_methods": n}}``."""
    rows = PaymentSource.objects.filter(customer_id__in=ids)
    counts = dict(rows.values_list("customer_id").annotate(n=Count("id")))
    rows.delete()
    return {pk: {"payment_methods": counts.get(pk, 0)} for pk in ids}


def register_holder() -> None:
    register(AccountHolder(name="payments", purchases=purchases, delete=delete))
