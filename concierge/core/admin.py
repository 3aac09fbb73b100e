from django.contrib import admin
from django.http import HttpRequest

from concierge.core.models import SentMail


@admin.register(SentMail)
class SentMailAdmin(admin.ModelAdmin[SentMail]):
    """The demo's mailbox: what Concierge sent, read-only."""

    list_display = ("sent_at", "to", "subject")
    search_fields = ("to", "subject")
    readonly_fields = ("sent_at", "to", "subject", "body", "html")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
