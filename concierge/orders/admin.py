from django.contrib import admin

from concierge.audit.admin import AuditedAdmin, ReadOnlyAdmin
from concierge.orders.models import Hold, HoldRule, Order, OrderLine, Shipment


class ShipmentInline(admin.TabularInline):
    model = Shipment
    extra = 0
    readonly_fields = ("number", "kind", "status", "shipping_method_name", "ship_city", "pickup_location")
    fields = readonly_fields
    can_delete = False


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = ("sku_code", "product_name", "quantity", "unit_price", "discount", "tax", "total")
    fields = readonly_fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(AuditedAdmin):
    """Read-only here: orders change through the Customer Service console, which audits them."""

    list_display = ["number", "store", "customer", "status", "total", "currency", "placed_at"]
    list_filter = ["store", "status"]
    search_fields = ["number", "billing_last_name", "email"]
    inlines = [ShipmentInline, OrderLineInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(HoldRule)
class HoldRuleAdmin(AuditedAdmin):
    list_display = ["name", "kind", "amount", "store", "privilege", "is_active"]
    list_filter = ["kind", "privilege", "is_active"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    """A hold is resolved in the order console, which also moves the order on."""

    list_display = ["order", "reason", "status", "created_at", "decided_by", "settled_at"]
    list_filter = ["status"]
    raw_id_fields = ["order", "rule"]
