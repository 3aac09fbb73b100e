"""Scale out, proved: two web processes and two workers on one PostgreSQL (DESIGN.md principle 7).

Two granian servers (each as ``make run`` serves: one process, four threads) and two
``manage.py worker`` processes run the production settings against this test's database, with
one Redis as their shared cache (``CACHE_URL``). Every request below goes over HTTP to one server
or the other, by API token: what one process did, the other must see — locks and their leases, the
version a save names, an idempotency key, the audit chain, a revoked token or a removed role — and
each task enqueued through either server runs once, on one of the two workers.

The four processes start once for the module (a few seconds). Each test makes its own rows as a
transactional test does — committed, so the servers see them, and flushed after it, the shared
cache emptied with them.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
import redis
from django.contrib.auth.models import Group
from django.db import connection
from django.tasks import TaskResultStatus
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from concierge.audit.models import Event
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.identity.services import api_token_create
from concierge.orders.models import Hold, Order
from concierge.orders.tests.builders import held_order, placed_order
from concierge.orders.tests.hold_steps import SETTLE_HOLD
from concierge.payments.services import payment_source_add_card
from concierge.stores.models import ShippingMethod, Store
from concierge.testing import factories
from concierge.testing.servers import (
    ROOT,
    Process,
    Response,
    WebServer,
    process_env,
    start_web_server,
    start_worker,
    stop_all,
    wait_for,
    wait_until_serving,
)

REDIS_URL = "redis://127.0.0.1:6379/0"

pytestmark = [
    # Each test's rows are committed (the servers must see them) and flushed after it.
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="N web processes and N workers are the PostgreSQL deployment (DESIGN.md principle 7): row locks, "
        "SKIP LOCKED task claims and the audit chain between processes are PostgreSQL's; SQLite serves one "
        "machine, and its locks between processes are shown by the worker tests",
    ),
]


@dataclass
class Cluster:
    servers: tuple[WebServer, WebServer]
    workers: tuple[Process, Process]
    env: dict[str, str]


def _redis_or_fail(url: str) -> redis.Redis:
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {url} does not answer ({exc}); the servers share it as their cache. Start it: "
                    "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no")  # fmt: skip
    return client


@pytest.fixture(scope="module")
def shared_cache() -> Iterator[tuple[redis.Redis, str]]:
    """One Redis, under a key prefix of this run's own, as the cache of the servers, the workers and
    the test process: what the test changes (a role, below) is invalidated where the servers look."""
    prefix = f"concierge-test-{uuid.uuid4().hex[:12]}:"
    client = _redis_or_fail(REDIS_URL)
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": prefix}}  # fmt: skip
    with override_settings(CACHES=caches):
        yield client, prefix
    _forget(client, prefix)


def _forget(client: redis.Redis, prefix: str) -> None:
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


@pytest.fixture(scope="module")
def cluster(
    django_db_setup: None, shared_cache: tuple[redis.Redis, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two web servers and two workers, started once for the module; each test's rows are its own
    (a transactional test: committed, so the servers see them, and flushed after it). Under xdist
    the module's tests may be shared by two xdist workers: each then runs its own four processes on
    its own test database, once (a worker takes a module's tests in their order, one after another)."""
    _, prefix = shared_cache
    logs = tmp_path_factory.mktemp("two-servers")
    env = process_env({"CACHE_URL": REDIS_URL, "CACHE_KEY_PREFIX": prefix, "DJANGO_ALLOWED_HOSTS": "127.0.0.1"})
    started: list[Process] = []
    try:
        servers = (start_web_server("web-a", env=env, log_dir=logs), start_web_server("web-b", env=env, log_dir=logs))
        started += servers
        workers = (start_worker("worker-1", env=env, log_dir=logs), start_worker("worker-2", env=env, log_dir=logs))
        started += workers
        wait_until_serving(servers)
        yield Cluster(servers=servers, workers=workers, env=env)
    finally:
        stop_all(started)


@pytest.fixture(autouse=True)
def _cache_emptied_with_the_database(shared_cache: tuple[redis.Redis, str]) -> Iterator[None]:
    """The database is flushed after each test, behind the cache's back: the cache goes with it."""
    yield
    _forget(*shared_cache)


def _token(user: User) -> str:
    """A new API key of ``user``'s, as POST /api/v1/auth/tokens makes."""
    return api_token_create(ActingContext(user=user), name="two servers")[1]


def _csrs(store: Store, count: int) -> list[User]:
    return [factories.staff("CSR", stores=[store], first_name=f"Racer{n}", last_name="Csr") for n in range(count)]


