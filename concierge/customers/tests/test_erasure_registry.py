"""Remove customer data reaches every domain that keeps a copy of a customer's data: each domain
registers its eraser when Concierge starts, and erasure refuses to run if one has not."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from concierge.customers import erasure


def test_every_domain_that_keeps_customer_data_registered_its_eraser() -> None:
    assert set(erasure.registered_names()) >= {"orders", "returns", "payments", "assist"}
    assert [holder.name for holder in erasure.data_holders()][:4] == ["orders", "returns", "payments", "assist"]


def test_erasure_refuses_when_a_domain_stopped_registering(monkeypatch: pytest.MonkeyPatch) -> None:
    holders = {name: h for name, h in erasure._HOLDERS.items() if name != "returns"}
    monkeypatch.setattr(erasure, "_HOLDERS", holders)
    with pytest.raises(ImproperlyConfigured, match="returns"):
        erasure.data_holders()
