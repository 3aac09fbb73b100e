"""In-store presence's part of Remove customer data: the customer's tokens, sightings and
whereabouts are deleted. Registered in :class:`concierge.presence.apps.PresenceConfig`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from concierge.customers.erasure import ErasedValues, register_eraser
from concierge.presence.models import CustomerToken, InStore, Sighting

if TYPE_CHECKING:
    from concierge.customers.models import Customer


def erase_presence(customer: Customer, erased: ErasedValues) -> dict[str, int]:
    """Delete what the devices saw of the customer and the tokens that identified them."""
    return {
        "in-store sightings": Sighting.objects.filter(customer=customer).delete()[0],
        "in-store whereabouts": InStore.objects.filter(customer=customer).delete()[0],
        "in-store tokens": CustomerToken.objects.filter(customer=customer).delete()[0],
    }


def register() -> None:
    register_eraser("presence", erase_presence)
