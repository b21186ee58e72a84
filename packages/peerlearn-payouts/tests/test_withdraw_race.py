"""Twenty simultaneous withdrawals that together exceed the balance: the sum accepted never does."""

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from peerlearn_core.compat import NO_IMMEDIATE, sqlite_cannot_begin_immediate
from peerlearn_core.testing.factories import jwt_for, make_mentor
from peerlearn_payouts.models import Payout
from peerlearn_payouts.selectors import balance, wallet_available
from peerlearn_payouts.testing.factories import give_earnings

pytestmark = [pytest.mark.django_db(transaction=True)]


def _race(token: str, amounts: list[int]) -> tuple[Counter, list]:
    barrier = threading.Barrier(len(amounts))
    statuses: Counter = Counter()
    errors: list = []
    lock = threading.Lock()

    def attempt(paise):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            barrier.wait(timeout=30)
            body = {"amount": f"{paise / 100:.2f}", "upi_id": "race.mentor@okaxis"}
            response = client.post("/api/payouts/razorpay/", body, format="json")
            with lock:
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    errors.append(response.content[:300])
        except Exception as exc:
            with lock:
                errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(a,)) for a in amounts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses, errors


@pytest.mark.skipif(sqlite_cannot_begin_immediate(), reason=NO_IMMEDIATE)
@pytest.mark.parametrize("rounds", [5])
def test_concurrent_withdrawals_never_exceed_available(sandbox, settings, rounds):
    settings.PEERLEARN_PAYOUTS = {
        **getattr(settings, "PEERLEARN_PAYOUTS", {}),
        "MONEY_THROTTLE_RATE": "1000/min",
        # The race on the balance is under test here, not timeouts (test_webhooks_and_faults has
        # those): the sandbox fixture's 0.15 s timed a create out on a loaded CI machine, and the
        # payout then waited for reconciliation instead of reaching the sandbox in the round.
        "TIMEOUT": 10.0,
    }
    for round_number in range(rounds):
        mentor = make_mentor()
        give_earnings(mentor, 100_000)  # ₹900 net available
        token = jwt_for(mentor)
        amounts = [5_000 + 700 * i for i in range(20)]  # ₹50 … ₹183: ₹2,330 in all
        statuses, errors = _race(token, amounts)
        assert errors == [], errors[:3]
        assert set(statuses) <= {201, 409}, statuses
        accepted = Payout.objects.filter(mentor=mentor)
        total = sum(p.amount_paise for p in accepted)
        assert total <= 90_000, (round_number, total)
        assert statuses[201] == accepted.count() and statuses[409] == 20 - accepted.count()
        assert statuses[409] > 0
        assert balance(mentor)["available"] == 90_000 - total == wallet_available(mentor)
        # Every accepted payout reached the sandbox exactly once.
        refs = [p["reference_id"] for p in sandbox.payouts()]
        assert all(refs.count(f"payout_{p.pk}") == 1 for p in accepted)
