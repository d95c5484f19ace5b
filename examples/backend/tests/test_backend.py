"""The shop's own tests: ship an order, let the simulated customer act, see the order notified."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

import httpx
from app import Shop, create_app

from flowsim.sandbox.server import ServerThread


def order(client: httpx.Client, order_id: str, phone: str) -> dict[str, Any]:
    assert client.post("/orders", json={"id": order_id, "phone": phone, "item": "Tea set"}).status_code == 201
    return client.post(f"/orders/{order_id}/ship").json()


def status(client: httpx.Client, order_id: str) -> str:
    return client.get(f"/orders/{order_id}").json()["status"]


def test_a_customer_who_agreed_is_notified_at_once(line: Any, backend: Any) -> None:
    client, _ = backend
    shipped = order(client, "A-1001", "+819011110004")
    # "sent": LINE took it; or already "notified", when the delivery webhook came before LINE's answer was handled
    assert shipped["status"] in ("sent", "notified") and shipped["line_answer"]["status"] == 200
    line.control.wait_for_webhooks()
    assert status(client, "A-1001") == "notified"



def test_a_delivery_webhook_that_beats_the_answer_is_kept(line: Any, backend: Any, monkeypatch: Any) -> None:
    """LINE may deliver (and post the webhook) before the backend has handled the push's answer."""
    import app

    client, _ = backend
    push = app.MessagingApi.push_messages_by_phone_with_http_info

    def push_then_let_the_webhook_in_first(self: Any, *args: Any, **kwargs: Any) -> Any:
        answer = push(self, *args, **kwargs)
        line.control.wait_for_webhooks()            # the callback has marked the order before ship() goes on
        return answer

    monkeypatch.setattr(app.MessagingApi, "push_messages_by_phone_with_http_info", push_then_let_the_webhook_in_first)
    assert order(client, "A-1008", "+819011110004")["status"] == "notified"
    assert status(client, "A-1008") == "notified"

def test_a_new_customer_is_notified_once_they_agree(line: Any, backend: Any) -> None:
    client, _ = backend
    assert order(client, "A-1002", "+819011110001")["status"] == "sent"
    line.control.wait_for_webhooks()
    assert status(client, "A-1002") == "sent"               # LINE took it; the customer has not agreed yet
    line.control.expect("hanako", line_chat=["received", "setup"])
    line.control.do("hanako", "open_consent")
    line.control.do("hanako", "agree")
    line.control.wait_for_webhooks()
    assert status(client, "A-1002") == "notified"


def test_a_customer_who_needs_sms_is_notified_after_the_pin(line: Any, backend: Any) -> None:
    client, _ = backend
    order(client, "A-1003", "+819011110003")
    line.control.steps(*({"user": "jiro", **step} for step in (
        {"do": "open_phone_auth"}, {"do": "send_sms"}, {"do": "confirm_sms"}, {"do": "enter_pin", "pin": "last"})))
    line.control.wait_for_webhooks()
    assert status(client, "A-1003") == "notified"


def test_no_notification_if_the_customer_never_agrees(line: Any, backend: Any) -> None:
    client, _ = backend
    order(client, "A-1004", "+819011110002")
    line.control.advance("24h")                                # LINE gives up after 24 hours
    line.control.wait_for_webhooks()
    assert status(client, "A-1004") == "sent"
    assert line.control.state()["messages"]["m1"]["status"] == "expired"


def test_a_number_without_line_is_not_sent(backend: Any) -> None:
    client, _ = backend
    shipped = order(client, "A-1005", "+819099999999")
    assert shipped["status"] == "not_sent"
    assert shipped["line_answer"] == {"status": 422, "message": "Failed to send messages"}


def test_the_callback_refuses_a_forged_webhook(line: Any, backend: Any) -> None:
    client, shop = backend
    order(client, "A-1006", "+819011110001")
    body = '{"destination":"U0","events":[{"type":"delivery","delivery":{"data":"parcel-order-A-1006"}}]}'
    forged = base64.b64encode(hmac.new(b"not the secret", body.encode(), hashlib.sha256).digest()).decode()
    answer = client.post("/callback", content=body, headers={"x-line-signature": forged})
    assert answer.status_code == 400 and status(client, "A-1006") == "sent"


def test_a_backend_that_was_down_gets_the_redelivery(line: Any, backend: Any) -> None:
    client, shop = backend
    callback = line.control.state()["official_accounts"]["shop"]["webhook"]
    line.control.configure("shop", webhook="http://127.0.0.1:9/callback", redelivery=True)   # nothing listens
    order(client, "A-1007", "+819011110004")
    line.control.configure("shop", webhook=callback)            # back up before the next try
    line.control.wait_for_webhooks()
    (webhook,) = line.control.webhooks()
    first, *again = webhook["attempts"]
    assert not first["ok"] and not first["redelivery"] and again and all(a["redelivery"] for a in again)
    assert status(client, "A-1007") == "notified" and webhook["webhookEventId"] in shop.seen_events


def test_orders_survive_a_restart_and_the_redelivery_marks_them(line: Any, tmp_path: Any) -> None:
    """The README's step 5: ship to jiro, stop the backend, jiro verifies by SMS, start it again."""
    data = tmp_path / "orders.json"
    account = line.accounts["shop"]
    shop = Shop(line.url, account.token, account.secret, data)
    with ServerThread(create_app(shop)) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        line.control.configure("shop", webhook=f"{server.url}/callback")
        assert order(client, "C-1", "+819011110003")["status"] == "sent"    # jiro must verify by SMS first
        port = server.sock.getsockname()[1]
    line.control.steps(*({"user": "jiro", **step} for step in (                # the backend is down
        {"do": "open_phone_auth"}, {"do": "send_sms"}, {"do": "confirm_sms"}, {"do": "enter_pin", "pin": "last"})))
    deadline = time.monotonic() + 10
    while line.control.webhooks()[0]["state"] != "retrying" and time.monotonic() < deadline:
        time.sleep(0.01)                                                     # the first attempt fails
    assert line.control.webhooks()[0]["state"] == "retrying"
    again = Shop(line.url, account.token, account.secret, data)                # a new process reads the file
    assert again.orders["C-1"].status == "sent"
    with ServerThread(create_app(again), port=port) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        line.control.wait_for_webhooks()
        assert status(client, "C-1") == "notified"
    (webhook,) = line.control.webhooks()
    assert not webhook["attempts"][0]["ok"] and webhook["attempts"][-1] == {**webhook["attempts"][-1], "ok": True,
                                                                           "redelivery": True}
    assert Shop(line.url, account.token, account.secret, data).orders["C-1"].status == "notified"


def test_a_bad_order_or_data_file_is_a_message(line: Any, backend: Any, tmp_path: Any) -> None:
    client, _ = backend
    answer = client.post("/orders", content=b"{not json")
    assert answer.status_code == 400 and "E.164" in answer.json()["error"]
    broken = tmp_path / "orders.json"
    broken.write_text("[1, 2")
    try:
        Shop(line.url, "t", "s", broken)
    except SystemExit as exc:
        assert "is not the shop's data file" in str(exc)
    else:
        raise AssertionError("a broken data file was read")
