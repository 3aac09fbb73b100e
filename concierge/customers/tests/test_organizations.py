"""A seller's customer organizations (seed 003): creating one (Pending, assigned to its seller), its
ERP ID and contract numbers unique in any case, activating, suspending and re-activating it with a
reason, editing its Basic Details and Organization Profile under the lock and version, and the
Customer Organizations list's search, sorting and pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.core.edits import EditGuard, Then
from concierge.core.errors import DomainError
from concierge.customers import locks, organizations
from concierge.customers.errors import CustomerError
from concierge.customers.models import Contract, Customer, SellerAssignment
from concierge.customers.organization_directory import organizations_search
from concierge.customers.policies import check_may_purchase
from concierge.testing import factories

pytestmark = pytest.mark.django_db


def new_org(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Acme Industrial", "erp_id": "acme-001", "contract_numbers": "c-100, C-200\nc-300",
        "country": "de", "preferred_currency": "", "contact_name": "Dana Lee Park",
        "contact_email": "Dana@Acme.example", "contact_phone": "+49 30 555 0100", "business_number": "DE123",
        "line1": "Hauptstrasse 1", "line2": "", "city": "Berlin", "region": "", "postal_code": "10115",
    }  # fmt: skip
    data.update(overrides)
    return data


def refusal(call: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)
    return raised.value


def guard_for(ctx: ActingContext, org: Customer) -> EditGuard:
    token = locks.customer_lock(ctx, customer_id=org.pk).token
    return EditGuard(version=Customer.objects.get(pk=org.pk).version, lease_token=token)


# --- Creating -------------------------------------------------------------------------------------


def test_a_seller_creates_a_pending_organization_assigned_to_them(seller, store):
    ctx = ActingContext(user=seller, store=store)
    org = organizations.organization_create(ctx, new_org())
    org.refresh_from_db()
    assert (org.kind, org.status, org.store_id) == (Customer.Kind.ACCOUNT, Customer.Status.PENDING, store.pk)
    assert (org.organization_name, org.erp_id, org.country) == ("Acme Industrial", "ACME-001", "DE")
    assert (org.contact_name, org.contact_email, org.contact_phone) == ("Dana Lee Park", "dana@acme.example",
                                                                        "+49 30 555 0100")  # fmt: skip
    assert org.preferred_currency == ""
    assert org.currency == "USD"
    assert list(org.contracts.values_list("number", flat=True)) == ["C-100", "C-200", "C-300"]
    assert SellerAssignment.objects.filter(seller=seller, organization=org).exists()
    address = org.addresses.get()
    assert (address.first_name, address.last_name, address.city, address.country) == ("Dana", "Lee Park", "Berlin",
                                                                                      "DE")  # fmt: skip
    assert address.is_default_billing
    assert address.is_default_shipping
    assert org.billing_summary.startswith("Hauptstrasse 1, Berlin")
    event = Event.objects.get(action="organization.created", subject_id=str(org.pk))
    assert event.data["name"] == "Acme Industrial"
    assert event.data["erp_id"] == "ACME-001"
    assert event.actor_id == seller.pk
    # and it is found by its name in Find customer, and browsed but not bought for
    refused = refusal(check_may_purchase, org)
    assert (refused.code, refused.status) == ("account.pending", 403)


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("name", "", "Enter the organization's name."),
        ("name", "x" * 161, "At most 160 characters. This has 161."),
        ("name", "Acme\x00", "Remove the control characters"),
        ("erp_id", "", "Enter the ERP ID."),
        ("erp_id", "A" * 41, "At most 40 characters. This has 41."),
        ("erp_id", "ACME 1", "letters, digits and - _ . only"),
        ("contract_numbers", "C-1, " + "C" * 41, "At most 40 characters for each contract number"),
        ("contract_numbers", "C 1", "letters, digits and - _ . / only"),
        ("country", "", "Choose the country."),
        ("country", "XX", "Choose the country from the list."),
        ("country", "EU", "Choose the country from the list."),
        ("preferred_currency", "EUR", "Choose one of the currencies the store offers: US Dollar."),
        ("contact_name", "", "Enter the primary contact's name."),
        ("contact_email", "", "Enter the primary contact's email address."),
        ("contact_email", "dana@", "Enter a valid email address"),
        ("contact_phone", "call me", "Enter a telephone number"),
        ("contact_phone", "1" * 33, "At most 32 characters."),
        ("business_number", "9" * 41, "At most 40 characters."),
        ("line1", "", "Enter the street address."),
        ("city", "", "Enter the city."),
        ("postal_code", "", "Enter the postal code."),
        ("postal_code", "1" * 21, "At most 20 characters."),
    ],
)
def test_each_bad_field_is_refused_by_name_and_nothing_is_created(seller, store, field, value, words):
    refused = refusal(organizations.organization_create, ActingContext(user=seller, store=store),
                      new_org(**{field: value}))  # fmt: skip
    assert (refused.code, refused.status) == ("customer.invalid", 422)
    assert list(refused.fields) == [field]
    assert words in refused.fields[field][0]
    assert not Customer.objects.filter(kind=Customer.Kind.ACCOUNT).exists()


def test_every_missing_field_is_named_at_once(seller, store):
    refused = refusal(organizations.organization_create, ActingContext(user=seller, store=store), {})
    assert set(refused.fields) == {"name", "erp_id", "country", "contact_name", "contact_email", "line1", "city",
                                   "postal_code"}  # fmt: skip


def test_a_currency_of_the_stores_price_lists_may_be_preferred(seller, store):
    ctx = ActingContext(user=seller, store=store)
    org = organizations.organization_create(ctx, new_org(preferred_currency="eur"), currencies=["USD", "EUR"])
    assert (org.preferred_currency, org.currency) == ("EUR", "EUR")
    # the store's own currency is stored as "the store's" (blank)
    other = organizations.organization_create(ctx, new_org(erp_id="B-2", contract_numbers="", preferred_currency="usd"),
                                              currencies=["USD", "EUR"])  # fmt: skip
    assert other.preferred_currency == ""
    # the store's own currency is offered even when the caller's list leaves it out
    third = organizations.organization_create(ctx, new_org(erp_id="C-3", contract_numbers="", preferred_currency="USD"),
                                              currencies=["EUR"])  # fmt: skip
    assert third.currency == "USD"


def test_the_registered_currency_source_names_the_offered_currencies(seller, store, monkeypatch):
    monkeypatch.setattr(organizations, "_currency_source", [])
    assert organizations.currencies_offered(store) == ["USD"]
    organizations.register_currency_source(lambda s: ["CAD", "usd"])
    assert organizations.currencies_offered(store) == ["USD", "CAD"]
    org = organizations.organization_create(ActingContext(user=seller, store=store), new_org(preferred_currency="CAD"))
    assert org.currency == "CAD"


def test_country_choices_are_countries_by_name():
    choices = organizations.country_choices()
    codes = [code for code, _ in choices]
    assert len(codes) == 249
    assert ("DE", "Germany") in choices
    assert "EU" not in codes
    assert "ZZ" not in codes
    assert [name for _, name in choices] == sorted((name for _, name in choices), key=str.casefold)


def test_erp_id_is_unique_in_any_case(seller, store):
    ctx = ActingContext(user=seller, store=store)
    organizations.organization_create(ctx, new_org(erp_id="ACME-001", contract_numbers=""))
    refused = refusal(organizations.organization_create, ctx, new_org(erp_id="acme-001", contract_numbers=""))
    assert (refused.code, refused.status) == ("organization.erp_id_taken", 409)
    assert "ACME-001 is already used by another organization" in refused.fields["erp_id"][0]
    assert Customer.objects.filter(kind=Customer.Kind.ACCOUNT).count() == 1


def test_a_contract_number_belongs_to_one_organization(seller, store):
    ctx = ActingContext(user=seller, store=store)
    organizations.organization_create(ctx, new_org(erp_id="A-1", contract_numbers="K-1"))
    refused = refusal(organizations.organization_create, ctx, new_org(erp_id="A-2", contract_numbers="k-2, k-1"))
    assert (refused.code, refused.status) == ("organization.contract_taken", 409)
    assert "K-1" in refused.fields["contract_numbers"][0]


def test_a_lost_race_on_the_constraint_is_refused_as_taken(seller, store, monkeypatch):
    # given the early check answering "free" (another seller's create committed in between)
    ctx = ActingContext(user=seller, store=store)
    organizations.organization_create(ctx, new_org(erp_id="RACE-1", contract_numbers="K-1"))
    monkeypatch.setattr(organizations, "check_free", lambda *args, **kwargs: None)
    # then the insert meets the constraint, and the refusal names what was taken
    refused = refusal(organizations.organization_create, ctx, new_org(erp_id="race-1", contract_numbers=""))
    assert (refused.code, list(refused.fields)) == ("organization.erp_id_taken", ["erp_id"])
    refused = refusal(organizations.organization_create, ctx, new_org(erp_id="RACE-2", contract_numbers="k-1"))
    assert (refused.code, list(refused.fields)) == ("organization.contract_taken", ["contract_numbers"])
    assert Customer.objects.filter(kind=Customer.Kind.ACCOUNT).count() == 1


def test_an_edit_that_loses_the_race_is_refused_as_taken(seller, store, monkeypatch):
    ctx = ActingContext(user=seller, store=store)
    first = organizations.organization_create(ctx, new_org(erp_id="E-1", contract_numbers="K-1"))
    second = organizations.organization_create(ctx, new_org(erp_id="E-2", contract_numbers=""))
    monkeypatch.setattr(organizations, "check_free", lambda *args, **kwargs: None)
    for data, code in [({"erp_id": "e-1"}, "organization.erp_id_taken"),
                       ({"contract_numbers": "K-1"}, "organization.contract_taken")]:  # fmt: skip
        refused = refusal(organizations.organization_details_save, ctx, account_id=second.pk,
                          guard=guard_for(ctx, second), data=data)  # fmt: skip
        assert refused.code == code
    assert Customer.objects.get(pk=second.pk).erp_id == "E-2"
    assert list(first.contracts.values_list("number", flat=True)) == ["K-1"]


def test_the_store_is_chosen_among_the_stores_served(store, other_store):
    seller = factories.staff("Seller", stores=[store, other_store])
    refused = refusal(organizations.organization_create, ActingContext(user=seller), new_org())
    assert "store" in refused.fields
    refused = refusal(organizations.organization_create, ActingContext(user=seller), new_org(store="999999"))
    assert refused.fields["store"] == ["Choose one of the stores you serve."]
    org = organizations.organization_create(ActingContext(user=seller), new_org(store=str(other_store.pk)))
    assert org.store_id == other_store.pk


def test_creating_needs_the_privilege(store, warehouse, shopper):
    for user in (warehouse, shopper.user):
        refused = refusal(organizations.organization_create, ActingContext(user=user, store=store), new_org())
        assert refused.status == 403
    refused = refusal(organizations.organization_create, ActingContext(user=None, store=store), new_org())
    assert refused.status == 403


def test_customer_service_creates_one_without_an_assignment(csr, store):
    org = organizations.organization_create(ActingContext(user=csr), new_org())
    assert org.status == Customer.Status.PENDING
    assert not SellerAssignment.objects.filter(organization=org).exists()


# --- Activate, suspend, re-activate --------------------------------------------------------------


@pytest.fixture
def org(seller, store):
    return organizations.organization_create(ActingContext(user=seller, store=store), new_org())


def transition(ctx: ActingContext, org: Customer, action: str, reason: str = "Credit check passed") -> Customer:
    return organizations.organization_transition(ctx, account_id=org.pk, action=action, reason=reason,
                                                 guard=guard_for(ctx, org))  # fmt: skip


def test_activate_suspend_and_reactivate_each_with_its_reason(seller, org):
    ctx = ActingContext(user=seller)
    version = Customer.objects.get(pk=org.pk).version
    for action, status, audit in [
        ("activate", "ACTIVE", "organization.activated"),
        ("suspend", "SUSPENDED", "organization.suspended"),
        ("reactivate", "ACTIVE", "organization.reactivated"),
    ]:
        before = Customer.objects.get(pk=org.pk).status
        changed = transition(ctx, org, action, reason=f"Because of {action}")
        assert changed.status == status
        event = Event.objects.filter(action=audit, subject_id=str(org.pk)).get()
        assert event.data == {"reason": f"Because of {action}"}
        assert event.changes == {"status": [before, status]}
        version += 1
        fresh = Customer.objects.get(pk=org.pk)
        assert fresh.version == version
        assert not fresh.lease_is_live()  # saved: the lock is released


ILLEGAL = [
    ("PENDING", "suspend", "Acme Industrial is pending: only an active organization is suspended."),
    ("PENDING", "reactivate", "only a suspended organization is re-activated"),
    ("ACTIVE", "activate", "Acme Industrial is already active."),
    ("ACTIVE", "reactivate", "Acme Industrial is already active."),
    ("SUSPENDED", "activate", "only a pending organization is activated"),
    ("SUSPENDED", "suspend", "Acme Industrial is already suspended."),
    ("DISABLED", "activate", "Acme Industrial is disabled: only a pending organization is activated."),
    ("DISABLED", "suspend", "only an active organization is suspended"),
    ("DISABLED", "reactivate", "only a suspended organization is re-activated"),
]


@pytest.mark.parametrize(("status", "action", "words"), ILLEGAL)
def test_every_illegal_transition_is_refused_saying_why(csr, org, status, action, words):
    Customer.objects.filter(pk=org.pk).update(status=status)
    ctx = ActingContext(user=csr)  # customer service reaches a disabled one too
    refused = refusal(transition, ctx, org, action)
    assert (refused.code, refused.status) == ("organization.illegal_transition", 409)
    assert words in refused.message
    assert Customer.objects.get(pk=org.pk).status == status
    assert not Event.objects.filter(action__startswith="organization.", subject_id=str(org.pk)).exclude(
        action="organization.created").exists()  # fmt: skip


def test_an_unknown_action_is_refused(seller, org):
    refused = refusal(transition, ActingContext(user=seller), org, "delete")
    assert (refused.code, refused.status) == ("customer.invalid", 422)
    assert refused.fields["action"] == ["Choose Activate, Suspend, Re-activate."]


@pytest.mark.parametrize(("reason", "words"), [("", "Enter the reason"), ("  ", "Enter the reason"),
                                               ("x" * 501, "At most 500 characters. This has 501."),
                                               ("late\x00", "Remove the control characters")])  # fmt: skip
def test_the_reason_is_required_and_at_most_500_characters(seller, org, reason, words):
    refused = refusal(transition, ActingContext(user=seller), org, "activate", reason=reason)
    assert refused.status == 422
    assert words in refused.fields["reason"][0]
    assert Customer.objects.get(pk=org.pk).status == "PENDING"
    assert organizations.REASON_MAX == 500
    assert transition(ActingContext(user=seller), org, "activate", reason="y" * 500).status == "ACTIVE"


def test_a_transition_needs_the_version_and_the_lock(seller, org):
    ctx = ActingContext(user=seller)
    version = Customer.objects.get(pk=org.pk).version
    attempts = [
        (EditGuard(version=None, lease_token="x"), 428, "customer.version_required"),
        (EditGuard(version=version, lease_token=None), 409, "customer.lock_lost"),
        (EditGuard(version=version + 1, lease_token="x"), 412, "customer.stale"),
    ]
    locks.customer_lock(ctx, customer_id=org.pk)
    for guard, status, code in attempts:
        refused = refusal(organizations.organization_transition, ctx, account_id=org.pk, action="activate",
                          reason="ok", guard=guard)  # fmt: skip
        assert (refused.status, refused.code) == (status, code)
    assert Customer.objects.get(pk=org.pk).status == "PENDING"


def test_someone_elses_lock_is_refused_naming_them(seller, csr, org):
    locks.customer_lock(ActingContext(user=csr), customer_id=org.pk)
    version = Customer.objects.get(pk=org.pk).version
    refused = refusal(organizations.organization_transition, ActingContext(user=seller), account_id=org.pk,
                      action="activate", reason="ok", guard=EditGuard(version=version, lease_token=""))  # fmt: skip
    assert (refused.status, refused.code) == (409, "customer.locked")
    assert "Ann Agent is editing Acme Industrial" in refused.message


def test_an_unassigned_seller_and_another_store_do_not_find_it(org, store, csr_other_store):
    other_seller = factories.staff("Seller", stores=[store])
    for user in (other_seller, csr_other_store):
        ctx = ActingContext(user=user)
        refused = refusal(locks.customer_lock, ctx, customer_id=org.pk)
        assert refused.status == 404
        refused = refusal(organizations.organization_transition, ctx, account_id=org.pk, action="activate",
                          reason="ok", guard=EditGuard(version=1, lease_token="x"))  # fmt: skip
        assert refused.status == 404


def test_a_seller_without_the_privilege_to_manage_is_refused(seller, org):
    from django.contrib.auth.models import Group

    seller.groups.set([Group.objects.get(name="Shopper")])
    refused = refusal(organizations.organization_transition, ActingContext(user=seller), account_id=org.pk,
                      action="activate", reason="ok", guard=EditGuard(version=1, lease_token="x"))  # fmt: skip
    assert refused.status == 403


# --- Basic Details and Organization Profile -------------------------------------------------------


def test_basic_details_are_saved_and_audited_with_before_and_after(seller, org):
    ctx = ActingContext(user=seller)
    version = Customer.objects.get(pk=org.pk).version
    changed = organizations.organization_details_save(
        ctx, account_id=org.pk, guard=guard_for(ctx, org),
        data={"name": "Acme Europe", "erp_id": "acme-eu", "country": "AT", "contract_numbers": "C-100\nc-900",
              "business_number": "DE123"},
    )  # fmt: skip
    fresh = Customer.objects.get(pk=org.pk)
    assert (fresh.organization_name, fresh.erp_id, fresh.country, fresh.version) == ("Acme Europe", "ACME-EU", "AT",
                                                                                      version + 1)  # fmt: skip
    assert list(Contract.objects.filter(organization=org).values_list("number", flat=True)) == ["C-100", "C-900"]
    assert changed.version == version + 1
    event = Event.objects.get(action="organization.details_changed", subject_id=str(org.pk))
    assert event.changes == {
        "name": ["Acme Industrial", "Acme Europe"], "erp_id": ["ACME-001", "ACME-EU"], "country": ["DE", "AT"],
        "contract_numbers": [["C-100", "C-200", "C-300"], ["C-100", "C-900"]],
    }  # fmt: skip


def test_unchanged_details_record_nothing_and_keep_the_version(seller, org):
    ctx = ActingContext(user=seller)
    version = Customer.objects.get(pk=org.pk).version
    organizations.organization_details_save(ctx, account_id=org.pk, guard=guard_for(ctx, org), data={
        "name": "Acme Industrial", "erp_id": "ACME-001", "contract_numbers": "C-300, c-200, c-100"})  # fmt: skip
    assert Customer.objects.get(pk=org.pk).version == version
    assert not Event.objects.filter(action="organization.details_changed").exists()


def test_details_refuse_a_taken_erp_id_or_contract_and_bad_fields(seller, store, org):
    ctx = ActingContext(user=seller, store=store)
    organizations.organization_create(ctx, new_org(erp_id="OTHER-1", contract_numbers="Z-1"))
    for data, code, field in [
        ({"erp_id": "other-1"}, "organization.erp_id_taken", "erp_id"),
        ({"contract_numbers": "C-100, z-1"}, "organization.contract_taken", "contract_numbers"),
        ({"name": ""}, "customer.invalid", "name"),
        ({"country": "Germany"}, "customer.invalid", "country"),
        ({"erp_id": "E" * 41}, "customer.invalid", "erp_id"),
    ]:
        refused = refusal(organizations.organization_details_save, ctx, account_id=org.pk,
                          guard=guard_for(ctx, org), data=data)  # fmt: skip
        assert (refused.code, list(refused.fields)) == (code, [field])
    fresh = Customer.objects.get(pk=org.pk)
    assert (fresh.erp_id, fresh.organization_name) == ("ACME-001", "Acme Industrial")


def test_an_edit_with_keep_holds_the_lock(seller, org):
    ctx = ActingContext(user=seller)
    organizations.organization_details_save(ctx, account_id=org.pk, guard=guard_for(ctx, org),
                                            data={"business_number": "DE999"}, then=Then.KEEP)  # fmt: skip
    assert Customer.objects.get(pk=org.pk).lease_is_live()


def test_the_profile_is_saved_and_audited(seller, org):
    ctx = ActingContext(user=seller)
    organizations.organization_profile_save(ctx, account_id=org.pk, guard=guard_for(ctx, org), data={
        "contact_name": "Sam Ortiz", "contact_email": "SAM@acme.example", "contact_phone": "",
        "preferred_locale": "fr_CA", "name": "Ignored here"})  # fmt: skip
    fresh = Customer.objects.get(pk=org.pk)
    assert (fresh.contact_name, fresh.contact_email, fresh.contact_phone, fresh.preferred_locale) == (
        "Sam Ortiz", "sam@acme.example", "", "fr_CA")  # fmt: skip
    assert fresh.organization_name == "Acme Industrial"  # the Basic Details are not the profile's
    event = Event.objects.get(action="organization.profile_changed", subject_id=str(org.pk))
    assert set(event.changes) == {"contact_name", "contact_email", "contact_phone", "preferred_locale"}


def test_the_profile_refuses_a_locale_not_offered_and_a_bad_email(seller, org):
    ctx = ActingContext(user=seller)
    refused = refusal(organizations.organization_profile_save, ctx, account_id=org.pk, guard=guard_for(ctx, org),
                      data={"preferred_locale": "xx_YY", "contact_email": "nope"})  # fmt: skip
    assert set(refused.fields) == {"preferred_locale", "contact_email"}


def test_an_account_without_organization_details_saves_only_what_is_given(csr, store):
    # a seed 004 account record (no ERP ID, country or contact yet) edits its profile alone
    account = factories.organization(store=store, name="Legacy Co")
    ctx = ActingContext(user=csr)
    organizations.organization_profile_save(ctx, account_id=account.pk, guard=guard_for(ctx, account),
                                            data={"contact_name": "Lee"})  # fmt: skip
    assert Customer.objects.get(pk=account.pk).contact_name == "Lee"


def test_a_user_record_is_not_an_organization(csr, shopper):
    ctx = ActingContext(user=csr)
    refused = refusal(organizations.organization_details_save, ctx, account_id=shopper.pk,
                      guard=guard_for(ctx, shopper), data={"name": "X"})  # fmt: skip
    assert refused.status == 404


# --- Customer Organizations: search, sort, pages -------------------------------------------------


@pytest.fixture
def listed(seller, store):
    rows = [
        ("Bravo Tools", "ERP-200", "DE", "PENDING", "K-2000"),
        ("alpha Supply", "ERP-100", "US", "ACTIVE", "K-1000"),
        ("Charlie Parts", "XYZ-9", "AT", "SUSPENDED", "Q-77"),
        ("Delta Works", "ERP-1000", "CH", "ACTIVE", ""),
    ]
    made = {}
    for name, erp, country, status, contract in rows:
        org = factories.organization(store=store, name=name, seller=seller, contract=contract)
        Customer.objects.filter(pk=org.pk).update(erp_id=erp, country=country, status=status)
        factories.address(org, is_default_billing=True, city=f"{name.split()[0]} City")
        made[name] = org
    factories.organization(store=store, name="Bravo Unassigned")  # another seller's
    disabled = factories.organization(store=store, name="Bravo Disabled", seller=seller)
    Customer.objects.filter(pk=disabled.pk).update(status="DISABLED")
    return made


def names(page) -> list[str]:
    return [row.account.display_name for row in page.rows]


def test_only_the_sellers_assigned_organizations_are_listed_by_name(seller, listed):
    page = organizations_search(seller)
    assert names(page) == ["alpha Supply", "Bravo Tools", "Charlie Parts", "Delta Works"]
    row = page.rows[1]
    assert (row.erp_id, row.contracts, row.city, row.country, row.country_name, row.currency, row.status_label) == (
        "ERP-200", ["K-2000"], "Bravo City", "DE", "Germany", "USD", "Pending")  # fmt: skip
    assert (page.total, page.page, page.pages) == (4, 1, 1)


def test_a_seller_without_the_privilege_lists_nothing(store, listed, csr):
    assert organizations_search(csr).rows == []


@pytest.mark.parametrize(("q", "expected"), [
    ("erp-100", ["alpha Supply", "Delta Works"]),  # the ERP ID exactly, and one that starts with it
    ("ERP-1000", ["Delta Works"]),
    ("ERP-", ["alpha Supply", "Bravo Tools", "Delta Works"]),  # a prefix
    ("k-20", ["Bravo Tools"]),  # a contract number's prefix
    ("q-77", ["Charlie Parts"]),  # a contract number exactly
    ("PARTS", ["Charlie Parts"]),  # a name contains it
    ("RP-2", []),  # an ERP ID matches from its start only
    ("unassigned", []),
    ("disabled", []),
])  # fmt: skip
def test_search_by_name_erp_id_and_contract_number(seller, listed, q, expected):
    assert names(organizations_search(seller, q=q)) == expected


@pytest.mark.parametrize(("sort", "ascending"), [
    ("name", ["alpha Supply", "Bravo Tools", "Charlie Parts", "Delta Works"]),
    ("erp_id", ["alpha Supply", "Delta Works", "Bravo Tools", "Charlie Parts"]),
    ("country", ["Charlie Parts", "Bravo Tools", "Delta Works", "alpha Supply"]),  # Austria, Germany, Switzerland, US
    ("status", ["alpha Supply", "Delta Works", "Bravo Tools", "Charlie Parts"]),
])  # fmt: skip
def test_sorted_both_ways_with_a_stable_tie_break(seller, listed, sort, ascending):
    assert names(organizations_search(seller, sort=sort, order="asc")) == ascending
    descending = names(organizations_search(seller, sort=sort, order="desc"))
    if sort == "status":  # two active ones: the tie-break (id) is reversed too
        assert descending == ["Charlie Parts", "Bravo Tools", "Delta Works", "alpha Supply"]
    else:
        assert descending == list(reversed(ascending))


def test_pages_and_a_fixed_number_of_queries(seller, store, listed):
    for n in range(21):
        org = factories.organization(store=store, name=f"Zulu {n:02d}", seller=seller, contract=f"Z-{n:02d}")
        factories.address(org, is_default_billing=True)
    first = organizations_search(seller, per_page=10)
    assert (first.total, first.pages, len(first.rows), first.has_next, first.has_previous) == (25, 3, 10, True, False)
    last = organizations_search(seller, per_page=10, page="3")
    assert names(last) == ["Zulu 16", "Zulu 17", "Zulu 18", "Zulu 19", "Zulu 20"]
    with CaptureQueriesContext(connection) as small:
        organizations_search(seller, per_page=5)
    with CaptureQueriesContext(connection) as large:
        organizations_search(seller, per_page=25, sort="country")
    assert len(small.captured_queries) <= 5
    assert len(large.captured_queries) == len(small.captured_queries) + 1  # the countries' names to sort by


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"q": "x" * 81}, "q", "At most 80 characters. This has 81."),
    ({"q": "a\x00"}, "q", "Remove the control characters"),
    ({"sort": "city"}, "sort", "Sort by Name, ERP ID, Country, Status."),
    ({"order": "up"}, "order", "Sort in ascending"),
    ({"page": 0}, "page", "whole number"),
    ({"page": "two"}, "page", "whole number"),
    ({"page": 2}, "page", "There is only 1 page of organizations"),
    ({"per_page": 101}, "per_page", "between 1 and 100"),
])  # fmt: skip
def test_a_search_it_cannot_use_is_refused_naming_the_field(seller, listed, kwargs, field, words):
    refused = refusal(organizations_search, seller, **kwargs)
    assert (refused.code, refused.status) == (CustomerError.SEARCH_INVALID, 422)
    assert words in refused.fields[field][0]


def test_an_80_character_term_is_searched(seller, listed):
    assert organizations_search(seller, q="x" * 80).rows == []
