"""The safety net: styled error pages, the request id in the log, NUL bytes and oversized bodies."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import include, path

from concierge.core.errors_middleware import server_error
from concierge.testing import factories


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the view broke")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


# This module doubles as a URLconf (pytest.mark.urls): two views that fail, then the whole site.
urlpatterns = [
    path("service/test-boom/", _boom),
    path("test-boom/", _boom),
    path("test-forbidden/", _forbidden),
    path("", include("concierge.urls")),
]
handler400 = "concierge.core.errors_middleware.bad_request"
handler403 = "concierge.core.errors_middleware.permission_denied"
handler404 = "concierge.core.errors_middleware.page_not_found"
handler500 = "concierge.core.errors_middleware.server_error"

TEN_MB = "x" * (10 * 1024 * 1024)


@pytest.mark.django_db
def test_an_unknown_storefront_page_is_a_styled_404_with_a_link_home(client, store):
    # when
    response = client.get("/no-such-page/")
    # then
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'class="site-header' in html
    assert "Go to the home page" in html


@pytest.mark.django_db
def test_an_unknown_console_page_links_to_the_customer_service_page(signed_in, csr):
    # when
    response = signed_in(csr).get("/service/no-such-page/")
    # then
    assert response.status_code == 404
    assert "Go to the Customer Service page" in response.content.decode()
    assert 'href="/service/"' in response.content.decode()


@pytest.mark.django_db
def test_a_get_on_a_post_only_console_url_is_a_styled_405(signed_in, csr):
    # when: the browser follows a link to what only a form may POST
    response = signed_in(csr).get("/service/orders/ORD-1/cancel")
    # then: a page in the console layout, not the browser's blank error page
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "This page cannot be opened that way" in html
    assert "console-header" in html
    assert "Go to the Customer Service page" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_403_is_a_styled_page(client, store):
    response = client.get("/test-forbidden/")
    assert response.status_code == 403
    assert "You cannot open this page" in response.content.decode()
    assert "Go to the home page" in response.content.decode()


@pytest.mark.django_db
def test_a_form_without_its_csrf_token_is_a_styled_403(signed_in, shopper):
    # given: a browser that enforces CSRF, like a real one
    client = signed_in(shopper.user)
    client.handler.enforce_csrf_checks = True
    # when
    response = client.post("/account/addresses/", {"first_name": "Jane"})
    # then
    assert response.status_code == 403
    html = response.content.decode()
    assert "reload the page" in html
    assert "Go to the home page" in html


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_view_that_raises_answers_the_500_page_and_logs_the_request_id(store, caplog):
    # given
    client = Client(raise_request_exception=False)
    # when
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/service/test-boom/", HTTP_X_REQUEST_ID="req-abcdef123456")
    # then: the page names the request id, and so does the log record of the error
    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-abcdef123456"
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "req-abcdef123456" in html
    assert "Go to the Customer Service page" in html
    records = [r for r in caplog.records if r.name == "django.request" and r.levelno == logging.ERROR]
    assert records, "the 500 reached no log"
    assert records[0].exc_info is not None
    assert {r.request_id for r in records} == {"req-abcdef123456"}


def test_the_500_page_needs_no_database():
    # given: no database access is allowed in this test (pytest-django blocks it)
    request: Any = RequestFactory().get("/checkout/")
    request.request_id = "req-nodatabase1"
    # when
    response = server_error(request)
    # then
    assert response.status_code == 500
    assert "req-nodatabase1" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_byte_in_a_storefront_form_is_a_400_naming_the_field(client):
    # when: a form whose view gives no field errors of its own for it
    response = client.post("/account/sign-in/", {"email": "a\x00b@example.com", "password": "x"})
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert "email" in html
    assert "NUL" in html
    assert "Go to the home page" in html


@pytest.mark.django_db
def test_a_nul_byte_in_a_console_query_parameter_is_a_400_naming_the_field(signed_in, csr):
    # a console page that gives no field errors of its own for it (order search does: its own test)
    response = signed_in(csr).get("/service/?first_name=a%00b")
    assert response.status_code == 400
    assert "“first_name” contains a NUL character" in response.content.decode()


@pytest.mark.django_db
def test_a_nul_byte_in_an_order_search_parameter_is_a_400_on_the_field(signed_in, csr):
    # Order search gives its own field errors (core.forms.checks_text): the net lets the NUL through to it.
    response = signed_in(csr).get("/service/orders/?number=a%00b")
    assert response.status_code == 400
    assert "Remove the control characters (such as NUL) from this field." in response.content.decode()


@pytest.mark.django_db
def test_a_nul_byte_in_an_api_json_body_is_a_422_naming_the_field(client, store):
    # when
    response = client.post(
        "/api/v1/auth/tokens",
        json.dumps({"email": "jane@example.com", "password": "a\x00b", "name": "x"}),
        content_type="application/json",
    )
    # then
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "request.invalid"
    assert "password" in body["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/cart/lines"),
        ("post", "/api/v1/auth/tokens"),
        ("put", "/api/v1/service/orders/X/billing-address"),
    ],
)
def test_a_10_mb_json_body_answers_413_with_the_error_shape(client, store, method, path):
    # when
    body = json.dumps({"note": TEN_MB})
    response = getattr(client, method)(path, body, content_type="application/json")
    # then
    assert response.status_code == 413
    payload = response.json()
    assert payload["code"] == "request.too_large"
    assert "1 MB" in payload["message"]


@pytest.mark.django_db
def test_a_10_mb_html_form_answers_the_styled_413_page(signed_in, shopper):
    response = signed_in(shopper.user).post("/account/addresses/", {"first_name": TEN_MB})
    assert response.status_code == 413
    html = response.content.decode()
    assert "What was sent is too large" in html
    assert "1 MB" in html


@pytest.mark.django_db
def test_every_answer_carries_a_request_id(client, store):
    factories.product(store=store)
    response = client.get("/")
    assert len(response["X-Request-ID"]) >= 8
