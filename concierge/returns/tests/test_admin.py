"""Custom return reasons are added in the admin, audited, and offered by the wizard."""

import pytest

from concierge.audit.models import Event
from concierge.core.errors import DomainError
from concierge.returns.models import ReturnReason
from concierge.returns.services import check_items
from concierge.testing.clients import browser

pytestmark = pytest.mark.django_db


def test_an_administrator_adds_a_custom_reason(administrator):
    response = browser(administrator).post("/admin/returns/returnreason/add/",
                                           {"name": "Arrived late", "is_active": "on", "position": "50"})  # fmt: skip
    assert response.status_code == 302
    reason = ReturnReason.objects.get(name="Arrived late")
    assert not reason.is_system
    assert Event.objects.filter(action="admin.returnreason.added", subject_id=reason.pk).exists()


def test_the_system_reasons_cannot_be_deleted(administrator):
    damaged = ReturnReason.objects.get(name="Damaged")
    browser(administrator).post(f"/admin/returns/returnreason/{damaged.pk}/delete/", {"post": "yes"})
    assert ReturnReason.objects.filter(pk=damaged.pk).exists()


def test_a_retired_reason_is_not_accepted(shopper, store):
    from concierge.returns.services import ItemIn, ReturnIn
    from concierge.returns.tests.builders import SHOE, delivered_order

    order = delivered_order(shopper, store, (SHOE,))
    retired = ReturnReason.objects.create(name="Old reason", is_active=False)
    with pytest.raises(DomainError, match="Check the items to return"):
        check_items(order, ReturnIn(kind="RETURN", items=(ItemIn(order.lines.get().pk, 1, retired.pk),)))
