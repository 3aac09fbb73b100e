from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models


class Store(models.Model):
    """A storefront with its own currency, locale and customers; staff serve one or more stores."""

    class Verification(models.TextChoices):
        OFF = "OFF", "Off"
        REQUIRED = "REQUIRED", "Required: the customer confirms each session with a one-time code"

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. USD.")
    locale = models.CharField(max_length=16, default="en_US", help_text="Babel locale, e.g. en_US.")
    time_zone = models.CharField(max_length=64, default="UTC")
    is_default = models.BooleanField(
        default=False, help_text="The store an anonymous visitor shops in. Exactly one store is the default."
    )
    multi_ship = models.BooleanField(
        default=True, help_text="Checkout may send lines to different addresses (one shipment each)."
    )
    refund_approval_threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("500.00"),
        help_text="A refund above this amount waits for a second person with the Approve Refund privilege "
        "(four-eyes). In the order's currency: an order in another currency than the store's compares its "
        "refund with the same number in its own currency.",
    )

    assist_reason_required = models.BooleanField(
        default=False,
        help_text="Starting an assisted session for a customer of this store needs a reason from the list "
        "of session reasons.",
    )
    assist_case_required = models.BooleanField(
        default=False,
        help_text="Starting an assisted session for a customer of this store needs a case or ticket reference.",
    )
    assist_ledger_full_names = models.BooleanField(
        default=False,
        help_text="A customer's list of customer service sessions names the staff member in full (otherwise by "
        "first name and team).",
    )
    assist_session_emails = models.BooleanField(
        default=False, help_text="Email the customer when customer service starts and ends a session on their account."
    )
    assist_verification = models.CharField(
        "customer verification",
        max_length=10,
        choices=Verification.choices,
        default=Verification.OFF,
        help_text="Required: starting an assisted session (Access customer's account, Create New Order, a deep "
        "link, the API) sends the customer a one-time code by email and to their signed-in devices; the session "
        "starts only when the agent enters it.",
    )
    presence_quiet_minutes = models.PositiveSmallIntegerField(
        default=10,
        help_text="A customer seen by an in-store device counts as in store until this many minutes pass "
        "without another sighting.",
    )
    sighting_retention_days = models.PositiveSmallIntegerField(
        default=30, help_text="In-store sightings older than this are deleted by the worker."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="stores_one_default_store"
            )
        ]

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """Sales tax of a store for a country and region; the most specific match applies.

    Country "" is the store's fallback; region "" covers the whole country.
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="tax_rates")
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=80, blank=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4, help_text="0.0825 for 8.25%.")
    name = models.CharField(max_length=60, default="Sales tax")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "country", "region"], name="stores_taxrate_unique"),
            models.CheckConstraint(condition=models.Q(rate__gte=0, rate__lt=1), name="stores_taxrate_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.country or '*'}/{self.region or '*'} {self.rate}"


class ShippingMethod(models.Model):
    """A way a store ships: ``price`` is in the store's currency; a buyer in another currency is
    offered it only at its :class:`ShippingRate` in that currency (never a converted price)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="shipping_methods")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=80)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    delivery_days = models.CharField(max_length=40, blank=True, help_text="e.g. '3-5 business days'")
    is_active = models.BooleanField(default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "price"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="stores_shippingmethod_unique")]

    def __str__(self) -> str:
        return self.name

    def price_in(self, currency: str, *, rates: dict[str, Decimal] | None = None) -> Decimal | None:
        """What this method costs in ``currency``: its price in the store's currency, its rate in
        another (from ``rates`` when the caller read them, else the database), ``None`` without one."""
        if currency == self.store.currency:
            return self.price
        if rates is None:
            rates = dict(ShippingRate.objects.filter(method=self, currency=currency).values_list("currency", "price"))
        return rates.get(currency)


class ShippingRate(models.Model):
    """A shipping method's price in a currency other than its store's, for buyers who buy in it (a
    B2B organization's preferred currency). A method without a rate in the buyer's currency is not
    offered to them."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    currency = models.CharField(max_length=3, help_text="ISO 4217 code, e.g. EUR (not the store's own).")
    price = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["method", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["method", "currency"], name="stores_shippingrate_unique"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="stores_shippingrate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.price} {self.currency}"

    def clean(self) -> None:
        """An ISO 4217 code other than the store's own (in its own, the method's price is the price)."""
        if not (len(self.currency) == 3 and self.currency.isalpha() and self.currency.isupper()):
            raise ValidationError({"currency": "Enter an ISO 4217 code in capitals, e.g. EUR."})
        if self.method_id is not None and self.currency == self.method.store.currency:
            raise ValidationError(
                {"currency": f"{self.currency} is the store's own currency: change the method's price instead."}
            )


class PickupLocation(models.Model):
    """A physical store where customers pick up orders (seed 001, pickup in store)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="pickup_locations")
    name = models.CharField(max_length=120)
    line1 = models.CharField(max_length=160)
    city = models.CharField(max_length=80)
    region = models.CharField(max_length=80, blank=True)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
