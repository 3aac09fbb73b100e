"""What the audit log records about returns and exchanges, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class ReturnAction(AuditAction):
    RETURN_CREATED = "return.created", "Return created"
    EXCHANGE_CREATED = "return.exchange_created", "Exchange created"
    RECEIVED = "return.received", "Returned items received in the warehouse"
    COMPLETED = "return.completed", "Return completed"
    CANCELLED = "return.cancelled", "Return cancelled"
    EXCHANGE_ORDER_CREATED = "return.exchange_order_created", "Exchange order created"
    EXCHANGE_ORDER_RELEASED = "return.exchange_order_released", "Exchange order released to the warehouse"


# Changes made in the admin (custom return reasons).
ReturnAdminAction = admin_actions("ReturnAdminAction", {"returnreason": "Return reason"}, module=__name__)
