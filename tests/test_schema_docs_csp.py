"""Issue 12: a schema that tells the truth (error responses, enums, money patterns, strict query
booleans), offline API docs behind a setting, and a strict Content-Security-Policy on every page."""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from peerlearn_bookings.testing.factories import make_booking, make_request, make_session
from peerlearn_core.api.schema import NOT_BLANK

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def responses(schema, method: str, path: str) -> dict:
    return schema["paths"][path][method]["responses"]


def ref_name(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("post", "/api/sessions/{id}/book/", {"400", "401", "403", "404", "409", "429"}),
        ("get", "/api/sessions/{id}/", {"401", "403", "404"}),
        ("get", "/api/bookings/", {"400", "401", "403"}),
        ("post", "/api/payouts/razorpay/", {"400", "401", "403", "409", "429"}),
        ("post", "/api/requests/{id}/accept/", {"400", "401", "403", "404", "409"}),
        ("post", "/api/auth/token/", {"400", "401", "429"}),
        ("post", "/api/auth/register/", {"400", "429"}),
        ("get", "/api/analytics/sessions/", {"400", "401", "403", "404"}),
    ],
)
def test_operations_list_their_error_responses_with_shapes(schema, method, path, expected):
    documented = responses(schema, method, path)
    assert expected <= set(documented), sorted(documented)
    for code in expected:
        shape = "ValidationError" if code in {"400", "409"} else "Error"
        assert ref_name(documented[code]) == shape


def test_error_shapes_match_the_exception_handler(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert set(components["Error"]["properties"]) == {"detail", "code"}
    invalid = components["ValidationError"]
    assert {"detail", "code", "non_field_errors"} <= set(invalid["properties"])
    assert invalid["additionalProperties"]  # {"field": ["message", ...]}


def test_every_operation_documents_some_4xx(schema):
    bare = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not any(code.startswith("4") for code in operation["responses"])
    ]
    assert bare == []


def test_session_request_status_has_its_own_enum(schema):
    components = schema["components"]["schemas"]
    status = components["SessionRequest"]["properties"]["status"]
    name = json.dumps(status).split("/")[-1].split('"')[0]
    assert components[name]["enum"] == ["pending", "accepted", "declined"]
    session_status = components["Session"]["properties"]["status"]
    session_enum = json.dumps(session_status).split("/")[-1].split('"')[0]
    assert components[session_enum]["enum"] == ["scheduled", "live", "completed", "cancelled"]


def test_money_input_pattern_is_the_validators(schema, mentor, as_user):
    amount = schema["components"]["schemas"]["PayoutRequestRequest"]["properties"]["amount"]
    pattern = re.compile(amount["oneOf"][0]["pattern"])
    client = as_user(mentor)
    for value in ["", "-1", "1e3", " 5", "5.", ".5", "1.234", "+5"]:
        assert not pattern.search(value), value
        response = client.post("/api/payouts/razorpay/", {"amount": value, "upi_id": "a@upi"})
        assert response.status_code == 400 and "amount" in response.json(), value
    for value in ["5", "5.5", "5.50"]:
        assert pattern.search(value), value


