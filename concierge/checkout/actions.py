"""What the audit log records about checkout, with the words a timeline shows."""

from concierge.audit.actions import AuditAction


class CheckoutAction(AuditAction):
    ORDER_PLACED = "order.placed", "Order placed"
