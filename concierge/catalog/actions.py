"""What the audit log records about the catalog: its changes are made in the admin."""

from concierge.audit.actions import admin_actions

CatalogAdminAction = admin_actions(
    "CatalogAdminAction",
    {
        "category": "Category",
        "product": "Product",
        "sku": "SKU",
        "pricelist": "Price list",
        "price": "Price",
        "promotion": "Promotion",
    },
    module=__name__,
)
