from django.contrib import admin
from django.http import HttpRequest

from concierge.audit.admin import AuditedAdmin, ReadOnlyAdmin
from concierge.payments.models import GiftCertificate, PaymentTransaction, Refund


@admin.register(GiftCertificate)
class GiftCertificateAdmin(AuditedAdmin):
    """Issued with `manage.py issue_gift_certificate` (the code is shown once); balances change only
    through payments. An administrator may deactivate one."""

    list_display = ["__str__", "store", "initial_amount", "balance", "currency", "is_active", "created_at"]
    list_filter = ["store", "is_active"]
    readonly_fields = ["store", "code_digest", "last4", "currency", "initial_amount", "balance", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(PaymentTransaction)
class PaymentTransactionAdmin(ReadOnlyAdmin):
    """The record of every call to the payment gateway."""

    list_display = ["created_at", "kind", "status", "amount", "currency", "source_label", "order"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["order", "source", "parent"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    """Refunds are created, approved and rejected on the order's page (or its API), never here."""

    list_display = ["created_at", "order", "amount", "currency", "destination", "status", "rma", "requested_by"]
    list_filter = ["status", "destination"]
    raw_id_fields = ["order", "capture", "source", "transaction", "requested_by", "decided_by"]
