"""Find customer: one policy for both faces (repair item 4, consolidation item 2) and phone terms
that look like phone numbers (repair item 7)."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import reverse

from concierge.assist.models import SessionReason
from concierge.customers.models import Customer
from concierge.customers.search import index_customers
from concierge.testing import factories

pytestmark = pytest.mark.django_db
HOME = reverse("service:home")


@pytest.fixture
def phoned(store):
    customers = []
    for n in range(3):
        customer = factories.shopper(store=store, first_name="Phil", last_name=f"Phone{n}")
        Customer.objects.filter(pk=customer.pk).update(phone=f"+1 555 010 44{n}{n}")
        customer.refresh_from_db()
        customers.append(customer)
    index_customers(customers)
    return customers


@pytest.mark.parametrize(
    ("persona", "html_status", "api_status"),
    [("csr", 200, 200), ("supervisor", 200, 200), ("administrator", 200, 200), ("warehouse", 403, 403)],
)
def test_html_and_api_agree_on_who_finds_customers(request, signed_in, shopper, persona, html_status, api_status):
    client = signed_in(request.getfixturevalue(persona))
    page = client.get(HOME, {"last_name": "shop"})
    api = client.get("/api/v1/customers", {"last_name": "shop"})
    assert (page.status_code, api.status_code) == (html_status, api_status)
    if html_status == 200:
        assert "Jane Shopper" in page.text
        assert [c["name"] for c in api.json()["customers"]] == ["Jane Shopper"]
    else:
        assert "Jane Shopper" not in page.text
        assert "Warehouse staff find returns by their RMA code" in page.text
        assert api.json()["code"] == "permission_denied"
        assert "Warehouse staff find returns by their RMA code" in api.json()["message"]


def test_warehouse_staff_see_no_find_customer_widget(signed_in, warehouse):
    page = signed_in(warehouse).get(HOME)
    assert page.status_code == 200
    assert '<h2 id="find-heading">Find customer</h2>' not in page.text
    assert "RMA" in page.text


def test_sellers_and_shoppers_find_nobody_on_either_face(signed_in, seller, other_shopper, shopper):
    for user in (seller, other_shopper.user):
        client = signed_in(user)
        assert client.get(HOME, {"last_name": "shop"}).status_code == 403
        assert client.get("/api/v1/customers", {"last_name": "shop"}).status_code == 403


def test_another_stores_customer_is_found_by_neither_face(signed_in, csr_other_store, shopper):
    client = signed_in(csr_other_store)
    assert "Jane Shopper" not in client.get(HOME, {"last_name": "shop"}).text
    assert client.get("/api/v1/customers", {"last_name": "shop"}).json()["customers"] == []
    assert client.get(reverse("service:customer", args=[shopper.pk])).status_code == 404


def test_each_customer_found_shows_their_store_by_name_not_its_code(signed_in, csr, shopper):
    page = signed_in(csr).get(HOME, {"last_name": "shop"}).text
    row = page[page.index("Jane Shopper") :].split("</tr>", 1)[0]
    assert f"<td>{shopper.store.name}</td>" in row
    assert f"<td>{shopper.store.code}</td>" not in row


def test_a_cart_code_is_not_a_phone_term(signed_in, csr, phoned):
    client = signed_in(csr)
    page = client.get(HOME, {"phone": "ED4NSHEJ"})
    assert page.status_code == 400
    assert "Enter a phone number" in page.text
    assert "Phil" not in page.text
    api = client.get("/api/v1/customers", {"phone": "ED4NSHEJ"})
    assert api.status_code == 422
    assert api.json()["fields"]["phone"]


def test_a_phone_number_still_finds_by_its_digits(signed_in, csr, phoned):
    client = signed_in(csr)
    page = client.get(HOME, {"phone": "(555) 010-4411"})
    assert "Phone1" in page.text
    assert "Phone0" not in page.text
    api = client.get("/api/v1/customers", {"phone": "+1 555 010"})
    assert sorted(c["name"] for c in api.json()["customers"]) == ["Phil Phone0", "Phil Phone1", "Phil Phone2"]


# The page's own search (htmx) swaps in the Find customer section alone.
SEARCH_FROM_THE_PAGE = {"HX-Request": "true", "HX-Target": "find-customer", "HX-Current-URL": "http://testserver/"}


def test_a_search_from_the_page_gets_its_results_without_the_pages_other_panels(signed_in, csr, shopper):
    client = signed_in(csr)
    answer = client.get(HOME, {"last_name": "shop"}, headers=SEARCH_FROM_THE_PAGE)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section class="card find-customer" id="find-customer"')
    assert "Jane Shopper" in answer.text
    assert 'value="shop"' in answer.text  # the form keeps what was asked
    for panel in ("Your recent activity", "Stores you serve", "Customer lists", "<html"):
        assert panel not in answer.text


def test_a_search_from_the_page_with_bad_input_gets_the_section_with_its_field_error(signed_in, csr, phoned):
    answer = signed_in(csr).get(HOME, {"phone": "ED4NSHEJ"}, headers=SEARCH_FROM_THE_PAGE)
    assert answer.status_code == 400  # swapped in all the same (base.html's htmx-config)
    assert "Enter a phone number" in answer.text
    assert "Phil" not in answer.text
    assert "<html" not in answer.text


def test_the_whole_page_answers_a_link_a_reload_or_the_history(signed_in, csr, shopper):
    client = signed_in(csr)
    for headers in ({}, {**SEARCH_FROM_THE_PAGE, "HX-History-Restore-Request": "true"},
                    {"HX-Request": "true", "HX-Target": "customer-lists"}):  # fmt: skip
        page = client.get(HOME, {"last_name": "shop"}, headers=headers)
        assert page.status_code == 200
        assert "<html" in page.text
        assert "Jane Shopper" in page.text
        assert "Your recent activity" in page.text


def test_every_page_swaps_a_forms_field_errors_in(client):
    config = client.get(HOME, follow=True).text
    assert '<meta name="htmx-config"' in config
    assert '{"code": "400", "swap": true}' in config


def test_each_customer_found_offers_the_session_fields_its_store_asks_for(signed_in, csr, shopper, store):
    """Each row's Access menu carries the reason and case reference fields, ids its own, following
    the store's settings and the reasons kept, as they are changed."""
    client = signed_in(csr)
    page = client.get(HOME, {"last_name": "shop"}).text
    assert f'<select id="reason-{shopper.pk}" name="reason">' in page
    assert f'<input id="ticket-{shopper.pk}" name="ticket" maxlength="40" autocomplete="off">' in page
    assert '<option value="Order help">Order help</option>' in page

    store.assist_reason_required = True
    store.assist_case_required = True
    store.save()
    SessionReason.objects.create(name="Gift order", position=99)
    page = client.get(HOME, {"last_name": "shop"}).text
    assert f'<select id="reason-{shopper.pk}" name="reason" required>' in page
    assert f'<input id="ticket-{shopper.pk}" name="ticket" maxlength="40" required autocomplete="off">' in page
    assert '<option value="Gift order">Gift order</option>' in page


