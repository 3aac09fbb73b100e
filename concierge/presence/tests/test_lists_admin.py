"""List definitions in the admin (presence/list_admin.py): columns from the kind's catalogue,
parameters of the kind's types, a sortable default sort; every change audited."""

from __future__ import annotations

import pytest

from concierge.audit.models import Event
from concierge.presence.models import CustomerList
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db

ADD = "/admin/presence/customerlist/add/"


def _form(**overrides: str) -> dict[str, str]:
    form = {"name": "Big carts", "slug": "big-carts", "description": "", "kind": "open_carts",
            "parameters": '{"threshold": "250"}', "columns": '["name", "email", "cart_total"]',
            "default_sort": "cart_total", "sort_descending": "on", "page_size": "25", "position": "50",
            "is_active": "on"}  # fmt: skip
    form.update(overrides)
    return form


def _errors(response) -> str:
    assert response.status_code == 200, "the form was accepted"
    return response.content.decode()


def test_an_administrator_adds_a_list_and_it_is_audited(administrator):
    response = browser(administrator).post(ADD, _form())
    assert response.status_code == 302
    definition = CustomerList.objects.get(slug="big-carts")
    assert (definition.columns, definition.parameters) == (["name", "email", "cart_total"], {"threshold": "250"})
    assert definition.updated_by == administrator
    event = Event.objects.get(action="admin.customerlist.added", subject_id=definition.pk)
    assert event.actor_id == administrator.pk


def test_changing_a_list_is_audited_with_what_changed(administrator):
    definition = CustomerList.objects.get(slug="current-in-store-customers")
    form = _form(name=definition.name, slug=definition.slug, kind="in_store", parameters="{}",
                 columns='["name", "zone", "customer_id"]', default_sort="since")  # fmt: skip
    assert browser(administrator).post(f"/admin/presence/customerlist/{definition.pk}/change/", form).status_code == 302
    event = Event.objects.get(action="admin.customerlist.changed", subject_id=definition.pk)
    assert "columns" in event.changes


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"columns": '["name", "shoe_size"]'}, "has no column shoe_size"),
        ({"columns": '["name", "name"]'}, "Each column can be chosen once."),
        ({"columns": '"name"'}, "Give the columns as a list of their keys"),
        ({"columns": '["zone"]', "default_sort": ""}, "has no column zone"),  # zone is not a cart list's column
        ({"parameters": '{"threshold": "lots"}'}, "Threshold: Enter an amount."),
        ({"parameters": '{"colour": "red"}'}, "has no parameter colour"),
        ({"parameters": "[1]"}, "Give the parameters as an object"),
        (
            {
                "default_sort": "primary_contact",
                "kind": "pickup",
                "columns": '["name", "primary_contact"]',
                "parameters": "{}",
            },
            "cannot be sorted by",
        ),
        ({"page_size": "500"}, "Ensure this value is less than or equal to 200."),
        ({"kind": "psychic"}, "Select a valid choice."),
    ],
)
def test_bad_definitions_are_refused_with_field_errors(administrator, overrides, words):
    page = _errors(browser(administrator).post(ADD, _form(**overrides)))
    assert words in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert not CustomerList.objects.filter(slug="big-carts").exists()


def test_empty_columns_take_the_kinds_defaults(administrator):
    assert browser(administrator).post(ADD, _form(columns="", default_sort="")).status_code == 302
    assert CustomerList.objects.get(slug="big-carts").columns == ["name", "email", "phone", "cart_total",
                                                                  "cart_updated"]  # fmt: skip


def test_the_admin_shows_the_catalogue(administrator):
    page = browser(administrator).get(ADD).content.decode()
    assert "Kinds and their columns" in page
    assert "zone (Zone in store, sortable)" in page


def test_csrs_cannot_change_list_definitions(csr):
    assert browser(csr).post(ADD, _form()).status_code in {302, 403}
    assert not CustomerList.objects.filter(slug="big-carts").exists()
