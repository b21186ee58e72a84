"""The loopback Razorpay sandbox, driven over HTTP by the real razorpay 2.0.1 SDK.

Spec: /work/shared/razorpay-api.md. No Django DB: the sandbox is plain standard library.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import razorpay
import requests
from razorpay.errors import BadRequestError, ServerError, SignatureVerificationError

from razorpay_sandbox import SandboxServer, is_valid_vpa

KEY_ID = "rzp_test_sandboxKey01"
KEY_SECRET = "sandbox_key_secret"
WEBHOOK_SECRET = "sandbox_webhook_secret"
ACCOUNT = "7878780080316316"


# --- fixtures -------------------------------------------------------------------------------


class Receiver:
    """A tiny webhook/callback endpoint: records every POST; can fail the first N."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_next = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= failing
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def clear(self):
        with self.lock:
            self.requests.clear()
            self.fail_next = 0

    def events(self) -> list[tuple[str, str]]:
        with self.lock:
            return [
                (r["headers"]["X-Razorpay-Event-Id"], json.loads(r["body"])["event"])
                for r in self.requests
            ]


@pytest.fixture(scope="module")
def receiver():
    r = Receiver()
    yield r
    r.httpd.shutdown()
    r.httpd.server_close()


@pytest.fixture(scope="module")
def sandbox_module(receiver):
    server = SandboxServer(
        key_id=KEY_ID,
        key_secret=KEY_SECRET,
        webhook_secret=WEBHOOK_SECRET,
        webhook_url=receiver.url,
        account_number=ACCOUNT,
        webhook_backoff=0.05,
        webhook_backoff_cap=0.2,
        shuffle_window=0.15,
    ).start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_module, receiver):
    sandbox_module.flush_webhooks(5)
    sandbox_module.reset()
    receiver.clear()
    return sandbox_module


@pytest.fixture
def client(sandbox):
    return razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=sandbox.url)


def make_fund_account(client, address="asha.tutor@okhdfcbank", ref="tutor_42"):
    contact = client.post(
        "/v1/contacts", {"name": "Asha Tutor", "type": "vendor", "reference_id": ref}, timeout=5
    )
    return client.fund_account.create(
        {"contact_id": contact["id"], "account_type": "vpa", "vpa": {"address": address}},
        timeout=5,
    )


