"""The assist domain's part of Remove customer data: the reasons and tickets of the customer's
assisted sessions that name them. Registered in :class:`concierge.assist.apps.AssistConfig` (see
:mod:`concierge.customers.erasure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.assist.models import AssistedSession
from concierge.customers.erasure import ErasedValues, register_eraser

if TYPE_CHECKING:
    from concierge.customers.models import Customer


def erase_assisted_sessions(customer: Customer, erased: ErasedValues) -> dict[str, int]:
    """Blank the reason or ticket of a session on the customer's behalf when it names them."""
    sessions = AssistedSession.objects.filter(customer=customer)
    sessions.filter(erased.mentioning("reason")).update(reason="")
    sessions.filter(erased.mentioning("ticket")).update(ticket="")
    return {}


def register() -> None:
    register_eraser("assist", erase_assisted_sessions)
