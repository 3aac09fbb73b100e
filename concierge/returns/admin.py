from django.contrib import admin
from django.http import HttpRequest

from concierge.audit.admin import AuditedAdmin, ReadOnlyAdmin
from concierge.returns.models import Return, ReturnLine, ReturnReason


@admin.register(ReturnReason)
class ReturnReasonAdmin(AuditedAdmin):
    """Custom return reasons are added here (seed 004); the system's own cannot be deleted or renamed,
    only retired (inactive), since returns name them."""

    list_display = ["name", "is_system", "is_active", "position"]
    list_filter = ["is_system", "is_active"]
    fields = ["name", "is_active", "position"]

    def get_readonly_fields(self, request: HttpRequest, obj: ReturnReason | None = None) -> list[str]:
        return ["name"] if obj is not None and obj.is_system else []

    def has_delete_permission(self, request: HttpRequest, obj: ReturnReason | None = None) -> bool:
        return obj is None or not obj.is_system


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    readonly_fields = ("order_line", "quantity", "received_quantity", "reason", "comments", "value", "exchange_sku")
    fields = readonly_fields
    can_delete = False


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    """Returns are created in the order console and received in the Warehouse, which audit them."""

    list_display = ["rma", "kind", "status", "order_number", "customer_last_name", "refund_amount", "created_at"]
    list_filter = ["kind", "status", "store"]
    search_fields = ["rma", "order_number"]
    inlines = [ReturnLineInline]
