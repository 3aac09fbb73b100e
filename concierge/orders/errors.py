from enum import StrEnum


class OrderError(StrEnum):
    NOT_FOUND = "order.not_found"
    ILLEGAL_TRANSITION = "order.illegal_transition"
    SHIPMENT_ILLEGAL_TRANSITION = "shipment.illegal_transition"
    HOLD_ILLEGAL_TRANSITION = "hold.illegal_transition"
    LOCKED = "order.locked"
    LOCK_LOST = "order.lock_lost"
    STALE = "order.stale"
    VERSION_REQUIRED = "order.version_required"
    NOT_EDITABLE = "order.not_editable"
    UNLOCK_REASON_REQUIRED = "order.unlock_reason_required"
    NOTE_INVALID = "order.note_invalid"
    REASON_INVALID = "order.reason_invalid"
    ADDRESS_INVALID = "order.address_invalid"
    SHIPPING_METHOD_INVALID = "order.shipping_method_invalid"
    SEARCH_INVALID = "order.search_invalid"
    AMENDMENT_ILLEGAL_TRANSITION = "amendment.illegal_transition"
    AMENDMENT_INVALID = "amendment.invalid"
    AMENDMENT_NOT_PENDING = "amendment.not_pending"
    OUT_OF_STOCK = "amendment.out_of_stock"
    AUTHORIZATION_REQUIRED = "order.authorization_required"
