"""Checkout attempts: what an idempotency key was first used for, and what it answered."""

from __future__ import annotations

from django.db import models


class CheckoutAttempt(models.Model):
    """One checkout attempt of one customer, named by its key (an API ``Idempotency-Key`` or the
    token of a checkout page shown once). ``digest`` is the request the key was first sent with;
    the same key with another request is refused (RELIABILITY.md bar 18)."""

    class State(models.TextChoices):
        IN_FLIGHT = "IN_FLIGHT", "In flight"
        PLACED = "PLACED", "Placed an order"
        FAILED = "FAILED", "Refused; may be retried with the same request"

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="checkout_attempts")
    key = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the request first sent with this key.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_FLIGHT)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="checkout_one_attempt_per_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"
