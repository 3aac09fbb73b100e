from django.contrib import admin
from django.http import HttpRequest

from concierge.audit.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """Read-only: events are written by services and never changed."""

    list_display = ["seq", "occurred_at", "actor_label", "on_behalf_of_id", "action", "subject_kind", "subject_id"]
    list_filter = ["action", "subject_kind"]
    search_fields = ["subject_id", "action", "request_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
