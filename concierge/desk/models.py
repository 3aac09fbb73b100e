"""The desk's daily rollup of assisted-sales figures (docs/adr/0008-desk-rollup.md).

Two tables, one row per store, agent and day of the store's own calendar (its time zone):

- ``AgentDay``: the assisted sessions that ended that day (count, seconds, how many put something in
  a cart or led to an order, by reason, by how they ended, and how long in whole minutes, for the
  median), and the cart takeovers started, handed back and checked out that day;
- ``OrderDay``: the orders placed that day, per agent (``agent`` empty: placed by shoppers alone)
  and currency, with their revenue, and the returns opened and refunds issued that day on them.

The worker fills them for every day before the store's today (``concierge.desk.rollup``); the figures
of today are computed live on top. A row is rewritten whole whenever its day is computed again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from concierge.core import clock

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "default": Decimal(0)}


class AgentDay(models.Model):
    day = models.DateField()
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sessions = models.PositiveIntegerField(default=0, help_text="Assisted sessions that ended this day.")
    session_seconds = models.BigIntegerField(default=0)
    with_cart = models.PositiveIntegerField(default=0, help_text="Sessions in which an item went into a cart.")
    converted = models.PositiveIntegerField(default=0, help_text="Sessions in which an order was placed.")
    by_reason = models.JSONField(default=dict, blank=True, help_text="{reason: sessions}")
    by_end = models.JSONField(default=dict, blank=True, help_text="{end reason code: sessions}")
    minutes = models.JSONField(default=dict, blank=True, help_text="{whole minutes: sessions}")
    takeovers = models.PositiveIntegerField(default=0, help_text="Cart takeovers started this day.")
    handed_back = models.PositiveIntegerField(default=0, help_text="Carts handed back this day.")
    checked_out = models.PositiveIntegerField(default=0, help_text="Handed-back carts checked out this day.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "day", "agent"], name="desk_agent_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.store_id} {self.agent_id}"


class OrderDay(models.Model):
    day = models.DateField()
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Who placed or prepared the orders for the customer; empty: shoppers alone.",
    )  # fmt: skip
    currency = models.CharField(max_length=3)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(**MONEY)
    returns = models.PositiveIntegerField(default=0)
    refunds = models.PositiveIntegerField(default=0)
    refunded = models.DecimalField(**MONEY)

    class Meta:
        indexes = [models.Index(fields=["store", "day"], name="desk_order_day_store")]

    def __str__(self) -> str:
        return f"{self.day} {self.store_id} {self.agent_id} {self.currency}"


class RollupState(models.Model):
    """How far a store's rollup goes: every day up to ``complete_through`` is in the tables."""

    store = models.OneToOneField("stores.Store", on_delete=models.CASCADE, related_name="+")
    complete_through = models.DateField(null=True, blank=True)
    # The lowest id of the store's sessions that had not ended by the end of ``complete_through``:
    # the sessions of the days computed live are found from it by their primary key.
    session_floor = models.BigIntegerField(null=True, blank=True)
    refreshed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.store_id} through {self.complete_through}"
