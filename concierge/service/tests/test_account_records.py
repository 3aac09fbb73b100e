"""Account records in the console (seed 004): the Add Account wizard, Child Accounts, Associates and
Delete Account, through the pages' form posts."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.customers.models import AccountAssociate, Address, Customer, CustomerSearchTerm
from concierge.identity.models import User
from concierge.orders.tests.builders import placed_order
from concierge.stores.models import Store
from concierge.testing import factories

pytestmark = pytest.mark.django_db

WIZARD = reverse("service:account_new")


def details(store: Store, **overrides: str) -> dict[str, str]:
    values = {"business_name": "Acme Outfitters", "store": str(store.pk), "email": "buying@acme.example",
              "phone": "+1 512 555 0100"}  # fmt: skip
    values.update(overrides)
    return values


def finish(client: Client, in_store: Store, **overrides: str) -> Any:
    """The three steps posted as the wizard posts them (every value carried along)."""
    values = {**details(in_store), "shared_id_mode": "generate", "shared_id": "", "business_number": "",
              "preferred_locale": "en_US", **overrides}  # fmt: skip
    return client.post(WIZARD, {**values, "step": "attributes", "go": "finish"})


def open_for_editing(client: Client, customer: Customer) -> None:
    client.post(reverse("service:customer_open", args=[customer.pk]), {"version": customer.version})


def version_of(customer: Customer) -> int:
    return Customer.objects.get(pk=customer.pk).version


# --- Add Account -----------------------------------------------------------------------------


def test_the_wizard_walks_its_three_steps_with_next(signed_in, csr, store):
    agent = signed_in(csr)
    first = agent.get(WIZARD)
    assert "Business Name" in first.text
    assert "Telephone #" in first.text
    assert "Next" in first.text
    second = agent.post(WIZARD, {**details(store), "step": "details", "go": "next"})
    assert "Generate the shared ID automatically" in second.text
    assert 'value="Acme Outfitters"' in second.text  # carried as a hidden field
    third = agent.post(WIZARD, {**details(store), "shared_id_mode": "generate", "step": "shared_id", "go": "next"})
    assert "Business Number" in third.text
    assert "Finish" in third.text


def test_finish_with_a_generated_shared_id_creates_the_account_and_opens_it(signed_in, csr, store):
    page = finish(signed_in(csr), store, business_number="BN-42")
    account = Customer.objects.get(organization_name="Acme Outfitters")
    assert page.status_code == 302
    assert page.url == f"{reverse('service:customer', args=[account.pk])}?tab=profile"
    assert account.kind == Customer.Kind.ACCOUNT
    assert account.shared_id.startswith("A")
    assert len(account.shared_id) == 10
    assert account.business_number == "BN-42"
    assert Event.objects.filter(action="account.created", subject_id=str(account.pk)).count() == 1
    assert CustomerSearchTerm.objects.filter(customer=account, term="o:acme").exists()


def test_finish_with_a_manual_shared_id_keeps_it(signed_in, csr, store):
    finish(signed_in(csr), store, shared_id_mode="manual", shared_id="ERP-00417")
    assert Customer.objects.get(shared_id="ERP-00417").organization_name == "Acme Outfitters"


def test_a_default_billing_address_given_in_step_one_is_saved(signed_in, csr, store):
    address = {"address_first_name": "Accounts", "address_last_name": "Payable", "address_line1": "1 Main St",
               "address_city": "Austin", "address_postal_code": "78701", "address_country": "us"}  # fmt: skip
    finish(signed_in(csr), store, **address)
    account = Customer.objects.get(organization_name="Acme Outfitters")
    assert account.billing_summary == "1 Main St, Austin, 78701 US"
    assert Address.objects.get(customer=account).is_default_billing


def test_a_taken_shared_id_is_refused_on_its_step(signed_in, csr, store, shopper):
    agent = signed_in(csr)
    page = agent.post(WIZARD, {**details(store), "shared_id_mode": "manual", "shared_id": shopper.shared_id,
                               "step": "shared_id", "go": "next"})  # fmt: skip
    assert page.status_code == 409
    assert f"The shared ID {shopper.shared_id} is already in use" in page.text
    assert 'aria-invalid="true"' in page.text


def test_a_shared_id_taken_between_next_and_finish_is_refused_at_finish(signed_in, csr, store):
    factories.organization(store=store, name="Early Bird")
    taken = Customer.objects.get(organization_name="Early Bird").shared_id
    page = finish(signed_in(csr), store, shared_id_mode="manual", shared_id=taken)
    assert page.status_code == 409
    assert "already in use" in page.text
    assert not Customer.objects.filter(organization_name="Acme Outfitters").exists()


@pytest.mark.parametrize("bad", ["ab", "has space", "-leading", "semi;colon", "x" * 33, "NUL\x00"])
def test_a_manual_shared_id_with_bad_characters_or_length_is_refused(signed_in, csr, store, bad):
    page = signed_in(csr).post(WIZARD, {**details(store), "shared_id_mode": "manual", "shared_id": bad,
                                        "step": "shared_id", "go": "next"})  # fmt: skip
    assert page.status_code == 422
    assert "Generate the shared ID automatically" in page.text  # still on step 2
    assert not Customer.objects.filter(kind=Customer.Kind.ACCOUNT).exists()


def test_missing_required_fields_are_named_on_step_one(signed_in, csr, store):
    page = signed_in(csr).post(WIZARD, {"store": str(store.pk), "email": "not-an-email", "step": "details",
                                        "go": "next"})  # fmt: skip
    assert page.status_code == 422
    assert "Enter the business name." in page.text
    assert "Enter a valid email address" in page.text
    assert "Enter the telephone number." in page.text


def test_an_over_long_business_name_is_refused_naming_the_limit(signed_in, csr, store):
    page = signed_in(csr).post(WIZARD, {**details(store, business_name="B" * 161), "step": "details", "go": "next"})
    assert "At most 160 characters. This has 161." in page.text


def test_back_keeps_the_values_of_every_step(signed_in, csr, store):
    agent = signed_in(csr)
    values = {**details(store), "shared_id_mode": "manual", "shared_id": "ERP-1", "business_number": "BN-9"}
    back_to_two = agent.post(WIZARD, {**values, "step": "attributes", "go": "back"})
    assert 'value="ERP-1"' in back_to_two.text
    assert 'value="BN-9"' in back_to_two.text
    back_to_one = agent.post(WIZARD, {**values, "step": "shared_id", "go": "back"})
    assert 'value="Acme Outfitters"' in back_to_one.text
    assert 'value="ERP-1"' in back_to_one.text


def test_hidden_values_are_checked_again_at_finish(signed_in, csr, store):
    page = finish(signed_in(csr), store, business_name="")
    assert page.status_code == 422
    assert "Enter the business name." in page.text
    assert not Customer.objects.filter(kind=Customer.Kind.ACCOUNT).exists()


def test_a_store_the_agent_does_not_serve_is_refused(signed_in, csr, store, other_store):
    page = finish(signed_in(csr), store, store=str(other_store.pk))
    assert page.status_code == 422
    assert "Choose one of the stores you serve." in page.text


def test_staff_without_the_customer_update_privilege_cannot_add_accounts(signed_in, warehouse, store):
    assert signed_in(warehouse).post(WIZARD, {**details(store), "step": "details"}).status_code == 403


# --- Child Accounts --------------------------------------------------------------------------


def add_child(client: Client, parent: Customer, name: str, **overrides: str) -> Any:
    values = {**details(parent.store, business_name=name), "shared_id_mode": "generate", "parent": str(parent.pk),
              "version": str(version_of(parent)), "step": "attributes", "go": "finish", **overrides}  # fmt: skip
    return client.post(WIZARD, values)


def test_add_child_account_needs_the_parent_open_for_editing(signed_in, csr, store):
    parent = factories.organization(store=store, name="Acme")
    page = signed_in(csr).get(WIZARD, {"parent": parent.pk, "version": parent.version})
    assert "Acme is not open for editing by you" in page.text
    refused = add_child(signed_in(csr), parent, "Acme East")
    assert refused.status_code == 409
    assert not parent.children.exists()


def test_children_form_a_tree_of_depth_three_shown_on_the_tab(signed_in, csr, store):
    agent = signed_in(csr)
    root = factories.organization(store=store, name="Acme")
    open_for_editing(agent, root)
    assert add_child(agent, root, "Acme East").status_code == 302
    east = Customer.objects.get(organization_name="Acme East")
    open_for_editing(agent, east)
    add_child(agent, east, "Acme Boston")
    boston = Customer.objects.get(organization_name="Acme Boston")
    open_for_editing(agent, boston)
    add_child(agent, boston, "Acme Boston Harbor")
    harbor = Customer.objects.get(organization_name="Acme Boston Harbor")
    assert (harbor.parent, boston.parent, east.parent) == (boston, east, root)
    assert harbor.store == root.store
    tab = agent.get(reverse("service:customer", args=[root.pk]), {"tab": "children"}).text
    # nested lists: each level inside the one above, each linking to its record
    assert tab.index("Acme East") < tab.index("Acme Boston") < tab.index("Acme Boston Harbor")
    assert tab.count("<ul") == 3  # the tree, and a list inside East's and inside Boston's items
    assert reverse("service:customer", args=[harbor.pk]) in tab
    child_page = agent.get(reverse("service:customer", args=[harbor.pk]), {"tab": "children"}).text
    assert "Parent account:" in child_page
    assert "Acme Boston" in child_page


def test_adding_a_child_is_audited_on_the_parent_and_bumps_its_version(signed_in, csr, store):
    agent = signed_in(csr)
    root = factories.organization(store=store, name="Acme")
    open_for_editing(agent, root)
    before = version_of(root)
    add_child(agent, root, "Acme East")
    east = Customer.objects.get(organization_name="Acme East")
    assert version_of(root) == before + 1
    added = Event.objects.get(action="account.child_added", subject_id=str(root.pk))
    assert added.data["child"] == east.pk


def test_adding_a_child_from_a_stale_page_is_refused(signed_in, csr, store):
    agent = signed_in(csr)
    root = factories.organization(store=store, name="Acme")
    open_for_editing(agent, root)
    page = add_child(agent, root, "Acme East", version=str(version_of(root) - 1 or 99))
    assert page.status_code == 412
    assert not root.children.exists()


# --- Associates ------------------------------------------------------------------------------


@pytest.fixture
def account(store: Store) -> Customer:
    return factories.organization(store=store, name="Acme")


def associates_url(account: Customer, action: str, *args: int) -> str:
    return reverse(f"service:associate_{action}", args=[account.pk, *args])


def test_add_associate_saves_the_user_with_the_role(signed_in, csr, account, shopper):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    dialog = agent.get(reverse("service:customer", args=[account.pk]), {"tab": "associates", "dialog": "add"})
    assert "Add Associate" in dialog.text
    assert "User Email" in dialog.text
    page = agent.post(associates_url(account, "add"), {"email": "JANE@example.com", "role": "BUYER",
                                                        "version": version_of(account)}, follow=True)  # fmt: skip
    assert "Jane Shopper is now an associate of Acme (Buyer)." in page.text
    associate = AccountAssociate.objects.get(account=account)
    assert (associate.user, associate.role) == (shopper.user, "BUYER")
    assert Event.objects.filter(action="account.associate_added", subject_id=str(account.pk)).count() == 1
    listed = agent.get(reverse("service:customer", args=[account.pk]), {"tab": "associates"}).text
    assert "jane@example.com" in listed
    assert "Buyer" in listed


def test_an_unknown_email_is_a_field_error_in_the_dialog(signed_in, csr, account):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    form = {"email": "nobody@example.com", "role": "BUYER", "version": version_of(account), "form": "add_associate"}
    page = agent.post(associates_url(account, "add"), form)
    assert page.status_code == 422
    assert "No shopper with the email address nobody@example.com can sign in" in page.text
    assert 'id="add-associate-title"' in page.text  # the dialog is shown again


def test_a_staff_member_is_not_a_shopper_to_associate(signed_in, csr, supervisor, account):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    page = agent.post(associates_url(account, "add"), {"email": supervisor.email, "role": "BUYER",
                                                        "version": version_of(account)})  # fmt: skip
    assert page.status_code == 422


def test_an_associate_cannot_be_added_twice(signed_in, csr, account, shopper):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    form = {"email": shopper.email, "role": "BUYER", "form": "add_associate"}
    agent.post(associates_url(account, "add"), {**form, "version": version_of(account)})
    again = agent.post(associates_url(account, "add"), {**form, "version": version_of(account)})
    assert again.status_code == 422
    assert "already an associate of Acme" in again.text
    assert AccountAssociate.objects.filter(account=account).count() == 1


def test_change_role_and_remove_associate_keep_the_user(signed_in, csr, account, shopper):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    agent.post(associates_url(account, "add"), {"email": shopper.email, "role": "BUYER",
                                                 "version": version_of(account)})  # fmt: skip
    associate = AccountAssociate.objects.get(account=account)
    agent.post(associates_url(account, "role", associate.pk), {"role": "ADMIN", "version": version_of(account)})
    assert AccountAssociate.objects.get(pk=associate.pk).role == "ADMIN"
    asked = agent.get(reverse("service:customer", args=[account.pk]), {"tab": "associates", "remove": associate.pk})
    assert "Remove Associate" in asked.text
    assert "This will not delete the user" in asked.text
    done = agent.post(associates_url(account, "remove", associate.pk), {"version": version_of(account)}, follow=True)
    assert "Jane Shopper is no longer an associate of Acme. The user was not deleted." in done.text
    assert not AccountAssociate.objects.filter(pk=associate.pk).exists()
    assert User.objects.filter(pk=shopper.user_id).exists()
    actions = list(Event.objects.filter(subject_id=str(account.pk), action__startswith="account.associate")
                   .order_by("id").values_list("action", flat=True))  # fmt: skip
    assert actions == ["account.associate_added", "account.associate_role_changed", "account.associate_removed"]


def test_an_associate_edit_without_a_version_is_refused_428(signed_in, csr, account, shopper):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    page = agent.post(associates_url(account, "add"), {"email": shopper.email, "role": "BUYER"})
    assert page.status_code == 428
    assert not AccountAssociate.objects.exists()


def test_an_associate_edit_from_a_stale_page_is_refused_412(signed_in, csr, account, shopper):
    agent = signed_in(csr)
    open_for_editing(agent, account)
    stale = version_of(account) - 1 or 99
    page = agent.post(associates_url(account, "add"), {"email": shopper.email, "role": "BUYER", "version": stale})
    assert page.status_code == 412
    assert "Reload" in page.text


def test_an_associate_edit_without_the_lock_is_refused_409(signed_in, csr, account, shopper):
    page = signed_in(csr).post(associates_url(account, "add"), {"email": shopper.email, "role": "BUYER",
                                                                 "version": version_of(account)})  # fmt: skip
    assert page.status_code == 409
    assert not AccountAssociate.objects.exists()


def test_another_stores_account_is_not_found(signed_in, csr, other_store, shopper):
    theirs = factories.organization(store=other_store, name="Fjord")
    agent = signed_in(csr)
    assert agent.post(associates_url(theirs, "add"), {"email": shopper.email, "role": "BUYER",
                                                       "version": 1}).status_code == 404  # fmt: skip
    assert agent.get(reverse("service:account_delete", args=[theirs.pk])).status_code == 404


# --- Delete Account --------------------------------------------------------------------------


def family(store: Store) -> tuple[Customer, Customer, Customer]:
    """Acme → Acme East → Acme Boston (built directly: the hierarchy is what is under test here)."""
    root = factories.organization(store=store, name="Acme")
    east = factories.organization(store=store, name="Acme East")
    boston = factories.organization(store=store, name="Acme Boston")
    Customer.objects.filter(pk=east.pk).update(parent=root)
    Customer.objects.filter(pk=boston.pk).update(parent=east)
    return root, east, boston


def test_delete_account_is_refused_when_a_grandchild_has_an_order(signed_in, csr, store, shopper):
    root, east, boston = family(store)
    order = placed_order(shopper, store, shipments=1)
    order.account = boston
    order.save(update_fields=["account"])
    agent = signed_in(csr)
    asked = agent.get(reverse("service:account_delete", args=[root.pk]))
    assert "Acme Boston (child of Acme East) has 1 order" in asked.text
    open_for_editing(agent, root)
    page = agent.post(reverse("service:account_delete", args=[root.pk]), {"version": version_of(root)})
    assert page.status_code == 409
    assert "Acme Boston (child of Acme East) has 1 order" in page.text
    assert Customer.objects.filter(pk__in=[root.pk, east.pk, boston.pk]).count() == 3
    assert not Event.objects.filter(action="account.deleted").exists()


def test_delete_account_deletes_it_and_all_its_children_and_keeps_the_users(signed_in, csr, store, shopper):
    root, east, boston = family(store)
    AccountAssociate.objects.create(account=boston, user=shopper.user, role="BUYER")
    factories.address(boston)
    agent = signed_in(csr)
    open_for_editing(agent, root)
    asked = agent.get(reverse("service:account_delete", args=[root.pk]))
    assert "Delete Acme and all its 2 child accounts?" in asked.text
    page = agent.post(reverse("service:account_delete", args=[root.pk]), {"version": version_of(root)}, follow=True)
    assert "Acme and its 2 child accounts deleted." in page.text
    assert not Customer.objects.filter(pk__in=[root.pk, east.pk, boston.pk]).exists()
    assert not AccountAssociate.objects.exists()
    assert not Address.objects.filter(customer_id=boston.pk).exists()
    assert not CustomerSearchTerm.objects.filter(customer_id__in=[root.pk, east.pk, boston.pk]).exists()
    assert User.objects.filter(pk=shopper.user_id).exists()
    deleted = Event.objects.filter(action="account.deleted")
    assert sorted(int(e.subject_id) for e in deleted) == sorted([root.pk, east.pk, boston.pk])
    assert deleted.get(subject_id=str(boston.pk)).data["associates"] == [shopper.user_id]


def test_delete_account_needs_the_record_open_for_editing(signed_in, csr, store):
    root, _east, _boston = family(store)
    agent = signed_in(csr)
    asked = agent.get(reverse("service:account_delete", args=[root.pk]))
    assert "choose Edit to lock the record first" in asked.text
    assert agent.post(reverse("service:account_delete", args=[root.pk]), {"version": root.version}).status_code == 409
    assert Customer.objects.filter(pk=root.pk).exists()


def test_the_accounts_toolbar_offers_add_account_to_those_who_may_add_accounts(rf, csr, warehouse):
    for user, shown in [(csr, True), (warehouse, False)]:
        request = rf.get("/service/")
        request.user = user
        html = render_to_string("service/customers/_accounts_toolbar.html", request=request)
        assert (f'href="{WIZARD}"' in html) is shown
