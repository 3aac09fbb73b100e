from enum import StrEnum


class CheckoutError(StrEnum):
    PLAN_INVALID = "checkout.plan_invalid"
    ALTERNATE_CONTACT_UNSAVED = "checkout.alternate_contact_unsaved"
    PAYMENT_REQUIRED = "checkout.payment_required"
    SINGLE_SHIP_ONLY = "checkout.single_ship_only"
    TOTAL_CHANGED = "checkout.total_changed"
    ATTEMPT_SPENT = "checkout.attempt_spent"
    IDEMPOTENCY_MISMATCH = "checkout.idempotency_mismatch"
    IDEMPOTENCY_IN_FLIGHT = "checkout.idempotency_in_flight"
    ITEM_UNAVAILABLE = "checkout.item_unavailable"