def payout_body(fa_id, **overrides):
    body = {
        "account_number": ACCOUNT,
        "fund_account_id": fa_id,
        "amount": 45000,
        "currency": "INR",
        "mode": "UPI",
        "purpose": "payout",
        "queue_if_low_balance": True,
        "reference_id": "booking_123_tutor_42",
        "narration": "PeerLearn tutor payout",
        "notes": {"booking_id": "123"},
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def create_payout(client, fa_id, key="idem-key-0001", timeout=5, **overrides):
    return client.post(
        "/v1/payouts",
        payout_body(fa_id, **overrides),
        headers={"X-Payout-Idempotency": key},
        timeout=timeout,
    )


# --- auth, routing, errors ------------------------------------------------------------------


def test_bad_keys_raise_and_get_401(sandbox):
    bad = razorpay.Client(auth=(KEY_ID, "wrong"), base_url=sandbox.url)
    with pytest.raises(BadRequestError, match="Authentication failed"):
        bad.order.create({"amount": 50000, "currency": "INR"})
    raw = requests.get(f"{sandbox.url}/v1/payouts/pout_x", timeout=5)
    assert raw.status_code == 401
    assert raw.json() == {
        "error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}
    }


def test_unknown_url_and_non_json_body(sandbox, client):
    with pytest.raises(BadRequestError, match=r"^The requested URL was not found on the server\.$"):
        client.get("/v1/nothing/here", {}, timeout=5)
    raw = requests.post(
        f"{sandbox.url}/v1/orders", data=b"amount=100", auth=(KEY_ID, KEY_SECRET), timeout=5
    )
    assert raw.status_code == 400
    error = raw.json()["error"]
    assert error["code"] == "BAD_REQUEST_ERROR"
    assert set(error) == {"code", "description", "source", "step", "reason", "metadata", "field"}


# --- orders ---------------------------------------------------------------------------------


def test_orders_create_fetch_and_validation(client):
    order = client.order.create(
        {"amount": 50000, "currency": "INR", "receipt": "booking_123", "notes": {"b": "1"}}
    )
    assert re.fullmatch(r"order_[A-Za-z0-9]{14}", order["id"])
    assert order["status"] == "created"
    assert (order["amount"], order["amount_paid"], order["amount_due"]) == (50000, 0, 50000)
    assert client.order.fetch(order["id"]) == order
    assert client.order.payments(order["id"]) == {"entity": "collection", "count": 0, "items": []}
    with pytest.raises(BadRequestError, match=r"^The amount must be at least INR 1\.00$"):
        client.order.create({"amount": 99, "currency": "INR"})
    with pytest.raises(BadRequestError):
        client.order.create({"amount": 500, "currency": "INR", "receipt": "r" * 41})
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        client.order.fetch("order_doesnotexist00")


# --- contacts and fund accounts -------------------------------------------------------------


def test_contacts_dedup_and_validation(client):
    data = {
        "name": "Asha Tutor",
        "email": "asha@example.com",
        "type": "vendor",
        "reference_id": "t1",
    }
    first = client.post("/v1/contacts", data, timeout=5)
    assert re.fullmatch(r"cont_[A-Za-z0-9]{14}", first["id"])
    assert client.post("/v1/contacts", data, timeout=5)["id"] == first["id"]
    other = client.post("/v1/contacts", {**data, "reference_id": "t2"}, timeout=5)
    assert other["id"] != first["id"]
    with pytest.raises(BadRequestError, match="Invalid type: tutor"):
        client.post("/v1/contacts", {**data, "type": "tutor"}, timeout=5)
    with pytest.raises(BadRequestError):
        client.post("/v1/contacts", {**data, "name": "Al"}, timeout=5)


@pytest.mark.parametrize(
    "address",
    [
        "asha.tutor@okhdfcbank",
        "9876543210@ybl",
        "a-b.c@paytm",
        "abc@oksbi",
        "x1@hdfc000123.ifsc.npci",
    ],
)
def test_vpa_accepted(client, address):
    fa = make_fund_account(client, address)
    assert fa["vpa"]["address"] == address
    assert fa["vpa"]["username"] + "@" + fa["vpa"]["handle"] == address


@pytest.mark.parametrize(
    "address",
    [
        "asha_tutor@okhdfcbank",  # underscore
        "asha@okhdfc1",  # digits in the handle
        "asha@ok@hdfc",  # two @
        "ashaokhdfc",  # no @
        "@ybl",  # empty username
        "a@",  # empty handle / too short
        "a" * 96 + "@ybl1",  # bad handle
        "a" * 97 + "@ybl",  # 101 chars
    ],
)
def test_vpa_rejected(client, address):
    assert not is_valid_vpa(address)
    with pytest.raises(
        BadRequestError, match=r"^Invalid VPA\. Please enter a valid Virtual Payment Address$"
    ):
        make_fund_account(client, address)


def test_fund_account_dedup_unknown_contact_and_fetch(client):
    fa = make_fund_account(client)
    assert re.fullmatch(r"fa_[A-Za-z0-9]{14}", fa["id"])
    assert make_fund_account(client)["id"] == fa["id"]
    assert client.get(f"/v1/fund_accounts/{fa['id']}", {}, timeout=5) == fa
    with pytest.raises(BadRequestError, match="The id provided does not exist"):
        client.fund_account.create(
            {
                "contact_id": "cont_00000000000000",
                "account_type": "vpa",
                "vpa": {"address": "a@ybl"},
            },
            timeout=5,
        )


# --- payouts --------------------------------------------------------------------------------


def test_payout_entity_and_fetch(sandbox, client):
    fa = make_fund_account(client)
    payout = create_payout(client, fa["id"])
    assert re.fullmatch(r"pout_[A-Za-z0-9]{14}", payout["id"])
    assert payout["entity"] == "payout"
    assert payout["status"] == "processing"
    assert payout["utr"] is None
    assert payout["fees"] > 0 and payout["tax"] > 0
    assert payout["status_details"] is not None
    for key in ("fund_account_id", "amount", "currency", "mode", "purpose", "reference_id"):
        assert payout[key] == payout_body(fa["id"])[key]
    assert client.get(f"/v1/payouts/{payout['id']}", {}, timeout=5) == payout
    assert sandbox.payouts() == [payout]


def test_idempotency_same_body_replays_first_response(sandbox, client):
    fa = make_fund_account(client)
    first = create_payout(client, fa["id"], key="9f1c6a2e-5d8b-4c3a-9e7f-1b2c3d4e5f60")
    sandbox.advance(first["id"], "processed")
    again = create_payout(client, fa["id"], key="9f1c6a2e-5d8b-4c3a-9e7f-1b2c3d4e5f60")
    assert again == first  # the saved FIRST response, not the current state
    assert sandbox.create_calls == 1
    assert len(sandbox.payouts()) == 1


def test_idempotency_different_body_rejected(sandbox, client):
    fa = make_fund_account(client)
    create_payout(client, fa["id"], key="key_reused")
    with pytest.raises(BadRequestError):
        create_payout(client, fa["id"], key="key_reused", amount=45001)
    assert sandbox.create_calls == 1


def test_idempotency_header_missing_or_malformed(sandbox, client):
    fa = make_fund_account(client)
    expected = "Idempotency key is missing. Include idempotency header and key in the request."
    with pytest.raises(BadRequestError, match=re.escape(expected)):
        client.post("/v1/payouts", payout_body(fa["id"]), timeout=5)
    raw = requests.post(
        f"{sandbox.url}/v1/payouts",
        json=payout_body(fa["id"]),
        auth=(KEY_ID, KEY_SECRET),
        timeout=5,
    )
    assert raw.status_code == 400
    assert raw.json() == {
        "error": {
            "code": "BAD_REQUEST_ERROR",
            "description": expected,
            "source": "business",
            "step": None,
            "reason": "null",
            "metadata": {},
            "field": "X-Payout-Idempotency",
        }
    }
    for bad_key in ("abc", "k" * 37, "bad/key!"):
        with pytest.raises(BadRequestError):
            create_payout(client, fa["id"], key=bad_key)
    assert sandbox.create_calls == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": 99}, "amount"),
        ({"amount": "45000"}, "amount"),
        ({"mode": "upi"}, "mode"),
        ({"mode": "IMPS"}, "mode"),
        ({"purpose": "bonus"}, "purpose"),
        ({"currency": "USD"}, "currency"),
        ({"narration": "Tutor_payout"}, "narration"),
        ({"narration": "x" * 31}, "narration"),
        ({"reference_id": "r" * 41}, "reference_id"),
        ({"account_number": "1111222233334444"}, "account_number"),
        ({"fund_account_id": "fa_00000000000000"}, "fund_account_id"),
        ({"notes": {str(i): "v" for i in range(16)}}, "notes"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_payout_validation(sandbox, client, overrides, field):
    fa = make_fund_account(client)
    body = payout_body(fa["id"], **overrides)
    raw = requests.post(
        f"{sandbox.url}/v1/payouts",
        json=body,
        auth=(KEY_ID, KEY_SECRET),
        headers={"X-Payout-Idempotency": "validation-1"},
        timeout=5,
    )
    assert raw.status_code == 400
    assert raw.json()["error"]["field"] == field
    with pytest.raises(BadRequestError):
        client.post(
            "/v1/payouts", body, headers={"X-Payout-Idempotency": "validation-2"}, timeout=5
        )
    assert sandbox.create_calls == 0


def test_composite_payout_creates_contact_and_fund_account(sandbox, client):
    body = payout_body(None)
    body["fund_account"] = {
        "account_type": "vpa",
        "vpa": {"address": "gauravkumar@exampleupi"},
        "contact": {"name": "Gaurav Kumar", "type": "self", "reference_id": "tutor_7"},
    }
    payout = client.post(
        "/v1/payouts", body, headers={"X-Payout-Idempotency": "composite-1"}, timeout=5
    )
    assert payout["fund_account"]["vpa"]["address"] == "gauravkumar@exampleupi"
    assert payout["fund_account"]["contact"]["name"] == "Gaurav Kumar"
    assert len(sandbox.contacts()) == len(sandbox.fund_accounts()) == 1


def test_list_payouts_requires_account_number_and_filters(sandbox, client):
    fa = make_fund_account(client)
    a = create_payout(client, fa["id"], key="list-a", reference_id="ref_a")
    b = create_payout(client, fa["id"], key="list-b", reference_id="ref_b")
    sandbox.advance(b["id"], "processed")
    with pytest.raises(BadRequestError, match="account number"):
        client.get("/v1/payouts", {}, timeout=5)
    everything = client.get("/v1/payouts", {"account_number": ACCOUNT}, timeout=5)
    assert everything["entity"] == "collection"
    assert [p["id"] for p in everything["items"]] == [b["id"], a["id"]]  # newest first
    by_ref = client.get(
        "/v1/payouts", {"account_number": ACCOUNT, "reference_id": "ref_a"}, timeout=5
    )
    assert [p["id"] for p in by_ref["items"]] == [a["id"]]
    processed = client.get(
        "/v1/payouts", {"account_number": ACCOUNT, "status": "processed"}, timeout=5
    )
    assert [p["id"] for p in processed["items"]] == [b["id"]]
    page = client.get("/v1/payouts", {"account_number": ACCOUNT, "count": 1, "skip": 1}, timeout=5)
    assert [p["id"] for p in page["items"]] == [a["id"]]


def test_low_balance_queue_cancel_and_fail(sandbox, client):
    fa = make_fund_account(client)
    sandbox.set_low_balance(True)
    queued = create_payout(client, fa["id"], key="low-1")
    assert queued["status"] == "queued"
    assert queued["status_details"]["reason"] == "low_balance"
    assert queued["fees"] == 0
    cancelled = client.post(f"/v1/payouts/{queued['id']}/cancel", {}, timeout=5)
    assert cancelled["status"] == "cancelled"
    with pytest.raises(BadRequestError):
        client.post(f"/v1/payouts/{queued['id']}/cancel", {}, timeout=5)
    failed = create_payout(client, fa["id"], key="low-2", queue_if_low_balance=False)
    assert failed["status"] == "failed"
    assert failed["status_details"]["reason"] == "insufficient_funds"
    waiting = create_payout(client, fa["id"], key="low-3")
    sandbox.set_low_balance(False)  # funds added: queued payouts start processing
    assert client.get(f"/v1/payouts/{waiting['id']}", {}, timeout=5)["status"] == "processing"


def test_status_machine_legal_and_illegal(sandbox, client):
    fa = make_fund_account(client)
    p1 = create_payout(client, fa["id"], key="sm-1")
    done = sandbox.advance(p1["id"], "processed")
    assert re.fullmatch(r"\d{12}", done["utr"])
    assert done["status_details"]["reason"] == "payout_processed"
    with pytest.raises(ValueError):
        sandbox.advance(p1["id"], "processing")
    with pytest.raises(ValueError):
        sandbox.advance(p1["id"], "failed")
    reversed_ = sandbox.advance(p1["id"], "reversed", reason="beneficiary_vpa_invalid")
    assert reversed_["status_details"]["reason"] == "beneficiary_vpa_invalid"
    assert reversed_["utr"] == done["utr"]

    p2 = create_payout(client, fa["id"], key="sm-2")
    failed = sandbox.advance(p2["id"], "failed")
    assert failed["status_details"]["reason"] == "beneficiary_bank_offline"
    assert sandbox.advance(p2["id"], "reversed")["status"] == "reversed"
    assert sandbox.advance(p2["id"], "failed")["status"] == "failed"
    with pytest.raises(ValueError):
        sandbox.advance(p2["id"], "processed")
    with pytest.raises(KeyError):
        sandbox.advance("pout_00000000000000", "processed")

    sandbox.set_approval_workflow(True)
    p3 = create_payout(client, fa["id"], key="sm-3")
    assert p3["status"] == "pending"
    assert sandbox.advance(p3["id"], "rejected")["status"] == "rejected"
    with pytest.raises(ValueError):
        sandbox.advance(p3["id"], "processing")

    # the control route answers 400 for an illegal move and 200 for a legal one
    route = f"{sandbox.url}/_sandbox/payouts/{p3['id']}/advance"
    raw = requests.post(route, json={"status": "processed"}, auth=(KEY_ID, KEY_SECRET), timeout=5)
    assert raw.status_code == 400
    assert raw.json()["error"]["code"] == "BAD_REQUEST_ERROR"
    p4 = create_payout(client, fa["id"], key="sm-4")
    route = f"{sandbox.url}/_sandbox/payouts/{p4['id']}/advance"
    raw = requests.post(route, json={"status": "queued"}, auth=(KEY_ID, KEY_SECRET), timeout=5)
    assert raw.status_code == 200 and raw.json()["status"] == "queued"


# --- webhooks -------------------------------------------------------------------------------


def test_webhooks_are_signed_and_verifiable(sandbox, client, receiver):
    fa = make_fund_account(client)
    payout = create_payout(client, fa["id"], key="wh-1")
    sandbox.advance(payout["id"], "processed")
    assert sandbox.flush_webhooks(5)
    assert [name for _, name in receiver.events()] == ["payout.initiated", "payout.processed"]
    ids = set()
    for request in receiver.requests:
        body = request["body"].decode("utf-8")
        headers = request["headers"]
        assert headers["Content-Type"] == "application/json"
        signature = headers["X-Razorpay-Signature"]
        assert re.fullmatch(r"[0-9a-f]{64}", signature)
        assert client.utility.verify_webhook_signature(body, signature, WEBHOOK_SECRET)
        with pytest.raises(SignatureVerificationError):
            client.utility.verify_webhook_signature(body, signature, "another-secret")
        envelope = json.loads(body)
        assert envelope["entity"] == "event"
        assert envelope["contains"] == ["payout"]
        assert envelope["account_id"].startswith("acc_")
        assert envelope["payload"]["payout"]["entity"]["id"] == payout["id"]
        ids.add(headers["X-Razorpay-Event-Id"])
    assert len(ids) == 2
    last = json.loads(receiver.requests[-1]["body"])["payload"]["payout"]["entity"]
    assert last["status"] == "processed" and re.fullmatch(r"\d{12}", last["utr"])
    assert last["fund_account"]["id"] == fa["id"]
    assert [d["status_code"] for d in sandbox.deliveries] == [200, 200]


def test_webhook_duplicates_share_event_id_and_redeliver(sandbox, client, receiver):
    sandbox.set_webhooks(duplicate=True)
    fa = make_fund_account(client)
    create_payout(client, fa["id"], key="dup-1")
    assert sandbox.flush_webhooks(5)
    (first_id, name), (second_id, _) = receiver.events()
    assert name == "payout.initiated" and first_id == second_id
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]

    sandbox.redeliver(first_id)
    assert sandbox.flush_webhooks(5)
    assert [eid for eid, _ in receiver.events()] == [first_id] * 3
    assert receiver.requests[2]["body"] == receiver.requests[0]["body"]
    raw = requests.post(
        f"{sandbox.url}/_sandbox/webhooks/{first_id}/redeliver",
        auth=(KEY_ID, KEY_SECRET),
        timeout=5,
    )
    assert raw.status_code == 200
    assert sandbox.flush_webhooks(5)
    assert len(receiver.requests) == 4


def test_webhook_retries_with_backoff_until_2xx(sandbox, client, receiver):
    receiver.fail_next = 2
    fa = make_fund_account(client)
    create_payout(client, fa["id"], key="retry-1")
    assert sandbox.flush_webhooks(5)
    attempts = sandbox.deliveries
    assert [d["status_code"] for d in attempts] == [500, 500, 200]
    assert [d["attempt"] for d in attempts] == [1, 2, 3]
    assert len({d["event_id"] for d in attempts}) == 1


def test_webhooks_disabled_queue_nothing_and_shuffle_delivers_all(sandbox, client, receiver):
    fa = make_fund_account(client)
    sandbox.set_webhooks(enabled=False)
    create_payout(client, fa["id"], key="off-1")
    assert sandbox.flush_webhooks(2)
    assert receiver.requests == [] and len(sandbox.events) == 1

    sandbox.set_webhooks(shuffle=True)
    created = [create_payout(client, fa["id"], key=f"shuffle-{i}")["id"] for i in range(8)]
    assert sandbox.flush_webhooks(5)
    delivered = [
        json.loads(r["body"])["payload"]["payout"]["entity"]["id"] for r in receiver.requests
    ]
    assert sorted(delivered) == sorted(created)
    assert delivered != created  # 1 / 8! chance of a false failure


# --- faults ---------------------------------------------------------------------------------


def test_timeout_fault_server_did_the_work(sandbox, client):
    fa = make_fund_account(client)
    sandbox.inject_fault("timeout", method="POST", path="/v1/payouts", delay=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        create_payout(client, fa["id"], key="timeout-1", timeout=0.3)
    [stored] = sandbox.payouts()
    retried = create_payout(client, fa["id"], key="timeout-1")
    assert retried["id"] == stored["id"]
    assert sandbox.create_calls == 1


def test_5xx_fault_with_and_without_processing(sandbox, client):
    fa = make_fund_account(client)
    sandbox.inject_fault("5xx", path="/v1/payouts")
    with pytest.raises(ServerError):
        create_payout(client, fa["id"], key="five-1")
    assert sandbox.payouts() == []
    ok = create_payout(client, fa["id"], key="five-1")  # fault consumed
    assert sandbox.create_calls == 1

    sandbox.inject_fault("5xx", path="/v1/payouts", process=True)
    with pytest.raises(ServerError):
        create_payout(client, fa["id"], key="five-2")
    stored = sandbox.payouts()[-1]
    assert stored["id"] != ok["id"]
    assert create_payout(client, fa["id"], key="five-2")["id"] == stored["id"]  # replayed
    assert sandbox.create_calls == 2


def test_reject_fault_over_control_route(sandbox, client):
    fa = make_fund_account(client)
    raw = requests.post(
        f"{sandbox.url}/_sandbox/faults",
        json={"kind": "reject", "method": "POST", "path": "/v1/payouts", "count": 2},
        auth=(KEY_ID, KEY_SECRET),
        timeout=5,
    )
    assert raw.status_code == 200
    for _ in range(2):
        with pytest.raises(BadRequestError):
            create_payout(client, fa["id"], key="reject-1")
    assert create_payout(client, fa["id"], key="reject-1")["status"] == "processing"
    # faults only match their method + path prefix
    sandbox.inject_fault("reject", method="GET", path="/v1/orders")
    create_payout(client, fa["id"], key="reject-2")
    assert sandbox.faults()[0]["remaining"] == 1


def test_control_routes(sandbox, client, receiver):
    auth = (KEY_ID, KEY_SECRET)
    fa = make_fund_account(client)
    assert requests.post(
        f"{sandbox.url}/_sandbox/low_balance", json={"enabled": True}, auth=auth, timeout=5
    ).ok
    payout = create_payout(client, fa["id"], key="ctl-1")
    assert payout["status"] == "queued"
    listed = requests.get(f"{sandbox.url}/_sandbox/payouts", auth=auth, timeout=5).json()
    assert [p["id"] for p in listed["items"]] == [payout["id"]]
    config = requests.post(
        f"{sandbox.url}/_sandbox/webhooks", json={"duplicate": True}, auth=auth, timeout=5
    ).json()
    assert config["duplicate"] is True and config["url"] == receiver.url
    assert requests.get(f"{sandbox.url}/_sandbox/payouts", timeout=5).status_code == 401
    assert requests.post(f"{sandbox.url}/_sandbox/reset", auth=auth, timeout=5).ok
    assert sandbox.payouts() == [] and sandbox.create_calls == 0


def test_auto_advance_moves_processing_to_processed():
    with SandboxServer(
        key_id=KEY_ID, key_secret=KEY_SECRET, auto_advance=True, auto_advance_delay=0.2
    ) as server:
        client = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=server.url)
        payout = create_payout(client, make_fund_account(client)["id"], key="auto-1")
        deadline = time.monotonic() + 3
        while server.payout(payout["id"])["status"] != "processed" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.payout(payout["id"])["status"] == "processed"
        assert [e["event"] for e in server.events] == ["payout.initiated", "payout.processed"]


# --- checkout -------------------------------------------------------------------------------


def hidden_inputs(page: str) -> dict:
    return {
        m.group(1): m.group(2).replace("&quot;", '"')
        for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }


def test_checkout_success_posts_a_valid_signature(sandbox, client, receiver):
    order = client.order.create({"amount": 50000, "currency": "INR", "receipt": "booking_9"})
    page = requests.get(
        f"{sandbox.url}/checkout",
        params={"order_id": order["id"], "key_id": KEY_ID, "callback_url": receiver.url},
        timeout=5,
    )
    assert page.status_code == 200
    assert 'data-testid="sandbox-pay"' in page.text and 'data-testid="sandbox-fail"' in page.text
    assert "Pay &#8377;500<" in page.text
    result = requests.post(
        f"{sandbox.url}/checkout/pay",
        data={"order_id": order["id"], "callback_url": receiver.url},
        timeout=5,
    )
    assert f'action="{receiver.url}"' in result.text
    fields = hidden_inputs(result.text.split('id="callback"', 1)[1])
    assert set(fields) == {"razorpay_payment_id", "razorpay_order_id", "razorpay_signature"}
    assert fields["razorpay_order_id"] == order["id"]
    assert client.utility.verify_payment_signature(fields)

    paid = client.order.fetch(order["id"])
    assert (paid["status"], paid["amount_paid"], paid["amount_due"]) == ("paid", 50000, 0)
    payment = client.payment.fetch(fields["razorpay_payment_id"])
    assert (payment["status"], payment["method"], payment["order_id"]) == (
        "captured",
        "upi",
        order["id"],
    )
    assert client.order.payments(order["id"])["count"] == 1
    assert sandbox.flush_webhooks(5)
    assert [name for _, name in receiver.events()] == ["payment.captured", "order.paid"]
    order_paid = json.loads(receiver.requests[1]["body"])
    assert order_paid["payload"]["order"]["entity"]["status"] == "paid"
    assert order_paid["payload"]["payment"]["entity"]["id"] == fields["razorpay_payment_id"]
    # paying a paid order again is refused
    again = requests.post(f"{sandbox.url}/checkout/pay", data={"order_id": order["id"]}, timeout=5)
    assert again.status_code == 400


def test_checkout_failure_posts_error_fields(sandbox, client, receiver):
    order = client.order.create({"amount": 25050, "currency": "INR"})
    page = requests.get(f"{sandbox.url}/checkout", params={"order_id": order["id"]}, timeout=5)
    assert "Pay &#8377;250.50<" in page.text
    result = requests.post(
        f"{sandbox.url}/checkout/fail",
        data={"order_id": order["id"], "callback_url": receiver.url},
        timeout=5,
    )
    fields = hidden_inputs(result.text.split('id="callback"', 1)[1])
    assert fields["error[code]"] == "BAD_REQUEST_ERROR"
    assert json.loads(fields["error[metadata]"])["order_id"] == order["id"]
    assert client.order.fetch(order["id"])["status"] == "attempted"
    assert sandbox.flush_webhooks(5)
    assert [name for _, name in receiver.events()] == ["payment.failed"]
    bad_key = requests.get(
        f"{sandbox.url}/checkout", params={"order_id": order["id"], "key_id": "nope"}, timeout=5
    )
    assert bad_key.status_code == 400


@pytest.mark.browser
def test_checkout_page_in_chromium_posts_to_callback(sandbox, client, receiver, page):
    order = client.order.create({"amount": 120000, "currency": "INR"})
    page.goto(
        f"{sandbox.url}/checkout?order_id={order['id']}&key_id={KEY_ID}"
        f"&callback_url={receiver.url}&name=PeerLearn&description=Session"
    )
    pay = page.get_by_test_id("sandbox-pay")
    assert pay.inner_text() == "Pay ₹1,200"
    with page.expect_response(lambda r: r.url == receiver.url):
        pay.click()
    [callback] = [
        r
        for r in receiver.requests
        if r["headers"].get("Content-Type", "").startswith("application/x-www-form-urlencoded")
    ]
    fields = {k: v[0] for k, v in parse_qs(callback["body"].decode()).items()}
    assert fields["razorpay_order_id"] == order["id"]
    assert client.utility.verify_payment_signature(fields)


def test_checkout_js_shim_is_served(sandbox):
    js = requests.get(f"{sandbox.url}/v1/checkout.js", timeout=5)
    assert js.status_code == 200
    assert "window.Razorpay = Razorpay" in js.text and sandbox.url in js.text


# --- CLI ------------------------------------------------------------------------------------


def test_cli_serves_until_sigterm(tmp_path):
    env = {
        **os.environ,
        "RAZORPAY_KEY_ID": KEY_ID,
        "RAZORPAY_KEY_SECRET": KEY_SECRET,
        "RAZORPAY_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "RAZORPAYX_ACCOUNT_NUMBER": ACCOUNT,
    }
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "razorpay_sandbox", "--host", "127.0.0.1", "--port", "0"),
            *("--auto-advance", "--auto-advance-delay", "0.1", "--quiet"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"sandbox listening on (http://127\.0\.0\.1:\d+)\n", line)
        assert match, line
        client = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=match.group(1))
        assert client.order.create({"amount": 100, "currency": "INR"})["status"] == "created"
        # --auto-advance: the payout moves on by itself.
        payout = create_payout(client, make_fund_account(client)["id"], key="cli-auto-1")
        deadline = time.monotonic() + 5
        while payout["status"] != "processed" and time.monotonic() < deadline:
            time.sleep(0.05)
            payout = client.get(f"/v1/payouts/{payout['id']}", {}, timeout=5)
        assert payout["status"] == "processed"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- refunds (Razorpay API: refunds/create-normal, normal-refunds-idempotent; webhooks/refunds) --


