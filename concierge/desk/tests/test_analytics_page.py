"""The analytics page and its CSV downloads, as a supervisor, a CSR and others open them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from concierge.core import clock
from concierge.desk.tests.analytics_fixture import NOW, Known, build
from concierge.testing import factories

pytestmark = pytest.mark.django_db
PAGE = "/service/desk/analytics/"


@pytest.fixture
def known() -> Iterator[Known]:
    with clock.frozen(NOW):
        yield build()


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="concierge.identity.backends.EmailBackend")
    return client


def get(user, path: str = PAGE, **params):
    with clock.frozen(NOW):
        return browser(user).get(path, params)


def rows_of(html: str, key: str) -> list[list[str]]:
    """The cells of the page's table ``key`` (header row first), as the page shows them."""
    table = re.search(rf'<table class="table desk-figures" data-table="{key}">(.*?)</table>', html, re.S)
    assert table is not None, f"no table {key}"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


def summary_of(html: str) -> dict[str, str]:
    return {row[0]: row[1] for row in rows_of(html, "summary")[1:]}


def csv_of(user, key: str, **params) -> list[list[str]]:
    response = get(user, f"{PAGE}{key}.csv", **params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_a_supervisor_sees_charts_and_tables(known):
    response = get(known.sam, period="7")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Assisted sales" in html
    svgs = re.findall(r"<svg\b[^>]*>", html)
    assert len(svgs) == 4  # the series, the funnel, revenue by CSR in USD and in CAD
    assert all('role="img"' in svg and "aria-labelledby" in svg for svg in svgs)
    assert "window.pygal" not in html  # no chart script: the SVG alone
    assert '<title id="chart-funnel-title">From session to order</title>' in html
    summary = summary_of(html)
    assert summary["Assisted sessions"] == "4"
    assert summary["Assisted revenue (USD)"] == "$170.00"
    assert summary["Assisted revenue (CAD)"] == "CA$80.00"
    assert summary["Conversion of sessions to orders"] == "50.0%"
    assert summary["Median session length"] == "15 min"
    assert summary["Orders placed by shoppers alone"] == "2"
    csrs = rows_of(html, "csrs")
    assert [r[0] for r in csrs[1:]] == ["Ann Agent", "Carla Chen"]
    # Every number the funnel chart prints is in its table.
    funnel = re.search(r'data-chart="funnel".*?</svg>', html, re.S).group(0)
    printed = re.findall(r'<text[^>]*class="value[^"]*"[^>]*>([^<]+)</text>', funnel)
    assert sorted(printed) == sorted(r[1] for r in rows_of(html, "funnel")[1:]) == ["2", "3", "4"]
    revenue = re.search(r'data-chart="revenue-usd".*?</svg>', html, re.S).group(0)
    assert "$170.00" in re.findall(r'<text[^>]*class="value[^"]*"[^>]*>([^<]+)</text>', revenue)


def test_every_table_downloads_as_a_csv_matching_it(known):
    html = get(known.sam, period="7").content.decode()
    keys = re.findall(r'data-table="([a-z]+)"', html)
    assert set(keys) == {"summary", "daily", "csrs", "teams", "reasons", "endings", "funnel"}
    for key in keys:
        table, rows = rows_of(html, key), csv_of(known.sam, key, period="7")
        assert rows[0] == table[0], key  # the header row
        assert len(rows) == len(table), key
        assert [r[0] for r in rows[1:]] == [r[0] for r in table[1:]] or key == "daily"
    daily = csv_of(known.sam, "daily", period="7")
    assert daily[1] == ["2026-06-09", "0", "1", "0"]
    csrs = {
        r[0]: dict(zip(rows[0], r, strict=True)) for rows in [csv_of(known.sam, "csrs", period="7")] for r in rows[1:]
    }
    assert csrs["Ann Agent"]["Assisted revenue (USD)"] == "170.00"
    assert csrs["Ann Agent"]["Conversion"] == "66.7"
    assert csrs["Ann Agent"]["Average length"] == "11.3"
    assert csrs["Carla Chen"]["Assisted revenue (CAD)"] == "80.00"
    assert csrs["Carla Chen"]["Assisted revenue (USD)"] == ""


def test_one_store(known):
    html = get(known.sam, period="7", store="ca").content.decode()
    summary = summary_of(html)
    assert summary["Assisted sessions"] == "1"
    assert "Assisted revenue (USD)" not in summary
    assert [r[0] for r in rows_of(html, "csrs")[1:]] == ["Carla Chen"]
    assert get(known.sam, period="7", store="nowhere").status_code == 404


def test_a_csr_sees_their_own_figures(known):
    response = get(known.ann, period="7")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your own assisted sessions" in html
    summary = summary_of(html)
    assert summary["Assisted sessions"] == "3"
    assert "Orders placed by shoppers alone" not in summary
    assert [r[0] for r in rows_of(html, "csrs")[1:]] == ["Ann Agent"]
    assert "Carla" not in html
    assert 'data-table="teams"' not in html
    assert [r[0] for r in csv_of(known.ann, "csrs", period="7")[1:]] == ["Ann Agent"]


def test_others_are_refused(known):
    for role in ("Seller", "Warehouse"):
        user = factories.staff(role, stores=[known.us])
        assert get(user).status_code == 403
        assert get(user, f"{PAGE}csrs.csv").status_code == 403
    shopper = known.jane.user
    assert get(shopper).status_code == 403
    assert Client().get(PAGE).status_code == 302  # to sign in


def test_bad_dates_are_named_beside_their_field(known):
    response = get(known.sam, period="custom", **{"from": "2026-06-10", "to": "2026-06-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "The To date is before the From date." in html
    assert "On or after the From date." in html
    assert get(known.sam, f"{PAGE}summary.csv", period="fortnight").status_code == 400
    assert get(known.sam, f"{PAGE}nothing.csv").status_code == 404
