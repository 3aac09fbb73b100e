from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from concierge.audit.admin import AuditedAdmin
from concierge.identity.models import ApiToken, User


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class StaffCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    """Staff and their roles (groups) and stores. Role privileges come from roles.py, not here."""

    form = StaffChangeForm
    add_form = StaffCreationForm
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "stores"]
    search_fields = ["email", "first_name", "last_name"]
    filter_horizontal = ["groups", "stores"]
    readonly_fields = ["last_login", "date_joined", "session_epoch"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Roles and stores", {"fields": ["is_active", "is_staff", "groups", "stores"]}),
        ("Sign-ins", {"fields": ["last_login", "date_joined", "session_epoch"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "name", "prefix", "digest", "created_at", "last_used_at"]
    raw_id_fields = ["user"]

    def has_add_permission(self, request: object) -> bool:
        return False
