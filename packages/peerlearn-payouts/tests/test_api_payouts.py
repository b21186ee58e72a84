"""Withdrawals through the API, the real gateway and the sandbox: input, balance, idempotency."""

import json
import re

import pytest

from peerlearn_core.testing.factories import make_learner, make_mentor
from peerlearn_payouts.models import Payout
from peerlearn_payouts.testing.factories import give_earnings

pytestmark = pytest.mark.django_db


@pytest.fixture
def rich_mentor(db):
    mentor = make_mentor(name="Asha Mentor")
    give_earnings(mentor, 100000)  # ₹1000 gross → ₹900 net
    return mentor


def withdraw(client, amount, upi="asha.mentor@okhdfcbank", key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/payouts/razorpay/", {"amount": amount, "upi_id": upi}, format="json", **headers
    )


@pytest.mark.parametrize(
    ("amount", "upi", "field"),
    [
        ("0", "asha@okhdfcbank", "amount"),
        ("-5.00", "asha@okhdfcbank", "amount"),
        ("10.005", "asha@okhdfcbank", "amount"),
        ("abc", "asha@okhdfcbank", "amount"),
        ("", "asha@okhdfcbank", "amount"),
        (None, "asha@okhdfcbank", "amount"),
        ("0.50", "asha@okhdfcbank", "amount"),
        ("100.00", "asha.okhdfcbank", "upi_id"),
        ("100.00", "asha_mentor@okhdfcbank", "upi_id"),
        ("100.00", "asha@ok@hdfc", "upi_id"),
        ("100.00", "asha@okhdfc1", "upi_id"),
        ("100.00", "a" * 95 + "@okhdfcbank", "upi_id"),
        ("100.00", "", "upi_id"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_nothing_happens(
    as_user, rich_mentor, sandbox, amount, upi, field
):
    response = withdraw(as_user(rich_mentor), amount, upi)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert Payout.objects.count() == 0
    assert sandbox.create_calls == 0 and sandbox.contacts() == []
    assert as_user(rich_mentor).get("/api/payouts/balance/").json()["available"] == "900.00"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "The smallest withdrawal is ₹1.00."),
        ("0.99", "The smallest withdrawal is ₹1.00."),
        (0, "The smallest withdrawal is ₹1.00."),
        ("500000.01", "The largest withdrawal is ₹5,00,000.00."),
        (500001, "The largest withdrawal is ₹5,00,000.00."),
        ("9999999999.99", "The largest withdrawal is ₹5,00,000.00."),
    ],
)
def test_amount_outside_the_limits_is_400_with_the_limit(
    as_user, rich_mentor, sandbox, amount, message
):
    response = withdraw(as_user(rich_mentor), amount)
    assert (response.status_code, response.json()) == (400, {"amount": [message]})
    assert Payout.objects.count() == 0 and sandbox.create_calls == 0


def test_schema_states_the_limits_of_the_settings(settings, openapi_schema):
    """What schemathesis found (ST202): an amount over the maximum matched the schema. The
    schema now says the settings' limits, in the string's pattern and the integer's bounds."""

    def amount_schema():
        schema = openapi_schema()
        amount = schema["components"]["schemas"]["PayoutRequestRequest"]["properties"]["amount"]
        text, whole = amount["oneOf"]
        return re.compile(text["pattern"]), (whole["minimum"], whole["maximum"])

    pattern, bounds = amount_schema()
    assert bounds == (1, 500000)
    assert [bool(pattern.fullmatch(v)) for v in ("0.99", "1", "500000.00", "500000.01")] == [
        False, True, True, False,
    ]  # fmt: skip
    settings.PEERLEARN_PAYOUTS = {
        **getattr(settings, "PEERLEARN_PAYOUTS", {}),
        "MIN_PAYOUT_PAISE": 250_00,
        "MAX_PAYOUT_PAISE": 1_000_50,
    }
    pattern, bounds = amount_schema()
    assert bounds == (250, 1000)
    assert [bool(pattern.fullmatch(v)) for v in ("249.99", "250", "1000.50", "1000.51")] == [
        False, True, True, False,
    ]  # fmt: skip


def test_more_than_available_is_409_and_nothing_happens(as_user, rich_mentor, sandbox):
    response = withdraw(as_user(rich_mentor), "900.01")
    assert response.status_code == 409
    assert "amount" in response.json()
    assert Payout.objects.count() == 0 and sandbox.create_calls == 0


def test_withdraw_happy_path_and_balance(as_user, rich_mentor, sandbox):
    client = as_user(rich_mentor)
    response = withdraw(client, "250.50")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == "250.50" and body["method"] == "UPI"
    assert body["status"] == "processing" and body["razorpay_id"].startswith("pout_")
    assert body["upi_id"] == "asha.mentor@okhdfcbank"
    [remote] = sandbox.payouts()
    assert remote["amount"] == 25050 and remote["mode"] == "UPI"
    assert remote["reference_id"] == f"payout_{body['id']}"
    assert client.get("/api/payouts/balance/").json() == {
        "earned": "900.00",
        "withdrawn": "0.00",
        "pending": "250.50",
        "available": "649.50",
        "currency": "INR",
    }
    history = client.get("/api/payouts/").json()
    assert [p["id"] for p in history] == [body["id"]]
    assert set(history[0]) >= {
        "id",
        "created_at",
        "amount",
        "method",
        "upi_id",
        "status",
        "razorpay_id",
        "failure_reason",
    }


