"""The assist domain's part of Remove customer data: the reasons and tickets of the customer's
assisted sessions that name them. Registered in :class:`concierge.assist.apps.AssistConfig` (see
:mod:`concierge.customers.erasure`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.assist.models import AssistedSession, SessionVerification
from concierge.customers.erasure import ErasedValues, register_eraser

if TYPE_CHECKING:
    from concierge.customers.models import Customer


def erase_assisted_sessions(customer: Customer, erased: ErasedValues) -> dict[str, int]:
    """Blank the reason or ticket of a session on the customer's behalf (or of a start that asked
    them for a code) when it names them."""
    for rows in (
        AssistedSession.objects.filter(customer=customer),
        SessionVerification.objects.filter(customer=customer),
    ):
        rows.filter(erased.mentioning("reason")).update(reason="")
        rows.filter(erased.mentioning("ticket")).update(ticket="")
    return {}


def register() -> None:
    register_eraser("assist", erase_assisted_sessions)
