"""Account records in a real browser (seed 004): Add Account with a manual shared ID, Edit, Add Child
Account, Add Associate and Remove Associate, and Delete Account — refused while a child account has
an order, done (with its children) once none has."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from concierge.customers.models import AccountAssociate, Customer
from concierge.identity.models import User
from concierge.orders.tests.builders import placed_order
from concierge.testing import factories
from e2e.conftest import console_sign_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def both_widths(page: Page, name: str) -> None:
    """A screenshot at 1280 px and one at 390 px (a phone), back at 1280 px after."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    screenshot(page, f"{name}-390")
    page.set_viewport_size(DESKTOP)


def fill_details(page: Page, name: str) -> None:
    page.locator("#account-business_name").fill(name)
    page.locator("#account-email").fill("buying@acme.example")
    page.locator("#account-phone").fill("+1 512 555 0100")


def test_add_account_child_associates_and_delete(page: Page, csr, store, shopper):
    console_sign_in(page, csr.email)
    # Add Account, above the Accounts search results: the required fields → Next
    page.goto("/service/customers/")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Account Search Results")).to_be_visible()
    page.get_by_test_id("accounts-toolbar").get_by_role("link", name="Add Account").click()
    expect(page.get_by_role("heading", name="Add Account", level=1)).to_be_visible()
    fill_details(page, "Acme Outfitters")
    for field, value in {"first_name": "Accounts", "last_name": "Payable", "line1": "1 Commerce Plaza",
                         "city": "Austin", "postal_code": "78701", "country": "US"}.items():  # fmt: skip
        page.locator(f"#account-address_{field}").fill(value)
    both_widths(page, "accounts-wizard-details")
    page.get_by_role("button", name="Next").click()
    # the shared ID, entered manually: a bad one first, then a good one → Next
    page.get_by_label("Enter the shared ID manually").check()
    page.locator("#account-shared_id").fill("ERP 77")
    page.get_by_role("button", name="Next").click()
    expect(page.locator("#account-shared_id-error")).to_contain_text("letters, digits and . _ -")
    page.locator("#account-shared_id").fill("ERP-77")
    both_widths(page, "accounts-wizard-shared-id")
    page.get_by_role("button", name="Next").click()
    # the account attributes → Back keeps them, Next, Finish
    page.get_by_label("Business Number").fill("BN-4471")
    page.get_by_role("button", name="Back").click()
    expect(page.locator("#account-shared_id")).to_have_value("ERP-77")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Business Number")).to_have_value("BN-4471")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Acme Outfitters", level=1)).to_be_visible()
    expect(page.get_by_text("Account Acme Outfitters created with the shared ID ERP-77.")).to_be_visible()
    account = Customer.objects.get(shared_id="ERP-77")
    assert account.business_number == "BN-4471"

    # Edit, then Child Accounts → Add Child Account
    page.get_by_role("button", name="Edit").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("(you)")
    page.get_by_role("link", name="Child Accounts").click()
    page.get_by_role("button", name="Add Child Account").click()
    expect(page.get_by_role("heading", name="Add Child Account")).to_contain_text("to Acme Outfitters")
    fill_details(page, "Acme East")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()  # generated shared ID
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_text("Child account Acme East")).to_be_visible()
    child = Customer.objects.get(organization_name="Acme East")
    assert child.parent_id == account.pk
    page.goto(f"/service/customers/{account.pk}/?tab=children")
    tree = page.get_by_role("list", name="Child accounts of Acme Outfitters")
    expect(tree.get_by_role("link", name="Acme East")).to_be_visible()
    both_widths(page, "accounts-children")

    # Associates → Add Associate: User Email and Role → Save
    page.get_by_role("link", name="Associates").click()
    page.get_by_role("button", name="Add Associate").click()
    dialog = page.get_by_role("dialog", name="Add Associate")
    dialog.get_by_label("User Email").fill("nobody@example.com")
    dialog.get_by_role("button", name="Save").click()
    expect(page.get_by_role("dialog", name="Add Associate")).to_contain_text("No shopper with the email address")
    dialog = page.get_by_role("dialog", name="Add Associate")
    dialog.get_by_label("User Email").fill(shopper.email)
    dialog.get_by_label("Role").select_option(label="Account administrator")
    both_widths(page, "accounts-add-associate")
    dialog.get_by_role("button", name="Save").click()
    saved = "Jane Shopper is now an associate of Acme Outfitters (Account administrator)."
    expect(page.get_by_text(saved)).to_be_visible()
    expect(page.get_by_role("cell", name=shopper.email)).to_be_visible()
    both_widths(page, "accounts-associates")

    # Remove Associate: select the associate, Remove Associate, OK
    page.get_by_label("Select Jane Shopper").check()
    page.get_by_role("button", name="Remove Associate").click()
    remove = page.get_by_role("alertdialog", name="Remove Associate")
    expect(remove).to_contain_text("This will not delete the user")
    both_widths(page, "accounts-remove-associate")
    remove.get_by_role("button", name="OK").click()
    expect(page.get_by_text("No associates.")).to_be_visible()
    assert not AccountAssociate.objects.exists()
    assert User.objects.filter(pk=shopper.user_id).exists()

    # Delete Account while the child has an order: refused, naming why
    order = placed_order(shopper, store, shipments=1)
    order.account = child
    order.save(update_fields=["account"])
    page.get_by_role("button", name="Delete Account").click()
    refusal = page.get_by_role("alertdialog", name="Delete Account")
    expect(refusal).to_contain_text("Acme East (child of Acme Outfitters) has 1 order")
    both_widths(page, "accounts-delete-refused")
    refusal.get_by_role("button", name="OK").click()
    expect(page.get_by_test_id("lock-indicator")).to_contain_text("(you)")
    assert Customer.objects.filter(pk__in=[account.pk, child.pk]).count() == 2

    # once no child has purchases: the confirmation dialog, OK deletes the account and its child
    order.account = None
    order.save(update_fields=["account"])
    page.get_by_role("button", name="Delete Account").click()
    confirm = page.get_by_role("alertdialog", name="Delete Account")
    expect(confirm).to_contain_text("Delete Acme Outfitters and its child account?")
    both_widths(page, "accounts-delete-confirm")
    confirm.get_by_role("button", name="OK").click()
    expect(page.get_by_text("Acme Outfitters and its child account deleted.")).to_be_visible()
    assert not Customer.objects.filter(pk__in=[account.pk, child.pk]).exists()
    assert Customer.objects.filter(pk=shopper.pk).exists()


