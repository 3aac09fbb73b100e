from django.contrib import admin

from concierge.stores.models import PickupLocation, ShippingMethod, Store, TaxRate


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "currency", "locale", "is_default"]
    search_fields = ["name", "code"]


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ["store", "country", "region", "rate", "name"]
    list_filter = ["store"]


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "code", "price", "is_active"]
    list_filter = ["store"]


@admin.register(PickupLocation)
class PickupLocationAdmin(admin.ModelAdmin):
    list_display = ["name", "store", "city", "is_active"]
    list_filter = ["store"]
