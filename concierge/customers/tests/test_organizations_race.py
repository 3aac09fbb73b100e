"""ERP ID uniqueness under concurrent creates on PostgreSQL: sellers create an organization with the
same ERP ID (in different cases) at the same moment, each on a connection of their own. Exactly one
organization is created; every other seller is refused with ``organization.erp_id_taken``, never a
500."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.customers import organizations
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.stores.models import Store
from concierge.testing import factories
from concierge.testing.processes import run_in_processes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two writers at once are PostgreSQL's; SQLite serializes every writer in one file lock",
    ),
]


def body(n: int) -> dict[str, Any]:
    return {
        "name": f"Acme {n}", "erp_id": "race-erp" if n % 2 else "RACE-ERP", "contract_numbers": "",
        "country": "DE", "contact_name": "Dana Park", "contact_email": f"dana{n}@acme.example",
        "line1": "Hauptstrasse 1", "city": "Berlin", "postal_code": "10115",
    }  # fmt: skip


def create(user_id: int, store_id: int, n: int) -> tuple[str, str]:
    """One seller creates the organization, on a connection of their own."""
    try:
        ctx = ActingContext(user=User.objects.get(pk=user_id), store=Store.objects.get(pk=store_id))
        organizations.organization_create(ctx, body(n))
    except DomainError as exc:
        return (str(exc.status), exc.code)
    except Exception as exc:  # a 500 would be a bug: report it as a result
        return ("error", repr(exc))
    finally:
        connections.close_all()
    return ("201", "")


def test_two_creates_past_the_check_at_once_create_one_organization(store, monkeypatch):
    # given two sellers, and both early checks answering "free" before either inserts (the barrier
    # holds each check until both have asked): only the constraint is left to decide
    sellers = [factories.staff("Seller", stores=[store], first_name=f"Seller{n}").pk for n in range(2)]
    barrier = threading.Barrier(2, timeout=20)
    real_check = organizations.check_free
    checks: dict[str, int] = {}

    def check_then_wait(*args: Any, **kwargs: Any) -> None:
        name = threading.current_thread().name
        checks[name] = checks.get(name, 0) + 1
        try:
            real_check(*args, **kwargs)
        finally:
            barrier.wait()

    monkeypatch.setattr(organizations, "check_free", check_then_wait)
    results: list[Any] = [None, None]

    def run(i: int) -> None:
        results[i] = create(sellers[i], store.pk, i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    # then one was created, and the other refused by the constraint, as taken
    assert sorted(results) == [("201", ""), ("409", "organization.erp_id_taken")]
    assert Customer.objects.filter(erp_id="RACE-ERP").count() == 1
    assert sorted(checks.values()) == [1, 1]  # both passed the early check: the constraint refused the loser


def test_eight_processes_creating_the_same_erp_id_create_exactly_one(store):
    sellers = [factories.staff("Seller", stores=[store], first_name=f"Seller{n}").pk for n in range(8)]
    results = run_in_processes(create, [(sellers[n], store.pk, n) for n in range(8)], processes=8)
    assert [r for r in results if r[0] == "error"] == []
    assert sorted(results) == [("201", "")] + [("409", "organization.erp_id_taken")] * 7
    assert Customer.objects.filter(erp_id="RACE-ERP").count() == 1
