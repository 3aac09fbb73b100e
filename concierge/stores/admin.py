from django.contrib import admin

from concierge.stores.models import Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "currency", "locale", "is_default"]
    search_fields = ["name", "code"]
