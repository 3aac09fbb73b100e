"""Delete Account asks every domain that holds rows for an account: none may be missing, or an account
with orders (or payments, or checkouts) could be deleted without anyone noticing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from concierge.customers import account_holders


def test_every_domain_that_holds_rows_for_an_account_has_registered() -> None:
    assert set(account_holders.registered_names()) >= {"orders", "payments", "checkout", "catalog", "carts", "assist"}
    assert [h.name for h in account_holders.holders()][:6] == list(account_holders.EXPECTED)


def test_a_domain_that_did_not_register_stops_the_deletion_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = {n: h for n, h in account_holders._registry.items() if n != "orders"}
    monkeypatch.setattr(account_holders, "_registry", registry)
    with pytest.raises(ImproperlyConfigured, match="orders"):
        account_holders.holders()
