"""What the audit log records about checkout, with the words a timeline shows."""

from concierge.audit.actions import AuditAction


class CheckoutAction(AuditAction):
    ORDER_PLACED = "order.placed", "Order placed"
    # Draft orders: the order customer service prepares for a shopper (seed 001).
    DRAFT_CREATED = "order.draft_created", "Draft order created"
    DRAFT_CART_ASSOCIATED = "order.draft_cart_associated", "Cart attached to the draft order"
    DRAFT_UPDATED = "order.draft_updated", "Draft order updated from its cart"
    DRAFT_PICKED_UP = "order.draft_picked_up", "Draft order picked up by the shopper"
    DRAFT_CANCELLED = "order.draft_cancelled", "Draft order cancelled"