def _order_url(order: Order, rest: str = "") -> str:
    return f"/api/v1/service/orders/{order.number}{rest}"


def _edit_headers(version: int, lease_token: str) -> dict[str, str]:
    return {"If-Match": f'"{version}"', "X-Lease-Token": lease_token}


BILLING = {"first_name": "Jane", "last_name": "Shopper", "line1": "1 Congress Ave", "city": "Austin",
           "region": "TX", "postal_code": "78701", "country": "US"}  # fmt: skip


def _all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads of their own, released together."""
    barrier = threading.Barrier(len(calls))

    def released(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(released, calls))


# --- Locks, leases and versions -------------------------------------------------------------------


def test_an_order_locked_through_one_server_is_refused_through_the_other_until_released_or_expired(
    cluster, store, shopper, csr
):
    a, b = cluster.servers
    bob = factories.staff("CSR", stores=[store], first_name="Bob", last_name="Backup")
    ann_key, bob_key = _token(csr), _token(bob)
    order = placed_order(shopper, store, shipments=1)
    # given Ann opened the order for editing through server A
    held = a.request("POST", _order_url(order, "/lock"), token=ann_key)
    assert held.status == 200, held.body
    # when Bob asks for it through server B, he is refused with the lock's code, naming Ann
    refused = b.request("POST", _order_url(order, "/lock"), token=bob_key)
    assert (refused.status, refused.code) == (409, "order.locked")
    assert "Ann Agent" in refused.body["message"]
    # and a save of his through B, without the lock, changes nothing
    save = b.request("PUT", _order_url(order, "/billing-address"), token=bob_key, body=BILLING,
                     headers=_edit_headers(held.body["version"], "not-the-lock-token"))  # fmt: skip
    assert (save.status, save.code) == (409, "order.lock_lost")
    assert Order.objects.get(pk=order.pk).billing_line1 != BILLING["line1"]
    # when Ann closes the editor through server B (her token, not her server, holds the lock)
    closed = b.request("DELETE", _order_url(order, "/lock"), token=ann_key,
                       headers={"X-Lease-Token": held.body["lease_token"]})  # fmt: skip
    assert closed.status == 204, closed.body
    # then Bob gets the lock through B, and A shows him as its holder
    bobs = b.request("POST", _order_url(order, "/lock"), token=bob_key)
    assert bobs.status == 200, bobs.body
    assert a.request("GET", _order_url(order), token=ann_key).body["locked_by"] == "Bob Backup"
    # when Bob's lease runs out unrenewed (his browser crashed: the row as its TTL leaves it)
    Order.objects.filter(pk=order.pk).update(lease_expires_at=clock.now() - dt.timedelta(seconds=1))
    # then Ann takes the order through A, and Bob's old token no longer saves through B
    again = a.request("POST", _order_url(order, "/lock"), token=ann_key)
    assert again.status == 200, again.body
    late = b.request("PUT", _order_url(order, "/billing-address"), token=bob_key, body=BILLING,
                     headers=_edit_headers(again.body["version"], bobs.body["lease_token"]))  # fmt: skip
    assert (late.status, late.code) == (409, "order.lock_lost")
    assert Order.objects.get(pk=order.pk).lease_holder_id == csr.pk


def test_eight_csrs_racing_for_one_order_through_both_servers_get_one_holder(cluster, store, shopper):
    order = placed_order(shopper, store, shipments=1)
    keys = [_token(user) for user in _csrs(store, 8)]
    # when eight CSRs open the order at once, four through each server
    lock = _order_url(order, "/lock")
    answers = _all_at_once([partial(cluster.servers[n % 2].request, "POST", lock, token=key)
                            for n, key in enumerate(keys)])  # fmt: skip
    # then exactly one holds it, and the seven others are told who
    assert sorted(r.status for r in answers) == [200] + [409] * 7, [(r.status, r.body) for r in answers]
    locked = Order.objects.select_related("lease_holder").get(pk=order.pk)
    assert locked.lease_token == next(r for r in answers if r.status == 200).body["lease_token"]
    holder = locked.lease_holder.display_name
    assert {(r.code, holder in r.body["message"]) for r in answers if r.status == 409} == {("order.locked", True)}
    assert Event.objects.filter(action="order.locked", subject_id=str(order.pk)).count() == 1


def test_a_save_based_on_a_version_another_server_moved_on_is_refused(cluster, store, shopper, csr):
    a, b = cluster.servers
    ann_key, bob_key = _token(csr), _token(factories.staff("CSR", stores=[store], first_name="Bob"))
    order = placed_order(shopper, store, shipments=1)
    # given Ann and Bob both loaded the order, through A and through B
    loaded = a.request("GET", _order_url(order), token=ann_key).body["version"]
    assert b.request("GET", _order_url(order), token=bob_key).body["version"] == loaded
    # and Ann saved a new billing address through A (which ends her lock)
    lock = a.request("POST", _order_url(order, "/lock"), token=ann_key, headers={"If-Match": f'"{loaded}"'})
    saved = a.request("PUT", _order_url(order, "/billing-address"), token=ann_key, body=BILLING,
                      headers=_edit_headers(loaded, lock.body["lease_token"]))  # fmt: skip
    assert saved.status == 200, saved.body
    # when Bob, on the version he loaded, opens it through B: refused, it was edited elsewhere
    opening = b.request("POST", _order_url(order, "/lock"), token=bob_key, headers={"If-Match": f'"{loaded}"'})
    assert (opening.status, opening.code) == (412, "order.stale")
    # and a save of his on that version, under a lock he takes anyway: refused, Ann's address stays
    bobs = b.request("POST", _order_url(order, "/lock"), token=bob_key)
    assert bobs.status == 200, bobs.body
    stale = b.request("PUT", _order_url(order, "/billing-address"), token=bob_key,
                      body={**BILLING, "line1": "9 Stale Road"},
                      headers=_edit_headers(loaded, bobs.body["lease_token"]))  # fmt: skip
    assert (stale.status, stale.code) == (412, "order.stale")
    assert Order.objects.get(pk=order.pk).billing_line1 == BILLING["line1"]


# --- Idempotency ------------------------------------------------------------------------------------


@dataclass
class Checkout:
    """The shopper's API key, and what a checkout of theirs names."""

    shopper: Customer
    key: str
    sku_id: int
    address_id: int
    card_id: int

    def fill_cart(self, server: WebServer) -> dict[str, Any]:
        """One line in the shopper's cart, added through ``server``; the checkout body that ships it."""
        cart = server.request("POST", "/api/v1/cart/lines", token=self.key, body={"sku_id": self.sku_id})
        assert cart.status == 201, cart.body
        return {"billing_address_id": self.address_id, "payment_source_id": self.card_id,
                "shipments": [{"kind": "SHIP", "line_ids": [line["id"] for line in cart.body["lines"]],
                               "address_id": self.address_id, "shipping_method": "standard"}]}  # fmt: skip

    def submit(self, server: WebServer, idempotency_key: str, body: dict[str, Any]) -> Response:
        return server.request("POST", "/api/v1/checkout", token=self.key, body=body,
                              headers={"Idempotency-Key": idempotency_key})  # fmt: skip


