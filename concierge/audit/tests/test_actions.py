"""Audit actions are declared names with words: the log refuses any other, and the source uses no other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import transaction
from django.template import Context, Template

from concierge.audit.actions import AuditAction, declared, describe
from concierge.audit.admin import AuditedAdmin
from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.core.context import ActingContext
from concierge.orders.actions import OrderAction
from concierge.payments.actions import PaymentAction

SOURCE = Path(__file__).resolve().parents[2]


def _action_literals() -> list[tuple[str, int, str]]:
    """Every ``action="..."`` written in the tests (the events they look up) and, were any left, the code."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.keyword) and node.arg == "action":
                value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and "." in value.value:
                    found.append((str(path.relative_to(SOURCE.parent)), value.lineno, value.value))
    return found


def test_the_source_names_only_declared_actions() -> None:
    literals = _action_literals()
    assert len(literals) > 40  # the walk finds the tests' look-ups (the code names members)
    undeclared = [literal for literal in literals if literal[2] not in declared()]
    assert undeclared == [], "declare these in their domain's actions.py"


def test_the_code_records_declared_members_not_strings() -> None:
    """Outside the tests, every action handed to the log (``record(..., action=...)``, an order
    edit's ``edit.record(...)``) is a declared member, so a misspelt one fails on import, not at write."""
    written = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts or "tests" in path.parts or path.name.startswith("test"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name != "record":
                continue
            for value in [k.value for k in node.keywords if k.arg == "action"] + list(node.args):
                if isinstance(value, ast.JoinedStr | ast.Constant):
                    written.append(f"{path.relative_to(SOURCE.parent)}:{value.lineno}")
    assert written == [], "name the declared member (e.g. OrderAction.CANCELLED) instead of a string"


def test_every_action_has_words_and_one_declaration() -> None:
    table = declared()
    assert {type(member) for member in table.values()} >= {OrderAction, PaymentAction}
    assert all(member.words.strip() and member.words[0].isupper() for member in table.values())
    assert sum(len(cls) for cls in _all_subclasses()) == len(table)  # no value declared twice


def _all_subclasses() -> list[type[AuditAction]]:
    stack, found = list(AuditAction.__subclasses__()), []
    while stack:
        cls = stack.pop()
        found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def test_every_change_the_admin_records_is_declared() -> None:
    audited = []
    for model, model_admin in admin.site._registry.items():
        if isinstance(model_admin, AuditedAdmin):
            audited.append(model)
            audited.extend(inline.model for inline in model_admin.inlines)
    assert audited
    missing = [
        f"admin.{model._meta.model_name}.{verb}"
        for model in audited
        for verb in ("added", "changed", "deleted")
        if f"admin.{model._meta.model_name}.{verb}" not in declared()
    ]
    assert missing == []


def test_a_member_is_its_stored_string_and_carries_its_words() -> None:
    assert OrderAction.SHIPMENT_RELEASED == "shipment.released"
    assert OrderAction.SHIPMENT_RELEASED.words == "Shipment released to the warehouse"
    assert describe("payment.capture_succeeded") == "Payment captured"
    assert describe(OrderAction.FORCE_UNLOCKED) == "Order unlocked by a supervisor"
    assert describe("something.retired") == "something.retired"  # an old event still shows


@pytest.mark.django_db
def test_the_log_refuses_an_undeclared_action() -> None:
    ctx, teleported = ActingContext.system("test"), "order.teleported"
    with transaction.atomic(), pytest.raises(ValueError, match=r"'order\.teleported' is not declared"):
        record(ctx, action=teleported, subject_kind="order", subject_id=1)
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_declared_action_is_stored_as_its_value() -> None:
    ctx = ActingContext.system("test")
    with transaction.atomic():
        record(ctx, action=OrderAction.NOTE_ADDED, subject_kind="order", subject_id=1)
        record(ctx, action="order.note_added", subject_kind="order", subject_id=1)  # the plain string is the same
    assert list(Event.objects.values_list("action", flat=True)) == ["order.note_added", "order.note_added"]


def test_a_template_shows_an_actions_words() -> None:
    template = Template("{% load audit %}{{ action|action_words }}")
    assert template.render(Context({"action": "shipment.released"})) == "Shipment released to the warehouse"
    assert template.render(Context({"action": "order.force_unlocked"})) == "Order unlocked by a supervisor"
