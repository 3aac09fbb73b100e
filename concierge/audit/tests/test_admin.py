"""Changes made in the Django admin are audited like any other, with the administrator as actor."""

import pytest
from django.urls import reverse

from concierge.audit.models import Event
from concierge.identity.models import User
from concierge.orders.models import HoldRule
from concierge.stores.models import ShippingMethod

pytestmark = pytest.mark.django_db


def test_an_admin_change_is_an_audited_event(signed_in, administrator, store):
    client = signed_in(administrator)
    response = client.post(reverse("admin:orders_holdrule_add"), {"name": "Big order", "kind": "TOTAL_ABOVE",
                                                                  "amount": "900", "is_active": "on",
                                                                  "privilege": "identity.resolve_hold"})  # fmt: skip
    assert response.status_code == 302
    rule = HoldRule.objects.get(name="Big order")
    event = Event.objects.get(action="admin.holdrule.added")
    assert (event.actor_id, event.subject_id) == (administrator.pk, str(rule.pk))
    assert event.changes["amount"] == ["", "900"]


def test_an_admin_delete_is_an_audited_event(signed_in, administrator, store):
    method = ShippingMethod.objects.create(store=store, code="x", name="X", price=1)
    client = signed_in(administrator)
    client.post(reverse("admin:stores_shippingmethod_delete", args=[method.pk]), {"post": "yes"})
    assert not ShippingMethod.objects.exists()
    assert Event.objects.filter(action="admin.shippingmethod.deleted", subject_id=str(method.pk)).exists()


def test_staff_are_managed_in_the_admin_with_roles_and_stores(signed_in, administrator, csr, store):
    client = signed_in(administrator)
    assert client.get(reverse("admin:identity_user_changelist")).status_code == 200
    assert client.get(reverse("admin:identity_user_change", args=[csr.pk])).status_code == 200
    response = client.post(reverse("admin:identity_user_add"), {
        "email": "new.agent@concierge.test", "password1": "a long enough passphrase",
        "password2": "a long enough passphrase", "usable_password": "true",
    })  # fmt: skip
    assert response.status_code == 302
    assert User.objects.filter(email="new.agent@concierge.test").exists()
    assert Event.objects.filter(action="admin.user.added").exists()


def test_a_csr_cannot_use_the_admin(signed_in, csr):
    assert signed_in(csr).get(reverse("admin:index")).status_code == 302
