"""What the audit log records about returns and exchanges, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class ReturnAction(AuditAction):
    RETURN_CREATED = "return.created", "Return created"
    EXCHANGE_CREATED = "return.exchange_created", "Exchange created"
    RECEIVED = "return.received", "Returned items received in the warehouse"
    RECEIVED_IN_FULL = "return.received_in_full", "Return received in full; it completes when its refund is issued"
    REFUND_CHOSEN_AGAIN = "return.refund_chosen_again", "Another refund chosen for a received return"
    COMPLETED = "return.completed", "Return completed"
    CANCELLED = "return.cancelled", "Return cancelled"
    EXCHANGE_ORDER_CREATED = "return.exchange_order_created", "Exchange order created"
    EXCHANGE_ORDER_RELEASED = "return.exchange_order_released", "Exchange order released to the warehouse"


# Changes made in the admin (custom return reasons).
ReturnAdminAction = admin_actions("ReturnAdminAction", {"returnreason": "Return reason"}, module=__name__)