def test_the_rows_session_fields_are_the_shared_fields_template(store):
    """The rows' fields, rendered once per store's settings, are what the shared template renders."""
    context = Context({"store": store})
    included = Template('{% include "service/_session_reason_fields.html" with id=7 %}').render(context)
    tagged = Template("{% load session_tags %}{% session_reason_fields store 7 %}").render(context)
    assert tagged == included
    assert 'id="reason-7"' in tagged


def test_each_customer_found_shows_their_first_addresss_postal_code_on_both_faces(signed_in, csr, store):
    """Postal code: the customer's first address's (by when it was added), "—" on the page and ""
    over the API for a customer without one."""
    with_two = factories.shopper(
        store=store, first_name="Pia", last_name="Postal", email="pia@example.test", with_address=False
    )
    factories.address(with_two, postal_code="73301")
    factories.address(with_two, postal_code="10001")
    without = factories.shopper(
        store=store, first_name="Nia", last_name="Postal", email="nia@example.test", with_address=False
    )
    index_customers([with_two, without])
    client = signed_in(csr)

    found = {
        c["name"]: c["postal_code"]
        for c in client.get("/api/v1/customers", {"last_name": "postal"}).json()["customers"]
    }
    assert found == {"Pia Postal": "73301", "Nia Postal": ""}
    page = client.get(HOME, {"last_name": "postal"}).text
    assert "<td>73301</td>" in page
    assert "<td>10001</td>" not in page
    assert "<td>—</td>" in page