def test_required_text_says_it_needs_more_than_whitespace(schema, api_client):
    """DRF trims text, so "   " is blank (400) though it has the `minLength: 1` drf-spectacular
    gives (schemathesis, ST202 on POST /api/auth/token/ with a password of spaces)."""
    components = schema["components"]["schemas"]
    for name, field in [
        ("TokenObtainPairRequest", "password"),
        ("TokenRefreshRequest", "refresh"),
        ("RegisterRequest", "name"),
        ("SessionWriteRequest", "title"),
        ("SessionRequestCreateRequest", "topic"),
    ]:
        prop = components[name]["properties"][field]
        assert prop["pattern"] == NOT_BLANK and prop["minLength"] == 1, (name, field)
    # optional text may be blank: no pattern
    assert "pattern" not in components["SessionWriteRequest"]["properties"]["description"]
    response = api_client.post(
        "/api/auth/token/", {"email": "a@example.test", "password": "   "}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()


def test_not_blank_pattern_is_exactly_what_strip_keeps(as_user, mentor):
    """Not `\\S`: Rust's and Python's `\\s` miss U+001C-U+001F, which str.strip() removes
    (schemathesis sent a title of "\\x1c": blank to DRF), and ECMA's has U+FEFF, which it keeps."""
    pattern = re.compile(NOT_BLANK)
    for code in range(0x110000):
        text = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        assert bool(pattern.search(text)) == bool(text.strip()), hex(code)
    body = {"title": "\x1c", "starts_at": "2099-01-01T10:00:00Z"}
    body.update(duration_minutes=60, max_participants=3)
    response = as_user(mentor).post("/api/sessions/", body, format="json")
    assert response.status_code == 400 and "title" in response.json()


def test_regex_fields_publish_their_pattern_in_lists_too(schema):
    kinds = schema["components"]["schemas"]["ReadAllRequest"]["properties"]["kinds"]["items"]
    assert kinds["pattern"] == r"^[a-z_]+\.?[a-z_.]*$"


def test_shared_serializer_bases_lend_no_description(schema):
    """A docstring on a base class would be published as the description of every serializer
    built on it (drf-spectacular walks the MRO up to DRF's own classes)."""
    me = schema["components"]["schemas"]["PatchedMeRequest"]
    assert "description" not in me, me.get("description")


@pytest.mark.parametrize("value", ["null", "", "yes", "2", "truthy"])
def test_include_cancelled_rejects_non_booleans(learner, as_user, value):
    response = as_user(learner).get("/api/bookings/", {"include_cancelled": value})
    assert response.status_code == 400
    assert "include_cancelled" in response.json()


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "TRUE"])
def test_include_cancelled_accepts_booleans(learner, as_user, value):
    session = make_session()
    make_booking(session, learner)
    response = as_user(learner).get("/api/bookings/", {"include_cancelled": value})
    assert response.status_code == 200


def test_query_booleans_are_documented_as_booleans(schema):
    for path, name in [("/api/bookings/", "include_cancelled"), ("/api/sessions/", "include_full")]:
        (param,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        assert param["schema"]["type"] == "boolean"


def test_session_request_status_values_validate(learner, mentor, as_user):
    make_request(learner=learner, mentor=mentor)
    (row,) = as_user(learner).get("/api/requests/").json()
    assert row["status"] == "pending"


# --- Docs: our own static files, behind a setting ------------------------------------------------

URL_ATTR = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def test_swagger_ui_loads_only_our_static_files(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"https?://", html), "a CDN (or any absolute) URL in the docs page"
    urls = URL_ATTR.findall(html)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in u for u in urls), urls
    for url in urls:
        assert url.startswith(("/static/", "/api/docs/")), url
    init = [u for u in urls if u.startswith("/api/docs/")]
    assert init, "Swagger UI's settings come from a same-origin script"
    script = client.get(init[0].replace("&amp;", "&"))
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert "<script>" not in html  # no inline script: the strict policy applies here too


def test_redoc_loads_only_our_static_files(client):
    html = client.get("/api/redoc/").content.decode()
    assert not re.search(r"https?://", html)
    assert "/static/drf_spectacular_sidecar/redoc/" in html


def test_redoc_page_allows_inline_styles_without_a_nonce(client):
    """A nonce would make browsers ignore 'unsafe-inline', and ReDoc injects <style> elements."""
    directives = policy(client.get("/api/redoc/"))
    assert "'unsafe-inline'" in directives["style-src"]
    assert not any(v.startswith("'nonce-") for v in directives["style-src"])
    assert "'unsafe-inline'" not in directives["script-src"]


def test_docs_are_public_by_default(client):
    assert client.get("/api/schema/").status_code == 200


