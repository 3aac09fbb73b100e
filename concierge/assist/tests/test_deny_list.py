"""Bar 6: every route whose name looks sensitive is refused on behalf, or reviewed as safe."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from concierge.api.main import api
from concierge.assist.policies import REVIEWED_ALLOWED
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

SENSITIVE = re.compile(r"password|email|token|delete|export|card|payment|security|consent|assistance|mfa|phone")


def html_routes() -> Iterator[tuple[str, object]]:
    def walk(patterns: list, namespace: str) -> Iterator[tuple[str, object]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in {"admin", "api"}:
                    continue  # the admin is staff-only; the API is walked below
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}", pattern.callback

    yield from walk(get_resolver().url_patterns, "")


def api_routes() -> Iterator[tuple[str, object]]:
    for _, router in api._routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                name = operation.view_func.__name__
                yield f"api:{name} {path}", operation.view_func


def test_every_sensitive_route_is_tagged_or_reviewed():
    untagged = []
    for name, view in [*html_routes(), *api_routes()]:
        if not SENSITIVE.search(name):
            continue
        reviewed = name.split(" ")[0] in REVIEWED_ALLOWED
        if getattr(view, "on_behalf_denied", None) is None and not reviewed:
            untagged.append(name)
    assert untagged == [], "tag these with not_on_behalf, or review them in REVIEWED_ALLOWED"


def test_the_walk_sees_the_routes_it_guards():
    names = {name.split(" ")[0] for name, _ in [*html_routes(), *api_routes()]}
    assert {"storefront:security", "api:token_create", "api:token_list", "storefront:payment_methods"} <= names


# --- The seller acting for an organization gets the same deny list (repair item 3) ---------------


@pytest.fixture
def seller_for_org(seller, store) -> Client:
    org = factories.organization(store=store, name="Acme Hospitality", seller=seller)
    client = Client()
    client.force_login(seller, backend="concierge.identity.backends.EmailBackend")
    client.post(reverse("storefront:organizations"), {"account_id": org.pk})
    assert client.get("/api/v1/me").json()["account"]["name"] == "Acme Hospitality"
    return client


def _argless(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


@pytest.mark.django_db
def test_every_tagged_html_route_refuses_a_seller_acting_for_an_organization(seller_for_org):
    tagged = [name for name, view in html_routes() if getattr(view, "on_behalf_denied", None) and _argless(name)]
    assert "storefront:security" in tagged
    for name in tagged:
        for method in ("get", "post"):
            response = getattr(seller_for_org, method)(reverse(name))
            assert response.status_code == 403, (name, method)
            assert "while acting for an organization" in response.text


@pytest.mark.django_db
def test_every_tagged_api_route_refuses_a_seller_acting_for_an_organization(seller_for_org):
    response = seller_for_org.get("/api/v1/auth/tokens")
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed_on_behalf")


@pytest.mark.django_db
def test_the_seller_s_own_password_never_changes_through_the_organization(seller_for_org, seller):
    page = seller_for_org.get(reverse("storefront:my_account"))
    assert "Sign-in and security" not in page.text
    response = seller_for_org.post(
        reverse("storefront:security"),
        {"action": "password", "current_password": PASSWORD, "new_password": "a-brand-new-passphrase-42"},
    )
    assert response.status_code == 403
    seller.refresh_from_db()
    assert seller.check_password(PASSWORD)
