"""Assisted sessions (a staff member acting for a customer) and cart takeovers (seed 001)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models

from concierge.assist.errors import AssistError
from concierge.core import clock
from concierge.core.states import StateMachine


class SessionReason(models.Model):
    """Why a CSR starts acting for a customer: the configurable list the access, takeover and API
    starts offer ("Order help", "Returns and refunds" ...). A session keeps the reason's name as it
    was (``AssistedSession.reason``), so renaming or retiring one rewrites no history."""

    name = models.CharField(max_length=80, unique=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True, help_text="Offered when a session starts.")

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class CodeSentWith(models.TextChoices):
    """Where a session's one-time code was sent (``SessionVerification``)."""

    EMAIL = "EMAIL", "Email"
    DEVICE = "DEVICE", "Signed-in devices"
    EMAIL_AND_DEVICE = "EMAIL_AND_DEVICE", "Email and signed-in devices"


class AssistedSession(StateMachine, models.Model):
    """Who assisted whom, when, why, and how it ended. At most one open session per agent."""

    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        ENDED = "ENDED", "Ended"

    # A session is open until it ends, once, for a reason (``EndReason``); it never reopens.
    ALLOWED_TRANSITIONS: ClassVar[dict[str, frozenset[str]]] = {
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
        ENDED_BY_CUSTOMER = "ENDED_BY_CUSTOMER", "Ended by the customer"
        ENDED_BY_SUPERVISOR = "ENDED_BY_SUPERVISOR", "Ended by a supervisor"

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assisted_sessions")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="assisted_sessions")
    channel = models.CharField(max_length=12, choices=Channel.choices, default=Channel.STOREFRONT)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    reason = models.CharField(max_length=200, blank=True)
    ticket = models.CharField("case reference", max_length=40, blank=True)
    started_at = models.DateTimeField(default=clock.now)
    last_seen_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    # Who ended it when it was not the agent or the clock (a supervisor from the desk), and why.
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_note = models.CharField(max_length=500, blank=True)
    # The customer confirmed the session with a one-time code (``assist/verification.py``): when,
    # and where the code was sent. Empty where the store does not ask for it.
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_with = models.CharField(max_length=16, choices=CodeSentWith.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=models.Q(ended_at__isnull=True), name="assist_one_open_session_per_agent"
            )
        ]
        indexes = [
            models.Index(fields=["customer", "-started_at"], name="assist_session_customer"),
            # The desk's daily rollup reads sessions by the day they ended (desk/rollup.py).
            models.Index(fields=["ended_at"], name="assist_session_ended"),
        ]

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
    """Customer service at work on an offline order (seed 001): Create New Order makes a draft
    order for a customer (or an anonymous shopper, recorded as a guest), View User's Cart associates
    it with a cart and locks it, Add Items to Cart hands the cart back. The draft becomes the
    shopper's placed order, with the same number, when they check that cart out."""

    class Status(models.TextChoices):
        NEW = "NEW", "New"
        IN_CART = "IN_CART", "Editing the user's cart"
        HANDED_BACK = "HANDED_BACK", "Items added to the user's cart"
        CANCELLED = "CANCELLED", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="takeover",
        help_text="The draft order, later the order the shopper placed (same number).",
    )  # fmt: skip
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(AssistedSession, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cart = models.ForeignKey("carts.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # An anonymous shopper's order: the checkout link the agent sends is single-use. Its nonce is
    # kept until the link is used (then cleared) or a new link replaces it.
    link_nonce = models.CharField(max_length=32, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agent", "status"], name="assist_takeover_agent")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.NEW, self.Status.IN_CART)

    @property
    def for_guest(self) -> bool:
        """For an anonymous shopper: the customer is a guest record the agent made."""
        return self.customer.user_id is None and self.customer.kind == "SINGLE_SESSION_USER"

    @property
    def awaits_pickup(self) -> bool:
        """An anonymous shopper's handed-back cart that no shopper has picked up yet."""
        return (
            self.for_guest
            and self.status == self.Status.HANDED_BACK
            and self.picked_up_at is None
            and self.order is not None
            and self.order.is_draft
        )


class SessionTransfer(models.Model):
    """A warm transfer: the agent of an open session offers it, with a note, to another agent of the
    customer's store, who accepts (and takes the session, its cart lock, reason, case and changeset)
    or declines. At most one offer of a session is open at a time."""

    class Status(models.TextChoices):
        OFFERED = "OFFERED", "Offered"
        ACCEPTED = "ACCEPTED", "Accepted"
        DECLINED = "DECLINED", "Declined"
        WITHDRAWN = "WITHDRAWN", "Withdrawn"

    session = models.ForeignKey(AssistedSession, on_delete=models.CASCADE, related_name="transfers")
    from_agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OFFERED)
    offered_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session"], condition=models.Q(status="OFFERED"), name="assist_one_open_transfer_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id} → {self.to_agent_id} ({self.status})"


class SessionVerification(models.Model):
    """A session waiting for the customer's one-time code (``assist/verification.py``): who asked,
    for whom, why (the reason and case the start was given), and what the start was for — account
    access (and the storefront page a deep link named), a new order, resuming an order's work, or
    the API. The code itself is never kept: only its keyed hash. The session is created only when
    the agent enters the right code, in time, within the tries."""

    class Purpose(models.TextChoices):
        ACCESS = "ACCESS", "Access customer's account"
        TAKEOVER = "TAKEOVER", "Create New Order"
        RESUME = "RESUME", "Continue an order"
        API = "API", "API session"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Waiting for the code"
        VERIFIED = "VERIFIED", "Confirmed"
        EXPIRED = "EXPIRED", "Expired"
        SPENT = "SPENT", "Too many wrong codes"
        CANCELLED = "CANCELLED", "Cancelled"

    SentWith = CodeSentWith

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # A start that never became a session keeps nothing worth an account's deletion: it goes with it
    # (the audit log keeps its events).
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    then = models.CharField(max_length=200, blank=True, help_text="The storefront page to open once it starts.")
    takeover = models.ForeignKey(CartTakeover, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=200, blank=True)
    ticket = models.CharField("case reference", max_length=40, blank=True)
    code_hash = models.CharField(max_length=128)
    sent_with = models.CharField(max_length=16, choices=SentWith.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    tries = models.PositiveSmallIntegerField(default=0)
    sends = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=clock.now)
    sent_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    session = models.OneToOneField(
        AssistedSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="verification"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=models.Q(status="PENDING"), name="assist_one_pending_verification_per_agent"
            )
        ]
        indexes = [models.Index(fields=["customer", "status"], name="assist_verification_customer")]

    def __str__(self) -> str:
        return f"{self.agent} for {self.customer} ({self.status})"
