"""The limits the mentor's forms check come from the server: the tab templates put the API's own
numbers in the page (json_script and the inputs' min/max), so no script copies them by hand."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from peerlearn_bookings import limits
from peerlearn_core.testing.factories import make_mentor

pytestmark = pytest.mark.django_db


def json_config(html: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def test_mentor_dashboard_carries_the_api_limits():
    client = Client()
    client.force_login(make_mentor())
    html = client.get("/mentor/dashboard").content.decode()
    expected = {
        "max_price": "1000000.00",
        "min_seats": 1,
        "max_seats": 500,
        "min_duration_minutes": 15,
        "max_duration_minutes": 480,
        "max_days_ahead": 366,
    }
    assert limits.session_form_limits() == expected
    # Both tabs (My Sessions, Requests) give their script the same numbers.
    assert json_config(html, "mentor-sessions-limits") == expected
    assert json_config(html, "mentor-requests-limits") == expected
    # The create, accept and edit forms' seats and duration inputs take the same bounds.
    for prefix in ("cs", "ar", "es"):
        seats = re.search(rf'<input id="{prefix}-max"[^>]*>', html, re.S).group(0)
        assert 'min="1" max="500"' in seats and "between 1 and 500" in seats
        duration = re.search(rf'<input id="{prefix}-duration"[^>]*>', html, re.S).group(0)
        assert 'min="15" max="480"' in duration


def test_the_api_enforces_the_same_limits(mentor, as_user):
    api = as_user(mentor)
    starts = (timezone.now() + timedelta(days=2)).isoformat()
    body = {"title": "Limits", "starts_at": starts, "duration_minutes": 60, "max_participants": 5}
    top = limits.session_form_limits()["max_price"]
    assert api.post("/api/sessions/", {**body, "price": top}, format="json").status_code == 201
    over = api.post("/api/sessions/", {**body, "price": "1000000.01"}, format="json")
    assert over.status_code == 400 and "price" in over.json()
    seats = api.post("/api/sessions/", {**body, "max_participants": 501}, format="json")
    assert seats.status_code == 400 and "max_participants" in seats.json()
    far = (timezone.now() + timedelta(days=limits.MAX_DAYS_AHEAD + 1)).isoformat()
    too_far = api.post("/api/sessions/", {**body, "starts_at": far}, format="json")
    assert too_far.status_code == 400 and "a year ahead" in str(too_far.json())
