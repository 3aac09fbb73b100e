"""In-store devices, their sightings, who is in which store now, and the configurable customer lists.

A device (a beacon, a Wi-Fi sensor, a POS reader) belongs to a store and a zone and signs what it
reports with its own secret. A sighting says a customer, identified by a token the customer carries
(a loyalty card number or the app's id, never an email), was seen in a zone at a time. Each device
event is stored once (``event_id`` is unique per device). ``InStore`` holds each customer's latest
whereabouts per store: a customer is in store from their last sighting until the store's quiet time
has passed.

A ``CustomerList`` is a list definition in the admin: a registered list kind (the query it runs) with
its parameters, the columns it shows, its sort and page size, and which roles and stores see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Device(models.Model):
    """An in-store device with its own credentials: a public key id and a secret shown once.

    The secret is never stored: it is derived from the server's key, the key id and ``secret_salt``
    (``presence.credentials``), so rotating replaces the salt and revoking sets ``revoked_at``.
    """

    class Kind(models.TextChoices):
        BEACON = "BEACON", "Beacon"
        WIFI = "WIFI", "Wi-Fi sensor"
        POS = "POS", "POS reader"

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="devices")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.BEACON)
    zone = models.CharField(max_length=60, help_text="Where in the store the device is, e.g. Entrance, Footwear.")
    key_id = models.CharField(max_length=40, unique=True, editable=False)
    secret_salt = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["store", "zone", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="presence_device_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class CustomerToken(models.Model):
    """What a device reads to identify a customer: a loyalty card number or the app's install id."""

    class Kind(models.TextChoices):
        LOYALTY = "LOYALTY", "Loyalty card"
        APP = "APP", "Mobile app"

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="presence_tokens")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.LOYALTY)
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["customer", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} token"


class Sighting(models.Model):
    """One device event: ``customer`` seen in ``zone`` at ``seen_at``; stored once per event id."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="sightings")
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(max_length=64)
    zone = models.CharField(max_length=60)
    seen_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], name="presence_sighting_once")]
        indexes = [
            models.Index(fields=["received_at"], name="presence_sighting_received"),
            models.Index(fields=["customer", "seen_at"], name="presence_sighting_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.zone} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class InStore(models.Model):
    """A customer's latest whereabouts in a store: in store while ``last_seen_at`` is within the
    store's quiet time; ``since`` is when this visit began, ``zone_since`` when they reached ``zone``."""

    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    zone = models.CharField(max_length=60)
    since = models.DateTimeField()
    zone_since = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "customer"], name="presence_instore_unique")]
        indexes = [models.Index(fields=["store", "last_seen_at"], name="presence_instore_recent")]

    def __str__(self) -> str:
        return f"{self.zone} since {self.since:%H:%M}"


class CustomerList(models.Model):
    """A customer list CSRs open from the Customer Service page (seed 002, "Customer List")."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=40, help_text="The registered list kind: the query this list runs.")
    parameters = models.JSONField(default=dict, blank=True, help_text="The list kind's parameters.")
    columns = models.JSONField(default=list, help_text="Column keys from the list kind's column catalogue, in order.")
    default_sort = models.CharField(max_length=40, blank=True)
    sort_descending = models.BooleanField(default=False)
    page_size = models.PositiveSmallIntegerField(default=25)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the Customer Service page.")
    is_active = models.BooleanField(default=True)
    roles = models.ManyToManyField(
        "auth.Group", blank=True, related_name="+", help_text="The roles that see this list (none: every CSR)."
    )
    stores = models.ManyToManyField(
        "stores.Store", blank=True, related_name="+", help_text="The stores whose staff see it (none: every store)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name
