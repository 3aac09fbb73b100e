from enum import StrEnum


class OrderError(StrEnum):
    NOT_FOUND = "order.not_found"
    ILLEGAL_TRANSITION = "order.illegal_transition"
    SHIPMENT_ILLEGAL_TRANSITION = "shipment.illegal_transition"
    HOLD_ILLEGAL_TRANSITION = "hold.illegal_transition"
    HOLD_NOT_FOUND = "hold.not_found"
    HOLD_NOT_DECIDABLE = "hold.not_decidable"
    HOLD_PRIVILEGE_REQUIRED = "hold.privilege_required"
    HOLD_DECISION_INVALID = "hold.decision_invalid"
    HOLD_COMMENT_INVALID = "hold.comment_invalid"
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
