"""What the audit log records about orders and their shipments, with the words a timeline shows."""

from concierge.audit.actions import AuditAction


class OrderAction(AuditAction):
    LOCKED = "order.locked", "Order locked for editing"
    UNLOCKED = "order.unlocked", "Order unlocked"
    FORCE_UNLOCKED = "order.force_unlocked", "Order unlocked by a supervisor"
    BILLING_ADDRESS_CHANGED = "order.billing_address_changed", "Billing address changed"
    CANCELLED = "order.cancelled", "Order cancelled"
    NOTE_ADDED = "order.note_added", "Note"
    SHIPMENT_RELEASED = "shipment.released", "Shipment released"
    SHIPMENT_SHIPPED = "shipment.shipped", "Shipment shipped"
    SHIPMENT_CANCELLED = "shipment.cancelled", "Shipment cancelled"
    SHIPPING_CHANGED = "shipment.shipping_changed", "Shipping changed"
    # Changes made in the admin.
    ADMIN_ORDER_ADDED = "admin.order.added", "Order added in the admin"
    ADMIN_ORDER_CHANGED = "admin.order.changed", "Order changed in the admin"
    ADMIN_ORDER_DELETED = "admin.order.deleted", "Order deleted in the admin"
    ADMIN_SHIPMENT_ADDED = "admin.shipment.added", "Shipment added in the admin"
    ADMIN_SHIPMENT_CHANGED = "admin.shipment.changed", "Shipment changed in the admin"
    ADMIN_SHIPMENT_DELETED = "admin.shipment.deleted", "Shipment deleted in the admin"
    ADMIN_ORDER_LINE_ADDED = "admin.orderline.added", "Order line added in the admin"
    ADMIN_ORDER_LINE_CHANGED = "admin.orderline.changed", "Order line changed in the admin"
    ADMIN_ORDER_LINE_DELETED = "admin.orderline.deleted", "Order line deleted in the admin"
    ADMIN_HOLD_RULE_ADDED = "admin.holdrule.added", "Hold rule added in the admin"
    ADMIN_HOLD_RULE_CHANGED = "admin.holdrule.changed", "Hold rule changed in the admin"
    ADMIN_HOLD_RULE_DELETED = "admin.holdrule.deleted", "Hold rule deleted in the admin"
