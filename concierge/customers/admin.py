from django.contrib import admin

from concierge.audit.admin import AuditedAdmin
from concierge.customers.models import Address, Customer, Segment, SellerAssignment


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ["shared_id", "display_name", "kind", "status", "store", "email"]
    list_filter = ["kind", "status", "store"]
    search_fields = ["shared_id", "email", "last_name", "organization_name"]
    raw_id_fields = ["user"]
    inlines = [AddressInline]


@admin.register(SellerAssignment)
class SellerAssignmentAdmin(AuditedAdmin):
    list_display = ["seller", "organization", "contract_number", "assigned_at"]
    raw_id_fields = ["seller", "organization"]


@admin.register(Segment)
class SegmentAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
