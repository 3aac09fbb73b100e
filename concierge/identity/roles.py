"""The role matrix: each role (a group) and exactly the privileges it grants.

This file is the single source of truth. ``sync_roles`` makes the groups match it after every
``migrate``; tests walk every cell.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Role(StrEnum):
    SHOPPER = "Shopper"
    CSR = "CSR"
    SUPERVISOR = "Supervisor"
    SELLER = "Seller"
    WAREHOUSE = "Warehouse"
    ADMINISTRATOR = "Administrator"


class Priv(StrEnum):
    """Privileges as ``app_label.codename`` for ``user.has_perm``."""

    USE_SERVICE_CONSOLE = "identity.use_service_console"
    UPDATE_CUSTOMER = "identity.update_customer"
    ACCESS_CUSTOMER_ACCOUNT = "identity.access_customer_account"
    CREATE_ORDER_FOR_CUSTOMER = "identity.create_order_for_customer"
    UNLOCK_ORDER = "identity.unlock_order"
    CREATE_REFUND = "identity.create_refund"
    APPROVE_REFUND = "identity.approve_refund"
    ACT_FOR_ORGANIZATION = "identity.act_for_organization"
    RECEIVE_RETURNS = "identity.receive_returns"
    CREATE_RETURN = "identity.create_return"
    ADMINISTER = "identity.administer"
    # Deciding order holds (seed 004 "Order Holds"): each hold rule names the one its holds need.
    RESOLVE_HOLD = "identity.resolve_hold"
    RESOLVE_REVIEW_HOLD = "identity.resolve_review_hold"
    # Remove customer data (seed 004 "Customer Data Policies"): erasure cannot be undone.
    REMOVE_CUSTOMER_DATA = "identity.remove_customer_data"
    # Seed 003: a seller creates, activates, suspends, re-activates and edits their organizations.
    MANAGE_ORGANIZATIONS = "identity.manage_organizations"
    # The supervisor's desk: the team's queues and every CSR's figures in the stores served (a CSR
    # without it sees their own figures only).
    VIEW_DESK = "identity.view_desk"


_CSR = frozenset(
    {
        Priv.USE_SERVICE_CONSOLE,
        Priv.UPDATE_CUSTOMER,
        Priv.ACCESS_CUSTOMER_ACCOUNT,
        Priv.CREATE_ORDER_FOR_CUSTOMER,
        Priv.RESOLVE_HOLD,
        Priv.CREATE_RETURN,  # Create Return and Create Exchange (seed 004: "only authorized CSRs")
    }
)

# A shopper acts only for themself; what they may touch is decided by ownership in each domain's
# policies, so the role grants no privilege.
ROLE_PRIVILEGES: dict[Role, frozenset[Priv]] = {
    Role.SHOPPER: frozenset(),
    Role.CSR: _CSR,
    Role.SUPERVISOR: _CSR
    | {
        Priv.UNLOCK_ORDER,
        Priv.CREATE_REFUND,
        Priv.APPROVE_REFUND,
        Priv.RESOLVE_REVIEW_HOLD,
        Priv.REMOVE_CUSTOMER_DATA,
        Priv.VIEW_DESK,
    },
    Role.SELLER: frozenset({Priv.ACT_FOR_ORGANIZATION, Priv.MANAGE_ORGANIZATIONS}),
    Role.WAREHOUSE: frozenset({Priv.RECEIVE_RETURNS}),
    Role.ADMINISTRATOR: frozenset(Priv),
}

STAFF_ROLES = frozenset(ROLE_PRIVILEGES) - {Role.SHOPPER}

# Administrators also hold every model permission, which is what the Django admin checks.
ROLES_WITH_ALL_MODEL_PERMISSIONS = frozenset({Role.ADMINISTRATOR})


def sync_roles() -> None:
    """Create the groups and give each exactly the privileges of ``ROLE_PRIVILEGES``."""
    from django.contrib.auth.models import Group, Permission

    wanted = {p.split(".", 1)[1] for privs in ROLE_PRIVILEGES.values() for p in privs}
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="identity", codename__in=wanted)}
    missing = wanted - perms.keys()
    if missing:
        raise RuntimeError(f"privileges missing from identity.Privilege: {sorted(missing)}")
    # A privilege relabelled in identity.Privilege reads the new way in the admin too (Django only
    # creates missing permissions, it never renames one).
    from concierge.identity.models import Privilege

    for codename, name in Privilege._meta.permissions:
        if codename in perms and perms[codename].name != name:
            Permission.objects.filter(pk=perms[codename].pk).update(name=name)
    model_permissions = list(Permission.objects.exclude(content_type__app_label="identity", codename__in=wanted))
    for role, privs in ROLE_PRIVILEGES.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        granted = [perms[p.split(".", 1)[1]] for p in privs]
        if role in ROLES_WITH_ALL_MODEL_PERMISSIONS:
            granted += model_permissions
        group.permissions.set(granted)


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """Runs once per migrate, on the last app's signal: by then every app's permissions exist."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    # post_migrate is sent for each app that has a models module, in INSTALLED_APPS order.
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if getattr(sender, "label", None) != last.label:
        return
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=kwargs.get("using", "default"))
    sync_roles()
