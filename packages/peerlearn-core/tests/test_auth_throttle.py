"""One auth throttle for the API, the log-in and sign-up pages and the admin login: per client
address and per account, one budget whichever door is used, 429 with Retry-After everywhere."""

import re

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core import checks
from django.test import Client
from rest_framework.test import APIClient

from peerlearn_core.testing.factories import DEFAULT_PASSWORD, make_learner, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()
WRONG = "not-the-password-1"
WAIT_MESSAGE = r"Too many attempts\. Try again in \d+ (second|minute)s?\."


@pytest.fixture
def rates(settings):
    def set_rates(address="3/min", account="100/min"):
        settings.PEERLEARN_CORE = {
            **getattr(settings, "PEERLEARN_CORE", {}),
            "AUTH_THROTTLE_RATE": address,
            "AUTH_ACCOUNT_THROTTLE_RATE": account,
        }

    return set_rates


def api_token(email, password, address="10.0.0.1"):
    return APIClient().post(
        "/api/auth/token/", {"email": email, "password": password}, REMOTE_ADDR=address
    )


def html_login(email, password, address="10.0.0.1", client=None):
    client = client or Client()
    response = client.post("/login/", {"email": email, "password": password}, REMOTE_ADDR=address)
    return response, client


def assert_throttled_page(response, *, email=None):
    assert response.status_code == 429
    wait = int(response["Retry-After"])
    assert 1 <= wait <= 60
    html = re.sub(r"\s+", " ", response.content.decode())
    # The form is back, with the wait inline above its fields and what was typed kept.
    assert re.search(WAIT_MESSAGE, html), html
    assert "<form" in html
    if email:
        assert f'value="{email}"' in html
    return wait


def test_html_login_is_refused_once_the_api_spent_the_address_budget(rates):
    rates(address="3/min")
    user = make_learner(email="asha@example.test")
    assert [api_token(user.email, WRONG).status_code for _ in range(3)] == [401, 401, 401]
    throttled = api_token(user.email, DEFAULT_PASSWORD)
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1

    response, client = html_login(user.email, DEFAULT_PASSWORD)
    assert_throttled_page(response, email=user.email)
    assert SESSION_KEY not in client.session  # the right password did not log in
    assert 'data-testid="login-error"' in response.content.decode()