def test_docs_can_be_staff_only():
    """API_DOCS_ACCESS=staff (read at start-up, so in a fresh process): anonymous is refused."""
    code = (
        "import django; django.setup();"
        "from django.test import Client; c = Client(HTTP_HOST='localhost');"
        "print(c.get('/api/schema/').status_code, c.get('/api/docs/').status_code,"
        " c.get('/api/redoc/').status_code)"
    )
    env = {**os.environ, "API_DOCS_ACCESS": "staff", "DJANGO_SETTINGS_MODULE": "peerlearn.settings"}
    env["DEBUG"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["401", "401", "401"]


# --- Content-Security-Policy -------------------------------------------------------------------


def policy(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_strict(directives: dict[str, list[str]]) -> None:
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["style-src-attr"] == ["'none'"]
    for name in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in directives[name]
        assert "'unsafe-eval'" not in directives[name]
        assert "'self'" in directives[name]
    assert "https://checkout.razorpay.com" in directives["script-src"]
    assert {"https://checkout.razorpay.com", "https://api.razorpay.com"} <= set(
        directives["frame-src"]
    )
    assert "https://api.razorpay.com" in directives["connect-src"]
    assert {"blob:", "mediastream:"} <= set(directives["media-src"])
    everything = " ".join(v for values in directives.values() for v in values)
    assert "*" not in everything.replace("'", "")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/signup/", "/api/docs/", "/api/schema/"])
def test_csp_on_anonymous_pages_and_api(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_strict(policy(response))


def test_csp_on_dashboard_room_and_api(mentor, as_user):
    session = make_session(mentor=mentor)
    browser = Client()
    browser.force_login(mentor)
    for path in ["/mentor/dashboard", f"/room/{session.pk}"]:
        response = browser.get(path, follow=True)
        assert response.status_code == 200, path
        assert_strict(policy(response))
    assert_strict(policy(as_user(mentor).get("/api/me/")))


def test_csp_allows_the_configured_checkout_origin(tmp_path):
    """The policy is built when the settings load, from the configured gateway: read it from a
    fresh process given a Checkout and a gateway address (tests in this process may point the
    gateway elsewhere with override_settings, which does not rebuild the policy)."""
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DEBUG": "1",
        "PEERLEARN_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "peerlearn.settings",
        "RAZORPAY_CHECKOUT_URL": "http://localhost:9911/checkout",
        "RAZORPAY_BASE_URL": "http://127.0.0.1:9911",
    }
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES'], default=str))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    directives = json.loads(out.stdout.strip().splitlines()[-1])
    checkout, gateway = "http://localhost:9911", "http://127.0.0.1:9911"
    for name in ("script-src", "frame-src", "connect-src", "form-action"):
        assert checkout in directives[name], name
    # The sandbox frames its own address (its base URL), which may differ from Checkout's host;
    # scripts come from Checkout's origin only.
    for name in ("frame-src", "connect-src", "form-action"):
        assert gateway in directives[name], name
    assert gateway not in directives["script-src"]


def test_swagger_page_style_carries_the_nonce(client):
    response = client.get("/api/docs/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.content.decode()


def test_no_template_or_script_writes_a_style_attribute():
    """style-src-attr 'none': markup uses data-css (applied through CSSOM by the kit)."""
    offenders = []
    # The runtime packages' pages (not the development-only Razorpay sandbox's Checkout stand-in).
    for path in REPO.glob("packages/peerlearn-*/src/*/**/*"):
        if path.suffix not in {".html", ".js"} or "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"""\sstyle=["'$]""", text) or 'setAttribute("style"' in text:
            offenders.append(str(path.relative_to(REPO)))
        if re.search(r"""<[a-z][^>]*\son[a-z]+=["']""", text):  # inline event handlers
            offenders.append(str(path.relative_to(REPO)))
        if (
            re.search(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)[^>]*>", text)
            and path.suffix == ".html"
        ):
            offenders.append(f"{path.relative_to(REPO)}: inline <script> without a nonce")
    assert offenders == []


@pytest.mark.slow
def test_concurrent_first_schema_requests_all_answer(tmp_path):
    """drf-spectacular's generation is not thread-safe and Daphne gives each request a thread:
    the first concurrent GETs of a fresh process answered 500 (the fuzz stage's two roles load
    the schema at once). Several at once, on a fresh server, all answer the schema."""
    import requests

    from .conftest import SiteServer, free_port, site_env

    site = SiteServer(site_env(tmp_path), free_port())
    site.manage("migrate", "--noinput", "-v0")
    site.start()
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            answers = list(
                pool.map(
                    lambda _: requests.get(f"{site.url}/api/schema/?format=json", timeout=60),
                    range(6),
                )
            )
    finally:
        site.stop()
    assert [a.status_code for a in answers] == [200] * 6
    assert {a.json()["info"]["title"] for a in answers} == {"PeerLearn API"}
    log = (tmp_path / f"daphne-{site.port}.log").read_text()
    assert "Traceback" not in log
