"""Customer service creates a customer organization (seed 003) through the console's Add Account
wizard: its ERP ID, contract numbers, country and preferred currency on step 1, checked by the
organizations' rules, carried through the steps, and the organization Pending until activated."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.customers import locks, organizations
from concierge.customers.editing import EditGuard
from concierge.customers.models import Customer
from concierge.stores.models import Store

pytestmark = pytest.mark.django_db
WIZARD = reverse("service:account_new")


def step_one(store: Store, **overrides: str) -> dict[str, str]:
    values = {
        "business_name": "Acme Industrial", "store": str(store.pk), "email": "buying@acme.example",
        "phone": "+49 30 555 0100", "address_first_name": "Dana", "address_last_name": "Park",
        "address_line1": "Hauptstrasse 1", "address_city": "Berlin", "address_postal_code": "10115",
        "address_country": "DE", "erp_id": "acme-001", "contract_numbers": "c-100\nc-200", "country": "de",
        "preferred_currency": "",
    }  # fmt: skip
    values.update(overrides)
    return values


def finish(client: Client, store: Store, **overrides: str) -> Any:
    values = {**step_one(store, **overrides), "shared_id_mode": "generate", "shared_id": "", "business_number": "",
              "preferred_locale": "en_US"}  # fmt: skip
    return client.post(WIZARD, {**values, "step": "attributes", "go": "finish"})


def test_step_one_offers_the_organizations_fields(signed_in, csr):
    page = signed_in(csr).get(WIZARD)
    for words in ("Customer Organization", "ERP ID", "Contract numbers", "Preferred currency",
                  "it starts Pending until it is activated"):  # fmt: skip
        assert words in page.text


def test_finish_with_an_erp_id_creates_a_pending_organization(signed_in, csr, store):
    page = finish(signed_in(csr), store)
    assert page.status_code == 302
    org = Customer.objects.get(organization_name="Acme Industrial")
    assert (org.status, org.erp_id, org.country, org.preferred_currency) == ("PENDING", "ACME-001", "DE", "")
    assert list(org.contracts.values_list("number", flat=True)) == ["C-100", "C-200"]
    assert (org.contact_name, org.contact_email, org.contact_phone) == ("Dana Park", "buying@acme.example",
                                                                        "+49 30 555 0100")  # fmt: skip
    event = Event.objects.get(action="account.created", subject_id=str(org.pk))
    assert (event.data["erp_id"], event.data["contracts"], event.data["status"]) == ("ACME-001", ["C-100", "C-200"],
                                                                                     "PENDING")  # fmt: skip
    # and customer service activates it with a reason
    ctx = ActingContext(user=csr)
    token = locks.customer_lock(ctx, customer_id=org.pk).token
    organizations.organization_transition(ctx, account_id=org.pk, action="activate", reason="Contract signed",
                                          guard=EditGuard(version=org.version, lease_token=token))  # fmt: skip
    assert Customer.objects.get(pk=org.pk).status == "ACTIVE"


def test_an_account_without_an_erp_id_is_active_as_before(signed_in, csr, store):
    finish(signed_in(csr), store, erp_id="", contract_numbers="", country="")
    account = Customer.objects.get(organization_name="Acme Industrial")
    assert (account.status, account.erp_id, account.contact_name) == ("ACTIVE", None, "")


def test_the_organizations_fields_are_carried_through_the_steps(signed_in, csr, store):
    agent = signed_in(csr)
    second = agent.post(WIZARD, {**step_one(store), "step": "details", "go": "next"})
    assert second.status_code == 200
    assert '<input type="hidden" name="erp_id" value="acme-001">' in second.text
    back = agent.post(WIZARD, {**step_one(store), "shared_id_mode": "generate", "step": "shared_id", "go": "back"})
    assert 'value="acme-001"' in back.text
    assert "c-100\nc-200</textarea>" in back.text


@pytest.mark.parametrize(("overrides", "words"), [
    ({"erp_id": "acme 1"}, "letters, digits and - _ . only"),
    ({"erp_id": "E" * 41}, "At most 40 characters. This has 41."),
    ({"country": ""}, "Choose the country of a customer organization (one with an ERP ID)."),
    ({"country": "XX"}, "Choose the country from the list."),
    ({"preferred_currency": "EUR"}, "Choose one of the currencies the store offers: US Dollar."),
    ({"contract_numbers": "C-1, " + "K" * 41}, "At most 40 characters for each contract number."),
])  # fmt: skip
def test_bad_organization_fields_are_named_on_step_one(signed_in, csr, store, overrides, words):
    page = signed_in(csr).post(WIZARD, {**step_one(store, **overrides), "step": "details", "go": "next"})
    assert page.status_code == 422
    assert words in page.text
    assert "Default Billing Address" in page.text  # still on step 1, the value kept
    assert not Customer.objects.filter(kind=Customer.Kind.ACCOUNT).exists()


def test_a_taken_erp_id_or_contract_is_refused_on_step_one_and_at_finish(signed_in, csr, store):
    agent = signed_in(csr)
    assert finish(agent, store).status_code == 302
    page = agent.post(WIZARD, {**step_one(store, erp_id="ACME-001", contract_numbers=""), "step": "details",
                               "go": "next"})  # fmt: skip
    assert page.status_code == 409
    assert "The ERP ID ACME-001 is already used by another organization." in page.text
    page = finish(agent, store, erp_id="OTHER-1", contract_numbers="C-200")
    assert page.status_code == 409
    assert "The contract number C-200 already belongs to another organization." in page.text
    assert Customer.objects.filter(kind=Customer.Kind.ACCOUNT).count() == 1


def test_a_taken_erp_id_lost_at_the_insert_is_a_field_error_not_a_500(signed_in, csr, store, monkeypatch):
    agent = signed_in(csr)
    finish(agent, store)
    monkeypatch.setattr(organizations, "check_free", lambda *args, **kwargs: None)  # both early checks pass
    page = finish(agent, store, erp_id="acme-001", contract_numbers="")
    assert page.status_code == 409
    assert "The ERP ID ACME-001 is already used" in page.text
    assert Customer.objects.filter(kind=Customer.Kind.ACCOUNT).count() == 1
