"""The server-rendered sign-up and log-in pages: named roles, inline errors, values kept."""

import re

import pytest
from django.contrib.auth import get_user_model

from peerlearn_core.testing.factories import DEFAULT_PASSWORD, make_learner

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "plum-orchard-5521"


def signup(client, **fields):
    data = {"name": "Asha Rao", "email": "asha@example.test", "password": PASSWORD, **fields}
    return client.post("/signup/", {k: v for k, v in data.items() if v is not None})


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_signup_page_names_and_explains_both_roles_with_none_chosen(client):
    response = client.get("/signup/")
    assert response.status_code == 200
    html = text(response)
    assert "Teach — I&#x27;m a mentor" in html or "Teach — I'm a mentor" in html
    assert "Learn — I&#x27;m a learner" in html or "Learn — I'm a learner" in html
    assert "Run live group sessions" in html and "Book live sessions with mentors" in html
    # One radio per role, each with its own value, and neither preselected.
    radios = re.findall(r"<input type=\"radio\"[^>]*>", html)
    assert sorted(re.search(r'value="(\w+)"', r).group(1) for r in radios) == ["learner", "mentor"]
    assert not any(" checked" in r for r in radios), radios
    # The mentor card is labelled as the mentor card (the old page had "Learn" on both).
    mentor_card = re.search(r'data-testid="role-mentor".*?</label>', html).group(0)
    assert 'value="mentor"' in mentor_card and "Teach" in mentor_card and "Learn" not in mentor_card


def test_missing_role_is_a_field_error_next_to_the_choice_and_nothing_is_created(client):
    response = signup(client, role=None)
    assert response.status_code == 200
    assert not User.objects.filter(email="asha@example.test").exists()
    form = response.context["form"]
    assert "role" in form.errors and not form.non_field_errors()
    html = text(response)
    fieldset = re.search(r'<fieldset data-testid="role-choice".*?</fieldset>', html).group(0)
    assert 'aria-invalid="true"' in fieldset
    assert 'data-testid="error-role"' in fieldset
    assert "Choose whether you" in fieldset
    # What the user typed is still there.
    assert 'value="Asha Rao"' in html and 'value="asha@example.test"' in html


def test_errors_sit_under_their_fields_and_the_chosen_role_is_kept(client):
    make_learner(email="taken@example.test")
    response = signup(client, role="mentor", email="taken@example.test", password="123")
    assert response.status_code == 200
    html = text(response)
    email_block = re.search(r'<label for="id_email".*?</div>\s*</div>', html).group(0)
    assert "already exists" in email_block and 'aria-invalid="true"' in email_block
    password_block = re.search(r'<label for="id_password".*?</div>\s*</div>', html).group(0)
    assert 'data-testid="error-password"' in password_block
    assert 'aria-describedby="id_password_error"' in password_block
    assert re.search(r'<input type="radio"[^>]*value="mentor"[^>]*checked', html)
    assert not re.search(r'<input type="radio"[^>]*value="learner"[^>]*checked', html)
    assert User.objects.filter(email="taken@example.test").count() == 1


@pytest.mark.parametrize(
    ("role", "dashboard"), [("mentor", "/mentor/dashboard"), ("learner", "/learner/dashboard")]
)
def test_each_role_creates_that_role_and_lands_on_its_dashboard(client, role, dashboard):
    response = signup(client, role=role)
    assert response.status_code == 302 and response["Location"] == dashboard
    user = User.objects.get(email="asha@example.test")
    assert user.role == role
    page = client.get(dashboard)
    assert page.status_code == 200 and page.context["role"] == role


def test_login_error_is_inline_under_the_password_and_the_email_kept(client):
    make_learner(email="lee@example.test")
    response = client.post(
        "/login/?next=/learner/dashboard",
        {"email": "lee@example.test", "password": "wrong-pass-1", "next": "/learner/dashboard"},
    )
    assert response.status_code == 200
    html = text(response)
    password_block = re.search(r'<label for="id_password".*?</div>\s*</div>', html).group(0)
    assert "Email or password is not right." in password_block
    assert 'value="lee@example.test"' in html
    assert 'name="next" value="/learner/dashboard"' in html
    ok = client.post(
        "/login/", {"email": "lee@example.test", "password": DEFAULT_PASSWORD, "next": ""}
    )
    assert ok.status_code == 302 and ok["Location"] == "/learner/dashboard"


def test_register_api_contract_is_unchanged(api_client):
    body = {"email": "api@example.test", "password": PASSWORD, "name": "Api", "role": "mentor"}
    response = api_client.post("/api/auth/register/", body, format="json")
    assert response.status_code == 201
    assert set(response.json()) == {"id", "email", "name", "role"}
    assert response.json()["role"] == "mentor"
    missing = api_client.post(
        "/api/auth/register/", {**body, "email": "b@example.test", "role": ""}, format="json"
    )
    assert missing.status_code == 400 and "role" in missing.json()