def test_idempotency_key_replays_the_first_payout(as_user, rich_mentor, sandbox):
    client = as_user(rich_mentor)
    first = withdraw(client, "100.00", key="click-1")
    again = withdraw(client, "100.00", key="click-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Payout.objects.count() == 1 and sandbox.create_calls == 1
    other = withdraw(client, "200.00", key="click-1")
    assert other.status_code == 409
    assert Payout.objects.count() == 1


def test_an_idempotency_key_over_64_characters_is_400_never_cut(as_user, rich_mentor, sandbox):
    client = as_user(rich_mentor)
    response = withdraw(client, "100.00", key="k" * 65)
    assert response.status_code == 400, response.content
    assert response.json() == {
        "Idempotency-Key": ["Ensure this header has no more than 64 characters."]
    }
    assert Payout.objects.count() == 0 and sandbox.create_calls == 0
    # 64 is within the limit, kept whole: the same key replays, one more character is refused.
    first = withdraw(client, "100.00", key="k" * 64)
    again = withdraw(client, "100.00", key="k" * 64)
    assert (first.status_code, again.status_code) == (201, 200)
    assert Payout.objects.get().client_key == "k" * 64
    assert withdraw(client, "100.00", key="k" * 64 + "x").status_code == 400
    assert Payout.objects.count() == 1


def test_second_payout_to_same_upi_reuses_the_fund_account(as_user, rich_mentor, sandbox):
    client = as_user(rich_mentor)
    withdraw(client, "100.00")
    withdraw(client, "100.00")
    assert len(sandbox.contacts()) == 1 and len(sandbox.fund_accounts()) == 1
    assert sandbox.create_calls == 2


@pytest.mark.parametrize("path", ["/api/payouts/", "/api/payouts/balance/"])
def test_learners_and_anonymous_are_refused(api_client, as_user, path, sandbox):
    assert api_client.get(path).status_code == 401
    assert as_user(make_learner()).get(path).status_code == 403
    assert withdraw(as_user(make_learner()), "10.00").status_code == 403
    assert withdraw(api_client, "10.00").status_code == 401


def test_a_mentor_sees_only_their_payouts(as_user, rich_mentor, sandbox):
    withdraw(as_user(rich_mentor), "100.00")
    other = make_mentor()
    assert as_user(other).get("/api/payouts/").json() == []
    assert as_user(other).get("/api/payouts/balance/").json()["available"] == "0.00"


def test_gateway_refusal_fails_the_payout_and_returns_the_money(as_user, rich_mentor, sandbox):
    sandbox.inject_fault("reject", path="/v1/payouts", description="Account is blocked")
    response = withdraw(as_user(rich_mentor), "100.00")
    assert response.status_code == 201
    assert response.json()["status"] == "failed"
    assert "blocked" in response.json()["failure_reason"]
    assert as_user(rich_mentor).get("/api/payouts/balance/").json()["available"] == "900.00"


def test_timeout_keeps_the_payout_and_reconcile_finishes_it_once(as_user, rich_mentor, sandbox):
    from peerlearn_payouts.services import reconcile_payouts

    sandbox.inject_fault("timeout", path="/v1/payouts")  # Razorpay made it, we never heard
    response = withdraw(as_user(rich_mentor), "100.00")
    assert response.status_code == 201 and response.json()["status"] == "created"
    assert as_user(rich_mentor).get("/api/payouts/balance/").json()["available"] == "800.00"
    reconcile_payouts()
    payout = Payout.objects.get()
    assert payout.status == "processing" and payout.razorpay_id
    assert sandbox.create_calls == 1 and len(sandbox.payouts()) == 1


def test_webhook_with_bad_signature_changes_nothing(api_client, as_user, rich_mentor, sandbox):
    withdraw(as_user(rich_mentor), "100.00")
    payout = Payout.objects.get()
    body = json.dumps(
        {
            "event": "payout.failed",
            "payload": {"payout": {"entity": {"id": payout.razorpay_id, "status": "failed"}}},
        }
    )
    response = api_client.post(
        "/api/payouts/razorpay/webhook/",
        body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE="0" * 64,
        HTTP_X_RAZORPAY_EVENT_ID="evt_1",
    )
    assert response.status_code == 400
    payout.refresh_from_db()
    assert payout.status == "processing"
    missing = api_client.post(
        "/api/payouts/razorpay/webhook/", body, content_type="application/json"
    )
    assert missing.status_code == 400
