"""The demo people and the seed_demo command's DEBUG guard."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from peerlearn_core.demo import CROWD, DEMO_PASSWORD, DEMO_USERS, demo_people

pytestmark = pytest.mark.django_db


def test_demo_people_log_in_with_the_demo_password_and_the_crowd_cannot_log_in():
    people = demo_people()
    again = demo_people()
    User = get_user_model()
    assert User.objects.count() == len(DEMO_USERS) + len(CROWD)
    assert [u.pk for u in again.learners] == [u.pk for u in people.learners]
    assert people.mentor.email == "mentor@peerlearn.demo"
    assert [u.email for u in people.learners] == [f"learner{n}@peerlearn.demo" for n in (1, 2, 3)]
    for user in [people.mentor, people.other_mentor, *people.learners]:
        assert User.objects.get(pk=user.pk).check_password(DEMO_PASSWORD)
    for user in people.crowd:
        assert not User.objects.get(pk=user.pk).has_usable_password()


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production-data"):
        call_command("seed_demo")
    assert not get_user_model().objects.exists()


def test_seed_demo_runs_without_debug_when_allowed(settings):
    settings.DEBUG = False
    out = io.StringIO()
    call_command("seed_demo", "--allow-production-data", stdout=out)
    assert "learner3@peerlearn.demo" in out.getvalue()
    assert get_user_model().objects.filter(email="mentor@peerlearn.demo").exists()


def test_seed_demo_runs_with_debug(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert get_user_model().objects.filter(email="learner1@peerlearn.demo").exists()
