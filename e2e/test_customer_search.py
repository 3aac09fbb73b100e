"""The Customers search in a real browser (seed 004 "Searching for Users", "Sorting User Search
Results", "Searching for Accounts", "Sorting Account Search Results"): every sort column both ways,
through the Sorting section and through the column headers, and a double-click opens the record."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from concierge.customers.directory import COLUMNS, Tab
from concierge.customers.tests.directory_people import ACCOUNT_ORDERS, USER_ORDERS, Directory, build
from e2e.conftest import console_sign_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
NARROW: ViewportSize = {"width": 390, "height": 844}
WIDE: ViewportSize = {"width": 1280, "height": 800}
LABELS = {tab: {c.key: c.label for c in COLUMNS[tab]} for tab in Tab}


@pytest.fixture
def directory(store, other_store) -> Directory:
    return build(store, other_store)


def listed(page: Page) -> list[str]:
    return page.locator('[data-directory-results] td[data-column="shared_id"]').all_inner_texts()


def sort_with_the_sorting_section(page: Page, label: str, order: str) -> None:
    page.get_by_label("Sort By Column").select_option(label=label)
    page.get_by_label("Sort Order").select_option(label=order)
    page.get_by_role("button", name="Search").click()
    page.wait_for_load_state()


def click_header(page: Page, label: str) -> None:
    page.get_by_role("columnheader", name=label).get_by_role("link").click()
    page.wait_for_load_state()


def check_every_column(page: Page, tab: Tab, orders: dict[str, str], directory: Directory) -> None:
    for key, letters in orders.items():
        label = LABELS[tab][key]
        expected = directory.shared_ids(letters)
        # the Sorting section: Sort By Column + Sort Order, then Search
        sort_with_the_sorting_section(page, label, "Ascending")
        assert listed(page) == expected, (label, "Ascending")
        sort_with_the_sorting_section(page, label, "Descending")
        assert listed(page) == expected[::-1], (label, "Descending")
        # the column header: from another column's order it sorts ascending, a second click reverses
        other = next(k for k in orders if k != key)
        sort_with_the_sorting_section(page, LABELS[tab][other], "Ascending")
        click_header(page, label)
        expect(page.get_by_role("columnheader", name=label)).to_have_attribute("aria-sort", "ascending")
        assert listed(page) == expected, (label, "header")
        click_header(page, label)
        expect(page.get_by_role("columnheader", name=label)).to_have_attribute("aria-sort", "descending")
        assert listed(page) == expected[::-1], (label, "header again")
        expect(page.get_by_label("Sort By Column")).to_have_value(key)


def both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size(NARROW)
    screenshot(page, f"{name}-390")
    # the table scrolls in its own box; the page itself does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    box = page.locator(".directory-results-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    page.set_viewport_size(WIDE)


def test_users_sorted_by_each_column_both_ways(page, csr, directory):
    console_sign_in(page, csr.email)
    page.get_by_role("navigation", name="Console").get_by_role("link", name="Customers").click()
    expect(page.get_by_role("heading", name="Customers", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Users")).to_have_attribute("aria-current", "page")
    # by default: by Shared ID; accounts and the other store's user are not listed
    assert listed(page) == directory.shared_ids("ABCD")
    check_every_column(page, Tab.USERS, USER_ORDERS, directory)
    # Search Terms narrow the list
    page.get_by_label("Last Name").fill("AD")
    page.get_by_role("button", name="Search").click()
    expect(page.locator('[data-directory-results] td[data-column="last_name"]')).to_have_text(["adams"])
    page.get_by_role("link", name="Clear").click()
    sort_with_the_sorting_section(page, "Last Name", "Ascending")
    both_widths(page, "customer-search-users")
    # double-click a row to open the record
    page.locator("[data-directory-results] tbody tr").first.dblclick()
    expect(page.get_by_role("heading", name="Cleo adams", level=1)).to_be_visible()


def test_accounts_sorted_by_each_column_both_ways(page, csr, directory):
    console_sign_in(page, csr.email)
    page.goto("/service/customers/")
    page.get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Account Search Results")).to_be_visible()
    assert listed(page) == directory.shared_ids("PQR")
    check_every_column(page, Tab.ACCOUNTS, ACCOUNT_ORDERS, directory)
    both_widths(page, "customer-search-accounts")
    page.get_by_role("link", name="Acme").click()
    expect(page.get_by_role("heading", name="Acme", level=1)).to_be_visible()
