"""peerlearn_payouts in a bare host (core, bookings, payouts; no REST_FRAMEWORK, no throttle
rates): the money endpoints refuse strangers and the other role, throttle with their own rate,
and a Razorpay that does not answer is a 409, never a 500. Its checks: keys without DEBUG, the
old DRF "money" rate, the URL include, the dependencies."""

import pytest

from peerlearn_testing.host import check_ids, manage, problems, run, statuses, urlconf

APPS = ("peerlearn_core", "peerlearn_bookings", "peerlearn_payouts")


@pytest.mark.slow
def test_money_endpoints_answer_by_role_with_their_own_throttle_rate():
    report = run(*APPS)
    assert problems(report) == []
    assert statuses(report, "mentor", "GET", "/api/payouts/balance/") == {200}
    assert statuses(report, "learner", "GET", "/api/payouts/balance/") == {403}
    assert statuses(report, "mentor", "POST", "/api/payouts/razorpay/") == {400}
    assert statuses(report, "learner", "POST", "/api/payments/verify/") == {400}
    # The priced booking: Razorpay does not answer, the learner is told so (409).
    assert statuses(report, "learner", "POST", "/api/bookings/2/pay/") == {409}


def test_razorpay_keys_are_wanted_without_debug(settings):
    empty = dict.fromkeys(["KEY_ID", "KEY_SECRET", "ACCOUNT_NUMBER", "WEBHOOK_SECRET"], "")
    keyless = {**getattr(settings, "PEERLEARN_PAYOUTS", {}), **empty}
    assert "peerlearn_payouts.W001" in check_ids(DEBUG=False, PEERLEARN_PAYOUTS=keyless)
    assert "peerlearn_payouts.W001" not in check_ids(DEBUG=True, PEERLEARN_PAYOUTS=keyless)


def test_the_old_drf_money_rate_is_flagged(settings):
    old = {**getattr(settings, "REST_FRAMEWORK", {}), "DEFAULT_THROTTLE_RATES": {"money": "5/min"}}
    assert "peerlearn_payouts.W003" in check_ids(REST_FRAMEWORK=old)


def test_urls_and_dependencies_are_required():
    included = urlconf("peerlearn_core", "peerlearn_bookings")
    assert "peerlearn_payouts.E002" in check_ids(ROOT_URLCONF=included)
    result = manage("peerlearn_core", "peerlearn_payouts")
    assert "peerlearn_payouts.E001: peerlearn_payouts needs peerlearn_bookings" in result.stderr
