"""The Earnings tab checks withdrawals with the server's own rules: the limits (app settings) and
the UPI ID pattern (the VPA validator) reach the page as JSON, and the page's script applies them."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings

from peerlearn_payouts.app_settings import payout_settings
from peerlearn_payouts.gateway import VPA_RE, is_valid_vpa

pytestmark = pytest.mark.django_db


def page_config(client) -> tuple[dict, str]:
    html = client.get("/mentor/dashboard").content.decode()
    match = re.search(
        r'<script id="earnings-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, "the Earnings tab carries no #earnings-config"
    return json.loads(match.group(1)), html


def test_the_page_config_is_the_servers_rules(client, mentor):
    client.force_login(mentor)
    config, html = page_config(client)
    assert config == {
        "min_payout_paise": payout_settings.MIN_PAYOUT_PAISE,
        "max_payout_paise": payout_settings.MAX_PAYOUT_PAISE,
        "vpa_pattern": VPA_RE.pattern,
        "vpa_min_length": 3,
        "vpa_max_length": 100,
        "commission_percent": payout_settings.COMMISSION_PERCENT,
    }
    assert "Minimum ₹1.00, maximum ₹5,00,000.00." in html


def test_changing_the_settings_changes_the_page(client, mentor, settings):
    client.force_login(mentor)
    changed = {"MIN_PAYOUT_PAISE": 50000, "MAX_PAYOUT_PAISE": 25_00_000, "COMMISSION_PERCENT": 15}
    with override_settings(
        PEERLEARN_PAYOUTS={**getattr(settings, "PEERLEARN_PAYOUTS", {}), **changed}
    ):
        config, html = page_config(client)
    assert config["min_payout_paise"] == 50000
    assert config["max_payout_paise"] == 25_00_000
    assert config["commission_percent"] == 15
    assert "Minimum ₹500.00, maximum ₹25,000.00." in html
    assert "after PeerLearn’s 15% commission" in html


SAMPLES = [
    "asha.mentor@okhdfcbank",
    "9876543210@ybl",
    "asha_mentor@okhdfcbank",
    "a@b",
    "ab",
    "x@y1",
    "name@@bank",
    "name@bank.com",
    "-lead@icici",
    ".dot@sbi",
    "acct123@hdfc0001234.ifsc.npci",
    "acct@hdfc.ifsc.npci",
    "space in@bank",
    "@bank",
    "a" * 97 + "@ok",
    "a" * 98 + "@ok",
]


def test_the_page_script_accepts_exactly_what_the_server_accepts(client, mentor, tmp_path):
    """rules.js (the module the withdraw form validates with), fed the rendered config, says yes
    to exactly the UPI IDs the server's is_valid_vpa accepts and applies the rendered limits."""
    client.force_login(mentor)
    config, _ = page_config(client)
    # The static files as the site serves them (one tree per app namespace), so relative imports
    # between packages resolve the way they do in the browser.
    for app in ("peerlearn_core", "peerlearn_payouts"):
        source = Path(finders.find(f"{app}/js")).parent
        (tmp_path / app).symlink_to(source)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    script = f"""
      import {{ amountError, rulesFrom, upiError }} from "./peerlearn_payouts/js/earnings/rules.js";
      const config = {json.dumps(config)};
      const rules = rulesFrom(config);
      const samples = {json.dumps(SAMPLES)};
      console.log(JSON.stringify({{
        upi: samples.map((s) => upiError(s, rules) === null),
        belowMin: amountError(config.min_payout_paise - 1, null, rules),
        atMin: amountError(config.min_payout_paise, null, rules),
        aboveMax: amountError(config.max_payout_paise + 1, null, rules),
      }}));
    """
    (tmp_path / "check.mjs").write_text(script)
    out = subprocess.run(
        ["node", "--preserve-symlinks", "check.mjs"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    result = json.loads(out)
    assert result["upi"] == [is_valid_vpa(s) for s in SAMPLES]
    assert result["belowMin"] == "The smallest withdrawal is ₹1.00."
    assert result["atMin"] is None
    assert result["aboveMax"] == "The largest withdrawal is ₹5,00,000.00."
