"""Remove customer data (RELIABILITY bar 25): afterwards no trace of the customer's name, email,
phone or street anywhere in the database — checked by dumping the whole database and searching
it — while orders and payments keep their totals, their sessions and tokens are gone, and the audit
chain still verifies."""

from __future__ import annotations

import io
import json
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse

from concierge.assist.services import session_start
from concierge.audit.actions import AuditChainAction
from concierge.audit.chain import label_digest
from concierge.audit.models import Event
from concierge.audit.redaction import ERASED_LABEL, TOMBSTONE_DATA
from concierge.audit.selectors import verify_chain
from concierge.audit.services import record
from concierge.core.context import ActingContext
from concierge.core.models import SentMail
from concierge.customers.models import Customer, CustomerConsent, DataPoint, DataPolicy
from concierge.customers.privacy import consent_set
from concierge.identity.models import ApiToken, User
from concierge.identity.services import api_token_create
from concierge.orders.models import Order
from concierge.orders.tests.builders import placed_order
from concierge.payments.models import PaymentTransaction
from concierge.testing import factories

pytestmark = pytest.mark.django_db
ON_POSTGRES = connection.vendor == "postgresql"
FIRST, LAST = "Zephyrine", "Quillfeather"
EMAIL = "zephyrine.q@example.com"
PHONE = "+1 555 013 7788"
STREET = "77 Obscurity Lane"
# What must be found nowhere afterwards, in any case (the search index keeps lower-case words and a
# phone's digits).
ERASED = [FIRST, LAST, EMAIL, PHONE, STREET, "5550137788", "0137788", "obscurity"]


def dump_database() -> str:
    """Every row of every table, as text: SQLite's own dump, or pg_dump of the test database."""
    if not ON_POSTGRES:
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    command = ["/usr/bin/pg_dump", "--data-only", "--no-owner", "-h", settings["HOST"] or "127.0.0.1",
               "-p", str(settings["PORT"] or 5432), "-U", settings["USER"] or "postgres", settings["NAME"]]  # fmt: skip
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603 - a fixed command


def traces(dump: str) -> dict[str, list[str]]:
    """Each erased value still found, with the dump's lines that hold it."""
    folded = dump.casefold()
    found: dict[str, list[str]] = {}
    for value in ERASED:
        if value.casefold() in folded:
            found[value] = [line[:300] for line in dump.splitlines() if value.casefold() in line.casefold()][:5]
    return found


def signed_in_user(customer: Customer) -> User:
    assert customer.user is not None
    return customer.user


def a_customer_with_a_history(store, csr) -> tuple[Customer, Order, Client, str]:
    """A shopper with an address, a card, an order placed through checkout, consent given, a
    signed-in browser, an API token, an assisted session about them and mail sent to them."""
    customer = factories.shopper(store=store, email=EMAIL, first_name=FIRST, last_name=LAST, with_address=False)
    Customer.objects.filter(pk=customer.pk).update(phone=PHONE)
    customer.refresh_from_db()
    address = factories.address(customer, line1=STREET, phone=PHONE, is_default_billing=True,
                                is_default_shipping=True)  # fmt: skip
    with transaction.atomic():  # a change in the admin, recorded under the address, not the customer
        record(ActingContext(user=csr), action="admin.address.changed", subject_kind="address",
               subject_id=address.pk, changes={"line1": ("1 Old Road", STREET)})  # fmt: skip
    order = placed_order(customer, store)
    ctx = ActingContext(user=customer.user, customer=customer, store=store)
    policy = DataPolicy.objects.create(name="Marketing emails", reference_key="marketing", retention_days=30,
                                       state=DataPolicy.State.ACTIVE)  # fmt: skip
    policy.data_points.add(DataPoint.objects.create(key="customer.email", name="Email address"))
    consent_set(ctx, policy_id=policy.pk, given=True)
    with transaction.atomic():
        _, key = api_token_create(ctx, name="My script")
    browser = Client()
    browser.force_login(signed_in_user(customer), backend="concierge.identity.backends.EmailBackend")
    assert browser.get(reverse("storefront:my_account")).status_code == 200
    # The case reference a CSR typed names her (reasons come from the list, so cannot).
    session_start(ActingContext(user=csr, store=store), customer_id=customer.pk, reason="Order help",
                  ticket=f"{FIRST} {LAST} called")  # fmt: skip
    SentMail.objects.create(sent_at=order.placed_at, to=EMAIL, subject="Your order", body=f"Dear {FIRST}, thanks.")
    return customer, order, browser, key


def remove_data(client: Client, customer: Customer, *, reason: str = "Asked by the customer") -> Any:
    version = Customer.objects.get(pk=customer.pk).version
    opened = client.post(reverse("service:customer_open", args=[customer.pk]), {"version": version})
    assert opened.status_code in (302, 404)  # 404: no console access to this record
    version = Customer.objects.get(pk=customer.pk).version
    return client.post(
        reverse("service:customer_remove_data", args=[customer.pk]),
        {"version": version, "tab": "policies", "confirmation": customer.shared_id, "reason": reason},
    )


