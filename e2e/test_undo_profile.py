"""Undo of an address edit and a profile field in a browser: Ann, acting for Jane, edits Jane's
address and phone in My Account, opens the assist bar's What changed, undoes both and sees them
back as they were; an undo of a change that a later edit has overtaken is refused, saying why."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import screenshot
from e2e.test_assist import find_and_access, shop, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["shop"]


def at_both_widths(page: Page, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, f"{name}-390")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    page.set_viewport_size({"width": 1280, "height": 800})


def edit_address(page: Page, street: str, **fields: str) -> None:
    page.goto("/account/addresses/")
    item = page.locator(".address-list li").first
    item.locator("summary").click()
    form = item.locator(".address-edit form")
    form.get_by_label("Street address").fill(street)
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Save address").click()
    expect(page.get_by_text("Address saved.")).to_be_visible()


def what_changed(page: Page) -> None:
    page.get_by_role("region", name="Assisted session").get_by_role("link", name="What changed").click()
    expect(page.get_by_role("heading", name="What changed in this session")).to_be_visible()


def test_the_agent_undoes_an_address_edit_and_a_profile_field(new_page: Callable[[], Page], shop, shopper, csr):
    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    expect(ann.get_by_role("heading", name="My Account")).to_be_visible()

    edit_address(ann, "9 Elm Street")
    at_both_widths(ann, "undo-address-edit")
    ann.goto("/account/")
    ann.get_by_role("link", name="Edit profile").click()
    ann.get_by_label("Phone (optional)").fill("+1 512 555 0100")
    at_both_widths(ann, "undo-profile-edit")
    ann.get_by_role("button", name="Save profile").click()
    expect(ann.get_by_text("Profile saved.")).to_be_visible()
    ann.goto("/account/")
    expect(ann.locator("main")).to_contain_text("+1 512 555 0100")

    what_changed(ann)
    address = ann.get_by_role("region", name=re.compile(r"^Address · Jane Shopper, 9 Elm Street"))
    expect(address).to_contain_text("Address changed")
    expect(address).to_contain_text("100 Congress Ave → 9 Elm Street")
    profile = ann.get_by_role("region", name="Profile")
    expect(profile).to_contain_text("Telephone #")
    expect(profile).to_contain_text("+1 512 555 0100")
    at_both_widths(ann, "undo-changeset-before")

    address.get_by_role("button", name="Undo").click()
    expect(ann.get_by_text("Undone: the address is back as it was.")).to_be_visible()
    ann.get_by_role("region", name="Profile").get_by_role("button", name="Undo").click()
    expect(ann.get_by_text("Undone: the profile is back as it was.")).to_be_visible()
    restored = ann.get_by_role("region", name=re.compile(r"^Address · Jane Shopper, 100 Congress Ave"))
    expect(restored).to_contain_text("Already undone.")
    expect(ann.get_by_role("region", name="Profile")).to_contain_text("Already undone.")
    at_both_widths(ann, "undo-changeset-after")

    ann.goto("/account/addresses/")
    expect(ann.locator(".address-list")).to_contain_text("100 Congress Ave")
    expect(ann.locator(".address-list")).not_to_contain_text("9 Elm Street")
    ann.goto("/account/")
    expect(ann.locator("main")).not_to_contain_text("+1 512 555 0100")

    # Back in the console as herself, the session's page shows the same changes, for review only.
    from concierge.assist.models import AssistedSession

    session = AssistedSession.objects.get(agent=csr)
    ann.get_by_role("button", name="Sign in as Yourself").click()
    ann.goto(f"/service/sessions/{session.pk}/")
    expect(ann.get_by_role("heading", name="What changed in the session")).to_be_visible()
    expect(ann.get_by_role("region", name="Profile")).to_contain_text("Undone: Customer details changed")
    expect(ann.get_by_role("button", name="Undo")).to_have_count(0)
    at_both_widths(ann, "undo-console-review")


def test_an_undo_overtaken_by_a_later_edit_is_refused(new_page: Callable[[], Page], shop, shopper, csr):
    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    edit_address(ann, "9 Elm Street")
    what_changed(ann)  # this page offers Undo ...
    expect(ann.get_by_role("button", name="Undo")).to_have_count(1)

    later = ann.context.new_page()  # ... while, in another tab, the same street is changed again
    edit_address(later, "11 Oak Lane")
    later.close()

    ann.get_by_role("button", name="Undo").click()
    expect(ann.get_by_text("This change cannot be undone: Street address changed again since.")).to_be_visible()
    at_both_widths(ann, "undo-refused")
    ann.goto("/account/addresses/")
    expect(ann.locator(".address-list")).to_contain_text("11 Oak Lane")


def test_the_session_reason_and_case_are_shown_beside_its_events(page: Page, shop, shopper, csr, store):
    """Jane's order, and the note Ann added to it in a session (Order help, case 4711): the order's
    timeline says so beside the event done in the session (not beside Jane's own), and so does Ann's
    recent activity."""
    from concierge.assist.services import assisting, session_end, session_start
    from concierge.core.context import ActingContext
    from concierge.orders.services import order_note_add
    from concierge.orders.tests.builders import placed_order

    order = placed_order(shopper, store)
    own = ActingContext(user=csr, store=store)
    session = session_start(own, customer_id=shopper.pk, reason="Order help", ticket="4711")
    order_note_add(assisting(own, session), order_id=order.pk, text="Jane called: leave it with the neighbour.")
    session_end(assisting(own, session))

    sign_in(page, csr.email)
    page.goto(f"/service/orders/{order.number}/?tab=notes")
    note = page.locator("tr.event-order-note_added")
    expect(note.locator(".event-case")).to_have_text("case 4711 · Order help")
    expect(page.locator("tr.event-order-placed .event-case")).to_have_count(0)
    at_both_widths(page, "case-order-timeline")
    page.goto("/service/")
    activity = page.locator(".recent-activity")
    expect(activity.locator(".event-case").first).to_have_text("case 4711 · Order help")
    at_both_widths(page, "case-recent-activity")
