"""Helpers of scripts/fuzz-api.sh.

``fuzz_seed.py BASE``: registers a mentor and a learner on the live site at BASE, gives them a
priced session, a booking and a session request, and prints "MENTOR_TOKEN LEARNER_TOKEN MENTOR_ID".
"""

import sys
import uuid
from datetime import UTC, datetime, timedelta

import requests

PASSWORD = "fuzz-orchard-5521"


def call(base: str, path: str, body: dict, token: str = "") -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.post(f"{base}{path}", json=body, headers=headers, timeout=20)
    response.raise_for_status()
    return response.json()


def account(base: str, role: str) -> tuple[dict, str]:
    email = f"fuzz-{role}-{uuid.uuid4().hex[:8]}@example.com"
    user = call(
        base,
        "/api/auth/register/",
        {"email": email, "password": PASSWORD, "name": f"Fuzz {role}", "role": role},
    )
    token = call(base, "/api/auth/token/", {"email": email, "password": PASSWORD})["access"]
    return user, token


def seed(base: str) -> None:
    mentor, mentor_token = account(base, "mentor")
    _learner, learner_token = account(base, "learner")
    starts = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    for price in ("0", "250.00"):
        session = call(
            base,
            "/api/sessions/",
            {
                "title": f"Fuzz session {price}",
                "starts_at": starts,
                "duration_minutes": 60,
                "max_participants": 10,
                "price": price,
            },
            mentor_token,
        )
        call(base, f"/api/sessions/{session['id']}/book/", {}, learner_token)
    call(
        base,
        "/api/requests/",
        {"mentor": mentor["id"], "topic": "Fuzzing", "preferred_times": [starts]},
        learner_token,
    )
    print(mentor_token, learner_token, mentor["id"])


if __name__ == "__main__":
    seed(sys.argv[1].rstrip("/"))