@pytest.fixture
def checkout(store: Store, shopper: Customer) -> Checkout:
    ShippingMethod.objects.create(store=store, code="standard", name="Standard", price=Decimal("5.00"))
    sku = factories.product(store=store, name="Alpine Trail Runner", price="89.95", stock=100)
    card = payment_source_add_card(ActingContext(user=shopper.user, customer=shopper), customer=shopper,
                                   number="4242424242424242", exp_month=1, exp_year=2031, cvc="123",
                                   holder_name="Jane Shopper")  # fmt: skip
    assert shopper.user is not None
    return Checkout(shopper=shopper, key=_token(shopper.user), sku_id=sku.pk, address_id=shopper.addresses.get().pk,
                    card_id=card.pk)  # fmt: skip


def test_one_idempotency_key_sent_to_both_servers_places_one_order(cluster, checkout):
    a, b = cluster.servers
    # given a checkout placed through A
    body = checkout.fill_cart(a)
    first = checkout.submit(a, "two-servers-1", body)
    assert first.status == 201, first.body
    # when the same request with the same key is sent again through B (the answer was lost)
    retry = checkout.submit(b, "two-servers-1", body)
    # then B answers the same order, and there is one
    assert (retry.status, retry.body["number"]) == (201, first.body["number"])
    # and the key with another request is refused through B
    other = checkout.submit(b, "two-servers-1", {**body, "email": "someone@example.com"})
    assert (other.status, other.code) == (422, "checkout.idempotency_mismatch")
    assert Order.objects.filter(customer=checkout.shopper).count() == 1


