"""The acting context is resolved once, eagerly, by the assist middleware; resolving writes
nothing, a GET changes no row (bar 15), and a session that is over ends on whatever request finds
it (bar 4; repair items 16 and 21; consolidation item 4)."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from concierge.assist.models import AssistedSession
from concierge.carts.models import Cart
from concierge.identity.models import User
from concierge.testing import factories

pytestmark = pytest.mark.django_db
CORE = Path(__file__).resolve().parents[2] / "core"


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table Concierge owns (sessions excluded: Django's own bookkeeping)."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "contenttypes", "admin"} or not model._meta.managed:
            continue
        rows[model._meta.label] = sorted(model._default_manager.order_by("pk").values_list(), key=repr)
    return rows


@pytest.fixture
def assisting(signed_in, csr, shopper, store, clock):
    sku = factories.product(store=store)
    client = signed_in(csr)
    client.post(reverse("service:access_customer"), {"customer": shopper.pk})
    client.post(reverse("storefront:cart_add"), {"sku": sku.pk})  # the first item locks the cart
    session = AssistedSession.objects.get(agent=csr)
    assert Cart.objects.get(customer=shopper).lease_holder == csr
    return client, session


def test_a_get_leaves_every_row_unchanged(assisting, clock):
    client, session = assisting
    clock.advance(dt.timedelta(minutes=5))
    before = snapshot()
    api = client.get("/api/v1/me", headers={"X-Assisted-Session": str(session.pk)})
    assert api.json()["assisted_session"] == session.pk
    for url in ("/", reverse("storefront:cart"), reverse("storefront:my_account"), "/api/v1/cart"):
        assert client.get(url).status_code == 200, url
    assert snapshot() == before


def test_the_api_heartbeat_renews_the_session_and_the_cart_lock(assisting, clock, csr):
    client, session = assisting
    cart = Cart.objects.get(lease_holder=csr)
    clock.advance(dt.timedelta(minutes=5))
    response = client.post("/api/v1/assist/sessions/current/heartbeat")
    assert response.status_code == 200
    assert response.json()["id"] == session.pk
    session.refresh_from_db()
    assert session.last_seen_at == clock.now()
    cart.refresh_from_db()
    assert cart.lease_expires_at > clock.now() + dt.timedelta(minutes=9)


def test_the_heartbeat_is_a_post(assisting):
    client, _ = assisting
    assert client.get(reverse("storefront:assist_heartbeat")).status_code == 405
    assert client.get("/api/v1/assist/sessions/current/heartbeat").status_code == 405


def test_a_disabled_agent_s_session_ends_on_a_request_answered_with_a_redirect(assisting, csr):
    client, session = assisting
    User.objects.filter(pk=csr.pk).update(is_active=False)
    response = client.get(reverse("storefront:my_account"))
    assert response.status_code == 302  # sent to sign in: no view built a context
    session.refresh_from_db()
    assert (session.is_open, session.end_reason) == (False, "ACCESS_LOST")
    assert Cart.objects.get().lease_holder is None
    # re-enabled, nothing resumes
    User.objects.filter(pk=csr.pk).update(is_active=True)
    client.force_login(User.objects.get(pk=csr.pk), backend="concierge.identity.backends.EmailBackend")
    assert "is acting for" not in client.get("/").text
    assert not AssistedSession.objects.filter(ended_at=None).exists()


def test_a_disabled_agent_s_api_session_ends_on_a_401(signed_in, csr, shopper):
    key = Client().post("/api/v1/auth/tokens", {"email": csr.email, "password": factories.PASSWORD, "name": "t"},
                        content_type="application/json").json()["key"]  # fmt: skip
    auth = {"Authorization": f"Bearer {key}"}
    started = Client().post("/api/v1/assist/sessions", {"customer_id": shopper.pk}, content_type="application/json",
                            headers=auth)  # fmt: skip
    session_id = started.json()["id"]
    User.objects.filter(pk=csr.pk).update(is_active=False)
    response = Client().get("/api/v1/me", headers={**auth, "X-Assisted-Session": str(session_id)})
    assert response.status_code == 401
    session = AssistedSession.objects.get(pk=session_id)
    assert (session.is_open, session.end_reason) == (False, "ACCESS_LOST")


def test_a_demoted_agent_s_session_ends_on_a_403(assisting, csr):
    client, session = assisting
    csr.groups.clear()
    response = client.get(reverse("service:home"))
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.end_reason == "ACCESS_LOST"


def test_the_ground_floor_imports_no_domain():
    """core/context.py (and the rest of core) import nothing above them."""
    domains = {"customers", "stores", "assist", "carts", "orders", "checkout", "payments", "identity", "catalog"}
    found = []
    for path in [CORE / "context.py", CORE / "on_behalf.py", CORE / "leases.py", CORE / "lease_tokens.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("concierge.") and module.split(".")[1] in domains:
                found.append((path.name, module))
    # TYPE_CHECKING-only imports of models are names for type hints, not dependencies.
    allowed = {("context.py", "concierge.customers.models"), ("context.py", "concierge.identity.models"),
               ("context.py", "concierge.stores.models"), ("leases.py", "concierge.identity.models")}  # fmt: skip
    assert set(found) <= allowed
