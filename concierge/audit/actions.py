"""Audit actions are declared names, each with the words shown to people.

Every domain declares its actions in ``<domain>/actions.py`` as a subclass of :class:`AuditAction`::

    class OrderAction(AuditAction):
        ORDER_CANCELLED = "order.cancelled", "Order cancelled"

A member is a ``str`` equal to its dotted value (``"order.cancelled"``), so it is stored and compared
like the plain string; ``member.words`` is what a timeline shows. :func:`record` refuses an action that
no subclass declares, and :func:`describe` finds the words of a stored action across every subclass.

The audit app imports no domain: the subclasses are found through the app registry (each installed
app's ``actions`` module), the first time they are needed.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from typing import Any, Self


class AuditAction(StrEnum):
    """The base of every domain's actions: a dotted value and the words shown to people."""

    words: str

    def __new__(cls, value: str, words: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.words = words
        return member


ADMIN_VERBS = ("added", "changed", "deleted")


def admin_actions(name: str, models: dict[str, str], *, module: str) -> type[AuditAction]:
    """The actions the admin records for ``models`` (model name: its words), one per verb:
    ``admin_actions("StoreAdminAction", {"taxrate": "Tax rate"}, module=__name__)`` declares
    ``admin.taxrate.added`` ("Tax rate added in the admin"), ``.changed`` and ``.deleted``."""
    members = [
        (f"{model.upper()}_{verb.upper()}", (f"admin.{model}.{verb}", f"{words} {verb} in the admin"))
        for model, words in models.items()
        for verb in ADMIN_VERBS
    ]
    functional: Any = AuditAction  # Enum's functional API: a subclass with these members
    created: type[AuditAction] = functional(name, members, module=module)
    return created


def admin_action(model_name: str, verb: str) -> AuditAction:
    """The declared member for a change the admin makes to ``model_name`` (``verb`` one of
    ``ADMIN_VERBS``): ``admin_action("taxrate", "added")`` is ``StoreAdminAction.TAXRATE_ADDED``. The
    audit app names no domain, so it finds the member by its value; an audited model whose domain did
    not declare it is an :class:`ImproperlyDeclared` error (a test walks every audited admin)."""
    member = declared().get(f"admin.{model_name}.{verb}")
    if member is None:
        raise ImproperlyDeclared(f"admin.{model_name}.{verb} is not declared: add {model_name!r} to admin_actions()")
    return member


def _subclasses(cls: type[AuditAction]) -> list[type[AuditAction]]:
    found: list[type[AuditAction]] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


@cache
def declared() -> dict[str, AuditAction]:
    """Every declared action by its value, from every installed app's ``actions`` module."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("actions")
    table: dict[str, AuditAction] = {}
    for cls in _subclasses(AuditAction):
        for member in cls:
            if member.value in table and table[member.value] is not member:
                raise ImproperlyDeclared(f"audit action {member.value!r} is declared twice")
            table[member.value] = member
    return table


class ImproperlyDeclared(RuntimeError):
    pass


def is_declared(action: str) -> bool:
    return str(action) in declared()


def describe(action: str) -> str:
    """The words shown to people for ``action``; an action no longer declared shows as stored."""
    member = declared().get(str(action))
    return member.words if member is not None else str(action)


class AuditChainAction(AuditAction):
    """What the audit log records about itself."""

    # Erasure (RELIABILITY bar 25): one per event whose label or payload was blanked, naming it and
    # the digests its link attested (audit/redaction.py, docs/adr/0001-audit-chain.md).
    REDACTED = "audit.redacted", "Personal data erased from an audit event"
