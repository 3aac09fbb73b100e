"""The API's contract: authentication, the acting identities, and one error shape for every 4xx."""

import json

import pytest
from django.test import Client

from concierge.identity.models import ApiToken
from concierge.testing import factories
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def error_of(response) -> dict:
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}, body
    return body


def create_token(client: Client, email: str, password: str = PASSWORD):
    return client.post(
        "/api/v1/auth/tokens", {"email": email, "password": password, "name": "laptop"}, content_type="application/json"
    )


def test_a_token_authenticates_and_me_says_who_acts_for_whom(client, csr, store):
    # given a token issued for the CSR's credentials
    created = create_token(client, csr.email)
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("cg_")
    # when the CSR calls /me with it
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    # then the answer names them, their role and stores, and that they act for nobody else
    assert response.status_code == 200
    me = response.json()
    assert me["user"]["email"] == csr.email
    assert me["roles"] == ["CSR"]
    assert "identity.access_customer_account" in me["privileges"]
    assert me["stores"] == ["us"]
    assert me["customer"] is None
    assert me["acting_as"] == "Ann Agent"
    assert response["X-Acting-User"] == str(csr.pk)


def test_only_the_digest_of_a_token_is_stored(client, csr):
    key = create_token(client, csr.email).json()["key"]
    token = ApiToken.objects.get(user=csr)
    assert key not in token.digest
    assert token.digest == ApiToken.digest_of(key)


def test_a_revoked_token_no_longer_works(client, csr):
    created = create_token(client, csr.email).json()
    auth = {"Authorization": f"Bearer {created['key']}"}
    assert Client().delete(f"/api/v1/auth/tokens/{created['id']}", headers=auth).status_code == 204
    response = Client().get("/api/v1/me", headers=auth)
    assert response.status_code == 401
    assert error_of(response)["code"] == "auth.required"


def test_another_users_token_cannot_be_revoked(client, csr, supervisor):
    mine = create_token(client, csr.email).json()
    theirs = create_token(Client(), supervisor.email).json()
    response = Client().delete(
        f"/api/v1/auth/tokens/{theirs['id']}", headers={"Authorization": f"Bearer {mine['key']}"}
    )
    assert response.status_code == 404
    assert error_of(response)["code"] == "identity.token_not_found"
    assert ApiToken.objects.get(pk=theirs["id"]).revoked_at is None


def test_wrong_credentials_get_the_error_shape(client, csr):
    response = create_token(client, csr.email, password="wrong")
    assert response.status_code == 401
    assert error_of(response) == {
        "code": "auth.invalid_credentials",
        "message": "The email address or password you entered is incorrect.",
        "fields": {},
    }


def test_a_bad_request_gets_the_error_shape_with_field_messages(client):
    response = client.post("/api/v1/auth/tokens", {"email": 5}, content_type="application/json")
    assert response.status_code == 422
    body = error_of(response)
    assert body["code"] == "request.invalid"
    assert set(body["fields"]) == {"email", "password"}


def test_malformed_json_gets_the_error_shape(client):
    response = client.post("/api/v1/auth/tokens", "{not json", content_type="application/json")
    assert response.status_code in {400, 422}
    assert error_of(response)["code"] == "request.invalid"


def test_unknown_paths_and_methods_get_the_error_shape(client):
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "not_found"
    wrong_method = client.put("/api/v1/me")
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "method_not_allowed"


def test_session_auth_needs_the_csrf_token_for_unsafe_methods(csr):
    # given a browser session (with CSRF checks on, as in a real browser)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    assert browser.get("/api/v1/me").status_code == 200
    # when it posts without the CSRF token
    response = browser.post("/api/v1/auth/sign-out-everywhere")
    # then it is refused with the error shape, and nothing happened
    assert response.status_code == 403
    assert error_of(response)["code"] == "csrf.failed"
    assert browser.get("/api/v1/me").status_code == 200


def test_api_sign_out_everywhere_ends_browser_sessions(csr):
    browser = Client()
    browser.force_login(csr, backend="concierge.identity.backends.EmailBackend")
    key = create_token(Client(), csr.email).json()["key"]
    response = Client().post("/api/v1/auth/sign-out-everywhere", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 204
    assert browser.get("/api/v1/me").status_code == 401


def test_me_shows_the_organization_a_seller_buys_for(seller, store):
    org = factories.organization(store=store, name="Acme Hospitality", seller=seller)
    browser = Client()
    browser.force_login(seller, backend="concierge.identity.backends.EmailBackend")
    browser.post("/organizations/", {"account_id": org.pk})
    me = browser.get("/api/v1/me")
    assert me.json()["account"]["name"] == "Acme Hospitality"
    assert me.json()["acting_as"] == f"{seller.display_name} for Acme Hospitality"
    assert me["X-Acting-For-Account"] == str(org.pk)


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}


def test_the_docs_are_served_from_local_assets(client):
    assert client.get("/api/docs").status_code == 302
    page = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in page
    assert "/static/ninja/" in page


def test_a_wrong_bearer_token_on_a_change_gets_401_not_a_csrf_refusal(client):
    response = client.post("/api/v1/auth/sign-out-everywhere", headers={"Authorization": "Bearer cg_nonsense"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "auth.required"


def test_control_characters_in_input_are_a_422_not_a_500(client, csr):
    response = client.post(
        "/api/v1/auth/tokens", {"email": "ann@concierge.test\x00", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "email" in error_of(response)["fields"]


def test_an_out_of_range_id_is_a_422(client, csr):
    key = create_token(client, csr.email).json()["key"]
    response = Client().delete(f"/api/v1/auth/tokens/{10**30}", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 422


def test_posting_to_an_unknown_api_path_is_404(client):
    response = Client(enforce_csrf_checks=True).post("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_sign_out_everywhere_also_revokes_api_tokens(csr):
    keys = [create_token(Client(), csr.email).json()["key"] for _ in range(2)]
    Client().post("/api/v1/auth/sign-out-everywhere", headers={"Authorization": f"Bearer {keys[0]}"})
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {keys[1]}"}).status_code == 401


def test_a_get_with_a_token_changes_no_row(client, csr):
    key = create_token(client, csr.email).json()["key"]
    Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert ApiToken.objects.get(user=csr).last_used_at is None