def test_one_idempotency_key_sent_to_both_servers_at_once_places_one_order(cluster, checkout):
    a, b = cluster.servers
    for attempt in range(3):
        key = f"two-servers-race-{attempt}"
        body = checkout.fill_cart(cluster.servers[attempt % 2])
        # when the same checkout reaches both servers at once
        answers = _all_at_once([partial(checkout.submit, server, key, body) for server in (a, b)])
        # then one order is placed; each answer is that order, or "still being placed"
        placed = Order.objects.filter(customer=checkout.shopper, checkout_key=key)
        assert placed.count() == 1
        number = placed.get().number
        outcomes = {(r.status, r.body["number"] if r.status == 201 else r.code) for r in answers}
        in_flight = (409, "checkout.idempotency_in_flight")
        assert outcomes <= {(201, number), in_flight}, [(r.status, r.body) for r in answers]
        assert (201, number) in outcomes
        # and once it is placed, either server answers it again
        assert [checkout.submit(server, key, body).body.get("number") for server in (a, b)] == [number, number]
    assert Order.objects.filter(customer=checkout.shopper).count() == 3


# --- The audit chain ----------------------------------------------------------------------------------


def _audit_verify(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "audit_verify"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def test_audited_writes_through_both_servers_at_once_keep_the_chain_whole(cluster, store, shopper, csr):
    orders = [placed_order(shopper, store, shipments=1) for _ in range(2)]
    bob = factories.staff("CSR", stores=[store], first_name="Bob")
    keys = {"Ann": _token(csr), "Bob": _token(bob)}
    events_before = Event.objects.count()
    per_writer = 8

    def write(server: WebServer, name: str) -> list[int]:
        return [
            server.request("POST", _order_url(orders[n % 2], "/notes"), token=keys[name],
                           body={"text": f"Note {n} by {name} through {server.name}"}).status
            for n in range(per_writer)
        ]  # fmt: skip

    # when four writers (Ann and Bob, through each server) add notes to the same two orders at once
    writers = [(server, name) for server in cluster.servers for name in keys]
    statuses = _all_at_once([partial(write, server, name) for server, name in writers])
    # then every write was taken and made exactly one event
    writes = len(writers) * per_writer
    assert Counter(status for answer in statuses for status in answer) == Counter({201: writes})
    assert Event.objects.count() == events_before + writes
    for order in orders:
        assert Event.objects.filter(action="order.note_added", subject_id=str(order.pk)).count() == writes // 2
    # and the chain verifies (a chainer that links events after their commit gets a few seconds)
    outcome = _audit_verify(cluster.env)
    deadline = time.monotonic() + 15
    while outcome.returncode != 0 and time.monotonic() < deadline:
        time.sleep(1)
        outcome = _audit_verify(cluster.env)
    assert outcome.returncode == 0, outcome.stdout + outcome.stderr


# --- Task delivery ------------------------------------------------------------------------------------


def _decide(server: WebServer, order: Order, hold_id: int, *, key: str, lease_token: str) -> Response:
    """Mark Resolved as the Holds tab does: on the version it shows, loaded again when a worker's
    settlement of the other hold moved the order on meanwhile (412)."""
    for _ in range(5):
        version = server.request("GET", _order_url(order, "/holds"), token=key).body["version"]
        decided = server.request("POST", _order_url(order, f"/holds/{hold_id}/decision"), token=key,
                                 body={"decision": "resolved", "comment": "Checked with the customer."},
                                 headers=_edit_headers(version, lease_token))  # fmt: skip
        if decided.code != "order.stale":
            break
    return decided


def test_tasks_enqueued_through_both_servers_each_run_once_on_one_of_the_two_workers(cluster, store, csr):
    orders = [held_order(factories.shopper(store=store), store) for _ in range(4)]
    key = _token(csr)
    # when Ann marks both holds of four held orders resolved, the orders through alternate servers
    for n, order in enumerate(orders):
        server = cluster.servers[n % 2]
        lock = server.request("POST", _order_url(order, "/lock"), token=key)
        assert lock.status == 200, lock.body
        for hold in order.holds.order_by("id"):
            decided = _decide(server, order, hold.pk, key=key, lease_token=lock.body["lease_token"])
            assert decided.status == 200, decided.body
    tasks = DBTaskResult.objects.filter(task_path=SETTLE_HOLD)
    holds = 2 * len(orders)
    assert tasks.count() == holds
    # then the two workers run every settlement to its end
    wait_for(lambda: tasks.filter(status=TaskResultStatus.SUCCESSFUL).count() == holds, timeout=60,
             what="the workers to settle every hold", processes=cluster.workers)  # fmt: skip
    # each once, on one worker of the two
    runs = list(tasks.values_list("worker_ids", flat=True))
    assert all(len(ids) == 1 for ids in runs), runs
    assert {ids[0] for ids in runs} <= {worker.name for worker in cluster.workers}
    # and each hold's effect happened once
    ids = [order.pk for order in orders]
    assert set(Hold.objects.filter(order_id__in=ids).values_list("status", flat=True)) == {Hold.Status.RESOLVED}
    subjects = [str(pk) for pk in ids]
    assert Event.objects.filter(action="hold.resolved", subject_id__in=subjects).count() == holds
    settled = Event.objects.filter(action="order.holds_resolved", subject_id__in=subjects)
    assert Counter(settled.values_list("subject_id", flat=True)) == Counter(dict.fromkeys(subjects, 1))
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Order.Status.IN_PROGRESS}


