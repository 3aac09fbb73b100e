from django.contrib import admin

from concierge.assist.models import SessionReason
from concierge.audit.admin import AuditedAdmin


@admin.register(SessionReason)
class SessionReasonAdmin(AuditedAdmin):
    """The reasons a CSR chooses from when a session starts. Retire one (uncheck Active) rather than
    delete it: past sessions keep the name they started with either way."""

    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name"]
