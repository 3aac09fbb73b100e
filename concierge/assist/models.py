"""Assisted sessions (a staff member acting for a customer) and cart takeovers (seed 001)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from concierge.assist.errors import AssistError
from concierge.core import clock
from concierge.core.states import StateMachine


class AssistedSession(StateMachine, models.Model):
    """Who assisted whom, when, why, and how it ended. At most one open session per agent."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        ENDED = "ENDED", "Ended"

    # A session is open until it ends, once, for a reason (``EndReason``); it never reopens.
    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.ENDED}),
        Status.ENDED: frozenset(),
    }
    TRANSITION_ERROR = AssistError.SESSION_ENDED
    NOUN = "An assisted session"

    class Channel(models.TextChoices):
        STOREFRONT = "STOREFRONT", "Storefront"
        CONSOLE = "CONSOLE", "Console cart takeover"
        API = "API", "API"

    class EndReason(models.TextChoices):
        SIGNED_IN_AS_SELF = "SIGNED_IN_AS_SELF", "Signed in as themself"
        SIGNED_OUT = "SIGNED_OUT", "Agent signed out"
        IDLE = "IDLE", "Idle timeout"
        TIME_LIMIT = "TIME_LIMIT", "Time limit reached"
        REPLACED = "REPLACED", "Agent started another session"
        ACCESS_LOST = "ACCESS_LOST", "Agent lost access"
        HANDED_BACK = "HANDED_BACK", "Cart handed back"

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assisted_sessions")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="assisted_sessions")
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.STOREFRONT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=200, blank=True)
    ticket = models.CharField("ticket reference", max_length=40, blank=True)
    started_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=models.Q(ended_at__isnull=True), name="assist_one_open_session_per_agent"
            )
        ]
        indexes = [models.Index(fields=["customer", "-started_at"], name="assist_session_customer")]

    def __str__(self) -> str:
        return f"{self.agent} for {self.customer}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    def end(self, reason: str, *, at: dt.datetime) -> None:
        """Move to ENDED (an ended session cannot end again) with why and when."""
        self.transition_to(self.Status.ENDED)
        self.ended_at = at
        self.end_reason = reason


class CartTakeover(models.Model):
    """An offline order a CSR creates in the console to fill a shopper's cart (seed 001): created
    for a customer, associated with their cart by "View User's Cart", ended by "Add Items to Cart"."""

    class Status(models.TextChoices):
        NEW = "NEW", "New"
        IN_CART = "IN_CART", "Editing the user's cart"
        HANDED_BACK = "HANDED_BACK", "Items added to the user's cart"
        CANCELLED = "CANCELLED", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(AssistedSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cart = models.ForeignKey("carts.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agent", "status"], name="assist_takeover_agent")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.IN_CART)
