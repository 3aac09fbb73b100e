"""Assisted sessions through the browser face: start, both identities, guard rails, the ways a
session ends (RELIABILITY.md bars 1 to 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from concierge.assist.context import ASSISTED_SESSION_KEY
from concierge.assist.models import AssistedSession
from concierge.audit.models import Event
from concierge.carts.models import Cart
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.testing import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client: Client, csr: User) -> Client:
    client.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    return client


def access(client: Client, customer: Customer, **extra: str):
    return client.post(reverse("service:access_customer"), {"customer": customer.pk, **extra})


def open_session(csr: User) -> AssistedSession | None:
    return AssistedSession.objects.filter(agent=csr, ended_at=None).first()


class TestStarting:
    def test_access_starts_a_recorded_session_and_opens_my_account(self, agent_client, csr, shopper):
        old_key = agent_client.session.session_key
        response = access(agent_client, shopper, ticket="T-77")
        assert response.status_code == 302
        assert response["Location"] == reverse("storefront:my_account")
        session = open_session(csr)
        assert (session.customer, session.ticket, session.channel) == (shopper, "T-77", "STOREFRONT")
        assert agent_client.session.session_key != old_key  # bar 2
        page = agent_client.get(response["Location"])
        assert "You have successfully accessed the customer account" in page.text
        assert "Ann Agent" in page.text
        assert "Jane Shopper" in page.text
        started = Event.objects.get(action="assist.session_started")
        assert (started.actor_id, started.on_behalf_of_id, started.assisted_session_id) == (
            csr.pk,
            shopper.pk,
            session.pk,
        )

    def test_start_and_end_are_post_only(self, agent_client, shopper):
        assert agent_client.get(reverse("service:access_customer"), {"customer": shopper.pk}).status_code == 405
        assert agent_client.put(reverse("service:assist_end")).status_code == 405

    def test_a_customer_who_opted_out_cannot_be_accessed(self, agent_client, csr, shopper):
        Customer.objects.filter(pk=shopper.pk).update(assistance_opt_out=True)
        response = access(agent_client, shopper)
        assert open_session(csr) is None
        page = agent_client.get(response["Location"])
        assert "has asked that customer service not access their account" in page.text

    def test_a_staff_member_is_never_assisted(self, agent_client, csr, store):
        other = factories.staff("CSR", stores=[store])
        staff_as_customer = Customer.objects.create(shared_id="S1", store=store, user=other, first_name="Staff")
        page = agent_client.get(access(agent_client, staff_as_customer)["Location"])
        assert "Staff members&#x27; accounts cannot be accessed on their behalf." in page.text
        assert open_session(csr) is None

    def test_a_customer_of_a_store_not_served_is_not_found(self, client, csr_other_store, shopper):
        client.force_login(csr_other_store, backend="concierge.identity.backends.EmailBackend")
        page = client.get(access(client, shopper)["Location"])
        assert "No such customer." in page.text
        assert open_session(csr_other_store) is None

    def test_a_shopper_or_seller_cannot_start_one(self, client, shopper, other_shopper, seller):
        for user in (other_shopper.user, seller):
            client.force_login(user, backend="concierge.identity.backends.EmailBackend")
            access(client, shopper)
            assert not AssistedSession.objects.exists()

    def test_starting_for_b_ends_the_session_for_a(self, agent_client, csr, shopper, other_shopper, client):
        access(agent_client, shopper)
        first = open_session(csr)
        # From inside a session the console asks to end it first: no session from inside one.
        response = access(agent_client, other_shopper)
        assert response.status_code == 409
        assert "End the session?" in response.text
        assert open_session(csr) == first
        # The same agent in a second browser starts B: A ends.
        second_browser = Client()
        second_browser.force_login(csr, backend="concierge.identity.backends.EmailBackend")
        access(second_browser, other_shopper)
        first.refresh_from_db()
        assert first.end_reason == "REPLACED"
        assert open_session(csr).customer == other_shopper
        # The first browser is back to the agent: its next page no longer acts for A.
        page = agent_client.get(reverse("storefront:home"))
        assert "is acting for" not in page.text


class TestEnding:
    def test_sign_in_as_yourself_returns_to_customer_service(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        key = agent_client.session.session_key
        response = agent_client.post(reverse("service:assist_end"))
        assert response["Location"] == reverse("service:home")
        assert open_session(csr) is None
        assert ASSISTED_SESSION_KEY not in agent_client.session
        assert agent_client.session.session_key != key
        assert AssistedSession.objects.get(agent=csr).end_reason == "SIGNED_IN_AS_SELF"

    def test_the_customer_service_tab_asks_to_confirm(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        # The storefront's tab opens a dialog whose End Session POSTs (bar 1).
        page = agent_client.get(reverse("storefront:home"))
        assert 'data-opens-dialog="end-session-dialog"' in page.text
        assert '<dialog id="end-session-dialog"' in page.text
        # Without the dialog (a console URL opened directly) the page asks, and POSTs the ending.
        confirm = agent_client.get(reverse("service:home"))
        assert confirm.status_code == 409
        assert "End the session?" in confirm.text
        assert f'action="{reverse("service:assist_end")}"' in confirm.text
        assert open_session(csr) is not None  # GET changes nothing

    def test_ending_answers_405_to_a_get(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        assert agent_client.get(reverse("service:assist_end")).status_code == 405
        assert agent_client.get(reverse("service:assist_end"), {"next": "/service/"}).status_code == 405
        assert open_session(csr) is not None

    def test_idle_timeout_ends_it_on_the_next_request(self, agent_client, csr, shopper, clock, settings):
        settings.CONCIERGE_ASSIST_IDLE_MINUTES = 15
        access(agent_client, shopper)
        clock.advance(dt.timedelta(minutes=14))
        # The open page's heartbeat (a POST) renews the idle deadline; page views (GET) do not.
        assert agent_client.post(reverse("storefront:assist_heartbeat")).status_code == 204
        clock.advance(dt.timedelta(minutes=14))
        assert "is acting for" in agent_client.get("/").text
        assert agent_client.post(reverse("storefront:assist_heartbeat")).status_code == 204
        clock.advance(dt.timedelta(minutes=15))
        page = agent_client.get("/")
        assert "is acting for" not in page.text
        assert "Your session on behalf of the customer has ended" in page.text
        assert AssistedSession.objects.get(agent=csr).end_reason == "IDLE"

    def test_the_time_limit_ends_even_an_active_session(self, agent_client, csr, shopper, clock, settings):
        settings.CONCIERGE_ASSIST_MAX_HOURS = 8
        access(agent_client, shopper)
        for _ in range(8 * 6):
            clock.advance(dt.timedelta(minutes=10))
            agent_client.post(reverse("storefront:assist_heartbeat"))
        assert AssistedSession.objects.get(agent=csr).end_reason == "TIME_LIMIT"

    def test_signing_out_ends_it_and_releases_cart_locks(self, agent_client, csr, shopper, store):
        sku = factories.product(store=store)
        access(agent_client, shopper)
        agent_client.post(reverse("storefront:cart_add"), {"sku": sku.pk})
        cart = Cart.objects.get(customer=shopper)
        assert cart.lease_holder == csr  # the first item locked the empty cart for the agent
        agent_client.post(reverse("storefront:sign_out"))
        assert AssistedSession.objects.get(agent=csr).end_reason == "SIGNED_OUT"
        cart.refresh_from_db()
        assert cart.lease_holder is None

    def test_losing_the_role_ends_it_on_the_next_request(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        csr.groups.clear()
        csr = User.objects.get(pk=csr.pk)  # a fresh permission cache, as the next request has
        agent_client.get("/")
        assert AssistedSession.objects.get(agent=csr).end_reason == "ACCESS_LOST"

    def test_no_longer_serving_the_store_ends_it_on_the_next_request(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        csr.stores.clear()
        page = agent_client.get("/")
        assert "is acting for" not in page.text
        assert AssistedSession.objects.get(agent=csr).end_reason == "ACCESS_LOST"

    def test_a_disabled_customer_ends_it_on_the_next_request(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        User.objects.filter(pk=shopper.user_id).update(is_active=False)
        agent_client.get("/")
        assert AssistedSession.objects.get(agent=csr).end_reason == "ACCESS_LOST"

    def test_signing_out_everywhere_ends_it_and_releases_the_cart(self, agent_client, csr, shopper, store):
        sku = factories.product(store=store)
        access(agent_client, shopper)
        agent_client.post(reverse("storefront:cart_add"), {"sku": sku.pk})
        from concierge.api.tests.test_commerce_api import token_headers

        api = Client().post("/api/v1/auth/sign-out-everywhere", headers=token_headers(csr.email))
        assert api.status_code == 204
        assert AssistedSession.objects.get(agent=csr).end_reason == "SIGNED_OUT"
        assert not Cart.objects.get(customer=shopper).lease_is_live()

    def test_a_disabled_agent_is_out_on_the_next_request(self, agent_client, csr, shopper):
        access(agent_client, shopper)
        User.objects.filter(pk=csr.pk).update(is_active=False)
        page = agent_client.get("/")
        assert "is acting for" not in page.text
        assert AssistedSession.objects.get(agent=csr).ended_at is not None

    def test_the_customers_own_sign_ins_are_unaffected(self, agent_client, shopper, client):
        own = Client()
        own.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
        access(agent_client, shopper)
        agent_client.post(reverse("service:assist_end"))
        assert "Jane" in own.get(reverse("storefront:my_account")).text


class TestGuardRails:
    @pytest.fixture
    def assisting(self, agent_client, shopper):
        access(agent_client, shopper)
        return agent_client

    def test_password_email_and_consent_are_refused_on_behalf(self, assisting, shopper):
        before = User.objects.get(pk=shopper.user_id)
        for data in (
            {"action": "password", "current_password": "x", "new_password": "another-long-password"},
            {"action": "email", "password": "x", "email": "new@example.com"},
            {"action": "assistance", "allowed": "0"},
        ):
            response = assisting.post(reverse("storefront:security"), data)
            assert response.status_code == 403
            assert "Only the customer can do this" in response.text
        assert assisting.get(reverse("storefront:security")).status_code == 403
        after = User.objects.get(pk=shopper.user_id)
        assert (after.password, after.email) == (before.password, before.email)
        assert Customer.objects.get(pk=shopper.pk).assistance_opt_out is False

    def test_the_customer_can_opt_out_themself(self, client, shopper):
        client.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
        client.post(reverse("storefront:security"), {"action": "assistance", "allowed": "0"})
        assert Customer.objects.get(pk=shopper.pk).assistance_opt_out is True
        event = Event.objects.get(action="customer.assistance_changed")
        assert event.actor_id == shopper.user_id

    def test_an_opt_out_ends_an_open_session(self, assisting, csr, shopper):
        Customer.objects.filter(pk=shopper.pk).update(assistance_opt_out=True)
        assisting.get("/")
        assert AssistedSession.objects.get(agent=csr).end_reason == "ACCESS_LOST"

    def test_cards_are_shown_masked(self, assisting, shopper):
        from concierge.payments.models import PaymentSource

        PaymentSource.objects.create(customer=shopper, kind="CARD", brand="Visa", last4="4242", gateway_token="tok_x")
        page = assisting.get(reverse("storefront:payment_methods"))
        assert "4242" in page.text
        assert "4111" not in page.text
        assert "tok_x" not in page.text

    def test_every_write_carries_both_identities(self, assisting, csr, shopper, store):
        sku = factories.product(store=store)
        assisting.post(reverse("storefront:cart_add"), {"sku": sku.pk})
        assisting.post(reverse("storefront:addresses"), {
            "action": "add", "first_name": "Jane", "last_name": "Shopper", "line1": "1 Main St", "city": "Austin",
            "region": "TX", "postal_code": "78701", "country": "US",
        })  # fmt: skip
        session = open_session(csr)
        written = Event.objects.filter(occurred_at__gte=session.started_at).exclude(action="assist.session_started")
        assert {"cart.created", "cart.locked", "cart.line_added", "address.added"} <= {e.action for e in written}
        for event in written:
            assert (event.actor_id, event.on_behalf_of_id, event.assisted_session_id) == (
                csr.pk,
                shopper.pk,
                session.pk,
            ), event.action


class TestSeeingWhatTheCustomerSees:
    def test_segment_prices_are_the_customers(self, agent_client, shopper, store):
        from decimal import Decimal

        from concierge.catalog.models import Price, PriceList
        from concierge.customers.models import Segment

        gold = Segment.objects.create(code="gold", name="Gold")
        shopper.segments.add(gold)
        sku = factories.product(store=store, name="Summit Sun Hat", price="24.00")
        gold_list = PriceList.objects.create(name="Gold", store=store, currency="USD", segment=gold)
        Price.objects.create(price_list=gold_list, sku=sku, amount=Decimal("19.00"))
        product_url = reverse("storefront:product", args=[sku.product.slug])
        assert "$24.00" in agent_client.get(product_url).text  # the agent as themself: the base price
        access(agent_client, shopper)
        page = agent_client.get(product_url).text
        assert "$19.00" in page
        assert "$24.00" not in page

    def test_an_organizations_account_is_in_use_when_assisting_it(self, agent_client, csr, store):
        org = factories.organization(store=store, name="Acme Outfitters")
        access(agent_client, org)
        page = agent_client.get(reverse("storefront:home")).text
        assert "Acme Outfitters" in page
        event = Event.objects.get(action="assist.session_started")
        assert (event.on_behalf_of_id, event.account_id) == (org.pk, org.pk)


class TestSessionHygiene:
    def test_start_and_end_need_the_csrf_token(self, csr, shopper):
        strict = Client(enforce_csrf_checks=True)
        strict.force_login(csr, backend="concierge.identity.backends.EmailBackend")
        assert access(strict, shopper).status_code == 403
        assert not AssistedSession.objects.exists()

    def test_the_key_before_a_start_is_dead(self, agent_client, shopper):
        old_key = agent_client.session.session_key
        access(agent_client, shopper)
        stale = Client()
        stale.cookies["sessionid"] = old_key
        page = stale.get(reverse("storefront:home"))
        assert "Ann Agent" not in page.text
        assert "Sign In / Register" in page.text

    def test_starting_and_ending_do_not_extend_the_agents_sign_in(self, client, csr, shopper):
        client.post(reverse("storefront:sign_in"), {"email": csr.email, "password": factories.PASSWORD})
        expires = client.session.get_expiry_date()
        access(client, shopper)
        client.post(reverse("service:assist_end"))
        assert client.session.get_expiry_date() == expires

    def test_both_names_are_escaped(self, agent_client, store):
        odd = factories.shopper(store=store, first_name="<b>Bold</b>", last_name="O'Brien & Co")
        access(agent_client, odd)
        page = agent_client.get(reverse("storefront:home")).text
        assert "<b>Bold</b>" not in page
        assert "&lt;b&gt;Bold&lt;/b&gt; O&#x27;Brien &amp; Co" in page
