"""The account services' refusals that the pages reach less easily: purchases other than orders, records
kept for the audit, a child being edited by someone else, and the lock a deletion names."""

from __future__ import annotations

import pytest
from django.utils import timezone

from concierge.assist.models import AssistedSession
from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.catalog.models import PriceList
from concierge.checkout.models import CheckoutAttempt
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.customers import accounts, locks
from concierge.customers.editing import EditGuard
from concierge.customers.models import Customer
from concierge.payments.models import PaymentSource
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def tree(store):
    root = factories.organization(store=store, name="Acme")
    east = factories.organization(store=store, name="Acme East")
    Customer.objects.filter(pk=east.pk).update(parent=root)
    return root, Customer.objects.get(pk=east.pk)


def guard_for(ctx: ActingContext, customer: Customer) -> EditGuard:
    token = locks.customer_lock(ctx, customer_id=customer.pk).token
    return EditGuard(version=Customer.objects.get(pk=customer.pk).version, lease_token=token)


def test_a_checkout_of_a_child_counts_as_a_purchase(csr, store):
    root, east = tree(store)
    now = timezone.now()
    CheckoutAttempt.objects.create(customer=east, key="k1", digest="d" * 64, created_at=now, updated_at=now)
    check = accounts.account_deletion_check(root)
    assert check.reasons == ["Acme East (child of Acme) has checkouts on record"]
    ctx = ActingContext(user=csr)
    with pytest.raises(DomainError) as refused:
        accounts.account_delete(ctx, account_id=root.pk, guard=guard_for(ctx, root))
    assert refused.value.code == "account.has_purchases"
    assert Customer.objects.filter(pk=east.pk).exists()


def test_records_kept_for_the_audit_refuse_the_deletion_and_nothing_is_deleted(csr, store):
    root, east = tree(store)
    AssistedSession.objects.create(agent=csr, customer=east, status="ENDED", ended_at=timezone.now())
    ctx = ActingContext(user=csr)
    with pytest.raises(DomainError) as refused:
        accounts.account_delete(ctx, account_id=root.pk, guard=guard_for(ctx, root))
    assert (refused.value.code, refused.value.status) == ("account.in_use", 409)
    assert Customer.objects.filter(pk__in=[root.pk, east.pk]).count() == 2


def test_a_child_being_edited_by_someone_else_holds_the_deletion_back(csr, supervisor, store):
    root, east = tree(store)
    locks.customer_lock(ActingContext(user=supervisor), customer_id=east.pk)
    ctx = ActingContext(user=csr)
    with pytest.raises(DomainError) as refused:
        accounts.account_delete(ctx, account_id=root.pk, guard=guard_for(ctx, root))
    assert refused.value.code == "customer.locked"
    assert "is editing Acme East" in refused.value.message


def test_a_user_record_is_not_an_account_to_delete_or_add_children_to(csr, store, shopper):
    ctx = ActingContext(user=csr)
    with pytest.raises(DomainError) as refused:
        accounts.account_delete(ctx, account_id=shopper.pk, guard=guard_for(ctx, shopper))
    assert refused.value.status == 404
    assert Customer.objects.filter(pk=shopper.pk).exists()


def test_delete_is_never_done_on_someones_behalf(csr, store, shopper):
    root, _east = tree(store)
    assisting = ActingContext(user=csr, customer=shopper, assisted_session=AssistedSession(agent=csr,
                              customer=shopper))  # fmt: skip
    with pytest.raises(DomainError) as refused:
        accounts.account_delete(assisting, account_id=root.pk, guard=EditGuard(version=1, lease_token="x"))
    assert refused.value.code == "not_allowed_on_behalf"


def test_the_rows_each_domain_owns_go_with_the_account_and_the_audit_counts_them(csr, store):
    root, east = tree(store)
    PriceList.objects.create(name="Acme East contract", store=store, currency="USD", account=east)
    PaymentSource.objects.create(customer=east, kind="CARD", brand="Visa", last4="4242", gateway_token="tok_x")
    Cart.objects.create(store=store, customer=east, code="ACMEEAST")
    ctx = ActingContext(user=csr)
    accounts.account_delete(ctx, account_id=root.pk, guard=guard_for(ctx, root))
    assert not Customer.objects.filter(pk__in=[root.pk, east.pk]).exists()
    assert not PriceList.objects.filter(name="Acme East contract").exists()
    assert not PaymentSource.objects.filter(gateway_token="tok_x").exists()
    assert not Cart.objects.filter(code="ACMEEAST").exists()
    data = Event.objects.get(action="account.deleted", subject_id=str(east.pk)).data
    assert (data["price_lists"], data["payment_methods"], data["carts"], data["deleted_with"]) == (1, 1, 1, root.pk)
