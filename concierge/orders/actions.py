"""What the audit log records about orders and their shipments, with the words a timeline shows."""

from concierge.audit.actions import AuditAction, admin_actions


class OrderAction(AuditAction):
    LOCKED = "order.locked", "Opened for editing (order locked)"
    UNLOCKED = "order.unlocked", "Order unlocked"
    FORCE_UNLOCKED = "order.force_unlocked", "Order unlocked by a supervisor"
    BILLING_ADDRESS_CHANGED = "order.billing_address_changed", "Billing address changed"
    CANCELLED = "order.cancelled", "Order cancelled"
    NOTE_ADDED = "order.note_added", "Note added"
    SHIPMENT_RELEASED = "shipment.released", "Shipment released to the warehouse"
    SHIPMENT_SHIPPED = "shipment.shipped", "Shipment shipped"
    SHIPMENT_CANCELLED = "shipment.cancelled", "Shipment cancelled"
    SHIPPING_CHANGED = "shipment.shipping_changed", "Shipping changed"
    # Pickup in store (orders/pickup.py): customer service prepares it, the customer collects it.
    READY_FOR_PICKUP = "shipment.ready_for_pickup", "Marked ready for pickup"
    PICKED_UP = "shipment.picked_up", "Picked up by the customer"
    # Holds (seed 004 "Order Holds"): a person decides, the worker settles.
    HOLD_MARKED_RESOLVED = "hold.marked_resolved", "Hold marked resolved"
    HOLD_MARKED_UNRESOLVABLE = "hold.marked_unresolvable", "Hold marked unresolvable"
    HOLD_RESOLVED = "hold.resolved", "Hold resolved"
    HOLD_UNRESOLVABLE = "hold.unresolvable", "Hold could not be resolved"
    HOLDS_RESOLVED = "order.holds_resolved", "All holds resolved: the order is no longer on hold"
    # Refunds (orders/refunds.py): requested, the four-eyes decision, and how each one settled.
    REFUND_REQUESTED = "refund.requested", "Refund requested"
    REFUND_AWAITING_APPROVAL = (
        "refund.awaiting_approval",
        "Refund requested; awaiting approval (above the store's threshold)",
    )
    REFUND_APPROVED = "refund.approved", "Refund approved"
    REFUND_REJECTED = "refund.rejected", "Refund rejected; its amount can be refunded again"
    REFUND_ISSUED = "refund.issued", "Refund issued"
    REFUND_RECORDED = "refund.recorded", "Manual refund recorded (not sent)"
    REFUND_DECLINED = "refund.declined", "Refund declined; its amount can be refunded again"
    REFUND_FAILED = "refund.failed", "Refund failed; its amount can be refunded again"
    # Order amendments (seed 004 "Splitting a Shipment", "Updating an Order").
    ITEMS_MOVED = "shipment.items_moved", "Items moved to a new shipment"
    QUANTITY_CHANGED = "order.quantity_changed", "Item quantities changed"
    CHANGE_PROPOSED = "order.change_proposed", "Change awaiting payment authorization"
    CHANGE_DISCARDED = "order.change_discarded", "Change discarded"
    CHANGE_DECLINED = "order.change_declined", "Payment authorization for a change declined"
    CHANGE_REFUSED = "order.change_refused", "Change not made: the order changed before it was authorized"


# Changes made in the admin.
OrderAdminAction = admin_actions(
    "OrderAdminAction",
    {"order": "Order", "shipment": "Shipment", "orderline": "Order line", "holdrule": "Hold rule"},
    module=__name__,
)
