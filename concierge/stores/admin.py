from django.contrib import admin

from concierge.audit.admin import AuditedAdmin
from concierge.stores.models import PickupLocation, ShippingMethod, ShippingRate, Store, TaxRate


@admin.register(Store)
class StoreAdmin(AuditedAdmin):
    list_display = ["name", "code", "currency", "locale", "is_default", "refund_approval_threshold"]
    search_fields = ["name", "code"]


@admin.register(TaxRate)
class TaxRateAdmin(AuditedAdmin):
    list_display = ["store", "country", "region", "rate", "name"]
    list_filter = ["store"]


@admin.register(ShippingMethod)
class ShippingMethodAdmin(AuditedAdmin):
    list_display = ["name", "store", "code", "price", "is_active"]
    list_filter = ["store"]


@admin.register(ShippingRate)
class ShippingRateAdmin(AuditedAdmin):
    """A shipping method's price in another currency than its store's (buyers in that currency)."""

    list_display = ["method", "currency", "price"]
    list_filter = ["currency", "method__store"]


@admin.register(PickupLocation)
class PickupLocationAdmin(AuditedAdmin):
    list_display = ["name", "store", "city", "is_active"]
    list_filter = ["store"]
