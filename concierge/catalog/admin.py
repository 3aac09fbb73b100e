from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from concierge.audit.admin import AuditedAdmin
from concierge.catalog.models import Category, Price, PriceList, Product, Promotion, Sku
from concierge.catalog.search import index_products


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0


@admin.register(Category)
class CategoryAdmin(AuditedAdmin):
    list_display = ["name", "slug", "parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(AuditedAdmin):
    list_display = ["name", "category", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "skus__code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SkuInline]
    actions = ["reindex"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        index_products([form.instance])  # keep keyword search true to what was saved

    @admin.action(description="Rebuild the keyword index of the selected products")
    def reindex(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        index_products(queryset.select_related("category").prefetch_related("skus"))


@admin.register(PriceList)
class PriceListAdmin(AuditedAdmin):
    list_display = ["name", "store", "currency", "segment", "account", "priority"]
    list_filter = ["store", "currency"]
    raw_id_fields = ["account"]


@admin.register(Price)
class PriceAdmin(AuditedAdmin):
    list_display = ["sku", "price_list", "amount"]
    list_filter = ["price_list"]
    raw_id_fields = ["sku"]


@admin.register(Promotion)
class PromotionAdmin(AuditedAdmin):
    list_display = ["name", "store", "kind", "value", "target", "segment", "starts_at", "ends_at", "is_active"]
    list_filter = ["store", "kind", "target", "is_active"]
