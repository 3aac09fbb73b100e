"""The admin of customer list definitions: kind, parameters, columns, sort, page size, roles, stores.

A definition names a registered list kind (``presence/lists.py``); its parameters are checked
against the kind's (typed), its columns must come from the kind's catalogue, and its default sort
must be one of its sortable columns. Every change is audited with the administrator as actor.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.html import format_html_join

from concierge.audit.actions import admin_actions
from concierge.audit.admin import AuditedAdmin
from concierge.core.errors import DomainError
from concierge.presence.lists import PAGE_SIZE_MAX, REGISTRY, kind_choices, kind_of
from concierge.presence.models import CustomerList

ListAdminAction = admin_actions("ListAdminAction", {"customerlist": "Customer list"}, module=__name__)


class CustomerListForm(forms.ModelForm):
    kind = forms.ChoiceField(choices=kind_choices, help_text="The query this list runs.")
    columns = forms.JSONField(
        help_text='Column keys from the kind\'s catalogue, in order, e.g. ["name", "email", "phone"]. '
        "Empty: the kind's default columns.",
        required=False,
    )
    page_size = forms.IntegerField(min_value=1, max_value=PAGE_SIZE_MAX)

    class Meta:
        model = CustomerList
        fields = ["name", "slug", "description", "kind", "parameters", "columns", "default_sort", "sort_descending",
                  "page_size", "roles", "stores", "position", "is_active"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = kind_of(data.get("kind") or "")
        if kind is None:
            return data
        columns = data.get("columns")
        if columns in (None, ""):
            columns = list(kind.default_columns)
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            self.add_error("columns", 'Give the columns as a list of their keys, e.g. ["name", "email"].')
        else:
            for problem in kind.validate_columns(columns):
                self.add_error("columns", problem)
            data["columns"] = columns
        parameters = data.get("parameters")
        if parameters is not None and not isinstance(parameters, dict):
            self.add_error("parameters", 'Give the parameters as an object, e.g. {"threshold": "100"}.')
        elif parameters is not None:
            try:
                cleaned = kind.clean_parameters(parameters)
            except DomainError as exc:
                for messages in exc.fields.values():
                    for message in messages:
                        self.add_error("parameters", message)
            else:
                data["parameters"] = {p.key: p.stored(cleaned[p.key]) for p in kind.params}
        sort = data.get("default_sort") or ""
        column = kind.column(sort) if sort else None
        if sort and (column is None or not column.sortable):
            sortable = ", ".join(kind.sortable_keys)
            self.add_error("default_sort", f"{kind.name} cannot be sorted by {sort!r}; choose one of: {sortable}.")
        return data


@admin.register(CustomerList)
class CustomerListAdmin(AuditedAdmin):
    form = CustomerListForm
    list_display = ["name", "kind", "position", "page_size", "is_active"]
    list_filter = ["kind", "is_active"]
    list_editable = ["position", "is_active"]
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ["roles", "stores"]
    readonly_fields = ["catalogue", "updated_at", "updated_by"]

    @admin.display(description="Kinds and their columns")
    def catalogue(self, obj: CustomerList | None) -> str:
        rows = []
        for kind in REGISTRY.values():
            columns = ", ".join(f"{c.key} ({c.label}{', sortable' if c.sortable else ''})" for c in kind.columns)
            params = ", ".join(f"{p.key} ({p.label})" for p in kind.params) or "none"
            rows.append((kind.key, kind.name, columns, params))
        return format_html_join("", "<p><strong>{}</strong> — {}<br>Columns: {}<br>Parameters: {}</p>", rows)

    def save_model(self, request: HttpRequest, obj: Model, form: forms.ModelForm, change: bool) -> None:
        if isinstance(obj, CustomerList) and request.user.is_authenticated:
            obj.updated_by = request.user
        super().save_model(request, obj, form, change)
