"""Shared ID uniqueness under concurrent creates on PostgreSQL: two CSRs finish Add Account with the
same manual shared ID at the same moment, each on a connection of its own. Exactly one account is
created; the other CSR sees the field error ``customer.shared_id_taken``, never a 500."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from concierge.customers import accounts
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.stores.models import Store
from concierge.testing import factories
from concierge.testing.clients import browser
from concierge.testing.processes import run_in_processes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two writers at once are PostgreSQL's; SQLite serializes every writer in one file lock",
    ),
]

SHARED_ID = "ERP-RACE-1"


def wizard_finish(client: Client, store: Store, name: str) -> tuple[int, str]:
    response = client.post(reverse("service:account_new"), {
        "business_name": name, "store": str(store.pk), "email": "buying@acme.example", "phone": "+1 512 555 0100",
        "shared_id_mode": "manual", "shared_id": SHARED_ID, "preferred_locale": "en_US",
        "step": "attributes", "go": "finish",
    })  # fmt: skip
    return response.status_code, response.content.decode()


def in_threads(work: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in a thread of its own (a database connection each), together."""
    results: list[Any] = [None] * len(work)

    def run(i: int) -> None:
        try:
            results[i] = work[i]()
        except Exception as exc:  # a 500 would be a bug: report it as a result
            results[i] = ("error", repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_two_finishes_with_the_same_shared_id_past_the_check_at_once_create_one_account(store, monkeypatch):
    # given two CSRs, and both of their checks that the shared ID is free answering before either
    # inserts (the barrier holds each check until both have asked): only the constraint is left
    agents = [browser(factories.staff("CSR", stores=[store], first_name=f"Agent{n}", last_name="Racer"))
              for n in range(2)]  # fmt: skip
    barrier = threading.Barrier(2, timeout=20)
    real_free = accounts.shared_id_free
    calls: dict[str, int] = {}

    def free_then_wait(shared_id: str) -> bool:
        answer = real_free(shared_id)
        name = threading.current_thread().name
        calls[name] = calls.get(name, 0) + 1
        if calls[name] <= 2:  # the step's check and Finish's last check before the insert: both wait
            barrier.wait()
        return answer

    monkeypatch.setattr(accounts, "shared_id_free", free_then_wait)
    # when both finish the wizard at once
    results = in_threads([partial(wizard_finish, a, store, f"Acme {n}") for n, a in enumerate(agents)])
    # then one account was created, and the other was refused with the field error
    statuses = sorted(status for status, _ in results)
    assert statuses == [302, 409], results
    [(_, refused)] = [r for r in results if r[0] == 409]
    assert f"The shared ID {SHARED_ID} is already in use" in refused
    assert Customer.objects.filter(shared_id=SHARED_ID).count() == 1
    # the loser's insert was refused by the constraint (its savepoint rolled back), not by a check
    assert sorted(calls.values()) == [2, 3]


def create_in_process(user_id: int, store_id: int, n: int) -> tuple[str, ...]:
    """One CSR finishes Add Account with the shared ID, in a process of its own."""
    try:
        client = browser(User.objects.get(pk=user_id))
        status, page = wizard_finish(client, Store.objects.get(pk=store_id), f"Acme {n}")
    except Exception as exc:
        return ("error", repr(exc))
    return (str(status), "taken" if "is already in use" in page else "")


def test_eight_processes_creating_the_same_shared_id_create_exactly_one(store):
    csrs = [factories.staff("CSR", stores=[store], first_name=f"Agent{n}", last_name="Racer").pk for n in range(8)]
    results = run_in_processes(create_in_process, [(csrs[n], store.pk, n) for n in range(8)], processes=8)
    assert [r for r in results if r[0] == "error"] == []
    assert sorted(results) == [("302", "")] + [("409", "taken")] * 7
    assert Customer.objects.filter(shared_id=SHARED_ID).count() == 1