def captured_payment(sandbox, client, amount=50000):
    order = client.order.create({"amount": amount, "currency": "INR", "receipt": "r-refund"})
    return sandbox.pay_order(order["id"])["razorpay_payment_id"]


def refund(client, payment_id, key=None, timeout=5, **body):
    headers = {"X-Refund-Idempotency": key} if key else {}
    return client.payment.refund(payment_id, body, headers=headers, timeout=timeout)


def test_partial_then_full_refund_moves_amount_refunded_and_refund_status(sandbox, client):
    pay_id = captured_payment(sandbox, client)
    first = refund(
        client, pay_id, amount=20000, speed="normal", receipt="refund_1", notes={"a": "b"}
    )
    assert first["id"].startswith("rfnd_") and first["entity"] == "refund"
    assert (first["amount"], first["currency"], first["payment_id"]) == (20000, "INR", pay_id)
    assert first["status"] == "pending" and first["speed_requested"] == "normal"
    assert first["receipt"] == "refund_1" and first["notes"] == {"a": "b"}
    assert first["acquirer_data"] == {"arn": None}
    payment = client.payment.fetch(pay_id)
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == (
        "captured",
        20000,
        "partial",
    )
    with pytest.raises(BadRequestError, match="greater than amount captured"):
        refund(client, pay_id, amount=30001)
    rest = refund(client, pay_id)  # no amount: whatever is left
    assert rest["amount"] == 30000
    payment = client.payment.fetch(pay_id)
    assert (payment["status"], payment["amount_refunded"], payment["refund_status"]) == (
        "refunded",
        50000,
        "full",
    )
    with pytest.raises(BadRequestError, match="fully refunded already"):
        refund(client, pay_id, amount=100)
    assert client.payment.fetch_multiple_refund(pay_id, {})["count"] == 2
    assert client.payment.fetch_refund_id(pay_id, first["id"])["id"] == first["id"]
    assert client.refund.fetch(rest["id"], {}, timeout=5)["amount"] == 30000
    assert [r["id"] for r in client.refund.all({}, timeout=5)["items"]] == [rest["id"], first["id"]]
    assert sandbox.refund_create_calls == 2


