"""Assist's part in Delete Account: assisted sessions and cart takeovers are kept for the audit and
refer to the customer served, so an account they refer to is in use and may not be deleted."""

from __future__ import annotations

from concierge.assist.models import AssistedSession, CartTakeover
from concierge.customers.account_holders import AccountHolder, Ids, register


def in_use(ids: Ids) -> list[str]:
    """The kinds of kept records that refer to any of the accounts ("assisted sessions")."""
    return [
        str(model._meta.verbose_name_plural)
        for model in (AssistedSession, CartTakeover)
        if model.objects.filter(customer_id__in=ids).exists()
    ]


def register_holder() -> None:
    register(AccountHolder(name="assist", in_use=in_use))
