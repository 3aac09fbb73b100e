"""Devices in the admin and the API (bar 23): registering shows the secret once, rotating refuses
the old secret at once, revoking refuses the device; each change audited; administrators only."""

from __future__ import annotations

import re

import pytest

from concierge.audit.models import Event
from concierge.core import clock
from concierge.presence.models import Device
from concierge.presence.tests.sightings import consenting, device, event, post

pytestmark = pytest.mark.django_db


def _secret(response) -> str:
    found = re.findall(r'data-testid="device-secret"[^>]*>([0-9a-f]{64})<', response.content.decode())
    assert len(found) == 1, response.content.decode()[:2000]
    return found[0]


def test_an_administrator_registers_a_device_and_sees_its_secret_once(signed_in, administrator, store, shopper):
    client = signed_in(administrator)
    # when the administrator adds a device in the store's Footwear zone
    form = {"store": store.pk, "zone": "Footwear", "name": "Footwear beacon", "kind": "BEACON"}
    response = client.post("/admin/presence/device/add/", form)
    # then the page shows its secret, and the secret signs for it
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = _secret(response)
    dev = Device.objects.get(name="Footwear beacon")
    assert secret not in (dev.secret_salt, dev.key_id)
    consenting(shopper, "LOY-1")
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=secret).status_code == 200
    # and the device's page never shows it again
    page = client.get(f"/admin/presence/device/{dev.pk}/change/")
    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert Event.objects.filter(action="admin.device.added", subject_id=str(dev.pk)).exists()


def test_rotate_credentials_in_the_admin_refuses_the_old_secret(signed_in, administrator, store, shopper):
    client = signed_in(administrator)
    consenting(shopper, "LOY-1")
    dev, old = device(store)
    response = client.post("/admin/presence/device/",
                           {"action": "rotate_credentials", "_selected_action": [dev.pk]})  # fmt: skip
    new = _secret(response)
    dev.refresh_from_db()
    assert (
        post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=old).json()["code"]
        == "device.signature_invalid"
    )
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=new).status_code == 200
    assert Event.objects.filter(action="presence.device_credentials_rotated", subject_id=str(dev.pk)).exists()


def test_revoke_in_the_admin_refuses_the_device(signed_in, administrator, store, shopper):
    client = signed_in(administrator)
    consenting(shopper, "LOY-1")
    dev, _ = device(store)
    response = client.post("/admin/presence/device/", {"action": "revoke", "_selected_action": [dev.pk]}, follow=True)
    assert "1 device(s) revoked" in response.content.decode()
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())]).json()["code"] == "device.revoked"
    assert Event.objects.filter(action="presence.device_revoked", subject_id=str(dev.pk)).exists()
    # a revoked device is not given new credentials
    rotated = client.post("/admin/presence/device/", {"action": "rotate_credentials", "_selected_action": [dev.pk]},
                          follow=True)  # fmt: skip
    assert "revoked" in rotated.content.decode()
    assert 'data-testid="device-secret"' not in rotated.content.decode()


def test_the_device_api_registers_rotates_and_revokes_for_administrators(signed_in, administrator, store, shopper):
    client = signed_in(administrator)
    consenting(shopper, "LOY-1")
    created = client.post("/api/v1/presence/devices", {"store": store.pk, "zone": "Checkout", "name": "Till 1",
                                                       "kind": "POS"}, content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    dev = Device.objects.get(pk=created.json()["device"]["id"])
    secret = created.json()["secret"]
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=secret).status_code == 200
    listed = client.get("/api/v1/presence/devices").json()
    assert [d["name"] for d in listed] == ["Till 1"]
    assert "secret" not in listed[0]
    again = client.post("/api/v1/presence/devices", {"store": store.pk, "zone": "Checkout", "name": "Till 1"},
                        content_type="application/json")  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (409, "device.name_taken")
    rotated = client.post(f"/api/v1/presence/devices/{dev.pk}/rotate")
    assert rotated.status_code == 200
    dev.refresh_from_db()
    assert post(client, dev, [event("LOY-1", seen_at=clock.now())], secret=secret).status_code == 401
    revoked = client.post(f"/api/v1/presence/devices/{dev.pk}/revoke")
    assert revoked.json()["revoked_at"] is not None
    assert client.post("/api/v1/presence/devices/999999/rotate").status_code == 404


def test_the_device_api_is_for_administrators_only(signed_in, csr, store):
    client = signed_in(csr)
    response = client.get("/api/v1/presence/devices")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    created = client.post("/api/v1/presence/devices", {"store": store.pk, "zone": "Checkout", "name": "Till"},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 403
    assert not Device.objects.exists()


def test_the_admin_is_for_administrators_only(signed_in, csr, store):
    dev, _ = device(store)
    client = signed_in(csr)
    response = client.post("/admin/presence/device/", {"action": "rotate_credentials", "_selected_action": [dev.pk]})
    assert response.status_code == 302  # to the admin's sign-in
    assert Device.objects.get(pk=dev.pk).secret_salt == dev.secret_salt
