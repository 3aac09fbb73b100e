"""The desk's figures in the API: the same numbers and scope as the page, stable codes for a bad period."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from concierge.core import clock
from concierge.desk.tests.analytics_fixture import NOW, Known, build
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
FIGURES = "/api/v1/service/desk/analytics/figures"
SERIES = "/api/v1/service/desk/analytics/series"


@pytest.fixture
def known() -> Iterator[Known]:
    with clock.frozen(NOW):
        yield build()


def api(user) -> Client:
    created = Client().post("/api/v1/auth/tokens", {"email": user.email, "password": PASSWORD, "name": "desk"},
                            content_type="application/json")  # fmt: skip
    assert created.status_code == 201, created.content
    return Client(headers={"Authorization": f"Bearer {created.json()['key']}"})


def get(user, path: str, **params):
    client = api(user)
    with clock.frozen(NOW):
        return client.get(path, params)


def test_the_figures_of_a_supervisor(known):
    response = get(known.sam, FIGURES, period="7")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["period"] == {"first": "2026-06-09", "last": "2026-06-15", "preset": "7"}
    assert [s["code"] for s in body["stores"]] == ["us", "ca"]
    assert body["own_only"] is False
    totals = body["totals"]
    assert (totals["sessions"], totals["sessions_with_order"], totals["sessions_with_cart"]) == (4, 2, 3)
    assert (totals["average_minutes"], totals["median_minutes"], totals["conversion"]) == ("16.0", "15", "0.5000")
    assert (totals["assisted_orders"], totals["alone_orders"]) == (4, 2)
    assert totals["revenue"] == [{"currency": "CAD", "amount": "80.00"}, {"currency": "USD", "amount": "170.00"}]
    assert totals["average_order_value"][1] == {"currency": "USD", "amount": "56.67"}
    assert (totals["returns"], totals["refunds"], totals["refunded"]) == (
        1,
        1,
        [{"currency": "USD", "amount": "25.00"}],
    )
    assert (totals["takeovers"], totals["handed_back"], totals["checked_out"]) == (1, 1, 1)
    assert [(c["csr_name"], c["sessions"], c["assisted_orders"]) for c in body["by_csr"]] == [
        ("Ann Agent", 3, 3), ("Carla Chen", 1, 1)]  # fmt: skip
    assert [(t["store"], t["sessions"], t["alone_orders"]) for t in body["by_team"]] == [("us", 3, 1), ("ca", 1, 1)]
    assert body["by_reason"] == [
        {"label": "Order help", "sessions": 3},
        {"label": "Returns and refunds", "sessions": 1},
    ]
    assert {e["label"] for e in body["by_end"]} == {"Agent signed out", "Cart handed back", "Idle timeout",
                                                    "Signed in as themself"}  # fmt: skip


def test_the_series(known):
    response = get(known.sam, SERIES, period="custom", **{"from": "2026-06-09", "to": "2026-06-11", "store": "us"})
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"day": "2026-06-09", "sessions": 0, "assisted_orders": 1, "alone_orders": 0},
        {"day": "2026-06-10", "sessions": 1, "assisted_orders": 1, "alone_orders": 0},
        {"day": "2026-06-11", "sessions": 0, "assisted_orders": 0, "alone_orders": 1},
    ]


def test_a_csr_gets_their_own(known):
    body = get(known.carla, FIGURES, period="7").json()
    assert body["own_only"] is True
    assert (body["totals"]["sessions"], body["totals"]["alone_orders"]) == (1, None)
    assert [c["csr_name"] for c in body["by_csr"]] == ["Carla Chen"]
    series = get(known.carla, SERIES, period="7").json()
    assert {d["alone_orders"] for d in series} == {None}
    assert sum(d["assisted_orders"] for d in series) == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"period": "14"}, "desk.period_invalid"),
        ({"period": "custom", "from": "2026-06-01"}, "desk.dates_invalid"),
        ({"period": "custom", "from": "01/06/2026", "to": "2026-06-05"}, "desk.dates_invalid"),
        ({"period": "custom", "from": "2026-06-10", "to": "2026-06-01"}, "desk.dates_invalid"),
    ],
)
def test_a_bad_period_answers_its_code(known, params, code):
    response = get(known.sam, FIGURES, **params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert get(known.sam, SERIES, **params).json()["code"] == code


def test_scope_refusals(known):
    assert get(known.sam, FIGURES, store="nowhere").status_code == 404
    assert get(known.ann, FIGURES, store="ca").status_code == 404  # a store Ann does not serve
    seller = factories.staff("Seller", stores=[known.us], email="sal@concierge.test")
    refused = get(seller, FIGURES)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert Client().get(FIGURES).status_code == 401
    too_long = get(known.sam, FIGURES, period="7" * 30)
    assert too_long.status_code == 422


def test_a_parameter_given_twice_is_refused(known):
    response = get(known.sam, FIGURES + "?period=7&period=30")
    assert (response.status_code, response.json()["code"]) == (422, "request.invalid")
    assert "period" in response.json()["fields"]
