"""Times and money read the same in both faces: the store's time zone with its abbreviation, and
Babel amounts in the viewer's locale (issue 10.10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time, get_datetime_format
from django.urls import reverse

from concierge.core.display import format_amount, format_when
from concierge.core.money import Money
from concierge.orders.models import Order
from concierge.orders.tests.builders import order_row

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 12, 1, 15, 44, tzinfo=dt.UTC)


@pytest.fixture
def eastern(store):
    store.time_zone = "America/New_York"
    store.save(update_fields=["time_zone"])
    return store


def test_a_time_reads_in_the_store_time_zone_with_its_abbreviation(eastern):
    assert format_when(AT, eastern) == "Dec 1, 2026, 10:44 AM EST"
    assert format_when(dt.datetime(2026, 7, 1, 15, 44, tzinfo=dt.UTC), "America/New_York") == (
        "Jul 1, 2026, 11:44 AM EDT"
    )
    assert format_when(AT, "UTC") == "Dec 1, 2026, 3:44 PM UTC"
    assert format_when(None) == "—"


@pytest.mark.parametrize("locale", ["en_US", "en_CA", "fr_CA", "de_DE", "ja_JP", "ar_EG", "en_GB"])
@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Paris", "Asia/Kolkata", "UTC"])
def test_a_time_reads_as_babel_writes_it_in_every_locale_and_zone(locale, zone):
    """The patterns parsed once per locale give Babel's own text: its medium date, short time and
    their joining, across a change of daylight saving time and midnight in the zone."""
    for value in (AT, dt.datetime(2026, 7, 1, 23, 59, tzinfo=dt.UTC), dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)):
        local = value.astimezone(ZoneInfo(zone))
        babel = (
            str(get_datetime_format("medium", locale=locale))
            .replace("{1}", format_date(local, "medium", locale=locale))
            .replace("{0}", format_time(local, "short", locale=locale))
        )
        assert format_when(value, zone, locale) == f"{babel} {local.tzname()}".replace("\u202f", " ")


def test_an_amount_reads_in_the_locale_given():
    assert format_amount(Decimal("1641.93"), "USD", "en_US") == "$1,641.93"
    assert format_amount(Money(Decimal("1641.93"), "EUR"), locale="de_DE") == "1.641,93\xa0€"


def test_the_console_order_view_shows_the_store_time_and_a_formatted_amount(signed_in, csr, shopper, eastern):
    # given
    order = order_row(shopper, eastern, total=Decimal("1641.93"), placed_at=AT)
    # when
    html = signed_in(csr).get(reverse("service:order", args=[order.number])).content.decode()
    # then
    assert "$1,641.93" in html
    assert "1641.93 USD" not in html
    assert "Dec 1, 2026, 10:44 AM EST" in html
    assert "2026-12-01 15:44" not in html


def test_the_console_search_lists_the_same_time_and_amount(signed_in, csr, shopper, eastern):
    order_row(shopper, eastern, total=Decimal("1641.93"), placed_at=AT)
    html = signed_in(csr).get(reverse("service:orders")).content.decode()
    assert "$1,641.93" in html
    assert "Dec 1, 2026, 10:44 AM EST" in html


def test_the_storefront_order_page_reads_the_same_as_the_console(signed_in, shopper, eastern):
    order = order_row(shopper, eastern, total=Decimal("1641.93"), placed_at=AT)
    html = signed_in(shopper.user).get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert "$1,641.93" in html
    assert "Dec 1, 2026, 10:44 AM EST" in html


def test_the_storefront_uses_the_shoppers_locale(signed_in, shopper, eastern):
    shopper.preferred_locale = "en_CA"
    shopper.save(update_fields=["preferred_locale"])
    order = order_row(shopper, eastern, total=Decimal("1641.93"), placed_at=AT)
    html = signed_in(shopper.user).get(reverse("storefront:order_detail", args=[order.number])).content.decode()
    assert "US$1,641.93" in html  # en_CA writes US dollars with their prefix


def test_order_search_dates_are_the_store_days(signed_in, csr, shopper, eastern):
    # given: placed at 10 pm on Dec 1 in New York, which is already Dec 2 in UTC
    late = order_row(shopper, eastern, placed_at=dt.datetime(2026, 12, 2, 3, 0, tzinfo=dt.UTC))
    client = signed_in(csr)

    def found(day: str) -> list[str]:
        page = client.get(reverse("service:orders"), {"placed_from": day, "placed_to": day}).content.decode()
        return [n for n in Order.objects.values_list("number", flat=True) if n in page]

    # then
    assert found("2026-12-01") == [late.number]
    assert found("2026-12-02") == []


def test_codes_read_as_names_and_an_unknown_code_as_itself():
    from concierge.core.display import currency_name, locale_name, time_zone_name

    assert currency_name("USD") == "US Dollar"
    assert currency_name("EUR") == "Euro"
    assert locale_name("fr_CA") == "French (Canada)"
    assert time_zone_name("America/Chicago") == "Central Time"
    assert time_zone_name("Nowhere/Atlantis") == "Nowhere/Atlantis"
    assert locale_name("xx_NOPE") == "xx_NOPE"
