"""Browser-test helpers: users made over HTTP, log-in through the real form, animation recorder."""

import time

import pytest
import requests
from playwright.sync_api import expect

from ..conftest import unique_email

PASSWORD = "plum-orchard-5521"

# Records every pl-* animation class an element gains, with the computed animation and the
# element's text at that moment, so a test can prove "the badge pulsed" (or "this toast was
# shown") after the class is gone again; and when a toast leaves the page.
RECORDER = """
(() => {
  window.__plEvents = [];
  const seen = new WeakMap();
  const record = (el) => {
    const before = seen.get(el) || new Set();
    const now = new Set([...el.classList].filter((c) => c.startsWith("pl-")));
    for (const cls of now) {
      if (!before.has(cls)) {
        const style = getComputedStyle(el);
        window.__plEvents.push({
          cls, testid: el.dataset.testid || el.closest("[data-testid]")?.dataset.testid || "",
          animation: style.animationName, duration: style.animationDuration,
          transition: style.transitionDuration, t: performance.now(),
          text: (el.textContent || "").trim().slice(0, 300),
        });
      }
    }
    seen.set(el, now);
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === "attributes") record(m.target);
      m.addedNodes?.forEach((n) => n.nodeType === 1 && record(n));
      // A toast's end, timed in the page: the test's own polling would add its latency.
      m.removedNodes?.forEach((n) => {
        if (n.nodeType === 1 && n.classList.contains("pl-toast")) {
          window.__plEvents.push({
            cls: "pl-toast:removed", testid: "", t: performance.now(),
            text: (n.textContent || "").trim().slice(0, 300),
          });
        }
      });
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["class"] });
})();
"""


def wait_for(predicate, what, timeout=10.0):
    """Poll a server-side condition (an API answer, the sandbox's records) until it holds; returns
    the predicate's truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last value {value!r}")
        time.sleep(0.05)


def send_notification(site_server, email: str, title: str, *, body: str = "", kind: str = "system"):
    """A notification through the real `notify` management command (stored, pushed, badges)."""
    site_server.manage("notify", "--email", email, "--title", title, "--body", body, "--kind", kind)


def events(page, cls: str, testid: str | None = None) -> list[dict]:
    found = page.evaluate("window.__plEvents || []")
    return [e for e in found if e["cls"] == cls and (testid is None or e["testid"] == testid)]


@pytest.fixture
def make_account(site_server):
    """``make_account(role, name)`` → dict(email, password, id) registered over the real API."""

    def create(role: str = "learner", name: str | None = None) -> dict:
        email = unique_email(role)
        body = {
            "email": email,
            "password": PASSWORD,
            "name": name or f"{role.title()} Tester",
            "role": role,
        }
        response = requests.post(f"{site_server.url}/api/auth/register/", json=body, timeout=10)
        assert response.status_code == 201, response.text
        return {**body, "id": response.json()["id"]}

    return create


@pytest.fixture
def token_for(site_server):
    def fetch(account: dict) -> str:
        response = requests.post(
            f"{site_server.url}/api/auth/token/",
            timeout=10,
            json={"email": account["email"], "password": account["password"]},
        )
        return response.json()["access"]

    return fetch


@pytest.fixture
def login(site_server):
    """Log a page in through the login form; waits for the dashboard's socket to be live."""

    def do(page, account: dict):
        page.add_init_script(RECORDER)
        page.console_lines = []
        page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: page.console_lines.append(f"pageerror: {e}"))
        page.goto(f"{site_server.url}/login/")
        page.fill("input[name=email]", account["email"])
        page.fill("input[name=password]", account["password"])
        page.click("[data-testid=login-submit]")
        page.wait_for_url(f"**/{account['role']}/dashboard")
        page.wait_for_selector("[data-dashboard][data-live=true]", timeout=10_000)
        return page

    return do


def checkout(page):
    """The sandbox's Checkout, opened over the dashboard (Razorpay's modal stand-in)."""
    return page.frame_locator("[data-testid=sandbox-checkout-frame]")


def checkout_pay(page, amount: str):
    """Pay in the open Checkout; `amount` as its Pay button shows it (e.g. "1,077.30")."""
    frame = checkout(page)
    expect(frame.get_by_test_id("sandbox-pay")).to_contain_text(amount, timeout=8000)
    frame.get_by_test_id("sandbox-pay").click()
    expect(page.get_by_test_id("sandbox-checkout-frame")).to_have_count(0, timeout=8000)


def checkout_dismiss(page):
    """Close the open Checkout without paying (its Cancel link)."""
    checkout(page).get_by_test_id("sandbox-dismiss").click(timeout=8000)
    expect(page.get_by_test_id("sandbox-checkout-frame")).to_have_count(0)


def create_session(
    site_server, headers, title, *, price="250.00", seats=4, days=3, minutes=None, duration=60
) -> int:
    """A session created over the API by the mentor whose auth ``headers`` are given; it starts
    in ``days`` days (or in ``minutes`` minutes). Returns its id."""
    from datetime import UTC, datetime, timedelta

    ahead = timedelta(minutes=minutes) if minutes is not None else timedelta(days=days)
    created = requests.post(
        f"{site_server.url}/api/sessions/",
        headers=headers,
        timeout=10,
        json={
            "title": title,
            "starts_at": (datetime.now(UTC) + ahead).isoformat(),
            "duration_minutes": duration,
            "max_participants": seats,
            "price": price,
        },
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]
