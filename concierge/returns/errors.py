from enum import StrEnum


class ReturnError(StrEnum):
    NOT_FOUND = "return.not_found"
    ILLEGAL_TRANSITION = "return.illegal_transition"
    STALE = "return.stale"
    VERSION_REQUIRED = "return.version_required"
    INVALID = "return.invalid"
    QUANTITY_INVALID = "return.quantity_invalid"
    REFUND_INVALID = "return.refund_invalid"
    EXCHANGE_INVALID = "return.exchange_invalid"
    RECEIPT_INVALID = "return.receipt_invalid"
    SEARCH_INVALID = "return.search_invalid"
