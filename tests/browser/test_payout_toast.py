"""One withdrawal, one toast: the payout's toast is updated in place from "Withdrawal requested"
through "processing…" to "sent ✓" (never a second toast for the same payout, whichever of the
POST answer, the notifications socket or a refresh tells the news), and the balance counts down
without ever showing a value outside [new balance, old balance]. At a phone's and a laptop's size."""

import json
import textwrap
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Records, from the first mutation on, every state of the toasts that mention `needle`: how many
# are on screen (not leaving) and what they say; and every text the available balance shows.
RECORDER = """
([needle]) => {
  window.__payoutToasts = { most: 0, texts: [], keys: [] };
  window.__balanceFrames = [];
  const toasts = () => Array.from(document.querySelectorAll(".pl-toast"))
    .filter((el) => el.dataset.state !== "leaving" && el.textContent.includes(needle));
  const look = () => {
    const found = toasts();
    const log = window.__payoutToasts;
    log.most = Math.max(log.most, found.length);
    for (const el of found) {
      const text = el.querySelector(".pl-toast-text").textContent.trim();
      if (log.texts[log.texts.length - 1] !== text) log.texts.push(text);
      if (!log.keys.includes(el.dataset.key)) log.keys.push(el.dataset.key);
    }
  };
  new MutationObserver(look).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["data-state"],
  });
  const balance = document.querySelector("[data-testid=available-balance]");
  new MutationObserver(() => window.__balanceFrames.push(balance.textContent))
    .observe(balance, { subtree: true, childList: true, characterData: true });
}
"""


def rupees(text: str) -> float:
    return float(text.replace("₹", "").replace(",", ""))


def give_earnings(site_server, email: str, gross_paise: int) -> None:
    code = f"""
        from peerlearn_core.models import User
        from peerlearn_payouts.testing.factories import give_earnings
        give_earnings(User.objects.get(email={email!r}), {gross_paise})
        print("{{}}")
    """
    done = site_server.manage("shell", "-c", textwrap.dedent(code), check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("viewport", [(390, 844), (1280, 800)], ids=["390", "1280"])
def test_one_toast_per_payout_and_the_balance_stays_in_range(
    browser, site_server, razorpay_sandbox, make_account, login, screenshot, viewport
):
    width, height = viewport
    mentor = make_account("mentor", "Kiran Mentor")
    give_earnings(site_server, mentor["email"], 2_00_000)  # ₹2,000.00 gross → ₹1,800.00 net
    upi = f"kiran{uuid.uuid4().hex[:8]}@okaxis"

    page = login(
        browser.new_context(viewport={"width": width, "height": height}).new_page(), mentor
    )
    page.get_by_test_id("tab-earnings").click()
    balance = page.get_by_test_id("available-balance")
    expect(balance).to_have_text("₹1,800.00", timeout=8000)
    expect(balance).not_to_have_attribute("data-counting", "true")
    page.evaluate(RECORDER, [upi])

    page.get_by_test_id("withdraw-open").click()
    expect(page.get_by_test_id("withdraw-modal")).to_have_attribute("data-open", "true")
    # The limits are the server's (page config), in the en-IN grouping.
    expect(page.locator("#wd-amount-help")).to_contain_text("Minimum ₹1.00, maximum ₹5,00,000.00")
    page.get_by_test_id("wd-amount").fill("1000")
    page.get_by_test_id("wd-next-1").click()
    expect(page.get_by_test_id("wd-pane-2")).to_be_visible()
    expect(page.locator("[data-animating]")).to_have_count(0)
    page.get_by_test_id("wd-upi").fill(upi)
    page.get_by_test_id("wd-next-2").click()
    expect(page.get_by_test_id("wd-pane-3")).to_be_visible()
    expect(page.get_by_test_id("wd-review-amount")).to_have_text("₹1,000.00")
    expect(page.locator("[data-animating]")).to_have_count(0)

    # Razorpay's answer is late: the payout stays "created" until the reconciler retries it.
    razorpay_sandbox.inject_fault("timeout", path="/v1/payouts", delay=0.8)
    page.get_by_test_id("wd-submit").click()
    expect(page.get_by_test_id("wd-spinner")).to_be_visible()
    toast = page.locator(".pl-toast").filter(has_text=upi)
    expect(toast).to_have_count(1, timeout=8000)
    expect(toast).to_contain_text("Withdrawal requested")
    expect(toast).to_contain_text(f"₹1,000.00 to {upi}")
    row = page.get_by_test_id("payout-history").locator("[data-testid^=payout-row-]").first
    expect(row).to_contain_text(upi)
    pid = row.get_attribute("data-testid").rsplit("-", 1)[1]
    expect(toast).to_have_attribute("data-key", f"payout-{pid}")
    expect(balance).to_have_text("₹800.00", timeout=5000)
    expect(balance).not_to_have_attribute("data-counting", "true")

    # The reconciler hands it to Razorpay (processing), then Razorpay processes it (webhook).
    site_server.manage("reconcile_payouts")
    status = page.get_by_test_id(f"payout-status-{pid}")
    expect(status).to_have_attribute("data-status", "processing", timeout=8000)
    expect(toast).to_contain_text("Processing…", timeout=8000)
    [remote] = [p for p in razorpay_sandbox.payouts() if p["reference_id"] == f"payout_{pid}"]
    razorpay_sandbox.advance(remote["id"], "processed")
    expect(status).to_have_attribute("data-status", "processed", timeout=8000)
    expect(status).to_have_text("Sent")
    expect(toast).to_contain_text("Withdrawal sent ✓", timeout=8000)
    expect(toast).to_have_count(1)
    expect(page.locator("[data-counting=true]")).to_have_count(0)
    screenshot(page, f"earnings-payout-toast-{width}")

    log = page.evaluate("window.__payoutToasts")
    assert log["most"] == 1, f"more than one toast for one payout at once: {log}"
    assert log["keys"] == [f"payout-{pid}"], log
    # What the mentor read, in order: requested (maybe already processing), then sent; never back.
    assert log["texts"][0].startswith("Withdrawal requested"), log
    assert f"₹1,000.00 to {upi}" in log["texts"][0], log
    order = ["Withdrawal requested", "Processing…", "Withdrawal sent ✓"]
    stages = [max(i for i, words in enumerate(order) if words in text) for text in log["texts"]]
    assert stages == sorted(stages) and stages[-1] == 2, log

    frames = page.evaluate("window.__balanceFrames")
    assert frames, "the balance never moved"
    outside = [f for f in frames if not 800.0 <= rupees(f) <= 1800.0]
    assert not outside, f"the count-up showed values outside [₹800, ₹1,800]: {outside}"
    assert frames[-1] == "₹800.00"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
