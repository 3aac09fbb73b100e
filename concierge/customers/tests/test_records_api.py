"""The record editor's API: read with the version, lock, PATCH the profile with If-Match and
X-Lease-Token, status, addresses, segments (PUBLIC refused), password reset; the one error shape."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.customers.models import Customer, Segment
from concierge.identity.services import api_token_create
from concierge.testing import factories
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db


def url(customer: Customer, rest: str = "") -> str:
    return f"/api/v1/service/customers/{customer.pk}{rest}"


class Editor:
    """A CSR's API client holding the record's lock."""

    def __init__(self, client: Client, customer: Customer) -> None:
        self.client, self.customer = client, customer
        locked = client.post(url(customer, "/lock"))
        assert locked.status_code == 200, locked.content
        self.token = locked.json()["lease_token"]
        self.version = locked.json()["version"]

    def send(
        self,
        method: str,
        rest: str,
        body: dict | None = None,
        *,
        version: object = "default",
        token: object = "default",  # noqa: S107 - "the editor's own token", not a password
    ):
        headers = {}
        if version is not None:
            headers["If-Match"] = f'"{self.version if version == "default" else version}"'
        if token is not None:
            headers["X-Lease-Token"] = self.token if token == "default" else str(token)
        response = getattr(self.client, method)(url(self.customer, rest), body or {}, content_type="application/json",
                                                headers=headers)  # fmt: skip
        if response.status_code < 300 and response.content and "version" in response.json():
            self.version = response.json()["version"]
        return response


@pytest.fixture
def editor(csr, shopper) -> Editor:
    return Editor(browser(csr), shopper)


def test_get_a_record_with_its_version_and_public(editor, shopper):
    body = editor.client.get(url(shopper)).json()
    assert (body["shared_id"], body["version"], body["status"]) == (shopper.shared_id, shopper.version, "ACTIVE")
    assert body["price_preview"] == "$14.25"
    assert body["segments"][0] == {"id": Segment.objects.get(code="PUBLIC").pk, "code": "PUBLIC", "name": "PUBLIC",
                                   "removable": False}  # fmt: skip
    assert body["locked_by"] == "Ann Agent"


def test_patch_the_profile_saves_audits_and_unlocks(editor, shopper):
    response = editor.send("patch", "/profile", {"first_name": "Janet", "preferred_locale": "fr_FR"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["first_name"], body["preferred_locale"], body["price_preview"]) == ("Janet", "fr_FR", "14,25\u00a0$US")
    assert body["version"] == shopper.version + 1
    assert body["locked_by"] is None
    assert Event.objects.filter(action="customer.updated", subject_id=str(shopper.pk)).exists()


@pytest.mark.parametrize(
    ("version", "token", "status", "code"),
    [
        (None, "default", 428, "customer.version_required"),
        (99, "default", 412, "customer.stale"),
        ("default", None, 409, "customer.lock_lost"),
        ("default", "forged-token", 409, "customer.lock_lost"),
    ],
)
def test_an_edit_without_its_guard_changes_nothing(editor, shopper, version, token, status, code):
    response = editor.send("patch", "/profile", {"first_name": "Janet"}, version=version, token=token)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert set(response.json()) >= {"code", "message", "fields"}
    assert Customer.objects.get(pk=shopper.pk).first_name == "Jane"


def test_someone_elses_lock_is_refused_naming_them(editor, shopper, supervisor):
    response = browser(supervisor).post(url(shopper, "/lock"))
    assert (response.status_code, response.json()["code"]) == (409, "customer.locked")
    assert response.json()["locked_by"] == "Ann Agent"


def test_an_over_long_name_is_refused_by_the_schema(editor, shopper):
    response = editor.send("patch", "/profile", {"first_name": "J" * 81})
    assert (response.status_code, response.json()["code"]) == (422, "request.invalid")
    assert Customer.objects.get(pk=shopper.pk).first_name == "Jane"


def test_an_email_taken_by_another_sign_in_is_refused(editor, shopper, other_shopper):
    response = editor.send("patch", "/profile", {"email": other_shopper.email})
    assert (response.status_code, response.json()["code"]) == (409, "customer.email_taken")
    assert "email" in response.json()["fields"]


def test_status_disables_and_the_users_token_stops_working(editor, shopper):
    _, key = api_token_create(ActingContext(user=shopper.user), name="phone")
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    response = editor.send("put", "/status", {"status": "DISABLED"})
    assert response.json()["status"] == "DISABLED"
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    wrong = Editor(editor.client, shopper).send("put", "/status", {"status": "SUSPENDED"})
    assert (wrong.status_code, wrong.json()["code"]) == (422, "customer.invalid")


def test_addresses_crud_and_defaults(editor, shopper):
    added = editor.send("post", "/addresses", {"first_name": "Jane", "last_name": "Shopper", "line1": "9 Elm St",
                                               "city": "Dallas", "postal_code": "75201", "country": "US",
                                               "default_billing": True})  # fmt: skip
    assert added.status_code == 201, added.content
    new = next(a for a in added.json()["addresses"] if a["city"] == "Dallas")
    assert new["is_default_billing"]
    assert added.json()["locked_by"] == "Ann Agent"  # the lock stays for the next step
    changed = editor.send("put", f"/addresses/{new['id']}", {"first_name": "Jane", "last_name": "Shopper",
                                                             "line1": "10 Elm St", "city": "Dallas",
                                                             "postal_code": "75201", "country": "US"})  # fmt: skip
    assert changed.status_code == 200
    defaulted = editor.send("post", f"/addresses/{new['id']}/default", {"use": "shipping"})
    assert next(a for a in defaulted.json()["addresses"] if a["id"] == new["id"])["is_default_shipping"]
    removed = editor.send("delete", f"/addresses/{new['id']}")
    assert [a["city"] for a in removed.json()["addresses"]] == ["Austin"]
    stale = editor.send("delete", f"/addresses/{new['id']}", version=1)
    assert stale.status_code == 412


def test_segments_add_remove_and_public_refused(editor, shopper):
    vip = Segment.objects.create(code="vip", name="VIP")
    public = Segment.objects.get(code="PUBLIC")
    added = editor.send("post", "/segments", {"segment_id": vip.pk})
    assert [s["code"] for s in added.json()["segments"]] == ["PUBLIC", "vip"]
    refused = editor.send("delete", f"/segments/{public.pk}")
    assert (refused.status_code, refused.json()["code"]) == (409, "segment.public")
    removed = editor.send("delete", f"/segments/{vip.pk}")
    assert [s["code"] for s in removed.json()["segments"]] == ["PUBLIC"]
    missing = editor.send("delete", f"/segments/{vip.pk}")
    assert missing.status_code == 404


def test_password_reset_emails_the_customer_not_the_caller(csr, shopper, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = browser(csr).post(url(shopper, "/password-reset"))
    assert response.status_code == 202
    assert "/account/reset/" not in response.content.decode()
    assert mail.outbox[0].to == [shopper.email]


def test_unlock_releases_the_lock(editor, shopper):
    response = editor.client.delete(url(shopper, "/lock"), headers={"X-Lease-Token": editor.token})
    assert response.status_code == 204
    assert not Customer.objects.get(pk=shopper.pk).lease_is_live()


def test_a_shopper_and_another_stores_csr_are_refused(shopper, other_shopper, csr_other_store):
    assert browser(other_shopper.user).get(url(shopper)).status_code == 403
    assert browser(csr_other_store).get(url(shopper)).status_code == 404


def test_an_account_record_takes_business_fields_and_suspended(csr, store):
    org = factories.organization(store=store, name="Acme Outfitters")
    editor = Editor(browser(csr), org)
    response = editor.send("patch", "/profile", {"business_name": "Acme Ltd", "business_number": "BN-1",
                                                 "status": "SUSPENDED"})  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["business_name"], response.json()["status"]) == ("Acme Ltd", "SUSPENDED")


def test_inside_an_assisted_session_the_sign_in_email_is_never_changed_on_behalf(csr, shopper):
    # given Ann assists Jane through the API and holds her record's lock
    client = browser(csr)
    started = client.post("/api/v1/assist/sessions", {"customer_id": shopper.pk}, content_type="application/json")
    assert started.status_code == 201, started.content
    session = {"X-Assisted-Session": str(started.json()["id"])}
    token = client.post(url(shopper, "/lock"), headers=session).json()["lease_token"]
    headers = {**session, "X-Lease-Token": token, "If-Match": str(shopper.version)}
    # when she changes Jane's email: refused on behalf (bar 6), nothing changes
    refused = client.patch(url(shopper, "/profile"), {"email": "new@example.com"}, content_type="application/json",
                           headers=headers)  # fmt: skip
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed_on_behalf")
    assert Customer.objects.get(pk=shopper.pk).email == "jane@example.com"
    # a name change is fine, and audited within the assisted session
    saved = client.patch(url(shopper, "/profile"), {"phone": "+1 512 555 0199"}, content_type="application/json",
                         headers=headers)  # fmt: skip
    assert saved.status_code == 200, saved.content
    event = Event.objects.get(action="customer.updated", subject_id=str(shopper.pk))
    assert event.assisted_session_id == int(session["X-Assisted-Session"])
    assert event.on_behalf_of_id == shopper.pk