# --- Who may act, seen by every process at once ------------------------------------------------------


def test_a_token_revoked_through_one_server_is_refused_by_the_other_on_its_next_request(cluster, csr):
    a, b = cluster.servers
    key = _token(csr)
    # given the token works through both servers
    assert [server.request("GET", "/api/v1/me", token=key).status for server in (a, b)] == [200, 200]
    # when its owner signs out everywhere through A
    assert a.request("POST", "/api/v1/auth/sign-out-everywhere", token=key).status == 204
    # then B refuses it on its next request, as A does
    assert [server.request("GET", "/api/v1/me", token=key).status for server in (b, a)] == [401, 401]


def test_a_csr_whose_role_is_removed_is_refused_by_both_servers_on_the_next_request(cluster, store, shopper, csr):
    order = placed_order(shopper, store, shipments=1)
    key = _token(csr)
    # given the CSR reads an order through both servers
    assert [s.request("GET", _order_url(order), token=key).status for s in cluster.servers] == [200, 200]
    # when an administrator takes the CSR role away (in another process: here, the test's)
    csr.groups.remove(Group.objects.get(name="CSR"))
    # then both servers refuse the CSR the order console on the next request
    answers = [s.request("GET", _order_url(order), token=key) for s in cluster.servers]
    assert [(r.status, r.code) for r in answers] == [(403, "permission_denied")] * 2, [r.body for r in answers]


def _session_of(user: User) -> str:
    """A signed-in browser's session cookie for ``user``, good on every server (sessions are rows)."""
    from django.test import Client

    client = Client()
    client.force_login(user, backend="concierge.identity.backends.EmailBackend")
    return client.cookies["sessionid"].value


def test_a_live_event_written_through_one_server_reaches_a_page_streaming_from_the_other(cluster, store, shopper, csr):
    import queue
    import urllib.parse
    import urllib.request

    from django.utils.crypto import get_random_string

    from concierge.core import live

    web_a, web_b = cluster.servers
    order = placed_order(shopper, store)
    topic = f"order:{order.number}"
    bob = factories.staff("CSR", stores=[store], email="bob@concierge.test", first_name="Bob", last_name="Agent")

    # Bob's order page streams from server B.
    heard: queue.Queue[str] = queue.Queue()

    def listen() -> None:
        url = f"{web_b.url}/live/stream?token={urllib.parse.quote(live.stream_token(bob.pk, [topic]))}"
        with urllib.request.urlopen(url, timeout=15) as stream:  # noqa: S310 - http://127.0.0.1 only
            for line in stream:
                heard.put(line.decode())

    threading.Thread(target=listen, daemon=True).start()
    assert heard.get(timeout=15).startswith(": connected")

    # Ann opens the order through server A: her page says she is there.
    csrf = get_random_string(32)
    body = urllib.parse.urlencode({"token": live.stream_token(csr.pk, [topic]), "page": "ann-page"}).encode()
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        f"{web_a.url}/service/live/here",
        data=body,
        method="POST",
        headers={"Cookie": f"sessionid={_session_of(csr)}; csrftoken={csrf}", "X-CSRFToken": csrf},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - http://127.0.0.1 only
        assert answer.status == 200

    # Server B hands Bob's page the event server A published, within 2 s.
    deadline = time.monotonic() + 2
    lines: list[str] = []
    while time.monotonic() < deadline and not any("Ann Agent" in line for line in lines):
        try:
            lines.append(heard.get(timeout=max(0.01, deadline - time.monotonic())))
        except queue.Empty:
            break
    assert "event: presence\n" in lines, lines
    assert any('"name":"Ann Agent"' in line for line in lines), lines
