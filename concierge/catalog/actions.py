"""What the audit log records about the catalog (its changes are made in the admin)."""

from concierge.audit.actions import AuditAction


class CatalogAction(AuditAction):
    ADMIN_CATEGORY_ADDED = "admin.category.added", "Category added in the admin"
    ADMIN_CATEGORY_CHANGED = "admin.category.changed", "Category changed in the admin"
    ADMIN_CATEGORY_DELETED = "admin.category.deleted", "Category deleted in the admin"
    ADMIN_PRODUCT_ADDED = "admin.product.added", "Product added in the admin"
    ADMIN_PRODUCT_CHANGED = "admin.product.changed", "Product changed in the admin"
    ADMIN_PRODUCT_DELETED = "admin.product.deleted", "Product deleted in the admin"
    ADMIN_SKU_ADDED = "admin.sku.added", "SKU added in the admin"
    ADMIN_SKU_CHANGED = "admin.sku.changed", "SKU changed in the admin"
    ADMIN_SKU_DELETED = "admin.sku.deleted", "SKU deleted in the admin"
    ADMIN_PRICE_LIST_ADDED = "admin.pricelist.added", "Price list added in the admin"
    ADMIN_PRICE_LIST_CHANGED = "admin.pricelist.changed", "Price list changed in the admin"
    ADMIN_PRICE_LIST_DELETED = "admin.pricelist.deleted", "Price list deleted in the admin"
    ADMIN_PRICE_ADDED = "admin.price.added", "Price added in the admin"
    ADMIN_PRICE_CHANGED = "admin.price.changed", "Price changed in the admin"
    ADMIN_PRICE_DELETED = "admin.price.deleted", "Price deleted in the admin"
    ADMIN_PROMOTION_ADDED = "admin.promotion.added", "Promotion added in the admin"
    ADMIN_PROMOTION_CHANGED = "admin.promotion.changed", "Promotion changed in the admin"
    ADMIN_PROMOTION_DELETED = "admin.promotion.deleted", "Promotion deleted in the admin"
