"""Order locks and stale edits between separate processes on PostgreSQL (RELIABILITY.md bars 10, 11, 13)."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
from django.db import connection

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.identity.models import User
from concierge.orders import locks, services
from concierge.orders.editing import EditGuard
from concierge.orders.models import Order
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories
from concierge.testing.processes import run_in_processes

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks between processes are PostgreSQL's; SQLite serializes every writer in one file lock",
    ),
]


def attempt_lock(user_id: int, order_id: int) -> tuple[str, ...]:
    """One CSR opens the order for editing, in a process of its own."""
    try:
        user = User.objects.get(pk=user_id)
        locks.order_lock(ActingContext(user=user), order_id=order_id)
    except DomainError as exc:
        return ("refused", exc.code, str(exc.status), str(exc.data.get("locked_by")))
    except Exception as exc:
        return ("error", repr(exc))
    return ("locked", user.display_name)


def edit_once(user_id: int, order_id: int, marker: str) -> tuple[str, ...]:
    """An editor loads the order, opens it for editing and saves its billing line 2 with ``marker``
    appended, naming the version it loaded."""
    try:
        ctx = ActingContext(user=User.objects.get(pk=user_id))
        loaded = Order.objects.get(pk=order_id)
        token = locks.order_lock(ctx, order_id=order_id).token
        address = {f: getattr(loaded, f"billing_{f}") for f in services.ADDRESS_FIELDS}
        address["line2"] = loaded.billing_line2 + marker
        guard = EditGuard(version=loaded.version, lease_token=token)
        services.order_billing_update(ctx, order_id=order_id, guard=guard, address=address)
    except DomainError as exc:
        return ("refused", exc.code, str(exc.status))
    except Exception as exc:
        return ("error", repr(exc))
    return ("saved", str(loaded.version), marker)


@pytest.fixture
def order(shopper, store) -> Order:
    return placed_order(shopper, store, shipments=1)


def test_100_lock_attempts_from_8_processes_give_exactly_one_holder_and_409s_naming_it(order, store):
    csrs = [factories.staff("CSR", stores=[store], first_name=f"Agent{n:02d}", last_name="Racer").pk for n in range(20)]
    results = run_in_processes(attempt_lock, [(csrs[n % 20], order.pk) for n in range(100)], processes=8)
    assert [r for r in results if r[0] == "error"] == []
    holders = {r[1] for r in results if r[0] == "locked"}
    assert len(holders) == 1
    [holder] = holders
    assert Order.objects.get(pk=order.pk).lease_holder.display_name == holder
    refusals = [r for r in results if r[0] == "refused"]
    # the holder's own later attempts renew its lock; everyone else is refused, naming the holder
    assert Counter(r[1:] for r in refusals) == Counter({("order.locked", "409", holder): len(refusals)})
    assert len(refusals) == 100 - sum(1 for n in range(100) if csrs[n % 20] == _id_of(holder, csrs))
    assert Event.objects.filter(action="order.locked", subject_id=str(order.pk)).count() == 1


def _id_of(name: str, ids: list[int]) -> int:
    return next(pk for pk in ids if User.objects.get(pk=pk).display_name == name)


def test_8_editors_racing_on_one_order_lose_no_update(order, csr):
    # given one order and 8 processes that each load, lock and save it, 64 times in all (a CSR's
    # tabs: the same holder, so only the version decides which saves land)
    start = Order.objects.get(pk=order.pk)
    markers = [f"{n:02d}" for n in range(64)]
    # when they race
    results = run_in_processes(edit_once, [(csr.pk, order.pk, m) for m in markers], processes=8)
    # then nothing errs, and every save either landed or was refused as stale or as a lost lock
    assert [r for r in results if r[0] == "error"] == []
    saved = [r for r in results if r[0] == "saved"]
    refused = Counter(r[1:] for r in results if r[0] == "refused")
    assert set(refused) <= {("order.stale", "412"), ("order.lock_lost", "409")}
    assert len(saved) + sum(refused.values()) == 64
    assert refused[("order.stale", "412")] > 0, "the editors did race"
    final = Order.objects.get(pk=order.pk)
    # every accepted save was based on the version it read: one version step each, all distinct
    assert final.version == start.version + len(saved)
    assert sorted(int(r[1]) for r in saved) == list(range(start.version, final.version))
    # and none was lost: the line holds each accepted marker once, in the order they were saved
    in_version_order = [r[2] for r in sorted(saved, key=lambda r: int(r[1]))]
    assert final.billing_line2 == start.billing_line2 + "".join(in_version_order)
    events = Event.objects.filter(action="order.billing_address_changed", subject_id=str(order.pk)).order_by("id")
    chain = [e.changes["billing_line2"] for e in events]
    assert len(chain) == len(saved)
    assert all(before == previous[1] for previous, (before, _) in itertools.pairwise(chain))
    # a tab refused as stale keeps its holder's lock until they reload or it expires; no one else has it
    assert not final.lease_is_live() or final.lease_holder_id == csr.pk
