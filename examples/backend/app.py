"""A small parcel-shop backend: it tells customers by LINE notification message that their parcel
shipped, and marks the order *notified* when LINE's delivery webhook says the message arrived.

This is ordinary application code: nothing here knows about flowsim.  It reads
its settings from the environment, as it would in production:

* ``LINE_API_HOST`` — ``https://api.line.me`` in production, the sandbox's URL in tests;
* ``LINE_CHANNEL_ACCESS_TOKEN`` and ``LINE_CHANNEL_SECRET`` — from the LINE Developers console
  (or what ``flowsim serve`` prints);
* ``SHOP_DATA`` — the JSON file that keeps the orders (and the webhook events already handled)
  across a restart; default ``orders.json`` in the current directory.  (A real shop has a
  database; a file is enough to show that an order shipped before a restart is still marked
  *notified* by the webhook LINE redelivers after it.)

Run it: ``uvicorn app:app --port 8000`` (from this directory).

| method, path | what |
| --- | --- |
| ``POST /orders`` | ``{"id": "A-1001", "phone": "+819011110004", "item": "Tea set"}`` creates an order |
| ``POST /orders/{id}/ship`` | sends the notification; the order becomes ``sent`` (LINE took it) or ``not_sent`` (or is already ``notified``: LINE's webhook can beat its answer) |
| ``GET /orders/{id}`` | the order, with LINE's answer |
| ``POST /callback`` | LINE's webhook: verifies the signature; a delivery event marks the order ``notified`` |
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    ErrorResponse,
    MessagingApi,
    PnpMessagesRequest,
    TextMessage,
)
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import PnpDeliveryCompletionEvent
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

E164 = re.compile(r"\+[1-9][0-9]{6,14}")


@dataclass
class Order:
    id: str
    phone: str
    item: str
    status: str = "created"          # created → sent → notified, or not_sent
    line_answer: dict[str, Any] = field(default_factory=dict)

    @property
    def delivery_tag(self) -> str:
        """``X-Line-Delivery-Tag`` (16-100 characters): LINE echoes it in the delivery webhook."""
        return f"parcel-order-{self.id}"


class Shop:
    """The orders, and the shop's LINE channel.

    With ``data`` (a path) the orders and the handled webhook events are kept in that JSON file,
    written after every change and read back on start; without it, in memory only.
    """

    def __init__(self, host: str, token: str, secret: str, data: str | Path | None = None) -> None:
        self.config = Configuration(host=host, access_token=token)
        self.parser = WebhookParser(secret)
        self.data = Path(data) if data is not None else None
        self.orders: dict[str, Order] = {}
        self.seen_events: set[str] = set()   # LINE may redeliver: handle each webhookEventId once
        # ship() runs in a worker thread and the webhook on the event loop, and LINE's delivery webhook
        # can arrive before the push's answer has been handled: one lock around every change of state.
        self.lock = threading.Lock()
        if self.data is not None and self.data.exists():
            try:
                saved = json.loads(self.data.read_text(encoding="utf-8"))
                self.orders = {o["id"]: Order(**o) for o in saved["orders"]}
                self.seen_events = set(saved["seen_events"])
            except (ValueError, TypeError, KeyError) as exc:
                raise SystemExit(f"{self.data} is not the shop's data file ({exc!r}); move it away to start afresh")

    def save(self) -> None:
        """Write the orders and the handled events to ``data`` (a new file moved over the old one)."""
        if self.data is None:
            return
        new = self.data.with_name(self.data.name + ".new")
        new.write_text(json.dumps({"orders": [asdict(o) for o in self.orders.values()],
                                   "seen_events": sorted(self.seen_events)}, indent=1), encoding="utf-8")
        new.replace(self.data)

    def add(self, order: Order) -> None:
        with self.lock:
            self.orders[order.id] = order
            self.save()

    def ship(self, order: Order) -> None:
        to = hashlib.sha256(order.phone.encode()).hexdigest()   # LINE wants the SHA-256 of the E.164 number
        request = PnpMessagesRequest(to=to, messages=[TextMessage(text=f"Your {order.item} has shipped! Order {order.id}")])
        with ApiClient(self.config) as client:
            try:
                answer = MessagingApi(client).push_messages_by_phone_with_http_info(
                    request, x_line_delivery_tag=order.delivery_tag)
            except ApiException as exc:
                error = ErrorResponse.from_json(exc.body)
                with self.lock:
                    order.status = "not_sent"
                    order.line_answer = {"status": exc.status, "message": error.message}
                    self.save()
                return
        with self.lock:
            if order.status != "notified":   # the delivery webhook may have come first: keep what it said
                order.status = "sent"
            order.line_answer = {"status": answer.status_code, "request_id": answer.headers.get("x-line-request-id")}
            self.save()

    def on_webhook(self, body: str, signature: str) -> None:
        for event in self.parser.parse(body, signature):        # raises InvalidSignatureError
            with self.lock:
                event_id = event.webhook_event_id
                if event_id in self.seen_events:
                    continue
                self.seen_events.add(event_id)
                if isinstance(event, PnpDeliveryCompletionEvent):
                    for order in self.orders.values():
                        if order.delivery_tag == event.delivery.data:
                            order.status = "notified"
                self.save()


def create_app(shop: Shop | None = None) -> Starlette:
    shop = shop or Shop(os.environ.get("LINE_API_HOST", "https://api.line.me"),
                        os.environ["LINE_CHANNEL_ACCESS_TOKEN"], os.environ["LINE_CHANNEL_SECRET"],
                        os.environ.get("SHOP_DATA", "orders.json"))

    async def create_order(request: Request) -> JSONResponse:
        try:
            data = await request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not E164.fullmatch(str(data.get("phone", ""))) or not data.get("id"):
            return JSONResponse({"error": "give id, item and phone in E.164 (+819011110004)"}, 400)
        order = Order(str(data["id"]), data["phone"], str(data.get("item", "parcel")))
        shop.add(order)
        return JSONResponse(asdict(order), 201)

    async def ship(request: Request) -> JSONResponse:
        order = shop.orders.get(request.path_params["id"])
        if order is None:
            return JSONResponse({"error": "no such order"}, 404)
        await run_in_threadpool(shop.ship, order)               # the SDK's client is synchronous
        return JSONResponse(asdict(order))

    async def get_order(request: Request) -> JSONResponse:
        order = shop.orders.get(request.path_params["id"])
        return JSONResponse(asdict(order)) if order else JSONResponse({"error": "no such order"}, 404)

    async def callback(request: Request) -> JSONResponse:
        body = (await request.body()).decode()
        try:
            shop.on_webhook(body, request.headers.get("x-line-signature", ""))
        except InvalidSignatureError:
            return JSONResponse({"error": "invalid signature"}, 400)
        return JSONResponse({})

    app = Starlette(routes=[
        Route("/orders", create_order, methods=["POST"]),
        Route("/orders/{id}/ship", ship, methods=["POST"]),
        Route("/orders/{id}", get_order, methods=["GET"]),
        Route("/callback", callback, methods=["POST"]),
    ])
    app.state.shop = shop
    return app


if os.environ.get("LINE_CHANNEL_ACCESS_TOKEN"):
    app = create_app()
