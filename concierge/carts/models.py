from __future__ import annotations

import hashlib
import secrets
from typing import ClassVar

from django.db import models

from concierge.carts.actions import CartAction
from concierge.carts.errors import CartError
from concierge.core import clock
from concierge.core.leases import Leased
from concierge.core.states import StateMachine

# Cart codes are read aloud to customer service: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class Cart(StateMachine, Leased):
    """A shopper's cart: a registered customer's (at most one active, enforced by the database) or an
    anonymous visitor's (found by the digest of a cookie token). Customer service locks it with a
    lease (``core.leases``) while they change it for the customer. All of it is priced in one
    currency, ``currency``."""

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE", "Active"
        MERGED = "MERGED", "Merged into another cart"
        ORDERED = "ORDERED", "Turned into an order"
        ABANDONED = "ABANDONED", "Abandoned"

    # An active cart is merged into another (sign-in, bind), turned into an order, or abandoned;
    # each of those is final.
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
        Status.ACTIVE: frozenset({Status.MERGED, Status.ORDERED, Status.ABANDONED}),
        Status.MERGED: frozenset(),
        Status.ORDERED: frozenset(),
        Status.ABANDONED: frozenset(),
    }
    TRANSITION_ERROR = CartError.ILLEGAL_TRANSITION
    NOUN = "A cart"
    UNLOCKED_ACTION = CartAction.UNLOCKED

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="carts")
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.CASCADE, related_name="carts"
    )
    anonymous_digest = models.CharField(max_length=64, null=True, blank=True)
    code = models.CharField(max_length=CODE_LENGTH, unique=True, help_text="Short code a shopper reads out.")
    # What its lines are priced in, set from the buyer when the cart is made; changed only by
    # re-pricing the whole cart (carts/currency.py). A cart is never in two currencies, and checkout
    # refuses one whose buyer now buys in another (``cart.currency_changed``).
    currency = models.CharField(max_length=3, help_text="ISO 4217 code its lines are priced in.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    # Not a column: the lines a change (carts/services.py) read under the row's lock and wrote, so
    # that its answer shows them without reading them again (``carts.selectors.cart_lines``).
    lines_read: list[CartLine] | None = None

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="ACTIVE"),
                name="carts_one_active_cart_per_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=False) | models.Q(anonymous_digest__isnull=False),
                name="carts_cart_has_an_owner",
            ),
            # A token names one active cart; a merged or ordered cart's token may start a new one.
            models.UniqueConstraint(
                fields=["anonymous_digest"],
                condition=models.Q(status="ACTIVE"),
                name="carts_one_active_cart_per_token",
            ),
        ]

    def __str__(self) -> str:
        return f"Cart {self.code}"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @staticmethod
    def new_code() -> str:
        return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="carts_one_line_per_sku"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="carts_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku_id}"
