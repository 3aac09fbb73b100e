"""Find customer answers in place: the search swaps its results into the Customer Service page,
which keeps its other panels, puts the search in the address bar, and goes back a search with the
browser's Back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from concierge.testing import factories
from e2e.conftest import screenshot
from e2e.test_assist import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_search_answers_in_place_and_back_returns_to_the_one_before(page: Page, store, shopper, csr):
    factories.shopper(store=store, email="pat.walker@example.com", first_name="Pat", last_name="Walker")
    sign_in(page, csr.email)
    expect(page.get_by_role("heading", name="Your recent activity")).to_be_visible()
    page.get_by_label("Last name").fill("Shopper")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("row").filter(has_text="Jane Shopper")).to_be_visible()
    expect(page).to_have_url(re.compile(r"last_name=Shopper"))
    # the page around the results is the one that was there: its panels stay
    expect(page.get_by_role("heading", name="Your recent activity")).to_be_visible()
    expect(page.get_by_role("heading", name="Stores you serve")).to_be_visible()
    screenshot(page, "find-customer-in-place")

    page.get_by_label("Last name").fill("Walker")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("row").filter(has_text="Pat Walker")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Jane Shopper")).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(re.compile(r"last_name=Shopper"))
    expect(page.get_by_role("row").filter(has_text="Jane Shopper")).to_be_visible()
    expect(page.get_by_role("heading", name="Stores you serve")).to_be_visible()


def test_a_search_with_bad_input_shows_its_field_error_in_place(page: Page, store, csr):
    sign_in(page, csr.email)
    page.get_by_label("Phone").fill("ED4NSHEJ")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#find-customer .field-error")).to_contain_text("Enter a phone number")
    expect(page.get_by_role("heading", name="Stores you serve")).to_be_visible()
