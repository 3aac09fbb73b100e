"""The progress bar of long commands: drawn on a terminal, with the count and the rate; never in
a log, with --no-progress or at verbosity 0."""

from __future__ import annotations

import io

from concierge.core.progress import progress_bar, progress_wanted


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_is_wanted_on_a_terminal_only_and_not_when_turned_off():
    assert progress_wanted({"verbosity": 1}, stream=Terminal())
    assert not progress_wanted({"verbosity": 1}, stream=io.StringIO())  # a log, a pipe, CI
    assert not progress_wanted({"verbosity": 1, "no_progress": True}, stream=Terminal())
    assert not progress_wanted({"verbosity": 0}, stream=Terminal())


def test_the_bar_shows_the_step_its_count_and_its_rate():
    screen = Terminal()
    with progress_bar("orders", total=300, unit="orders", enabled=True, stream=screen) as bar:
        for _ in range(3):
            bar.update(100)
    drawn = screen.getvalue()
    assert "orders" in drawn
    assert "300/300" in drawn
    assert "orders/s" in drawn


def test_a_disabled_bar_draws_nothing():
    screen = Terminal()
    with progress_bar("orders", total=300, unit="orders", enabled=False, stream=screen) as bar:
        bar.update(300)
    assert screen.getvalue() == ""