def test_api_is_refused_once_the_html_login_spent_the_address_budget(rates):
    rates(address="3/min")
    user = make_learner(email="ravi@example.test")
    for _ in range(3):
        response, _client = html_login(user.email, WRONG)
        assert response.status_code == 200
        assert "Email or password is not right." in response.content.decode()
    assert_throttled_page(html_login(user.email, DEFAULT_PASSWORD)[0], email=user.email)

    response = api_token(user.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    # Another address is not held back by this one.
    assert api_token(user.email, DEFAULT_PASSWORD, address="10.0.0.2").status_code == 200


def test_account_budget_holds_across_addresses_and_doors(rates):
    rates(address="100/min", account="3/min")
    victim = make_learner(email="victim@example.test")
    other = make_learner(email="bystander@example.test")
    # A guesser spread over three addresses and both doors.
    assert api_token("Victim@Example.test", WRONG, address="10.0.1.1").status_code == 401
    assert html_login(victim.email, WRONG, address="10.0.1.2")[0].status_code == 200
    assert api_token(victim.email, WRONG, address="10.0.1.3").status_code == 401

    # A fourth address, even with the right password, waits for the account's window.
    response, client = html_login(victim.email, DEFAULT_PASSWORD, address="10.0.1.4")
    assert_throttled_page(response, email=victim.email)
    assert SESSION_KEY not in client.session
    assert api_token(victim.email, DEFAULT_PASSWORD, address="10.0.1.5").status_code == 429

    # Someone else, from somewhere else, still gets in by either door.
    response, client = html_login(other.email, DEFAULT_PASSWORD, address="10.0.2.1")
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(other.pk)
    assert api_token(other.email, DEFAULT_PASSWORD, address="10.0.2.2").status_code == 200


def test_a_successful_login_starts_the_account_budget_afresh(rates):
    rates(address="100/min", account="3/min")
    user = make_learner(email="typo@example.test")
    for _round in range(3):
        assert api_token(user.email, WRONG).status_code == 401
        assert html_login(user.email, WRONG)[0].status_code == 200
        assert html_login(user.email, DEFAULT_PASSWORD)[0].status_code == 302


def test_signup_page_is_throttled_with_the_api_register_on_one_budget(rates):
    rates(address="3/min")
    client = Client()
    form = {"name": "Asha Rao", "password": "plum-orchard-5521", "role": "learner"}
    first = client.post("/signup/", {**form, "email": "s1@example.test"}, REMOTE_ADDR="10.0.3.1")
    assert first.status_code == 302
    registered = APIClient().post(
        "/api/auth/register/",
        {**form, "email": "s2@example.test"},
        REMOTE_ADDR="10.0.3.1",
    )
    assert registered.status_code == 201
    taken = Client().post("/signup/", {**form, "email": "s1@example.test"}, REMOTE_ADDR="10.0.3.1")
    assert taken.status_code == 200  # the third attempt, refused for the taken email

    response = Client().post(
        "/signup/", {**form, "email": "s1@example.test"}, REMOTE_ADDR="10.0.3.1"
    )
    assert_throttled_page(response, email="s1@example.test")
    # Nothing is validated while throttled: not even whether the email is taken.
    assert "already exists" not in response.content.decode()
    response = Client().post(
        "/signup/", {**form, "email": "s4@example.test"}, REMOTE_ADDR="10.0.3.1"
    )
    assert response.status_code == 429
    assert not User.objects.filter(email="s4@example.test").exists()
    api = APIClient().post(
        "/api/auth/register/", {**form, "email": "s5@example.test"}, REMOTE_ADDR="10.0.3.1"
    )
    assert api.status_code == 429 and "Retry-After" in api
    assert User.objects.filter(email__startswith="s").count() == 2


def admin_login(email, password, address="10.0.4.1"):
    client = Client()
    client.get("/admin/login/", REMOTE_ADDR=address)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": email, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )
    return response, client


def test_admin_login_is_throttled_on_the_same_budget(rates):
    rates(address="3/min")
    staff = make_user(email="staff@example.test", is_staff=True, is_superuser=True)
    assert api_token(staff.email, WRONG, address="10.0.4.1").status_code == 401
    for _ in range(2):
        assert admin_login(staff.email, WRONG)[0].status_code == 200

    response, client = admin_login(staff.email, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    html = response.content.decode()
    assert re.search(WAIT_MESSAGE, html)
    assert 'name="username"' in html  # the admin's own login form, re-rendered
    assert SESSION_KEY not in client.session
    # The HTML login shares the refusal.
    assert html_login(staff.email, DEFAULT_PASSWORD, address="10.0.4.1")[0].status_code == 429
    # From elsewhere the staff user gets in.
    response, client = admin_login(staff.email, DEFAULT_PASSWORD, address="10.0.4.2")
    assert response.status_code == 302 and client.session[SESSION_KEY] == str(staff.pk)


def test_admin_site_is_the_throttled_one():
    from django.contrib import admin

    from peerlearn_core.admin_site import AdminSite

    assert isinstance(admin.site, AdminSite)
    assert not [m for m in checks.run_checks() if m.id == "peerlearn_core.W001"]


def test_forwarded_for_counts_only_behind_the_configured_proxies(rates, settings):
    rates(address="2/min")
    settings.PEERLEARN_CORE = {**getattr(settings, "PEERLEARN_CORE", {}), "NUM_PROXIES": 1}
    email = "nobody@example.test"

    def login_via_proxy(client_address):
        return (
            Client()
            .post(
                "/login/",
                {"email": email, "password": WRONG},
                REMOTE_ADDR="192.0.2.10",  # the proxy
                HTTP_X_FORWARDED_FOR=f"203.0.113.99, {client_address}",  # forged first hop
            )
            .status_code
        )

    assert [login_via_proxy("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    # Another client behind the same proxy has its own budget.
    assert login_via_proxy("198.51.100.2") == 200


def test_ipv6_clients_are_counted_per_64(rates):
    rates(address="2/min")
    statuses = [
        html_login("x@example.test", WRONG, address=f"2001:db8:1:2::{n}")[0].status_code
        for n in range(1, 4)
    ]
    assert statuses == [200, 200, 429]
    assert html_login("x@example.test", WRONG, address="2001:db8:1:3::1")[0].status_code == 200


def test_bad_rates_are_refused_at_startup(settings):
    from django.core.exceptions import ImproperlyConfigured

    from peerlearn_core.app_settings import check_settings
    from peerlearn_core.throttling import parse_rate

    assert (parse_rate("20/min").limit, parse_rate("20/min").seconds) == (20, 60)
    assert parse_rate("10/15min").seconds == 900
    assert parse_rate("1000/day").seconds == 86400
    settings.PEERLEARN_CORE = {
        **getattr(settings, "PEERLEARN_CORE", {}),
        "AUTH_ACCOUNT_THROTTLE_RATE": "ten",
    }
    with pytest.raises(ImproperlyConfigured):
        check_settings()


def test_drf_num_proxies_alone_does_not_make_the_auth_throttle_believe_forwarded_for(
    rates, settings
):
    """The host's REST_FRAMEWORK["NUM_PROXIES"] is DRF's business (with a warning, W005, when it
    differs): the auth throttle believes X-Forwarded-For only with PEERLEARN_CORE's own."""
    rates(address="2/min")
    settings.REST_FRAMEWORK = {**getattr(settings, "REST_FRAMEWORK", {}), "NUM_PROXIES": 1}
    settings.PEERLEARN_CORE = {
        key: value
        for key, value in getattr(settings, "PEERLEARN_CORE", {}).items()
        if key != "NUM_PROXIES"
    }
    statuses = [
        Client()
        .post(
            "/login/",
            {"email": "nobody@example.test", "password": WRONG},
            REMOTE_ADDR="192.0.2.10",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
        .status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]