def test_refund_validation(sandbox, client):
    pay_id = captured_payment(sandbox, client)
    with pytest.raises(BadRequestError, match=r"at least INR 1\.00"):
        refund(client, pay_id, amount=99)
    with pytest.raises(BadRequestError, match="integer"):
        refund(client, pay_id, amount=1.5)
    with pytest.raises(BadRequestError, match="speed"):
        refund(client, pay_id, amount=100, speed="warp")
    with pytest.raises(BadRequestError, match="not required"):
        refund(client, pay_id, amount=100, currency="INR")
    with pytest.raises(BadRequestError, match="does not exist"):
        refund(client, "pay_DoesNotExist01", amount=100)
    with pytest.raises(BadRequestError, match="not a valid id"):
        refund(client, "order_x", amount=100)
    with pytest.raises(BadRequestError, match="does not exist"):
        client.refund.fetch("rfnd_DoesNotExist1", {})
    failed = client.order.create({"amount": 10000, "currency": "INR"})
    sandbox.fail_order(failed["id"])
    [failed_payment] = client.order.payments(failed["id"])["items"]
    with pytest.raises(BadRequestError, match="captured"):
        refund(client, failed_payment["id"], amount=100)
    assert sandbox.refunds() == []


def test_refund_idempotency_key(sandbox, client):
    pay_id = captured_payment(sandbox, client)
    first = refund(client, pay_id, key="refund-key-0001", amount=10000, receipt="refund_7")
    again = refund(client, pay_id, key="refund-key-0001", amount=10000, receipt="refund_7")
    assert again == first and sandbox.refund_create_calls == 1
    with pytest.raises(BadRequestError, match="Different request with the same idempotency key"):
        refund(client, pay_id, key="refund-key-0001", amount=20000, receipt="refund_7")
    with pytest.raises(BadRequestError, match="at least 10 characters"):
        refund(client, pay_id, key="short", amount=100)
    with pytest.raises(BadRequestError, match="at least 10 characters"):
        refund(client, pay_id, key="has spaces in it", amount=100)
    # A replay even after the payment was fully refunded answers with the first refund.
    refund(client, pay_id, key="refund-key-0002", amount=40000)
    assert refund(client, pay_id, key="refund-key-0001", amount=10000, receipt="refund_7") == first
    assert sandbox.refund_create_calls == 2


