"""The Customer Service page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
HOME = reverse("service:home")


def test_it_shows_the_stores_a_csr_serves(signed_in, csr, other_store):
    page = signed_in(csr).get(HOME).content.decode()
    assert "Stores you serve" in page
    assert "Northwind Outfitters" in page
    assert "Northwind Outfitters Canada" not in page
    # in words, not codes: the currency, the language and the time zone
    assert "US Dollar · English (United States) ·" in page
    assert "USD · en_US" not in page


def test_it_lists_what_the_staff_member_did(signed_in, csr):
    client = signed_in(csr)
    client.post(reverse("storefront:sign_out_everywhere"))
    csr.refresh_from_db()
    client = signed_in(csr)
    body = client.get(HOME).content.decode()
    assert "Signed out everywhere" in body  # in words (issue 10.11), not its code
    assert "user.signed_out_everywhere" not in body


def test_shoppers_are_refused(signed_in, shopper):
    response = signed_in(shopper.user).get(HOME)
    assert response.status_code == 403
    assert "for customer service staff" in response.content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client, store):
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:sign_in"))


def test_warehouse_staff_use_the_console(signed_in, warehouse):
    assert signed_in(warehouse).get(HOME).status_code == 200


def test_sellers_are_refused_the_console(signed_in, seller):
    assert signed_in(seller).get(HOME).status_code == 403
