"""Browser tests: Playwright for Python driving Debian's Chromium against a live Concierge server."""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from concierge.testing.factories import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", Path(__file__).resolve().parent.parent / "artifacts"))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not at {CHROMIUM}: `apt-get install chromium` (or set CHROMIUM_PATH)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[], Page]]:
    """``new_page()`` opens a page in a fresh browser context (its own cookies: one person)."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    wait_until_idle(live_server)


def wait_until_idle(live_server: LiveServer, quiet: float = 0.15, timeout: float = 10.0) -> None:
    """Wait until the live server has answered every request the closed pages sent.

    A page being closed still sends what it sends on leaving (the order page's unlock beacon, an
    htmx poll). If such a request is still running when the test database is flushed, PostgreSQL's
    TRUNCATE and the request's reads can deadlock, so the next test would start on a database that
    was not emptied. The server is idle when no request thread is alive and no connection waits to be
    accepted, twice in a row ``quiet`` seconds apart.
    """
    httpd = live_server.thread.httpd
    deadline = time.monotonic() + timeout
    idle_checks = 0
    while idle_checks < 2 and time.monotonic() < deadline:
        busy = [thread for thread in list(getattr(httpd, "_threads", None) or []) if thread.is_alive()]
        waiting, _, _ = select.select([httpd.socket], [], [], 0)
        if busy:
            idle_checks = 0
            for thread in busy:
                thread.join(timeout=max(0.0, deadline - time.monotonic()))
        elif waiting:
            idle_checks = 0
            time.sleep(0.02)
        else:
            idle_checks += 1
            time.sleep(quiet)


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    return new_page()


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of what the person saw, for review (artifacts/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state()  # a page mid-navigation cannot be captured
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, email: str, *, password: str = PASSWORD, lands_on: str | None = None) -> None:
    """Sign in on the sign-in page; with ``lands_on``, wait for the page of that heading (staff land
    on Customer Service, warehouse staff on the Warehouse), else for any page past the sign-in."""
    page.goto("/account/sign-in/")
    page.get_by_label("Email address").first.fill(email)
    page.get_by_label("Password", exact=True).first.fill(password)
    page.get_by_role("button", name="Sign In").click()
    if lands_on:
        expect(page.get_by_role("heading", name=lands_on, level=1)).to_be_visible()
    else:
        page.wait_for_url(lambda url: "/sign-in/" not in url)


def console_sign_in(page: Page, email: str) -> None:
    """Sign a staff member in and wait for the Customer Service page."""
    sign_in(page, email, lands_on="Customer Service")
