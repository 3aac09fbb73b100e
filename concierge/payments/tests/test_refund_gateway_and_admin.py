"""The test gateway's refunds (partial, never above the capture, the refund decline card) and the
store's refund approval threshold as an admin setting."""

from decimal import Decimal

import pytest

from concierge.audit.models import Event
from concierge.payments.gateway import REFUND_DECLINE_CARD, TestGateway


def test_a_capture_is_refunded_in_parts_and_never_above_what_it_captured():
    authorization = TestGateway.authorize(TestGateway.tokenize("4242424242424242").token, Decimal("50.00"))
    capture = TestGateway.capture(authorization.reference, Decimal("40.00"))
    assert TestGateway.refund(capture.reference, Decimal("15.00")).approved
    assert TestGateway.refund(capture.reference, Decimal("40.00")).approved
    above = TestGateway.refund(capture.reference, Decimal("40.01"))
    assert not above.approved
    assert above.message == "The refund is more than was captured."


def test_the_refund_decline_card_is_charged_but_never_refunded():
    token = TestGateway.tokenize(REFUND_DECLINE_CARD).token
    authorization = TestGateway.authorize(token, Decimal("20.00"))
    capture = TestGateway.capture(authorization.reference, Decimal("20.00"))
    assert authorization.approved
    assert capture.approved
    for result in (TestGateway.refund(capture.reference, Decimal("1.00")), TestGateway.credit(token, Decimal("1.00"))):
        assert not result.approved
        assert result.message == "The card issuer declined the refund."


@pytest.mark.django_db
def test_an_administrator_sets_the_stores_refund_approval_threshold_in_the_admin(signed_in, administrator, store):
    client = signed_in(administrator)
    change = f"/admin/stores/store/{store.pk}/change/"
    assert 'name="refund_approval_threshold"' in client.get(change).content.decode()
    form = {"code": store.code, "name": store.name, "currency": store.currency, "locale": store.locale,
            "time_zone": store.time_zone, "is_default": "on" if store.is_default else "",
            "multi_ship": "on" if store.multi_ship else "", "refund_approval_threshold": "250.00",
            "presence_quiet_minutes": store.presence_quiet_minutes,
            "sighting_retention_days": store.sighting_retention_days,
            "assist_verification": store.assist_verification}  # fmt: skip
    response = client.post(change, {k: v for k, v in form.items() if v})
    assert response.status_code == 302, response.content.decode()[:500]
    store.refresh_from_db()
    assert store.refund_approval_threshold == Decimal("250.00")
    event = Event.objects.filter(action="admin.store.changed").latest("id")
    assert event.changes["refund_approval_threshold"] == ["500.00", "250.00"]
