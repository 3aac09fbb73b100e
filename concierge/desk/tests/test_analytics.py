"""The desk's assisted-sales figures against a hand-computed fixture (``analytics_fixture``): every
figure, for all stores, per store and per CSR; who sees what; the rollup with today live on top
equal to the direct computation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest

from concierge.assist.models import AssistedSession
from concierge.core import clock
from concierge.core.context import ActingContext
from concierge.core.errors import DomainError
from concierge.desk import rollup
from concierge.desk.analytics import Figures, Period, analytics_scope, figures, parse_period
from concierge.desk.models import AgentDay, OrderDay, RollupState
from concierge.desk.tests.analytics_fixture import NOW, Known, at, build
from concierge.orders.models import Order
from concierge.testing import factories

pytestmark = pytest.mark.django_db
LAST_7 = Period(dt.date(2026, 6, 9), dt.date(2026, 6, 15), "7")


@pytest.fixture
def known() -> Iterator[Known]:
    with clock.frozen(NOW):
        yield build()


def of(user, store: str = "", period: Period = LAST_7, **kwargs) -> Figures:
    return figures(analytics_scope(ActingContext(user=user), store), period, **kwargs)


def test_every_figure_of_all_stores_for_a_supervisor(known):
    fig = of(known.sam)
    t = fig.total
    assert t.sessions == 4  # S1, S2, S3, S5; S4 is before the period, the open one has not ended
    assert t.session_seconds == 600 + 240 + 1200 + 1800
    assert t.average_minutes == Decimal("16.0")
    assert t.median_minutes == Decimal(15)  # 4, 10, 20, 30
    assert t.converted == 2  # S1 and S3: C1 was placed after S5 ended
    assert t.conversion == Decimal("0.5")
    assert t.with_cart == 3  # S1, S3 (cart events) and S5 (a takeover)
    assert fig.by_reason == {"Order help": 3, "Returns and refunds": 1}
    assert fig.by_end == {"Agent signed out": 1, "Cart handed back": 1, "Idle timeout": 1,
                          "Signed in as themself": 1}  # fmt: skip
    assert t.assisted_orders == 4  # A1, A2, A3 (June 9 in Chicago), C1; not A0, A4 or the draft
    assert t.alone_orders == 2
    assert t.revenue == {"USD": Decimal("170.00"), "CAD": Decimal("80.00")}
    assert t.average_order_value == {"USD": Decimal("56.67"), "CAD": Decimal("80.00")}
    assert t.alone_revenue == {"USD": Decimal("30.00"), "CAD": Decimal("40.00")}
    assert t.returns == 1  # the cancelled return is not counted
    assert t.refunds == 1  # the refund awaiting approval is not
    assert t.refunded == {"USD": Decimal("25.00")}
    assert (t.takeovers, t.handed_back, t.checked_out) == (1, 1, 1)
    assert fig.currencies == ["CAD", "USD"]


def test_per_csr(known):
    fig = of(known.sam)
    assert [fig.agent_name(pk) for pk in fig.by_agent] == ["Ann Agent", "Carla Chen"]
    ann, carla = fig.by_agent[known.ann.pk], fig.by_agent[known.carla.pk]
    assert (ann.sessions, ann.session_seconds, ann.median_minutes, ann.converted) == (3, 2040, Decimal(10), 2)
    assert ann.average_minutes == Decimal("11.3")
    assert ann.conversion.quantize(Decimal("0.001")) == Decimal("0.667")
    assert (ann.assisted_orders, ann.revenue, ann.returns, ann.refunds) == (3, {"USD": Decimal("170.00")}, 1, 1)
    assert ann.alone_orders == 0
    assert ann.takeovers == 0
    assert (carla.sessions, carla.median_minutes, carla.converted, carla.with_cart) == (1, Decimal(30), 0, 1)
    assert (carla.assisted_orders, carla.revenue) == (1, {"CAD": Decimal("80.00")})
    assert (carla.takeovers, carla.handed_back, carla.checked_out) == (1, 1, 1)


def test_per_team_is_per_store(known):
    fig = of(known.sam)
    us, ca = fig.by_store[known.us.pk], fig.by_store[known.ca.pk]
    assert (us.sessions, us.assisted_orders, us.alone_orders, us.revenue) == (3, 3, 1, {"USD": Decimal("170.00")})
    assert (ca.sessions, ca.assisted_orders, ca.alone_orders, ca.revenue) == (1, 1, 1, {"CAD": Decimal("80.00")})
    assert us.alone_revenue == {"USD": Decimal("30.00")}
    assert ca.alone_revenue == {"CAD": Decimal("40.00")}


def test_per_day_in_each_stores_calendar(known):
    fig = of(known.sam)
    days = {d.day: (t.sessions, t.assisted_orders, t.alone_orders) for d, t in fig.by_day.items()}
    assert days == {
        9: (0, 1, 0),  # A3: 04:30 UTC on June 10 is 23:30 on June 9 in Chicago
        10: (1, 1, 0), 11: (1, 0, 1), 12: (1, 0, 0),
        13: (0, 1, 0),  # C1, checked out
        14: (0, 0, 1), 15: (1, 1, 0),
    }  # fmt: skip


def test_one_store_scopes_every_figure(known):
    fig = of(known.sam, "ca")
    t = fig.total
    assert (t.sessions, t.converted, t.with_cart, t.assisted_orders, t.alone_orders) == (1, 0, 1, 1, 1)
    assert (t.revenue, t.returns, t.refunds, t.refunded) == ({"CAD": Decimal("80.00")}, 0, 0, {})
    assert (t.takeovers, t.handed_back, t.checked_out) == (1, 1, 1)
    assert list(fig.by_agent) == [known.carla.pk]
    assert fig.by_reason == {"Order help": 1}
    assert fig.by_end == {"Cart handed back": 1}
    us = of(known.sam, "us").total
    assert (us.sessions, us.converted, us.assisted_orders, us.returns, us.refunds) == (3, 2, 3, 1, 1)
    assert us.takeovers == 0


def test_a_supervisor_sees_only_the_stores_they_serve(known):
    lead = factories.staff("Supervisor", stores=[known.ca], email="lead@concierge.test")
    fig = of(lead)
    assert [s.code for s in fig.scope.stores] == ["ca"]
    assert (fig.total.sessions, fig.total.assisted_orders, fig.total.alone_orders) == (1, 1, 1)
    assert list(fig.by_agent) == [known.carla.pk]
    with pytest.raises(DomainError) as refused:
        of(lead, "us")
    assert refused.value.status == 404


def test_a_csr_sees_their_own_figures_only(known):
    factories.staff("CSR", stores=[known.us], email="bob@concierge.test", first_name="Bob")
    fig = of(known.ann)
    assert fig.scope.own_only
    t = fig.total
    assert (t.sessions, t.converted, t.assisted_orders, t.alone_orders) == (3, 2, 3, 0)
    assert (t.revenue, t.returns, t.refunds) == ({"USD": Decimal("170.00")}, 1, 1)
    assert list(fig.by_agent) == [known.ann.pk]
    carla = of(known.carla).total
    assert (carla.sessions, carla.assisted_orders, carla.takeovers, carla.alone_orders) == (1, 1, 1, 0)


def test_others_are_refused(known):
    for role in ("Seller", "Warehouse", "Shopper"):
        user = factories.staff(role, stores=[known.us])
        with pytest.raises(DomainError) as refused:
            analytics_scope(ActingContext(user=user))
        assert refused.value.status == 403
    with pytest.raises(DomainError):
        analytics_scope(ActingContext(user=None))


def test_the_rollup_with_today_live_equals_the_direct_computation(known):
    with clock.frozen(NOW):
        done = rollup.refresh()
    assert done.stores == 2
    state = RollupState.objects.get(store=known.us)
    assert state.complete_through == dt.date(2026, 6, 14)
    # Today's sessions (S3 and the open one) are read from the lowest id not ended by yesterday's end.
    assert state.session_floor == AssistedSession.objects.get(ended_at=at(6, 15, 14, 20)).pk
    assert AgentDay.objects.filter(day=dt.date(2026, 6, 15)).count() == 0  # today is never rolled up
    assert OrderDay.objects.filter(store=known.us, day=dt.date(2026, 6, 10), agent=known.ann).get().orders == 1
    # The rollup is what is read: a change to the base rows of a closed day does not show until the
    # day is computed again.
    OrderDay.objects.filter(store=known.us, day=dt.date(2026, 6, 10), agent=known.ann).update(orders=41)
    with clock.frozen(NOW):
        assert of(known.sam).total.assisted_orders == 44
        rollup.write_days(known.us, dt.date(2026, 6, 10), dt.date(2026, 6, 10))
    with clock.frozen(NOW):
        for user, store in ((known.sam, ""), (known.sam, "us"), (known.sam, "ca"), (known.ann, ""), (known.carla, "")):
            for period in (LAST_7, Period(dt.date(2026, 5, 1), dt.date(2026, 6, 15), "custom")):
                rolled, direct = of(user, store, period), of(user, store, period, live_only=True)
                assert rolled.total == direct.total
                assert rolled.by_agent == direct.by_agent
                assert rolled.by_store == direct.by_store
                assert rolled.by_day == direct.by_day
                assert (rolled.by_reason, rolled.by_end) == (direct.by_reason, direct.by_end)


def test_the_refresh_is_incremental(known):
    with clock.frozen(NOW):
        rollup.refresh()
    first = rollup.refresh  # the next day: only the settle window and the new day are computed
    with clock.frozen(NOW + dt.timedelta(days=1)):
        done = first()
    assert done.days == 2 * rollup.SETTLE_DAYS
    assert RollupState.objects.get(store=known.us).complete_through == dt.date(2026, 6, 15)
    # Yesterday's live figures are now the rollup's.
    assert AgentDay.objects.get(store=known.us, day=dt.date(2026, 6, 15), agent=known.ann).sessions == 1
    with clock.frozen(NOW + dt.timedelta(days=1)):
        again = rollup.refresh()
    assert again.days == 2 * rollup.SETTLE_DAYS
    assert AgentDay.objects.filter(day=dt.date(2026, 6, 15)).count() == 1


def test_a_late_change_reaches_the_rollup_within_the_settle_window(known):
    with clock.frozen(NOW):
        rollup.refresh()
    Order.objects.filter(pk=known.a1.pk).update(total=Decimal("120.00"))  # an amendment
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        rollup.refresh()  # June 10 is more than SETTLE_DAYS back: unchanged in the rollup
        assert of(known.sam).total.revenue["USD"] == Decimal("170.00")
        rollup.write_days(known.us, dt.date(2026, 6, 10), dt.date(2026, 6, 10))  # a rebuild
        assert of(known.sam).total.revenue["USD"] == Decimal("190.00")


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"period": "14"}, "desk.period_invalid", "period"),
        ({"period": "custom"}, "desk.dates_invalid", "from"),
        ({"period": "custom", "from": "2026-06-01", "to": "June 5"}, "desk.dates_invalid", "to"),
        ({"period": "custom", "from": "2026-06-10", "to": "2026-06-01"}, "desk.dates_invalid", "to"),
        ({"period": "custom", "from": "2026-06-10", "to": "2026-06-16"}, "desk.dates_invalid", "to"),
        ({"period": "custom", "from": "2024-01-01", "to": "2026-06-15"}, "desk.dates_invalid", "from"),
    ],
)
def test_a_bad_period_is_refused_with_its_code(params, code, field):
    with pytest.raises(DomainError) as refused:
        parse_period(params, dt.date(2026, 6, 15))
    assert (refused.value.code, refused.value.status) == (code, 400)
    assert field in refused.value.fields


def test_the_presets_end_today():
    today = dt.date(2026, 6, 15)
    assert parse_period({}, today) == Period(dt.date(2026, 5, 17), today, "30")
    assert parse_period({"period": "7"}, today).first == dt.date(2026, 6, 9)
    assert parse_period({"period": "90"}, today).first == dt.date(2026, 3, 18)
    custom = parse_period({"period": "custom", "from": "2026-06-01", "to": "2026-06-05"}, today)
    assert (custom.first, custom.last) == (dt.date(2026, 6, 1), dt.date(2026, 6, 5))


def test_the_worker_beat_enqueues_the_refresh_and_the_task_fills_the_rollup(known, settings):
    from django_tasks_db.models import DBTaskResult

    from concierge.core.worker import beat_done
    from concierge.desk import tasks

    settings.DESK_ROLLUP_INTERVAL_SECONDS = 900
    tasks.on_the_beat.restart()
    assert tasks.enqueue_on_beat() is False  # the first beat starts the interval
    tasks.due_at_next_beat()
    beat_done.send(sender=None, worker_id="w1")  # the app connects the beat (apps.py)
    assert DBTaskResult.objects.filter(task_path=tasks.refresh_rollup_task.module_path).count() == 1
    tasks.due_at_next_beat()
    assert tasks.enqueue_on_beat() is False  # one is waiting already
    with clock.frozen(NOW):
        assert tasks.refresh_rollup_task.call() > 0
    assert RollupState.objects.filter(complete_through=dt.date(2026, 6, 14)).count() == 2