@pytest.mark.django_db(transaction=True)
def test_after_removing_customer_data_the_database_holds_no_trace_of_them(signed_in, supervisor, csr, store):
    customer, _, _, _ = a_customer_with_a_history(store, csr)
    before = traces(dump_database())
    assert set(before) >= {FIRST, LAST, EMAIL, STREET}  # the search finds them while they are there
    response = remove_data(signed_in(supervisor), customer)
    assert response.status_code == 302
    assert traces(dump_database()) == {}


@pytest.mark.django_db(transaction=True)
def test_orders_and_payments_keep_their_totals(signed_in, supervisor, csr, store):
    customer, order, _, _ = a_customer_with_a_history(store, csr)
    payments = sorted(PaymentTransaction.objects.filter(order=order).values_list("kind", "amount"))
    remove_data(signed_in(supervisor), customer)
    kept = Order.objects.get(pk=order.pk)
    assert (kept.total, kept.subtotal, kept.customer_id) == (order.total, order.subtotal, customer.pk)
    assert kept.total > Decimal(0)
    assert sorted(PaymentTransaction.objects.filter(order=order).values_list("kind", "amount")) == payments


@pytest.mark.django_db(transaction=True)
def test_the_record_is_disabled_and_keeps_its_shared_id_and_kind(signed_in, supervisor, csr, store):
    customer, _, _, _ = a_customer_with_a_history(store, csr)
    remove_data(signed_in(supervisor), customer)
    erased = Customer.objects.get(pk=customer.pk)
    assert (erased.shared_id, erased.kind, erased.status) == (customer.shared_id, customer.kind, "DISABLED")
    assert (erased.first_name, erased.email, erased.phone, erased.addresses.count()) == ("", "", "", 0)
    assert not CustomerConsent.objects.filter(customer=erased, given=True).exists()


@pytest.mark.django_db(transaction=True)
def test_the_erased_customer_is_signed_out_and_their_api_token_no_longer_works(signed_in, supervisor, csr, store):
    customer, _, browser, key = a_customer_with_a_history(store, csr)
    remove_data(signed_in(supervisor), customer)
    page = browser.get(reverse("storefront:my_account"))
    assert page.status_code == 302
    assert "/account/sign-in/" in page["Location"]
    assert Client().get("/api/v1/me", headers={"authorization": f"Bearer {key}"}).status_code == 401
    user = User.objects.get(pk=signed_in_user(customer).pk)
    assert not ApiToken.objects.filter(user=user).exists()
    assert user.email == f"erased-{user.pk}@invalid"
    assert not user.has_usable_password()


@pytest.mark.django_db(transaction=True)
def test_the_audit_chain_verifies_after_an_erasure(signed_in, supervisor, csr, store):
    customer, _, _, _ = a_customer_with_a_history(store, csr)
    remove_data(signed_in(supervisor), customer)
    assert Event.objects.filter(action="audit.redacted").exists()
    assert Event.objects.filter(actor_label=ERASED_LABEL).exists()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "no broken link" in out.getvalue()


