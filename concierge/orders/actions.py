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
