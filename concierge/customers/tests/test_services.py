"""Customer records: registration and a seller's choice of organization (seed 003)."""

import pytest

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.customers.services import customer_register, organization_select
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def test_registration_gives_a_readable_customer_id(system_ctx, store):
    customer = customer_register(
        system_ctx, store=store, email="x@example.com", password="a long passphrase", first_name="X", last_name="Y"
    )
    assert customer.shared_id[0] == "C"
    assert len(customer.shared_id) == 10
    assert customer.shared_id[1:].isdigit()


def test_registration_needs_names(system_ctx, store):
    with pytest.raises(DomainError) as refused:
        customer_register(
            system_ctx, store=store, email="x@example.com", password="a long passphrase", first_name=" ", last_name=""
        )
    assert set(refused.value.fields) == {"first_name", "last_name"}


def test_a_seller_selects_an_assigned_organization(seller, store):
    org = factories.organization(store=store, name="Acme", seller=seller)
    chosen = organization_select(ActingContext(user=seller), account_id=org.pk)
    assert chosen == org
    event = Event.objects.get(action="seller.organization_selected")
    assert (event.actor_id, event.account_id) == (seller.pk, org.pk)


@pytest.mark.parametrize("account_id", ["not-a-number", None, 999_999])
def test_a_seller_cannot_select_a_missing_organization(seller, account_id):
    with pytest.raises(DomainError) as refused:
        organization_select(ActingContext(user=seller), account_id=account_id)
    assert refused.value.status == 404


def test_a_seller_never_reaches_an_organization_not_assigned_to_them(seller, store):
    other_seller = factories.staff("Seller", stores=[store])
    theirs = factories.organization(store=store, name="Not yours", seller=other_seller)
    with pytest.raises(DomainError) as refused:
        organization_select(ActingContext(user=seller), account_id=theirs.pk)
    assert refused.value.code == "customer.organization_not_assigned"
    assert not Event.objects.filter(action="seller.organization_selected").exists()


def test_a_csr_cannot_act_for_an_organization(csr, seller, store):
    org = factories.organization(store=store, name="Acme", seller=seller)
    with pytest.raises(DomainError) as refused:
        organization_select(ActingContext(user=csr), account_id=org.pk)
    assert refused.value.code == "customer.organization_not_assigned"


def test_a_disabled_organization_cannot_be_selected(seller, store):
    org = factories.organization(store=store, name="Acme", seller=seller)
    org.status = org.Status.DISABLED
    org.save(update_fields=["status"])
    with pytest.raises(DomainError):
        organization_select(ActingContext(user=seller), account_id=org.pk)


@pytest.mark.parametrize("account_id", [10**30, -1, 0])
def test_an_out_of_range_organization_id_is_not_found(seller, account_id):
    with pytest.raises(DomainError) as refused:
        organization_select(ActingContext(user=seller), account_id=account_id)
    assert refused.value.status == 404


def test_registration_without_a_store_is_refused_clearly(system_ctx):
    with pytest.raises(DomainError) as refused:
        customer_register(system_ctx, store=None, email="x@example.com", password="a long passphrase",
                          first_name="X", last_name="Y")  # fmt: skip
    assert refused.value.status == 503
