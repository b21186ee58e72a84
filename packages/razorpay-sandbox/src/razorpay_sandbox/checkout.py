"""The browser-facing stand-in for Razorpay Checkout (no auth): ``/checkout`` shows an order's
amount with Pay and Fail buttons, ``/checkout/pay|fail`` do what Checkout does and hand the result
back (a ``postMessage`` to the embedding page, or a form POST to ``callback_url``), and
``/v1/checkout.js`` (``checkout.js`` next to this module) mimics ``new Razorpay(options).open()``:
a full-page redirect when ``callback_url`` is set and no handler is given, otherwise this page in
an iframe over the merchant's page whose result calls ``options.handler`` or
``on("payment.failed")``."""

from __future__ import annotations

import html
import json
import string
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from .common import rupees
from .payments import Payments
from .state import Options, SandboxState

_HERE = Path(__file__).parent
_PAGE = _HERE / "checkout.html"
_SCRIPT = _HERE / "checkout.js"


def _hidden_fields(values: dict) -> str:
    return "".join(
        f'<input type="hidden" name="{html.escape(str(k))}" value="{html.escape(str(v))}">'
        for k, v in values.items()
    )


def _http_url(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


class Checkout:
    def __init__(
        self,
        state: SandboxState,
        payments: Payments,
        options: Options,
        base_url: Callable[[], str],
    ):
        self.state = state
        self.payments = payments
        self.options = options
        self.base_url = base_url

    def script(self) -> str:
        return _SCRIPT.read_text(encoding="utf-8").replace(
            "__SANDBOX_BASE__", json.dumps(self.base_url())
        )

    def _render(self, title: str, content: str, status: int = 200) -> tuple[int, str]:
        template = string.Template(_PAGE.read_text(encoding="utf-8"))
        return status, template.safe_substitute(title=html.escape(title), content=content)

    def _error(self, message: str, status: int = 400) -> tuple[int, str]:
        content = (
            f'<h1 class="title">Checkout error</h1>'
            f'<p class="error" data-testid="sandbox-error">{html.escape(message)}</p>'
        )
        return self._render("Checkout error", content, status)

    def page(self, query: dict) -> tuple[int, str]:
        """GET /checkout?order_id=…&key_id=…[&callback_url=…][&embedded=1][&prefill[…]=…]"""
        order_id = query.get("order_id", "")
        key_id = query.get("key_id") or query.get("key")
        callback_url = query.get("callback_url", "")
        if key_id and key_id != self.options.key_id:
            return self._error("The api key provided is invalid")
        if callback_url and not _http_url(callback_url):
            return self._error("callback_url must be an http(s) URL")
        with self.state.lock:
            order = self.state.orders.get(order_id)
            if order is None:
                return self._error("The id provided does not exist")
            if order["status"] == "paid":
                return self._error("Order is already paid")
            amount = order["amount_due"]
        price = rupees(amount)
        hidden = _hidden_fields(
            {
                "order_id": order_id,
                "callback_url": callback_url,
                "embedded": query.get("embedded", ""),
                "email": query.get("prefill[email]", ""),
                "contact": query.get("prefill[contact]", ""),
            }
        )
        name = html.escape(query.get("name") or "PeerLearn")
        description = html.escape(query.get("description") or "")
        dismiss = (
            '<button type="button" class="link" data-testid="sandbox-dismiss" '
            "onclick=\"parent.postMessage({source:'razorpay-sandbox',type:'dismiss'},'*')\">"
            "Cancel</button>"
            if query.get("embedded")
            else ""
        )
        content = f"""
<header class="merchant">
  <div class="logo">{html.escape(name[:1].upper())}</div>
  <div><div class="name" data-testid="sandbox-merchant">{name}</div>
  <div class="desc">{description}</div></div>
</header>
<div class="amount" data-testid="sandbox-amount">&#8377;{price}</div>
<p class="muted">Order <code data-testid="sandbox-order-id">{html.escape(order_id)}</code></p>
<form method="post" action="/checkout/pay" class="stack">
  {hidden}
  <label class="field">UPI ID
    <input name="vpa" value="success@razorpay" data-testid="sandbox-vpa" autocomplete="off">
  </label>
  <button type="submit" class="btn pay" data-testid="sandbox-pay">Pay &#8377;{price}</button>
</form>
<form method="post" action="/checkout/fail">
  {hidden}
  <button type="submit" class="btn fail" data-testid="sandbox-fail">Fail payment</button>
</form>
{dismiss}
"""
        return self._render(f"Pay ₹{price} · Razorpay sandbox", content)

    def submit(self, outcome: str, form: dict) -> tuple[int, str]:
        """POST /checkout/pay (``outcome="pay"``) or /checkout/fail (``"failed"``)."""
        order_id = form.get("order_id", "")
        callback_url = form.get("callback_url", "")
        embedded = bool(form.get("embedded"))
        if callback_url and not _http_url(callback_url):
            return self._error("callback_url must be an http(s) URL")
        extra = {k: form[k] for k in ("email", "contact") if form.get(k)}
        try:
            if outcome == "pay":
                result = self.payments.pay_order(
                    order_id, vpa=form.get("vpa") or "success@razorpay", **extra
                )
            else:
                error = self.payments.fail_order(
                    order_id, vpa=form.get("vpa") or "failure@razorpay", **extra
                )
        except KeyError:
            return self._error("The id provided does not exist")
        except ValueError as exc:
            return self._error(str(exc))
        if outcome == "pay":
            message, status_attr = "Payment successful", "success"
            post = result
            js_message = {"source": "razorpay-sandbox", "type": "success", "response": result}
        else:
            message, status_attr = "Payment failed", "failed"
            post = {f"error[{k}]": v for k, v in error.items() if k != "metadata"}
            post["error[metadata]"] = json.dumps(error["metadata"])
            js_message = {"source": "razorpay-sandbox", "type": "failed", "error": error}
        details = "".join(
            f"<dt>{html.escape(k)}</dt><dd><code>{html.escape(str(v))}</code></dd>"
            for k, v in post.items()
        )
        content = (
            f'<h1 class="title {status_attr}" data-testid="sandbox-result" '
            f'data-status="{status_attr}">{message}</h1><dl class="details">{details}</dl>'
        )
        if embedded:
            payload = json.dumps(js_message).replace("<", "\\u003c")
            content += f"<script>parent.postMessage({payload}, '*');</script>"
            if outcome == "failed":
                retry = urlencode({"order_id": order_id, "embedded": "1"})
                content += (
                    f'<p><a class="btn" href="/checkout?{html.escape(retry)}" '
                    f'data-testid="sandbox-retry">Retry</a></p>'
                )
        elif callback_url:
            content += (
                f'<p class="muted">Returning to the merchant…</p>'
                f'<form id="callback" method="post" action="{html.escape(callback_url)}" '
                f'data-testid="sandbox-callback-form">{_hidden_fields(post)}'
                f'<noscript><button type="submit" class="btn">Continue</button></noscript></form>'
                f'<script>document.getElementById("callback").submit();</script>'
            )
        return self._render(message, content)
