"""What the audit log records about carts, with the words a timeline shows."""

from concierge.audit.actions import AuditAction


class CartAction(AuditAction):
    CREATED = "cart.created", "Cart created"
    BOUND = "cart.bound", "Cart bound to the customer"
    LOCKED = "cart.locked", "Cart locked for editing"
    UNLOCKED = "cart.unlocked", "Cart unlocked"
    LOCK_TAKEN_OVER = "cart.lock_taken_over", "Cart lock taken over"
    FORCE_UNLOCKED = "cart.force_unlocked", "Cart unlocked by a supervisor"
    LINE_ADDED = "cart.line_added", "Item added to the cart"
    QUANTITY_CHANGED = "cart.quantity_changed", "Quantity changed"
    LINE_REMOVED = "cart.line_removed", "Item removed from the cart"
    MERGED = "cart.merged", "Another cart merged into this one"
    MERGED_AWAY = "cart.merged_away", "Cart merged into another"
    REPRICED = "cart.repriced", "Cart re-priced in another currency"
