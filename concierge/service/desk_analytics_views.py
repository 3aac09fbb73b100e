"""The supervisor's desk's analytics page: assisted-sales figures for a period, as charts drawn on
the server (pygal, inline SVG with a title and a description, no script) each with its numbers in
a table, and every table as a CSV download.

A supervisor sees every CSR of the stores they serve; a CSR sees their own figures
(``concierge.desk.analytics``). Amounts are written in the viewer's locale, days are the stores'
calendar days.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pygal
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET
from pygal.style import Style

from concierge.core.display import format_amount, viewer_locale
from concierge.core.errors import DomainError
from concierge.core.requests import ConciergeRequest
from concierge.desk.analytics import (
    DEFAULT_PRESET,
    PRESET_LABELS,
    Figures,
    Period,
    Scope,
    Tally,
    analytics_scope,
    figures,
    parse_period,
    today_of,
)
from concierge.service.views import staff_required

_STYLE: dict[str, Any] = {
    "background": "transparent", "plot_background": "transparent", "foreground": "#1d2430",
    "foreground_strong": "#1d2430", "foreground_subtle": "#dde2ea", "opacity": ".9", "opacity_hover": "1",
    "font_family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "title_font_size": 20,
    "label_font_size": 15, "major_label_font_size": 15, "value_font_size": 15, "legend_font_size": 16,
    "tooltip_font_size": 14,
}  # fmt: skip
CHART_STYLE = Style(colors=("#0f5c8c", "#c2561a", "#1e6b3a", "#7b4fa0"), **_STYLE)
# Bars in a light blue, so that their numbers (dark) read on the bar and past its end alike.
BAR_STYLE = Style(colors=("#9cc3e4",), value_colors=("#1d2430",), **_STYLE)


@dataclass
class Cell:
    text: str  # as the page shows it
    value: str  # as the CSV has it
    numeric: bool = False


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[Cell] | None = None

    @property
    def filename(self) -> str:
        return f"{self.key}.csv"


# --- cells -------------------------------------------------------------------------------------


def _text(value: str) -> Cell:
    return Cell(value, value)


def _int(n: int) -> Cell:
    return Cell(format_decimal(n, locale=viewer_locale()), str(n), numeric=True)


def _minutes(value: Decimal | None) -> Cell:
    if value is None:
        return Cell("—", "", numeric=True)
    return Cell(f"{format_decimal(value, format='#,##0.#', locale=viewer_locale())} min", _plain(value), numeric=True)


def _percent(value: Decimal | None) -> Cell:
    if value is None:
        return Cell("—", "", numeric=True)
    pct = (value * 100).quantize(Decimal("0.1"))
    return Cell(format_percent(value, format="#,##0.0%", locale=viewer_locale()), _plain(pct), numeric=True)


def _money(amounts: dict[str, Decimal], currency: str) -> Cell:
    amount = amounts.get(currency)
    if amount is None:
        return Cell("—", "", numeric=True)
    return Cell(format_amount(amount, currency), _plain(amount.quantize(Decimal("0.01"))), numeric=True)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text and not re.search(r"\.\d\d$", text) else text


def _day(day: dt.date) -> str:
    return format_date(day, "medium", locale=viewer_locale()).replace("\u202f", " ")


# --- tables ------------------------------------------------------------------------------------


def _breakdown_headers(fig: Figures, first: str, *, alone: bool) -> list[str]:
    headers = [first, "Assisted sessions", "Average length", "Median length", "Sessions with an order", "Conversion",
               "Assisted orders"]  # fmt: skip
    headers += [f"Assisted revenue ({c})" for c in fig.currencies]
    headers += [f"Average order value ({c})" for c in fig.currencies]
    headers += ["Returns", "Refunds"] + [f"Refunded ({c})" for c in fig.currencies]
    headers += ["Cart takeovers", "Carts handed back", "Handed back and checked out"]
    if alone:
        headers += ["Orders by shoppers alone"]
    return headers


def _breakdown_row(fig: Figures, name: str, tally: Tally, *, alone: bool) -> list[Cell]:
    row = [_text(name), _int(tally.sessions), _minutes(tally.average_minutes), _minutes(tally.median_minutes),
           _int(tally.converted), _percent(tally.conversion), _int(tally.assisted_orders)]  # fmt: skip
    row += [_money(tally.revenue, c) for c in fig.currencies]
    row += [_money(tally.average_order_value, c) for c in fig.currencies]
    row += [_int(tally.returns), _int(tally.refunds)] + [_money(tally.refunded, c) for c in fig.currencies]
    row += [_int(tally.takeovers), _int(tally.handed_back), _int(tally.checked_out)]
    if alone:
        row += [_int(tally.alone_orders)]
    return row


def build_tables(fig: Figures) -> dict[str, Table]:
    """Every table of the page, keyed by the name of its CSV."""
    t = fig.total
    own = fig.scope.own_only
    summary = Table("summary", "The period at a glance", ["Figure", "Value"])
    rows: list[tuple[str, Cell]] = [
        ("Assisted sessions", _int(t.sessions)),
        ("Average session length", _minutes(t.average_minutes)),
        ("Median session length", _minutes(t.median_minutes)),
        ("Sessions with an order", _int(t.converted)),
        ("Conversion of sessions to orders", _percent(t.conversion)),
        ("Orders placed in assisted sessions", _int(t.assisted_orders)),
    ]
    if not own:
        rows.append(("Orders placed by shoppers alone", _int(t.alone_orders)))
    rows += [(f"Assisted revenue ({c})", _money(t.revenue, c)) for c in fig.currencies]
    rows += [(f"Average order value, assisted ({c})", _money(t.average_order_value, c)) for c in fig.currencies]
    rows += [("Returns of assisted orders", _int(t.returns)), ("Refunds of assisted orders", _int(t.refunds))]
    rows += [(f"Refunded on assisted orders ({c})", _money(t.refunded, c)) for c in fig.currencies]
    rows += [("Cart takeovers", _int(t.takeovers)), ("Carts handed back", _int(t.handed_back)),
             ("Handed back and checked out", _int(t.checked_out))]  # fmt: skip
    summary.rows = [[_text(label), cell] for label, cell in rows]

    alone = [] if own else ["Orders by shoppers alone"]
    series = Table("daily", "Sessions and orders per day", ["Day", "Assisted sessions", "Assisted orders", *alone])
    for day, tally in fig.by_day.items():
        series.rows.append([Cell(_day(day), day.isoformat()), _int(tally.sessions), _int(tally.assisted_orders)]
                           + ([] if own else [_int(tally.alone_orders)]))  # fmt: skip

    agents = Table("csrs", "By CSR", _breakdown_headers(fig, "CSR", alone=False))
    agents.rows = [_breakdown_row(fig, fig.agent_name(pk), tally, alone=False) for pk, tally in fig.by_agent.items()]

    teams = Table("teams", "By team (the staff of each store)", _breakdown_headers(fig, "Team", alone=not own))
    teams.rows = [_breakdown_row(fig, fig.store_name(pk), tally, alone=not own) for pk, tally in fig.by_store.items()]

    reasons = Table("reasons", "Sessions by reason", ["Reason", "Assisted sessions", "Share"])
    reasons.rows = [[_text(r), _int(n), _percent(Decimal(n) / t.sessions if t.sessions else None)]
                    for r, n in fig.by_reason.items()]  # fmt: skip
    endings = Table("endings", "How sessions ended", ["How it ended", "Assisted sessions", "Share"])
    endings.rows = [[_text(r), _int(n), _percent(Decimal(n) / t.sessions if t.sessions else None)]
                    for r, n in fig.by_end.items()]  # fmt: skip

    funnel = Table("funnel", "From session to order", ["Stage", "Assisted sessions", "Of all sessions"])
    for label, n in _funnel_stages(t):
        funnel.rows.append([_text(label), _int(n), _percent(Decimal(n) / t.sessions if t.sessions else None)])
    return {table.key: table for table in (summary, series, agents, teams, reasons, endings, funnel)}


def _funnel_stages(t: Tally) -> list[tuple[str, int]]:
    return [("Assisted sessions", t.sessions), ("Items put in a cart", t.with_cart), ("Order placed", t.converted)]


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([cell.value for cell in row])
    return out.getvalue()


# --- charts ------------------------------------------------------------------------------------

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _accessible(svg: str, key: str, title: str, description: str) -> SafeString:
    """The SVG without its script, with a title and a description a screen reader announces."""
    svg = _COMMENT.sub("", _SCRIPT.sub("", svg))
    title_id, desc_id = f"chart-{key}-title", f"chart-{key}-desc"
    head = f'<title id="{title_id}">{escape(title)}</title><desc id="{desc_id}">{escape(description)}</desc>'
    svg = re.sub(r"<svg\b([^>]*)>",
                 lambda m: f'<svg{m.group(1)} role="img" aria-labelledby="{title_id} {desc_id}" '
                           f'data-chart="{key}">{head}', svg, count=1)  # fmt: skip
    return mark_safe(svg)  # noqa: S308 - pygal's own SVG; every text we add is escaped


def _config(**options: Any) -> dict[str, Any]:
    return {"js": [], "disable_xml_declaration": True, "style": CHART_STYLE, "width": 760, "height": 360,
            "legend_at_bottom": True, "print_values": False, "margin": 12, "margin_right": 36, **options}  # fmt: skip


@dataclass
class Chart:
    key: str
    title: str
    description: str
    svg: SafeString
    table: Table


def _series_chart(fig: Figures, table: Table) -> Chart:
    days = list(fig.by_day)
    every = max(1, len(days) // 8)
    sessions = [t.sessions for t in fig.by_day.values()]
    orders = [t.assisted_orders for t in fig.by_day.values()]
    chart = pygal.Line(**_config(show_minor_x_labels=False, x_labels_major_every=every, dots_size=3,
                                 show_dots=len(days) <= 31, fill=False, truncate_label=-1, value_formatter=_axis_count,
                                 y_labels=_ticks(max([*sessions, *orders, 1]), whole=True),
                                 stroke_style={"width": 2.5}))  # fmt: skip
    chart.title = table.title
    chart.x_labels = [format_date(d, "MMM d", locale=viewer_locale()) for d in days]
    chart.add("Assisted sessions", sessions)
    chart.add("Assisted orders", orders)
    busiest = max(fig.by_day.items(), key=lambda kv: kv[1].sessions, default=None)
    description = (
        f"From {_day(fig.period.first)} to {_day(fig.period.last)}: {sum(sessions)} assisted sessions and "
        f"{sum(orders)} assisted orders"
        + (f"; the busiest day was {_day(busiest[0])} with {busiest[1].sessions} sessions." if busiest and
           busiest[1].sessions else ".")
    )  # fmt: skip
    return Chart("daily", table.title, description, _accessible(chart.render(is_unicode=True), "daily",
                                                                table.title, description), table)  # fmt: skip


def _amount_formatter(currency: str) -> Callable[[float], str]:
    def formatter(value: float) -> str:
        return format_amount(Decimal(str(value)).quantize(Decimal("0.01")), currency)

    return formatter


def _axis_amount(currency: str) -> Callable[[float], str]:
    def formatter(value: float) -> str:
        return format_currency(value, currency, format="¤#,##0", locale=viewer_locale(), currency_digits=False)

    return formatter


def _axis_count(value: float) -> str:
    return format_decimal(round(value), locale=viewer_locale())


def _ticks(top: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Round steps from 0 past ``top``, about ``count`` of them (``whole``: steps of whole numbers
    that read as counts, never 2.5)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = max(1, next(m * magnitude for m in steps if m * magnitude >= raw))
    return [step * i for i in range(int(top // step) + 2)]


def _revenue_charts(fig: Figures, table: Table) -> list[Chart]:
    charts = []
    for currency in fig.currencies:
        ranked = sorted(((fig.agent_name(pk), t.revenue.get(currency, Decimal(0))) for pk, t in fig.by_agent.items()
                         if t.revenue.get(currency)), key=lambda kv: -kv[1])  # fmt: skip
        if not ranked:
            continue
        formatter = _amount_formatter(currency)
        # Floats only for the bars' lengths and axis steps (pygal draws floats); every amount a person
        # reads comes from the Decimal through the formatters.
        ticks = _ticks(float(ranked[0][1]))
        chart = pygal.HorizontalBar(**_config(print_values=True, show_legend=False, formatter=formatter,
                                              value_formatter=_axis_amount(currency), y_labels=ticks,
                                              height=max(180, 80 + 50 * len(ranked)), show_y_guides=False,
                                              width=640, style=BAR_STYLE, truncate_label=-1))  # fmt: skip
        title = f"Assisted revenue by CSR ({currency})"
        chart.title = title
        chart.x_labels = [name for name, _ in reversed(ranked)]
        chart.add("Assisted revenue", [float(amount) for _, amount in reversed(ranked)])
        description = "; ".join(f"{name}: {format_amount(amount, currency)}" for name, amount in ranked) + "."
        key = f"revenue-{currency.lower()}"
        charts.append(Chart(key, title, description, _accessible(chart.render(is_unicode=True), key, title,
                                                                  description), table))  # fmt: skip
    return charts


def _funnel_chart(fig: Figures, table: Table) -> Chart:
    stages = _funnel_stages(fig.total)
    ticks = _ticks(stages[0][1], whole=True)
    chart = pygal.HorizontalBar(**_config(print_values=True, show_legend=False, height=250, show_y_guides=False,
                                          value_formatter=_axis_count, y_labels=ticks, width=640, style=BAR_STYLE,
                                          truncate_label=-1))  # fmt: skip
    chart.title = table.title
    chart.x_labels = [label for label, _ in reversed(stages)]
    chart.add("Assisted sessions", [n for _, n in reversed(stages)])
    description = "; ".join(f"{label}: {n}" for label, n in stages) + "."
    return Chart("funnel", table.title, description, _accessible(chart.render(is_unicode=True), "funnel",
                                                                 table.title, description), table)  # fmt: skip


# --- the page ----------------------------------------------------------------------------------


def _scope_and_period(request: ConciergeRequest) -> tuple[Scope, Period, dict[str, list[str]], str]:
    scope = analytics_scope(request.ctx, request.GET.get("store", "").strip())
    errors: dict[str, list[str]] = {}
    message = ""
    try:
        period = parse_period(request.GET, today_of(scope))
    except DomainError as exc:
        errors, message = exc.fields, exc.message
        period = parse_period({"period": DEFAULT_PRESET}, today_of(scope))
    return scope, period, errors, message


@require_GET
@staff_required
def desk_analytics(request: ConciergeRequest) -> HttpResponse:
    try:
        scope, period, errors, message = _scope_and_period(request)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return render(request, "service/forbidden.html", status=exc.status)
    fig = figures(scope, period)
    tables = build_tables(fig)
    query = request.GET.copy()
    query.pop("csv", None)
    context = {
        "fig": fig,
        "scope": scope,
        "period": period,
        "presets": PRESET_LABELS,
        "errors": errors,
        "error_message": message,
        "summary": tables["summary"],
        "series": _series_chart(fig, tables["daily"]),
        "revenue_charts": _revenue_charts(fig, tables["csrs"]),
        "funnel": _funnel_chart(fig, tables["funnel"]),
        "tables": tables,
        "query": query.urlencode(),
        "params": request.GET,
    }
    return render(request, "service/desk/analytics.html", context, status=400 if errors else 200)


@require_GET
@staff_required
def desk_analytics_csv(request: ConciergeRequest, table: str) -> HttpResponse:
    try:
        scope, period, errors, message = _scope_and_period(request)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return render(request, "service/forbidden.html", status=exc.status)
    if errors:
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    tables = build_tables(figures(scope, period))
    if table not in tables:
        raise Http404("No such table.")
    chosen = tables[table]
    response = HttpResponse(table_csv(chosen), content_type="text/csv; charset=utf-8")
    stamp = f"{period.first.isoformat()}_{period.last.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="assisted-sales-{chosen.key}-{stamp}.csv"'
    return response
