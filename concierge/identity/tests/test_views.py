"""Signing in, registering and signing out on the storefront's one sign-in page (seed 000)."""

import pytest
from django.test import Client
from django.urls import reverse

from concierge.audit.models import Event
from concierge.customers.models import Customer
from concierge.identity.models import User
from concierge.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db
SIGN_IN = reverse("storefront:sign_in")


def sign_in(client: Client, email: str, password: str = PASSWORD, next_url: str = ""):
    return client.post(SIGN_IN, {"email": email, "password": password, "next": next_url})


def test_sign_in_page_has_the_sign_in_and_register_tabs(client):
    page = client.get(SIGN_IN).content.decode()
    assert 'role="tab"' in page
    assert ">Sign In<" in page
    assert ">Register<" in page


def test_a_csr_lands_on_the_customer_service_page(client, csr):
    response = sign_in(client, "ann@concierge.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("service:home")
    assert "Customer Service" in client.get(response["Location"]).content.decode()


def test_a_supervisor_lands_in_the_console_and_warehouse_staff_in_the_warehouse(client, supervisor, warehouse):
    assert sign_in(client, supervisor.email)["Location"] == reverse("service:home")
    client.logout()
    assert sign_in(client, warehouse.email)["Location"] == reverse("service:warehouse")


def test_a_seller_lands_on_the_organization_selector(client, seller):
    assert sign_in(client, seller.email)["Location"] == reverse("storefront:organizations")


def test_a_shopper_returns_to_where_they_were(client, shopper):
    response = sign_in(client, shopper.email, next_url="/account/")
    assert response["Location"] == "/account/"


def test_a_shopper_is_not_sent_to_another_site(client, shopper):
    response = sign_in(client, shopper.email, next_url="https://evil.example.com/")
    assert response["Location"] == reverse("storefront:home")


def test_email_is_compared_case_insensitively(client, shopper):
    assert sign_in(client, "JANE@Example.com").status_code == 302


def test_a_wrong_password_shows_a_clear_error_and_signs_nobody_in(client, shopper):
    response = sign_in(client, shopper.email, password="not the password")
    assert response.status_code == 400
    assert "The email address or password you entered is incorrect." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_disabled_user_cannot_sign_in(client, shopper):
    User.objects.filter(pk=shopper.user_id).update(is_active=False)
    response = sign_in(client, shopper.email)
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session


def test_sign_in_is_throttled_after_repeated_failures(client, shopper, settings):
    # given five failed attempts for one email
    settings.CONCIERGE_SIGN_IN_MAX_FAILURES = 5
    for _ in range(5):
        assert sign_in(client, shopper.email, password="guess").status_code == 400
    # when the right password is tried now
    response = sign_in(client, shopper.email)
    # then it is refused with the throttling message, and nobody is signed in
    assert response.status_code == 400
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_throttle_window_passes(client, shopper, settings, clock):
    import datetime as dt

    settings.CONCIERGE_SIGN_IN_MAX_FAILURES = 3
    for _ in range(3):
        sign_in(client, shopper.email, password="guess")
    assert "Too many" in sign_in(client, shopper.email).content.decode()
    # when the window has passed
    clock.advance(dt.timedelta(seconds=settings.CONCIERGE_SIGN_IN_WINDOW_SECONDS + 1))
    # then the right password works again
    assert sign_in(client, shopper.email).status_code == 302


def test_sign_in_rotates_the_session_key(client, shopper):
    client.get(SIGN_IN)
    client.session.save()
    before = client.session.session_key
    sign_in(client, shopper.email)
    assert client.session.session_key != before


def test_sign_out_is_post_only(client, shopper):
    client.force_login(shopper.user, backend="concierge.identity.backends.EmailBackend")
    assert client.get(reverse("storefront:sign_out")).status_code == 405
    assert client.post(reverse("storefront:sign_out")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_out_everywhere_ends_the_other_sessions(shopper):
    # given the shopper signed in on two devices
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        assert sign_in(device, shopper.email).status_code == 302
    # when they sign out everywhere from the laptop
    laptop.post(reverse("storefront:sign_out_everywhere"))
    # then the phone is signed out too
    assert phone.get(reverse("storefront:my_account")).status_code == 302
    assert Event.objects.filter(action="user.signed_out_everywhere", actor_id=shopper.user_id).count() == 1


def test_register_creates_a_shopper_and_signs_them_in(client, store):
    response = client.post(
        reverse("storefront:register"),
        {
            "first_name": "Rita",
            "last_name": "Ramos",
            "email": "Rita@Example.com",
            "password": "a long enough passphrase",
            "password_confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 302
    customer = Customer.objects.get(email="rita@example.com")
    assert customer.store == store
    assert customer.user.groups.filter(name="Shopper").exists()
    assert client.get(reverse("storefront:my_account")).status_code == 200
    event = Event.objects.get(action="customer.registered")
    assert (event.actor_id, event.on_behalf_of_id) == (customer.user_id, customer.pk)


def test_register_with_a_taken_email_shows_the_field_error(client, shopper):
    response = client.post(
        reverse("storefront:register"),
        {
            "first_name": "J",
            "last_name": "S",
            "email": shopper.email.upper(),
            "password": "a long enough passphrase",
            "password_confirm": "a long enough passphrase",
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact=shopper.email).count() == 1


def test_register_with_a_weak_password_changes_nothing(client, store):
    response = client.post(
        reverse("storefront:register"),
        {"first_name": "A", "last_name": "B", "email": "ab@example.com", "password": "123", "password_confirm": "123"},
    )
    assert response.status_code == 400
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="ab@example.com").exists()


def test_passwords_are_hashed_with_argon2_in_production():
    from concierge import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.django_db(transaction=True)
def test_parallel_guesses_cannot_pass_the_throttle(shopper, settings):
    """Every attempt is counted before its password is checked, so parallel guesses stop at the limit."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    settings.CONCIERGE_SIGN_IN_MAX_FAILURES = 3
    barrier = threading.Barrier(8)

    def guess(n: int) -> int:
        try:
            barrier.wait()
            return sign_in(Client(), shopper.email, password=f"guess-{n}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(guess, range(8)))
    assert Event.objects.filter(action="user.sign_in_failed").count() <= 3


def test_sign_ins_are_audited(client, shopper):
    sign_in(client, shopper.email)
    sign_in(Client(), shopper.email, password="wrong")
    assert Event.objects.filter(action="user.signed_in", actor_id=shopper.user_id).count() == 1
    failed = Event.objects.get(action="user.sign_in_failed")
    assert shopper.email not in repr(failed.subject_id) + repr(failed.data)
