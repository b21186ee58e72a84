import pytest

from peerlearn_core.models import Notification
from peerlearn_core.services import notify
from peerlearn_core.testing.factories import make_learner

pytestmark = pytest.mark.django_db


def test_list_is_own_newest_first(as_user, learner):
    other = make_learner()
    first = notify(user=learner, kind="a", title="First")
    second = notify(user=learner, kind="b", title="Second", body="hello")
    notify(user=other, kind="c", title="Not yours")
    body = as_user(learner).get("/api/notifications/").json()
    assert [n["id"] for n in body] == [second.id, first.id]
    assert set(body[0]) == {"id", "kind", "title", "body", "created_at", "read"}
    assert body[0]["body"] == "hello" and body[0]["read"] is False


def test_read_one_and_badges(as_user, learner):
    client = as_user(learner)
    n1 = notify(user=learner, kind="a", title="One")
    notify(user=learner, kind="a", title="Two")
    assert client.get("/api/badges/").json() == {"requests": 0, "notifications": 2, "earnings": 0}
    response = client.post(f"/api/notifications/{n1.id}/read/")
    assert response.status_code == 200 and response.json()["read"] is True
    assert client.get("/api/badges/").json()["notifications"] == 1
    # idempotent
    assert client.post(f"/api/notifications/{n1.id}/read/").status_code == 200
    assert client.get("/api/badges/").json()["notifications"] == 1


def test_read_all(as_user, learner):
    for i in range(3):
        notify(user=learner, kind="a", title=f"N{i}")
    other = make_learner()
    notify(user=other, kind="a", title="other")
    response = as_user(learner).post("/api/notifications/read_all/")
    assert response.json() == {"marked": 3}
    assert Notification.objects.filter(user=other, read=False).count() == 1


def test_cannot_read_someone_elses_notification(as_user, learner):
    other = make_learner()
    theirs = notify(user=other, kind="a", title="private")
    assert as_user(learner).post(f"/api/notifications/{theirs.id}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read is False


def test_unknown_notification_is_404(as_user, learner):
    assert as_user(learner).post("/api/notifications/999999/read/").status_code == 404


@pytest.mark.parametrize("path", ["/api/notifications/", "/api/badges/"])
def test_anonymous_is_401(api_client, path):
    assert api_client.get(path).status_code == 401


def test_badges_has_contract_keys_for_mentor(as_user, mentor):
    assert set(as_user(mentor).get("/api/badges/").json()) >= {
        "requests",
        "notifications",
        "earnings",
    }


def test_read_all_of_some_kinds_only(as_user, mentor):
    notify(user=mentor, kind="payout.processed", title="Paid out")
    notify(user=mentor, kind="earnings.accrued", title="Earned")
    notify(user=mentor, kind="booking.created", title="Booked")
    client = as_user(mentor)
    response = client.post(
        "/api/notifications/read_all/", {"kinds": ["payout.", "earnings."]}, format="json"
    )
    assert response.json() == {"marked": 2}
    assert client.get("/api/badges/").json()["notifications"] == 1
    bad = client.post("/api/notifications/read_all/", {"kinds": ["DROP TABLE"]}, format="json")
    assert bad.status_code == 400 and "kinds" in bad.json()


def test_read_all_up_to_the_newest_shown_leaves_later_ones_unread(as_user, learner):
    client = as_user(learner)
    seen = [notify(user=learner, kind="a", title=f"Seen {i}") for i in range(2)]
    later = notify(user=learner, kind="a", title="Arrived after the user looked")
    response = client.post("/api/notifications/read_all/", {"up_to_id": seen[-1].id}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 2}
    read = {n["id"]: n["read"] for n in client.get("/api/notifications/").json()}
    assert read == {seen[0].id: True, seen[1].id: True, later.id: False}
    assert client.get("/api/badges/").json()["notifications"] == 1
    bad = client.post("/api/notifications/read_all/", {"up_to_id": 0}, format="json")
    assert bad.status_code == 400 and "up_to_id" in bad.json()
