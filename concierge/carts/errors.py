from enum import StrEnum


class CartError(StrEnum):
    NOT_FOUND = "cart.not_found"
    LINE_NOT_FOUND = "cart.line_not_found"
    QUANTITY_INVALID = "cart.quantity_invalid"
    OUT_OF_STOCK = "cart.out_of_stock"
    SKU_UNAVAILABLE = "cart.sku_unavailable"
    EMPTY = "cart.empty"
    STALE = "cart.stale"
    NOT_ACTIVE = "cart.not_active"
    LOCKED = "cart.locked"
    LOCK_LOST = "cart.lock_lost"
    LOCK_REQUIRED = "cart.lock_required"
    NOT_ASSISTING = "cart.not_assisting"
    CODE_INVALID = "cart.code_invalid"
    CODE_UNKNOWN = "cart.code_unknown"
    ILLEGAL_TRANSITION = "cart.illegal_transition"
    CURRENCY_CHANGED = "cart.currency_changed"
    UNLOCK_REASON_REQUIRED = "cart.unlock_reason_required"
    # Changing an organization's currency with items in its open cart (carts/currency.py).
    CURRENCY_CONFIRM = "organization.currency_confirm"
