from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from concierge.audit.actions import admin_action
from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.core.requests import context_of


def _text(value: Any) -> str:
    return str(value)[:200] if value is not None else ""


class AuditedAdmin(admin.ModelAdmin):
    """Admin changes are changes like any other: each save and delete, inline rows included, is
    recorded in the same transaction with the administrator as actor."""

    def _record(self, request: HttpRequest, obj: Model, verb: str, changes: dict | None = None) -> None:
        model_name = obj._meta.model_name
        if model_name is None:  # only an abstract model, which has no rows, lacks one
            raise TypeError(f"{type(obj).__name__} has no model name to record.")
        record(context_of(request), action=admin_action(model_name, verb), subject_kind=model_name,
               subject_id=obj.pk, changes=changes or {})  # fmt: skip

    def _changes(self, form: ModelForm) -> dict[str, tuple[str, str]]:
        return {f: (_text(form.initial.get(f)), _text(form.cleaned_data.get(f))) for f in form.changed_data}

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            self._record(request, obj, "changed" if change else "added", self._changes(form))

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with transaction.atomic():
            self._record(request, obj, "deleted")
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._record(request, obj, "deleted")
            super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: ModelForm, formset: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            for inline_form in formset.forms:
                if inline_form.instance.pk and inline_form.has_changed():
                    self._record(request, inline_form.instance, "changed", self._changes(inline_form))
            for obj in formset.deleted_objects:
                self._record(request, obj, "deleted")


class ReadOnlyAdmin(admin.ModelAdmin):
    """For records that only services write (events, payment transactions, holds): viewable, never
    added, changed or deleted in the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Events are written by services and never changed."""

    list_display = [
        "id",
        "seq",
        "occurred_at",
        "actor_label",
        "on_behalf_of_id",
        "action",
        "subject_kind",
        "subject_id",
    ]
    list_filter = ["action", "subject_kind"]
    search_fields = ["subject_id", "action", "request_id"]
