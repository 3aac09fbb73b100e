"""Data policy retention (``customers/retention.py``): consent withdrawn longer ago than a policy's
retention erases the data points it covers — through the worker's beat and ``manage.py
enforce_retention`` — keeps what another consented policy covers, and is done once."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import F
from django.tasks import TaskResultStatus
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from concierge.audit.models import Event
from concierge.audit.services import record
from concierge.core.context import ActingContext
from concierge.core.worker import beat_done
from concierge.customers import retention
from concierge.customers.actions import CustomerAction
from concierge.customers.models import Customer, CustomerConsent, DataPoint, DataPolicy
from concierge.customers.privacy import consent_set
from concierge.testing import factories

pytestmark = pytest.mark.django_db
PHONE = "207-555-0142"
STREET = "100 Congress Ave"


def point(key: str, name: str) -> DataPoint:
    return DataPoint.objects.get_or_create(key=key, defaults={"name": name})[0]


@pytest.fixture
def marketing(store) -> DataPolicy:
    """A 30-day policy covering the telephone number and the street."""
    policy = DataPolicy.objects.create(name="Marketing calls", reference_key="marketing-calls", retention_days=30,
                                       state=DataPolicy.State.ACTIVE)  # fmt: skip
    policy.data_points.add(point("customer.phone", "Telephone number"), point("address.street", "Street"))
    return policy


@pytest.fixture
def deliveries(store) -> DataPolicy:
    """Another active policy that covers the street too."""
    policy = DataPolicy.objects.create(name="Deliveries", reference_key="deliveries", retention_days=30,
                                       state=DataPolicy.State.ACTIVE)  # fmt: skip
    policy.data_points.add(point("address.street", "Street"))
    return policy


@pytest.fixture
def customer(shopper) -> Customer:
    Customer.objects.filter(pk=shopper.pk).update(phone=PHONE)
    shopper.refresh_from_db()
    return shopper


def as_customer(customer: Customer) -> ActingContext:
    return ActingContext(user=customer.user, customer=customer, store=customer.store)


def withdraw(customer: Customer, policy: DataPolicy) -> None:
    consent_set(as_customer(customer), policy_id=policy.pk, given=True)
    consent_set(as_customer(customer), policy_id=policy.pk, given=False)


def give(customer: Customer, policy: DataPolicy) -> None:
    consent_set(as_customer(customer), policy_id=policy.pk, given=True)


def streets(customer: Customer) -> list[str]:
    return list(customer.addresses.values_list("line1", flat=True))


def phone_of(customer: Customer) -> str:
    return Customer.objects.get(pk=customer.pk).phone


def test_withdrawn_31_days_ago_on_a_30_day_policy_is_erased(customer, marketing, clock):
    # given
    withdraw(customer, marketing)
    version = Customer.objects.get(pk=customer.pk).version
    clock.advance(dt.timedelta(days=31))
    # when
    run = retention.enforce_retention()
    # then the data points the policy covers are gone from the record and its addresses
    assert run.enforced == 1
    assert phone_of(customer) == ""
    assert streets(customer) == [""]
    assert customer.addresses.get().city == "Austin"  # not a data point of this policy
    assert Customer.objects.get(pk=customer.pk).version == version + 1
    # and Concierge itself recorded it, naming the policy and the data points, never the values
    event = Event.objects.get(action=CustomerAction.RETENTION_ENFORCED)
    assert (event.actor_id, event.actor_label) == (None, ActingContext.system(retention.ACTOR).actor_label)
    assert event.data["policy"] == "marketing-calls"
    assert event.data["removed"] == ["address.street", "customer.phone"]
    assert PHONE not in json.dumps(event.data) + json.dumps(event.changes)
    assert STREET not in json.dumps(event.data)


def test_withdrawn_29_days_ago_is_kept(customer, marketing, clock):
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=29))
    assert retention.enforce_retention().enforced == 0
    assert phone_of(customer) == PHONE
    assert streets(customer) == [STREET]
    assert not Event.objects.filter(action=CustomerAction.RETENTION_ENFORCED).exists()


def test_a_data_point_another_consented_policy_covers_is_kept(customer, marketing, deliveries, clock):
    # given the customer withdrew from marketing but still consents to deliveries (the street)
    withdraw(customer, marketing)
    give(customer, deliveries)
    clock.advance(dt.timedelta(days=31))
    # when
    retention.enforce_retention()
    # then
    assert phone_of(customer) == ""
    assert streets(customer) == [STREET]
    event = Event.objects.get(action=CustomerAction.RETENTION_ENFORCED)
    assert event.data["removed"] == ["customer.phone"]
    assert event.data["kept"] == {"address.street": "covered by another policy the customer consents to"}


def test_a_disabled_other_policy_does_not_keep_the_data(customer, marketing, deliveries, clock):
    withdraw(customer, marketing)
    give(customer, deliveries)
    DataPolicy.objects.filter(pk=deliveries.pk).update(state=DataPolicy.State.DISABLED)
    clock.advance(dt.timedelta(days=31))
    retention.enforce_retention()
    assert streets(customer) == [""]


def test_running_twice_does_nothing_more(customer, marketing, clock):
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    first = retention.enforce_retention()
    version = Customer.objects.get(pk=customer.pk).version
    clock.advance(dt.timedelta(days=1))
    second = retention.enforce_retention()
    assert (first.enforced, second.enforced) == (1, 0)
    assert Event.objects.filter(action=CustomerAction.RETENTION_ENFORCED).count() == 1
    assert Customer.objects.get(pk=customer.pk).version == version
    assert retention.due(marketing).count() == 0


def test_one_withdrawal_enforced_twice_at_once_is_enforced_once(customer, marketing, clock):
    """Two workers reach the same withdrawal: the second, after the first commits, finds it done."""
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    consent = CustomerConsent.objects.get(customer=customer, policy=marketing)
    assert retention.enforce_one(consent.pk) is not None
    assert retention.enforce_one(consent.pk) is None
    assert Event.objects.filter(action=CustomerAction.RETENTION_ENFORCED).count() == 1


def test_consent_given_again_is_not_enforced_and_a_later_withdrawal_is(customer, marketing, clock):
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    retention.enforce_retention()
    # the customer consents again, adds their phone, and withdraws once more
    give(customer, marketing)
    Customer.objects.filter(pk=customer.pk).update(phone=PHONE)
    clock.advance(dt.timedelta(days=40))
    assert retention.enforce_retention().enforced == 0  # consent is given: nothing is due
    consent_set(as_customer(customer), policy_id=marketing.pk, given=False)
    clock.advance(dt.timedelta(days=31))
    assert retention.enforce_retention().enforced == 1
    assert phone_of(customer) == ""
    assert Event.objects.filter(action=CustomerAction.RETENTION_ENFORCED).count() == 2


def test_a_policy_never_answered_or_not_active_is_not_enforced(customer, marketing, clock):
    # never answered: no consent row, however old the record
    clock.advance(dt.timedelta(days=400))
    assert retention.enforce_retention().enforced == 0
    # withdrawn, but the policy is a draft now
    withdraw(customer, marketing)
    DataPolicy.objects.filter(pk=marketing.pk).update(state=DataPolicy.State.DRAFT)
    clock.advance(dt.timedelta(days=31))
    assert retention.enforce_retention().enforced == 0
    assert phone_of(customer) == PHONE


def test_the_sign_in_email_is_kept_and_a_guests_email_is_not(customer, marketing, clock, store):
    marketing.data_points.add(point("customer.email", "Email address"))
    guest = Customer.objects.create(shared_id="G000000001", kind=Customer.Kind.SINGLE_SESSION_USER, store=store,
                                    first_name="Gus", last_name="Guest", email="gus@example.com")  # fmt: skip
    withdraw(customer, marketing)
    CustomerConsent.objects.create(customer=guest, policy=marketing, given=False, updated_at=clock.now())
    clock.advance(dt.timedelta(days=31))
    retention.enforce_retention()
    assert Customer.objects.get(pk=customer.pk).email == "jane@example.com"
    assert Customer.objects.get(pk=guest.pk).email == ""
    kept = Event.objects.get(action=CustomerAction.RETENTION_ENFORCED, subject_id=str(customer.pk)).data["kept"]
    assert "customer.email" in kept


def test_earlier_audit_events_naming_a_removed_value_are_redacted(customer, marketing, clock):
    # given an earlier change of the record that named the phone
    with transaction.atomic():
        record(as_customer(customer), action=CustomerAction.UPDATED, subject_kind="customer",
               subject_id=customer.pk, changes={"phone": ["", PHONE]})  # fmt: skip
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    assert Event.objects.filter(changes__phone__1=PHONE).exists()
    # when
    retention.enforce_retention()
    # then no event of the log names it any more, and the chain still verifies
    for event in Event.objects.all():
        assert PHONE not in json.dumps(event.changes) + json.dumps(event.data)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain verified" in out.getvalue()


def test_the_worker_beat_enqueues_the_pass_and_the_task_erases(customer, marketing, clock):
    # given
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    retention.due_at_next_beat()
    # when the worker beats, and (the interval passed again) beats once more
    beat_done.send(sender=None, worker_id="worker-1")
    retention.due_at_next_beat()
    beat_done.send(sender=None, worker_id="worker-1")
    # then one task is waiting (the second beat finds it queued), and running it erases
    [queued] = DBTaskResult.objects.filter(task_path=retention.enforce_retention_task.module_path,
                                           status=TaskResultStatus.READY)  # fmt: skip
    queued.claim("test-worker")
    assert queued.task.call() == 1
    assert phone_of(customer) == ""


def test_a_new_worker_waits_an_interval_before_its_first_pass(customer, marketing, clock, monkeypatch):
    monkeypatch.setattr(retention.on_the_beat, "last_enqueued", None)  # as a new process
    assert retention.enqueue_on_beat() is False  # the first beat starts the interval
    assert retention.enqueue_on_beat() is False  # within it
    assert not DBTaskResult.objects.filter(task_path=retention.enforce_retention_task.module_path).exists()


def test_the_command_enforces_what_is_due_and_says_so(customer, marketing, clock):
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    out = io.StringIO()
    call_command("enforce_retention", stdout=out)
    assert out.getvalue().strip() == (
        "Retention enforced for 1 withdrawal; data points removed: address.street 1, customer.phone 1."
    )
    again = io.StringIO()
    call_command("enforce_retention", stdout=again)
    assert "Retention enforced for 0 withdrawals; data points removed: nothing." in again.getvalue()


def test_the_tab_says_when_data_was_removed_under_retention(customer, marketing, clock, signed_in, csr):
    withdraw(customer, marketing)
    clock.advance(dt.timedelta(days=31))
    before = signed_in(csr).get(reverse("service:customer", args=[customer.pk]), {"tab": "policies"})
    assert "Data removed under retention" not in before.text
    retention.enforce_retention()
    page = signed_in(csr).get(reverse("service:customer", args=[customer.pk]),
                              {"tab": "policies", "policy": marketing.pk})  # fmt: skip
    assert page.status_code == 200
    assert "Data removed under retention on" in page.text
    assert "the data this policy covers was removed on" in page.text
    assert PHONE not in page.text


@pytest.mark.django_db(transaction=True)
def test_workers_at_once_enforce_each_withdrawal_once(store, marketing):
    # given six customers whose withdrawal's retention ran out (withdrawn 31 days ago)
    customers = [factories.shopper(store=store) for _ in range(6)]
    for each in customers:
        Customer.objects.filter(pk=each.pk).update(phone=PHONE)
        withdraw(each, marketing)
    CustomerConsent.objects.update(updated_at=F("updated_at") - dt.timedelta(days=31))
    barrier = threading.Barrier(3)

    def work(_: int) -> int | str:
        try:
            barrier.wait()
            return retention.enforce_retention(limit=None).enforced
        except Exception as exc:  # a deadlock or a lost lock is the finding
            return repr(exc)
        finally:
            connection.close()

    # when three workers run the pass at the same moment
    with ThreadPoolExecutor(3) as pool:
        done = list(pool.map(work, range(3)))
    # then each withdrawal was enforced by exactly one of them
    counts = [n for n in done if isinstance(n, int)]
    assert len(counts) == 3, done
    assert sum(counts) == 6
    events = Event.objects.filter(action=CustomerAction.RETENTION_ENFORCED)
    assert sorted(events.values_list("subject_id", flat=True)) == sorted(str(c.pk) for c in customers)
    assert not Customer.objects.filter(pk__in=[c.pk for c in customers]).exclude(phone="").exists()
