"""Rules about customer records that other domains ask."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.core.errors import DomainError
from concierge.customers.errors import CustomerError

if TYPE_CHECKING:
    from concierge.customers.models import Customer


def check_active(customer: Customer) -> None:
    """A disabled customer (or organization) transacts with no one: not themself, not customer
    service for them, not a seller for it (RELIABILITY.md bar 28)."""
    if not customer.is_active:
        noun = "organization" if customer.kind == customer.Kind.ACCOUNT else "customer account"
        raise DomainError(
            CustomerError.DISABLED,
            f"This {noun} ({customer.display_name}) is disabled: nothing can be bought for it. "
            "Contact customer service.",
            status=403,
        )
