from django import forms
from django.contrib import admin
from django.forms import ModelForm

from concierge.audit.admin import AuditedAdmin
from concierge.customers.models import Address, Customer, DataPoint, DataPolicy, Segment, SellerAssignment
from concierge.customers.privacy import data_point_choices, validate_data_point_key


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
    list_display = ["seller", "organization", "assigned_at"]
    raw_id_fields = ["seller", "organization"]


@admin.register(Segment)
class SegmentAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


class DataPointForm(forms.ModelForm):
    """A data point names one of the kinds of data Concierge knows how to read and erase."""

    key = forms.ChoiceField(choices=data_point_choices, validators=[validate_data_point_key],
                            help_text="Where the value lives (customers/privacy.py's catalogue).")  # fmt: skip

    class Meta:
        model = DataPoint
        fields = ["key", "name", "description"]


@admin.register(DataPoint)
class DataPointAdmin(AuditedAdmin):
    form = DataPointForm
    list_display = ["name", "key", "description"]
    search_fields = ["name", "key"]


@admin.register(DataPolicy)
class DataPolicyAdmin(AuditedAdmin):
    """Data policies (seed 004 "Customer Data Policies"): name, reference key, retention, the data
    points they cover and their state (Draft / Active / Disabled). Changes are audited."""

    list_display = ["name", "reference_key", "state", "retention_days", "created_at"]
    list_filter = ["state", "stores"]
    search_fields = ["name", "reference_key"]
    filter_horizontal = ["data_points", "stores"]
    fields = ["name", "reference_key", "description", "retention_days", "state", "data_points", "stores"]

    def _changes(self, form: ModelForm) -> dict[str, tuple[str, str]]:
        """Related data points and stores by name, not as query sets."""

        def shown(value: object) -> str:
            if hasattr(value, "__iter__") and not isinstance(value, str):
                return ", ".join(sorted(str(item) for item in value))
            return "" if value is None else str(value)[:200]

        return {f: (shown(form.initial.get(f)), shown(form.cleaned_data.get(f))) for f in form.changed_data}
