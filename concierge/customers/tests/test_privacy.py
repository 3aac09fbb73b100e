"""Data policies (seed 004 "Customer Data Policies"): the customer gives and withdraws consent in
the storefront and over the API — never an agent for them — and customer service sees the
policies, consent and data points with their values on the record's tab and over the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.core.context import ActingContext
from concierge.customers.locks import customer_lock
from concierge.customers.models import Customer, CustomerConsent, DataPoint, DataPolicy
from concierge.customers.privacy import CATALOGUE, validate_data_point_key
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(store) -> DataPolicy:
    policy = DataPolicy.objects.create(name="Marketing emails", reference_key="marketing-emails", retention_days=30,
                                       state=DataPolicy.State.ACTIVE, description="News and offers.")  # fmt: skip
    policy.data_points.add(
        DataPoint.objects.create(key="customer.email", name="Email address", description="Where we write to you"),
        DataPoint.objects.create(key="address.street", name="Street", description="For local offers"),
    )
    return policy


@pytest.fixture
def draft(store) -> DataPolicy:
    return DataPolicy.objects.create(name="Loyalty scheme", reference_key="loyalty", retention_days=10)


def token_headers(email: str) -> dict[str, str]:
    key = Client().post("/api/v1/auth/tokens", {"email": email, "password": PASSWORD},
                        content_type="application/json").json()["key"]  # fmt: skip
    return {"Authorization": f"Bearer {key}"}


# --- The storefront ---------------------------------------------------------------------------


def test_the_privacy_page_lists_active_policies_in_plain_words(signed_in, shopper, marketing, draft):
    page = signed_in(shopper.user).get(reverse("storefront:privacy"))
    assert page.status_code == 200
    assert "Marketing emails" in page.text
    assert "email address, street" in page.text
    assert "Loyalty scheme" not in page.text  # a draft is not in force
    assert "Give consent" in page.text


def test_the_my_account_menu_links_to_privacy(signed_in, shopper):
    page = signed_in(shopper.user).get(reverse("storefront:my_account"))
    assert reverse("storefront:privacy") in page.text


def test_the_shopper_gives_and_withdraws_consent(signed_in, shopper, marketing):
    client = signed_in(shopper.user)
    given = client.post(reverse("storefront:privacy"), {"policy": marketing.pk, "consent": "give"}, follow=True)
    assert "you consent to “Marketing emails”" in given.text
    assert "Withdraw consent" in given.text
    assert CustomerConsent.objects.get(customer=shopper, policy=marketing).given
    withdrawn = client.post(reverse("storefront:privacy"), {"policy": marketing.pk, "consent": "withdraw"},
                            follow=True)  # fmt: skip
    assert "You withdrew your consent" in withdrawn.text
    assert not CustomerConsent.objects.get(customer=shopper, policy=marketing).given


def test_each_consent_change_is_audited_with_its_time(signed_in, shopper, marketing, clock):
    client = signed_in(shopper.user)
    client.post(reverse("storefront:privacy"), {"policy": marketing.pk, "consent": "give"})
    first = CustomerConsent.objects.get(customer=shopper).updated_at
    clock.advance(dt.timedelta(minutes=5))
    client.post(reverse("storefront:privacy"), {"policy": marketing.pk, "consent": "withdraw"})
    assert CustomerConsent.objects.get(customer=shopper).updated_at > first
    events = Event.objects.filter(action="customer.consent_changed", subject_id=str(shopper.pk)).order_by("id")
    assert [e.changes["consent"] for e in events] == [[None, True], [True, False]]
    assert {e.actor_label for e in events} == {"Jane Shopper"}


def test_consent_to_a_policy_not_in_force_is_refused(signed_in, shopper, draft):
    response = signed_in(shopper.user).post(reverse("storefront:privacy"), {"policy": draft.pk, "consent": "give"})
    assert response.status_code == 404
    assert not CustomerConsent.objects.exists()


def test_an_agent_in_an_assisted_session_cannot_change_consent(signed_in, csr, shopper, marketing):
    agent = signed_in(csr)
    agent.post(reverse("service:access_customer"), {"customer": shopper.pk})
    page = agent.get(reverse("storefront:privacy"))
    assert "Only the customer can give or withdraw consent" in page.text
    assert "Give consent" not in page.text
    refused = agent.post(reverse("storefront:privacy"), {"policy": marketing.pk, "consent": "give"})
    assert refused.status_code == 403
    assert "Customer service cannot give or withdraw consent" in refused.text
    assert not CustomerConsent.objects.exists()


# --- The API, for the shopper ---------------------------------------------------------------------


def test_the_shopper_lists_gives_and_withdraws_consent_over_the_api(shopper, marketing):
    auth = token_headers(shopper.email)
    [listed] = Client().get("/api/v1/account/data-policies", headers=auth).json()
    assert (listed["name"], listed["consent_given"], listed["consent_updated_at"]) == ("Marketing emails", False, None)
    assert [p["key"] for p in listed["data_points"]] == ["customer.email", "address.street"]  # by name
    assert all(p["values"] == [] for p in listed["data_points"])  # the shopper's view names kinds, not values
    given = Client().post(f"/api/v1/account/data-policies/{marketing.pk}/consent", headers=auth)
    assert (given.status_code, given.json()["consent_given"]) == (200, True)
    withdrawn = Client().delete(f"/api/v1/account/data-policies/{marketing.pk}/consent", headers=auth)
    assert withdrawn.json()["consent_given"] is False


def test_an_agent_cannot_change_consent_over_the_api(csr, shopper, marketing):
    auth = token_headers(csr.email)
    started = Client().post("/api/v1/assist/sessions", {"customer_id": shopper.pk}, content_type="application/json",
                            headers=auth)  # fmt: skip
    acting = {**auth, "X-Assisted-Session": str(started.json()["id"])}
    refused = Client().post(f"/api/v1/account/data-policies/{marketing.pk}/consent", headers=acting)
    assert (refused.status_code, refused.json()["code"]) == (403, "not_allowed_on_behalf")


def test_consent_to_an_unknown_policy_is_not_found_over_the_api(shopper):
    response = Client().post("/api/v1/account/data-policies/999/consent", headers=token_headers(shopper.email))
    assert (response.status_code, response.json()["code"]) == (404, "policy.not_found")


# --- The console's Customer Data Policies tab ---------------------------------------------------


def give(shopper: Customer, policy: DataPolicy) -> None:
    from concierge.customers.privacy import consent_set

    consent_set(ActingContext(user=shopper.user, customer=shopper), policy_id=policy.pk, given=True)


def test_the_tab_shows_the_policies_consent_last_update_and_state(signed_in, csr, shopper, marketing, draft):
    give(shopper, marketing)
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]), {"tab": "policies"})
    assert "Consent Given" in page.text
    assert "Consent Last Updated" in page.text
    assert "Data Policy State" in page.text
    row = page.text.split("Marketing emails", 1)[1].split("</tr>", 1)[0]
    assert "Yes" in row
    assert "Active" in row
    assert "Loyalty scheme" not in page.text


def test_a_policy_the_customer_consented_to_stays_listed_when_disabled(signed_in, csr, shopper, marketing):
    give(shopper, marketing)
    DataPolicy.objects.filter(pk=marketing.pk).update(state=DataPolicy.State.DISABLED)
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]), {"tab": "policies"})
    assert "Disabled" in page.text.split("Marketing emails", 1)[1].split("</tr>", 1)[0]


def test_selecting_a_policy_shows_its_data_points_with_the_values_collected(signed_in, csr, shopper, marketing):
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]),
                              {"tab": "policies", "policy": marketing.pk})  # fmt: skip
    points = page.text.split('data-testid="data-points"', 1)[1]
    assert "jane@example.com" in points
    assert "100 Congress Ave" in points
    assert "Where we write to you" in points


def test_remove_customer_data_is_offered_only_with_the_privilege(signed_in, csr, supervisor, shopper):
    assert (
        "Remove customer data"
        not in signed_in(csr).get(reverse("service:customer", args=[shopper.pk]), {"tab": "policies"}).text
    )
    page = Client()
    page.force_login(supervisor)
    assert (
        "Choose Edit to remove customer data"
        in page.get(reverse("service:customer", args=[shopper.pk]), {"tab": "policies"}).text
    )


def test_remove_customer_data_without_the_shared_id_typed_is_refused(signed_in, supervisor, shopper):
    client = signed_in(supervisor)
    client.post(reverse("service:customer_open", args=[shopper.pk]), {"version": shopper.version})
    response = client.post(reverse("service:customer_remove_data", args=[shopper.pk]),
                           {"version": shopper.version, "confirmation": "nope", "reason": ""})  # fmt: skip
    assert response.status_code == 400
    assert f"Type the customer&#x27;s Shared ID ({shopper.shared_id}) to confirm." in response.text
    assert "Give the reason" in response.text
    assert Customer.objects.get(pk=shopper.pk).email == "jane@example.com"


def test_a_reason_that_names_the_customer_is_refused(signed_in, supervisor, shopper):
    client = signed_in(supervisor)
    client.post(reverse("service:customer_open", args=[shopper.pk]), {"version": shopper.version})
    response = client.post(reverse("service:customer_remove_data", args=[shopper.pk]),
                           {"version": shopper.version, "confirmation": shopper.shared_id,
                            "reason": "Jane asked by phone"})  # fmt: skip
    assert response.status_code == 400
    assert "must not name the customer" in response.text


def test_remove_customer_data_needs_the_record_open_for_editing(signed_in, supervisor, shopper):
    response = signed_in(supervisor).post(reverse("service:customer_remove_data", args=[shopper.pk]),
                                          {"version": shopper.version, "confirmation": shopper.shared_id,
                                           "reason": "Asked"})  # fmt: skip
    assert response.status_code == 409
    assert Customer.objects.get(pk=shopper.pk).email == "jane@example.com"


# --- The console API --------------------------------------------------------------------------


def test_the_console_api_lists_policies_with_values(csr, shopper, marketing):
    give(shopper, marketing)
    [policy] = Client().get(f"/api/v1/service/customers/{shopper.pk}/data-policies",
                            headers=token_headers(csr.email)).json()  # fmt: skip
    assert (policy["consent_given"], policy["state"]) == (True, "ACTIVE")
    assert {p["key"]: p["values"] for p in policy["data_points"]}["customer.email"] == ["jane@example.com"]


def test_the_console_api_hides_another_store_s_customer(csr_other_store, shopper):
    response = Client().get(f"/api/v1/service/customers/{shopper.pk}/data-policies",
                            headers=token_headers(csr_other_store.email))  # fmt: skip
    assert response.status_code == 404


def test_remove_data_over_the_api_names_version_and_lease(supervisor, csr, shopper):
    url = f"/api/v1/service/customers/{shopper.pk}/remove-data"
    body = {"confirmation": shopper.shared_id, "reason": "Asked in writing"}
    auth = token_headers(supervisor.email)
    missing = Client().post(url, body, content_type="application/json", headers=auth)
    assert (missing.status_code, missing.json()["code"]) == (428, "customer.version_required")
    grant = customer_lock(ActingContext(user=supervisor), customer_id=shopper.pk, expected_version=None)
    version = Customer.objects.get(pk=shopper.pk).version
    refused = Client().post(url, body, content_type="application/json",
                            headers={**token_headers(csr.email), "If-Match": str(version)})  # fmt: skip
    assert refused.status_code in (403, 409)
    done = Client().post(url, body, content_type="application/json",
                         headers={**auth, "If-Match": str(version), "X-Lease-Token": grant.token})  # fmt: skip
    assert done.status_code == 200, done.json()
    assert done.json()["removed"]["addresses"] == 1
    assert Customer.objects.get(pk=shopper.pk).status == Customer.Status.DISABLED


def test_remove_data_over_the_api_needs_the_privilege(csr, shopper):
    grant = customer_lock(ActingContext(user=csr), customer_id=shopper.pk, expected_version=None)
    response = Client().post(
        f"/api/v1/service/customers/{shopper.pk}/remove-data",
        {"confirmation": shopper.shared_id, "reason": "Asked"}, content_type="application/json",
        headers={**token_headers(csr.email), "If-Match": str(shopper.version), "X-Lease-Token": grant.token},
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


# --- The catalogue and the admin --------------------------------------------------------------


def test_a_data_point_names_a_key_of_the_catalogue():
    assert {"customer.first_name", "customer.email", "address.street", "payment.holder_name"} <= set(CATALOGUE)
    validate_data_point_key("customer.email")
    with pytest.raises(Exception, match="Unknown data point"):
        validate_data_point_key("customer.shoe_size")


def test_the_admin_refuses_an_unknown_data_point_key_and_audits_a_policy(signed_in, administrator):
    client = signed_in(administrator)
    refused = client.post(reverse("admin:customers_datapoint_add"), {"key": "customer.shoe_size", "name": "Shoe"})
    assert refused.status_code == 200
    assert not DataPoint.objects.exists()
    client.post(reverse("admin:customers_datapoint_add"), {"key": "customer.email", "name": "Email address"})
    point = DataPoint.objects.get()
    added = client.post(reverse("admin:customers_datapolicy_add"), {
        "name": "Marketing emails", "reference_key": "marketing", "description": "", "retention_days": "30",
        "state": "ACTIVE", "data_points": [point.pk],
    })  # fmt: skip
    assert added.status_code == 302
    assert DataPolicy.objects.get().data_points.get() == point
    assert Event.objects.filter(action="admin.datapolicy.added").exists()
    assert Event.objects.filter(action="admin.datapoint.added").exists()


def test_remove_customer_data_with_a_stale_version_or_someone_else_s_lock_changes_nothing(
    signed_in, supervisor, administrator, shopper
):
    url = reverse("service:customer_remove_data", args=[shopper.pk])
    body = {"confirmation": shopper.shared_id, "reason": "Asked in writing"}
    sam = signed_in(supervisor)
    sam.post(reverse("service:customer_open", args=[shopper.pk]), {"version": shopper.version})
    stale = sam.post(url, {**body, "version": shopper.version - 1})
    assert stale.status_code == 412
    assert "Reload" in stale.text
    ada = Client()
    ada.force_login(administrator)
    locked = ada.post(url, {**body, "version": shopper.version})
    assert locked.status_code == 409
    kept = Customer.objects.get(pk=shopper.pk)
    assert (kept.email, kept.status, kept.addresses.count()) == ("jane@example.com", "ACTIVE", 1)
    assert not Event.objects.filter(action="customer.data_removed").exists()


def test_a_policy_of_another_store_does_not_apply(signed_in, csr, shopper, marketing, other_store):
    elsewhere = DataPolicy.objects.create(name="Canadian loyalty", reference_key="ca-loyalty", retention_days=5,
                                          state=DataPolicy.State.ACTIVE)  # fmt: skip
    elsewhere.stores.add(other_store)
    page = signed_in(csr).get(reverse("service:customer", args=[shopper.pk]), {"tab": "policies"})
    assert "Marketing emails" in page.text  # no stores named: every store
    assert "Canadian loyalty" not in page.text
    refused = Client().post(f"/api/v1/account/data-policies/{elsewhere.pk}/consent",
                            headers=token_headers(shopper.email))  # fmt: skip
    assert refused.status_code == 404