def test_refund_lifecycle_webhooks(sandbox, client, receiver):
    pay_id = captured_payment(sandbox, client)
    kept = refund(client, pay_id, amount=20000)
    lost = refund(client, pay_id, amount=30000)
    sandbox.advance_refund(kept["id"], "processed")
    sandbox.advance_refund(lost["id"], "failed")
    with pytest.raises(ValueError, match="illegal refund transition"):
        sandbox.advance_refund(kept["id"], "failed")
    assert sandbox.flush_webhooks(5)
    events = [name for _, name in receiver.events() if name.startswith("refund.")]
    assert events == ["refund.created", "refund.created", "refund.processed", "refund.failed"]
    last = json.loads(receiver.requests[-1]["body"])
    assert last["contains"] == ["refund", "payment"]
    assert last["payload"]["refund"]["entity"]["status"] == "failed"
    # The failed refund's amount is refundable again; the processed one got its ARN.
    assert last["payload"]["payment"]["entity"]["amount_refunded"] == 20000
    assert last["payload"]["payment"]["entity"]["refund_status"] == "partial"
    assert re.fullmatch(r"\d{12}", sandbox.refund(kept["id"])["acquirer_data"]["arn"])
    for request in receiver.requests:
        body = request["body"].decode()
        assert client.utility.verify_webhook_signature(
            body, request["headers"]["X-Razorpay-Signature"], WEBHOOK_SECRET
        )
    assert refund(client, pay_id, amount=30000)["status"] == "pending"


