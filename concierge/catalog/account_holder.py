"""Catalog's part in Delete Account: an account's own price lists go with the account."""

from __future__ import annotations

from django.db.models import Count

from concierge.catalog.models import PriceList
from concierge.customers.account_holders import AccountHolder, Ids, register


def delete(ids: Ids) -> dict[int, dict[str, int]]:
    """Delete the accounts' price lists; ``{account_id: {"price_lists": n}}`` for the audit."""
    rows = PriceList.objects.filter(account_id__in=ids)
    counts = dict(rows.values_list("account_id").annotate(n=Count("id")))
    rows.delete()
    return {pk: {"price_lists": counts.get(pk, 0)} for pk in ids}


def register_holder() -> None:
    register(AccountHolder(name="catalog", delete=delete))
