"""What the audit log records about stores and their setup (changed in the admin)."""

from concierge.audit.actions import AuditAction


class StoreAction(AuditAction):
    ADMIN_STORE_ADDED = "admin.store.added", "Store added in the admin"
    ADMIN_STORE_CHANGED = "admin.store.changed", "Store changed in the admin"
    ADMIN_STORE_DELETED = "admin.store.deleted", "Store deleted in the admin"
    ADMIN_TAX_RATE_ADDED = "admin.taxrate.added", "Tax rate added in the admin"
    ADMIN_TAX_RATE_CHANGED = "admin.taxrate.changed", "Tax rate changed in the admin"
    ADMIN_TAX_RATE_DELETED = "admin.taxrate.deleted", "Tax rate deleted in the admin"
    ADMIN_SHIPPING_METHOD_ADDED = "admin.shippingmethod.added", "Shipping method added in the admin"
    ADMIN_SHIPPING_METHOD_CHANGED = "admin.shippingmethod.changed", "Shipping method changed in the admin"
    ADMIN_SHIPPING_METHOD_DELETED = "admin.shippingmethod.deleted", "Shipping method deleted in the admin"
    ADMIN_PICKUP_LOCATION_ADDED = "admin.pickuplocation.added", "Pickup location added in the admin"
    ADMIN_PICKUP_LOCATION_CHANGED = "admin.pickuplocation.changed", "Pickup location changed in the admin"
    ADMIN_PICKUP_LOCATION_DELETED = "admin.pickuplocation.deleted", "Pickup location deleted in the admin"
