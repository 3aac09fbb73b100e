"""What a shopper asks for at checkout, as plain data the service validates."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from concierge.core.forms import text_errors

CONTACT_LIMITS = {"first_name": 80, "last_name": 80, "email": 254, "phone": 32}
EMAIL_LIMIT = 254
ATTEMPT_LIMIT = 64  # the API's Idempotency-Key
ORDER_DATA_KEY_LIMIT, ORDER_DATA_VALUE_LIMIT = 80, 500  # OrderData.key and .value
PURCHASE_ORDER_LIMIT = 40  # Order.purchase_order


@dataclass(frozen=True)
class Contact:
    """A pickup contact (seed 001): first and last name, email, optional phone."""

    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""

    @property
    def started(self) -> bool:  # any field filled in
        return any(v.strip() for v in (self.first_name, self.last_name, self.email, self.phone))

    def missing(self) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        if not self.first_name.strip():
            errors["first_name"] = ["Enter a first name."]
        if not self.last_name.strip():
            errors["last_name"] = ["Enter a last name."]
        if "@" not in self.email or len(self.email.strip()) < 3:
            errors["email"] = ["Enter an email address."]
        errors.update(text_errors({name: getattr(self, name).strip() for name in CONTACT_LIMITS}, CONTACT_LIMITS))
        return errors


@dataclass(frozen=True)
class ShipmentPlan:
    """Lines sent one way: to a saved address with a shipping method, or picked up in a store."""

    kind: str  # "SHIP" or "PICKUP"; digital lines need no plan
    line_ids: tuple[int, ...]
    address_id: int | None = None
    shipping_method_code: str = ""
    pickup_location_id: int | None = None
    primary: Contact = field(default_factory=Contact)
    alternate: Contact = field(default_factory=Contact)
    alternate_saved: bool = False


@dataclass(frozen=True)
class CheckoutPlan:
    billing_address_id: int
    payment_source_id: int | None
    shipments: tuple[ShipmentPlan, ...] = ()
    email: str = ""
    # The buyer's purchase-order number (optional), for an order billed to their account.
    purchase_order: str = ""
    order_data: dict[str, str] = field(default_factory=dict)
    # One checkout attempt (a page shown once, or an API Idempotency-Key): the same attempt
    # submitted again answers the order it placed, or runs again after a refusal; the same
    # attempt with another plan is refused (checkout/idempotency.py).
    attempt: str = ""
    # The total the shopper was shown; when given, a different total is refused, not charged.
    expected_total: Decimal | None = None
    # The digest of the request that carries this plan (the API's method, path and body), which
    # the attempt's key is bound to (checkout/idempotency.py).
    request_digest: str = ""