def test_refund_faults_and_control_routes(sandbox, client):
    auth = (KEY_ID, KEY_SECRET)
    pay_id = captured_payment(sandbox, client)
    sandbox.inject_fault("timeout", path="/v1/payments/", delay=0.3)
    with pytest.raises(requests.exceptions.ReadTimeout):
        refund(client, pay_id, key="refund-timeout-1", timeout=0.1, amount=10000)
    # The server did the work: the retry with the key gets that refund, not a second one.
    made = refund(client, pay_id, key="refund-timeout-1", amount=10000)
    assert sandbox.refund_create_calls == 1
    sandbox.inject_fault("5xx", path="/v1/payments/")
    with pytest.raises(ServerError):
        refund(client, pay_id, key="refund-5xx-0001", amount=10000)
    assert sandbox.refund_create_calls == 1
    listed = requests.get(f"{sandbox.url}/_sandbox/refunds", auth=auth, timeout=5).json()
    assert [r["id"] for r in listed["items"]] == [made["id"]]
    moved = requests.post(
        f"{sandbox.url}/_sandbox/refunds/{made['id']}/advance",
        json={"status": "processed"},
        auth=auth,
        timeout=5,
    ).json()
    assert moved["status"] == "processed"
    bad = requests.post(
        f"{sandbox.url}/_sandbox/refunds/{made['id']}/advance",
        json={"status": "pending"},
        auth=auth,
        timeout=5,
    )
    assert bad.status_code == 400


def test_auto_advance_processes_refunds():
    with SandboxServer(
        key_id=KEY_ID, key_secret=KEY_SECRET, auto_advance=True, auto_advance_delay=0.2
    ) as server:
        client = razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=server.url)
        made = refund(client, captured_payment(server, client), amount=10000)
        deadline = time.monotonic() + 3
        while server.refund(made["id"])["status"] != "processed" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.refund(made["id"])["status"] == "processed"