def test_the_child_accounts_tab_shows_a_deep_hierarchy_as_a_tree(page: Page, csr, store):
    # given Acme with children three levels deep (built directly: the tree's look is under test)
    names = ["Acme", "Acme East", "Acme Boston", "Acme Boston Harbor", "Acme West", "Acme Denver"]
    made = {name: factories.organization(store=store, name=name) for name in names}
    for child, parent in [("Acme East", "Acme"), ("Acme Boston", "Acme East"), ("Acme Boston Harbor", "Acme Boston"),
                          ("Acme West", "Acme"), ("Acme Denver", "Acme West")]:  # fmt: skip
        Customer.objects.filter(pk=made[child].pk).update(parent=made[parent])
    Customer.objects.filter(pk=made["Acme Denver"].pk).update(status=Customer.Status.SUSPENDED)
    console_sign_in(page, csr.email)
    page.goto(f"/service/customers/{made['Acme'].pk}/?tab=children")
    tree = page.get_by_role("list", name="Child accounts of Acme")
    # each level is a list inside its parent's item
    harbor = tree.locator("li li li", has_text="Acme Boston Harbor")
    expect(harbor.get_by_role("link", name="Acme Boston Harbor")).to_be_visible()
    expect(tree.locator("li li", has_text="Acme Denver")).to_contain_text("Suspended")
    both_widths(page, "accounts-tree")
    # a child's record shows where it belongs
    harbor.get_by_role("link", name="Acme Boston Harbor").click()
    expect(page.get_by_text("Account of Acme Boston")).to_be_visible()
