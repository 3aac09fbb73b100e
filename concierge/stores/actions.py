"""What the audit log records about stores and their setup: their changes are made in the admin."""

from concierge.audit.actions import admin_actions

StoreAdminAction = admin_actions(
    "StoreAdminAction",
    {
        "store": "Store",
        "taxrate": "Tax rate",
        "shippingmethod": "Shipping method",
        "shippingrate": "Shipping rate",
        "pickuplocation": "Pickup location",
    },
    module=__name__,
)
