"""Per-session customer verification in a browser, with two people: the store requires it; Ann, from
customer service, chooses Access customer's account for Jane; Jane, signed in on her own device,
sees the code on the page she has open; Ann types a wrong code first (refused, the tries counted),
then the one Jane reads out, and the session starts; Jane's ledger says how she confirmed it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import screenshot
from e2e.test_assist import find_and_access, shop, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["shop"]


def test_the_customer_reads_out_the_code_from_their_device_and_the_session_starts(
    new_page: Callable[[], Page], shop, shopper, csr, store
):
    store.assist_verification = store.Verification.REQUIRED
    store.save()

    jane = new_page()
    sign_in(jane, shopper.email)
    jane.goto("/account/")
    notice = jane.get_by_role("alert").filter(has_text="Customer service code")
    expect(notice).to_be_hidden()

    ann = new_page()
    sign_in(ann, csr.email)
    find_and_access(ann, "shop", "Jane Shopper")
    expect(ann.get_by_role("heading", name="Verify customer")).to_be_visible()
    expect(ann.get_by_text("jane@example.com")).to_be_visible()

    # Jane's open page shows the code within a moment, without a reload.
    expect(notice).to_be_visible(timeout=3000)
    expect(notice).to_contain_text("Ann from customer service asks you to confirm it is you")
    code = jane.locator("[data-verification-code]").inner_text()
    assert len(code.replace(" ", "")) == 6
    screenshot(jane, "verification-shopper-code")
    jane.set_viewport_size({"width": 390, "height": 800})
    screenshot(jane, "verification-shopper-code-390")

    # The code is nowhere on Ann's page.
    assert code.replace(" ", "") not in ann.content()
    assert code not in ann.content()

    digits = code.replace(" ", "")
    wrong = f"{(int(digits) + 1) % 1_000_000:06d}"
    ann.get_by_label("Code from the customer").fill(wrong)
    ann.get_by_role("button", name="Verify and start the session").click()
    expect(ann.get_by_text("That is not the code we sent. 4 tries left.")).to_be_visible()
    expect(ann.get_by_text("4 tries left", exact=False).last).to_be_visible()
    screenshot(ann, "verification-agent-wrong-code")
    ann.set_viewport_size({"width": 390, "height": 800})
    screenshot(ann, "verification-agent-wrong-code-390")
    ann.set_viewport_size({"width": 1280, "height": 800})

    ann.get_by_label("Code from the customer").fill(code)
    ann.get_by_role("button", name="Verify and start the session").click()
    expect(ann.get_by_text("You have successfully accessed the customer account")).to_be_visible()
    expect(ann.get_by_role("heading", name="My Account")).to_be_visible()

    expect(notice).to_contain_text("you confirmed the session", timeout=3000)
    jane.goto("/account/customer-service/")
    live = jane.get_by_role("region", name="Live now Ann from customer service")
    expect(live).to_contain_text("You confirmed this session with a code sent to your email and your signed-in devices")
    screenshot(jane, "verification-shopper-ledger-390")
