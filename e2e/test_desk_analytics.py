"""The supervisor's desk's analytics in a real browser: a supervisor opens Assisted sales, chooses the
last 7 days, reads charts whose numbers are the tables' numbers, and downloads a table as CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from concierge.core import clock
from concierge.desk.tests.analytics_fixture import NOW, Known, build
from e2e.conftest import console_sign_in, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def known() -> Iterator[Known]:
    """The hand-computed fixture, with the clock (the server's too: one process) at its "now"."""
    clock.set_now(NOW)
    try:
        yield build()
    finally:
        clock.set_now(None)


def table_rows(page: Page, key: str) -> list[list[str]]:
    return page.locator(f'table[data-table="{key}"]').evaluate(
        "t => [...t.rows].map(r => [...r.cells].map(c => c.textContent.trim()))"
    )


def printed_values(page: Page, chart: str) -> list[str]:
    """The numbers a bar chart writes on its bars."""
    return page.locator(f'svg[data-chart="{chart}"] text.value').evaluate_all("ts => ts.map(t => t.textContent)")


def test_a_supervisor_reads_the_charts_and_downloads_a_table(known, page: Page):
    console_sign_in(page, known.sam.email)
    page.goto("/service/desk/analytics/")
    expect(page.get_by_role("heading", name="Assisted sales", level=1)).to_be_visible()
    page.get_by_label("Period", exact=True).select_option(label="Last 7 days")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".lead")).to_contain_text("Last 7 days: Jun 9, 2026 \u2013 Jun 15, 2026")

    # Every chart is an image with a title and a description a screen reader reads.
    charts = page.get_by_role("img")
    expect(page.get_by_role("img", name=re.compile("^From session to order"))).to_be_visible()
    assert charts.count() >= 4

    # The funnel's bars carry the funnel table's numbers.
    funnel = table_rows(page, "funnel")
    assert [row[0] for row in funnel[1:]] == ["Assisted sessions", "Items put in a cart", "Order placed"]
    assert sorted(set(printed_values(page, "funnel"))) == sorted(row[1] for row in funnel[1:]) == ["2", "3", "4"]

    # Revenue by CSR: each bar's amount is the CSR table's, in the viewer's locale.
    csrs = {row[0]: row for row in table_rows(page, "csrs")[1:]}
    header = table_rows(page, "csrs")[0]
    usd = header.index("Assisted revenue (USD)")
    assert set(printed_values(page, "revenue-usd")) == {csrs["Ann Agent"][usd]} == {"$170.00"}
    assert set(printed_values(page, "revenue-cad")) == {csrs["Carla Chen"][header.index("Assisted revenue (CAD)")]}

    # The series: its points are the daily table's sessions.
    daily = table_rows(page, "daily")
    points = page.locator('svg[data-chart="daily"] .serie-0 desc.value').evaluate_all(
        "ds => ds.map(d => d.textContent)"
    )
    assert points == [row[1] for row in daily[1:]] == ["0", "1", "1", "1", "0", "0", "1"]
    screenshot(page, "desk-analytics-1280")

    # The CSV of the CSR table downloads and parses, with the table's header and numbers.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV: By CSR").click()
    download = download_info.value
    assert download.suggested_filename == "assisted-sales-csrs-2026-06-09_2026-06-15.csv"
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert rows[0] == header
    assert [row[0] for row in rows[1:]] == ["Ann Agent", "Carla Chen"]
    ann = dict(zip(rows[0], rows[1], strict=True))
    assert ann["Assisted sessions"] == csrs["Ann Agent"][1] == "3"
    assert ann["Assisted revenue (USD)"] == "170.00"

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", name="Assisted sales", level=1)).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a phone"
    screenshot(page, "desk-analytics-390")
    page.set_viewport_size(DESKTOP)


def test_a_csr_sees_only_their_own_figures(known, page: Page):
    console_sign_in(page, known.ann.email)
    page.goto("/service/desk/analytics/?period=7")
    expect(page.locator(".lead")).to_contain_text("Your own assisted sessions")
    assert [row[0] for row in table_rows(page, "csrs")[1:]] == ["Ann Agent"]
    expect(page.get_by_text("Carla Chen")).to_have_count(0)