def tamper(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if ON_POSTGRES:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


@pytest.mark.django_db(transaction=True)
def test_a_redacted_event_that_is_changed_again_breaks_the_chain(signed_in, supervisor, csr, store):
    customer, _, _, _ = a_customer_with_a_history(store, csr)
    remove_data(signed_in(supervisor), customer)
    target = Event.objects.filter(data=TOMBSTONE_DATA).order_by("seq").first()
    assert target is not None
    tamper("UPDATE audit_event SET data = %s WHERE seq = %s", ['{"erased": true, "note": "back"}', target.seq])
    report = verify_chain()
    assert report.broken_at == target.seq
    with pytest.raises(CommandError, match=f"#{target.seq}"):
        call_command("audit_verify", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_redaction_that_names_another_digest_breaks_the_chain(signed_in, supervisor, csr, store):
    customer, _, _, _ = a_customer_with_a_history(store, csr)
    remove_data(signed_in(supervisor), customer)
    redaction = next(e for e in Event.objects.filter(action="audit.redacted") if "payload" in e.data["fields"])
    target_seq = redaction.data["target_seq"]
    forged = {**redaction.data, "payload_digest": "0" * 64}
    tamper("UPDATE audit_event SET data = %s WHERE seq = %s", [json.dumps(forged), redaction.seq])
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == target_seq


TOMBSTONE_UPDATE = """UPDATE audit_event SET data = '{"erased": true}', changes = '{}' WHERE seq = %s"""


@pytest.mark.skipif(not ON_POSTGRES, reason="the append-only triggers are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_an_erasure_of_an_event_no_redaction_names(csr, shopper):
    with transaction.atomic():
        event = record(ActingContext(user=csr, customer=shopper), action="customer.updated",
                       subject_kind="customer", subject_id=shopper.pk, changes={"last_name": ("A", "B")})  # fmt: skip
    event.refresh_from_db()  # linked after the commit
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_event SET actor_label = '[erased]' WHERE seq = %s", [event.seq])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT audit_redact(%s)", [event.seq])  # applies no redaction: none names it
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TOMBSTONE_UPDATE, [event.seq])
    assert Event.objects.get(seq=event.seq).actor_label == "Ann Agent"


@pytest.mark.django_db(transaction=True)
def test_a_guest_s_data_is_removed_too(signed_in, supervisor, store):
    from concierge.orders.tests.builders import order_row

    guest = Customer.objects.create(shared_id="G000000001", kind=Customer.Kind.SINGLE_SESSION_USER, store=store,
                                    first_name=FIRST, last_name=LAST, email=EMAIL, phone=PHONE)  # fmt: skip
    order = order_row(guest, store, billing_first_name=FIRST, billing_last_name=LAST, billing_line1=STREET,
                      email=EMAIL, billing_phone=PHONE, total=Decimal("42.50"))  # fmt: skip
    client = signed_in(supervisor)
    page = client.get(reverse("service:customer", args=[guest.pk]), {"tab": "policies"})
    assert "data has been removed" not in page.text
    assert remove_data(client, guest).status_code == 302
    assert traces(dump_database()) == {}
    assert Order.objects.get(pk=order.pk).total == Decimal("42.50")
    page = client.get(reverse("service:customer", args=[guest.pk]), {"tab": "policies"})
    assert "This customer's data has been removed." in page.text


def test_removing_customer_data_needs_the_privilege(signed_in, csr, shopper):
    assert Group.objects.filter(name="CSR").exists()
    response = remove_data(signed_in(csr), shopper)
    assert response.status_code == 403
    assert Customer.objects.get(pk=shopper.pk).email == "jane@example.com"


@pytest.mark.skipif(not ON_POSTGRES, reason="database roles exist only on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_locked_down_app_role_applies_recorded_redactions_and_nothing_else(csr, shopper):
    import psycopg

    with transaction.atomic():
        named = record(ActingContext(user=shopper.user, customer=shopper), action="customer.updated",
                       subject_kind="customer", subject_id=shopper.pk, changes={"phone": ("", "555 0199")})  # fmt: skip
        other = record(ActingContext(user=csr), action="customer.updated", subject_kind="customer",
                       subject_id=shopper.pk, changes={"last_name": ("A", "B")})  # fmt: skip
    named.refresh_from_db()  # linked after the commit: a redaction names a chain position
    other.refresh_from_db()
    with transaction.atomic():
        # Recorded, not yet applied: the application role applies it below.
        record(ActingContext(user=csr), action=AuditChainAction.REDACTED, subject_kind="audit_event",
               subject_id=named.seq, data={"target_seq": named.seq, "fields": ["actor_label", "payload"],
                                           "payload_digest": named.payload_digest, "reason": "test",
                                           "actor_label_digest": label_digest(named.actor_label)})  # fmt: skip
    role = "concierge_app_redaction_test"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {role}")
        cursor.execute(f"CREATE ROLE {role} LOGIN")
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    try:
        call_command("audit_lockdown", role=role, stdout=io.StringIO())
        settings = connection.settings_dict
        with psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                             dbname=settings["NAME"], user=role, autocommit=True) as app:  # fmt: skip
            with pytest.raises(psycopg.Error):
                app.execute("UPDATE audit_event SET actor_label = '[erased]' WHERE seq = %s", [other.seq])
            app.execute("SELECT audit_redact(%s)", [other.seq])  # no redaction names it: nothing changes
            app.execute("SELECT audit_redact(%s)", [named.seq])
        assert Event.objects.get(seq=other.seq).actor_label == "Ann Agent"
        erased = Event.objects.get(seq=named.seq)
        assert (erased.actor_label, erased.data, erased.changes) == (ERASED_LABEL, TOMBSTONE_DATA, {})
        assert verify_chain().ok
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def test_mail_to_another_customer_who_shares_a_first_name_is_kept(signed_in, supervisor, shopper, other_shopper):
    SentMail.objects.create(sent_at=shopper.created_at, to=other_shopper.email, subject="Hello", body="Dear Jane,")
    SentMail.objects.create(sent_at=shopper.created_at, to=shopper.email, subject="Hello", body="Dear Jane,")
    remove_data(signed_in(supervisor), shopper)
    assert list(SentMail.objects.values_list("to", flat=True)) == [other_shopper.email]


@pytest.mark.django_db(transaction=True)
def test_an_erased_customers_session_is_gone_from_the_session_cache_too(signed_in, supervisor, csr, store, settings):
    # given sessions read from the shared cache (production with Redis), the customer signed in
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.contrib.sessions.models import Session
    from django.core.cache import cache

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    customer, _, browser, _ = a_customer_with_a_history(store, csr)
    browser.force_login(signed_in_user(customer), backend="concierge.identity.backends.EmailBackend")
    assert browser.get(reverse("storefront:my_account")).status_code == 200
    key = browser.cookies["sessionid"].value
    assert cache.get(KEY_PREFIX + key) is not None
    # when their data is removed, the session is neither in the database nor in the cache
    remove_data(signed_in(supervisor), customer)
    assert not Session.objects.filter(session_key=key).exists()
    assert cache.get(KEY_PREFIX + key) is None
