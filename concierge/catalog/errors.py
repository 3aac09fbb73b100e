from enum import StrEnum


class CatalogError(StrEnum):
    NO_STORE = "catalog.no_store"
    PRICE_MISSING = "catalog.price_missing"
    QUANTITY_INVALID = "catalog.quantity_invalid"
    PRODUCT_NOT_FOUND = "catalog.product_not_found"
