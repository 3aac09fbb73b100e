"""The admin of in-store devices: register per store and zone, show the secret once, rotate, revoke.

Registering answers a page with the new secret (never stored, never shown again); the actions
"Rotate credentials" and "Revoke" go through ``presence.services`` and are audited like every
other admin change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from concierge.audit.admin import AuditedAdmin
from concierge.core.errors import DomainError
from concierge.core.requests import context_of
from concierge.presence import services
from concierge.presence.models import CustomerToken, Device

CREDENTIALS_TEMPLATE = "presence/admin/device_credentials.html"


def _credentials_page(request: HttpRequest, title: str, issued: list[services.IssuedCredentials]) -> HttpResponse:
    response = TemplateResponse(request, CREDENTIALS_TEMPLATE, {
        **admin.site.each_context(request), "title": title, "issued": issued,
    })  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response


@admin.register(Device)
class DeviceAdmin(AuditedAdmin):
    list_display = ["name", "store", "zone", "kind", "status", "last_seen_at"]
    list_filter = ["store", "kind", "zone"]
    search_fields = ["name", "zone", "key_id"]
    readonly_fields = ["key_id", "created_at", "rotated_at", "revoked_at", "last_seen_at"]
    actions = ["rotate_credentials", "revoke"]

    @admin.display(description="Status")
    def status(self, obj: Device) -> str:
        if obj.revoked_at is not None:
            return "Revoked"
        return "Credentials rotated" if obj.rotated_at is not None else "Active"

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["store", "zone", "name", "kind"]
        return ["store", "zone", "name", "kind", *self.readonly_fields]

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        if not change and isinstance(obj, Device):
            request._issued_secret = services.assign_credentials(obj)  # type: ignore[attr-defined]  # handed to response_add of the same request, which shows it once
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: Device, post_url_continue: str | None = None) -> HttpResponse:
        secret = getattr(request, "_issued_secret", None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        return _credentials_page(request, "Device registered", [services.IssuedCredentials(obj, secret)])

    @admin.action(description="Rotate credentials (the old secret stops working now)", permissions=["change"])
    def rotate_credentials(self, request: HttpRequest, queryset: QuerySet[Device]) -> HttpResponse | None:
        issued = []
        for device in queryset.order_by("pk"):
            try:
                issued.append(services.device_rotate(context_of(request), device_id=device.pk))
            except DomainError as exc:
                self.message_user(request, f"{device}: {exc.message}", messages.ERROR)
        if not issued:
            return None
        return _credentials_page(request, "New device credentials", issued)

    @admin.action(description="Revoke (everything the device sends is refused)", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        count = 0
        for device in queryset.order_by("pk"):
            services.device_revoke(context_of(request), device_id=device.pk)
            count += 1
        self.message_user(
            request, f"{count} device(s) revoked: what they send is refused from now on.", messages.SUCCESS
        )


@admin.register(CustomerToken)
class CustomerTokenAdmin(AuditedAdmin):
    list_display = ["customer", "kind", "created_at", "revoked_at"]
    list_filter = ["kind"]
    raw_id_fields = ["customer"]
    search_fields = ["token"]
