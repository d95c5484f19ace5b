"""A corpus of hostile requests: every answer a 4xx in LINE's body shape, never a 5xx, and the
sandbox still serving after each."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import NOBODY, TO

PUSH, TEMPLATED = "/bot/pnp/push", "/v2/bot/message/pnp/templated/push"
STATS = "/v2/bot/message/delivery/pnp"
JSON = {"Content-Type": "application/json"}
GOOD = {"to": NOBODY, "messages": [{"type": "text", "text": "hi"}]}
TEMPLATE = {"to": TO["yuki"], "templateKey": "shipment_completed_ja"}


def body(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


def template(**body_: Any) -> bytes:
    return json.dumps({**TEMPLATE, "body": body_}).encode()


def item(key: str, content: str = "x") -> dict[str, str]:
    return {"itemKey": key, "content": content}


# (name, method, path, headers, content, expected status): the shop's token and JSON unless the
# headers say otherwise (None: the header is left out)
CORPUS: list[Any] = [
    # authorization
    ("no authorization", "POST", PUSH, {"Authorization": None}, body(), 401),
    ("bearer without a token", "POST", PUSH, {**JSON, "Authorization": "Bearer"}, body(), 401),
    ("basic scheme", "POST", PUSH, {**JSON, "Authorization": "Basic dXNlcjpwYXNz"}, body(), 401),
    ("unknown token", "POST", PUSH, {**JSON, "Authorization": "Bearer wrong"}, body(), 401),
    ("latin-1 token", "POST", PUSH, {"Authorization": "Bearer t\u00f6k\u00e9n".encode("latin-1")}, body(), 401),
    ("8 KB token", "POST", PUSH, {**JSON, "Authorization": "Bearer " + "a" * 8000}, body(), 401),
    ("statistics without a token", "GET", STATS + "?date=20260101", {"Authorization": None}, None, 401),
    # content type
    ("text/plain", "POST", PUSH, {"Content-Type": "text/plain"}, body(), 400),
    ("no content type", "POST", PUSH, {"Content-Type": ""}, body(), 400),
    ("form encoded", "POST", PUSH, {"Content-Type": "application/x-www-form-urlencoded"}, b"to=x&messages=y", 400),
    ("json in latin-1", "POST", PUSH, {"Content-Type": "application/json; charset=latin-1"}, body(), 400),
    ("multipart", "POST", PUSH, {"Content-Type": "multipart/form-data; boundary=x"}, b"--x--", 400),
    # not JSON
    ("empty body", "POST", PUSH, None, b"", 400),
    ("plain words", "POST", PUSH, None, b"not json", 400),
    ("truncated", "POST", PUSH, None, b'{"to": ', 400),
    ("array", "POST", PUSH, None, b"[]", 400),
    ("string", "POST", PUSH, None, b'"hello"', 400),
    ("null", "POST", PUSH, None, b"null", 400),
    ("NaN", "POST", PUSH, None, b'{"to": NaN, "messages": []}', 400),
    ("nested 100,000 deep", "POST", PUSH, None, b"[" * 100_000 + b"]" * 100_000, 400),
    ("a 5,000-digit number", "POST", PUSH, None, b'{"to": ' + b"9" * 5000 + b"}", 400),
    ("invalid UTF-8", "POST", PUSH, None, b'{"to": "\xff\xfe"}', 400),
    ("UTF-8 BOM", "POST", PUSH, None, b"\xef\xbb\xbf" + body(), 400),
    ("UTF-16", "POST", PUSH, None, json.dumps(GOOD).encode("utf-16"), 400),
    ("3 MB", "POST", PUSH, None, body(pad="x" * 3_000_000), 413),
    ("2 MB and one byte", "POST", PUSH, None, b" " * (2 * 1024 * 1024 - len(body()) + 1) + body(), 413),
    # wrong types and values
    ("to is a number", "POST", PUSH, None, body(to=123), 400),
    ("to in upper case", "POST", PUSH, None, body(to=TO["yuki"].upper()), 400),
    ("to in full-width digits", "POST", PUSH, None, body(to="\uff10" * 64), 400),
    ("to with a NUL", "POST", PUSH, None, body(to=TO["yuki"][:63] + "\u0000"), 400),
    ("to with a lone surrogate", "POST", PUSH, None, body(to="\ud800" * 64), 400),
    ("to missing", "POST", PUSH, None, json.dumps({"messages": GOOD["messages"]}).encode(), 400),
    ("messages a string", "POST", PUSH, None, body(messages="hi"), 400),
    ("no messages", "POST", PUSH, None, body(messages=[]), 400),
    ("six messages", "POST", PUSH, None, body(messages=GOOD["messages"] * 6), 400),
    ("an image", "POST", PUSH, None, body(messages=[{"type": "image", "originalContentUrl": "https://x/a.jpg",
                                                     "previewImageUrl": "https://x/b.jpg"}]), 400),
    ("text without text", "POST", PUSH, None, body(messages=[{"type": "text"}]), 400),
    ("text of 5,001 characters", "POST", PUSH, None, body(messages=[{"type": "text", "text": "あ" * 5001}]), 400),
    ("message of no type", "POST", PUSH, None, body(messages=[{"text": "hi"}]), 400),
    ("tag of 15", "POST", PUSH, {**JSON, "X-Line-Delivery-Tag": "x" * 15}, body(), 400),
    ("tag of 101", "POST", PUSH, {**JSON, "X-Line-Delivery-Tag": "x" * 101}, body(), 400),
    ("notificationDisabled as text", "POST", PUSH, None, body(notificationDisabled="true"), 400),
    ("aggregation unit not a list", "POST", PUSH, None, body(customAggregationUnits="promo"), 400),
    ("aggregation unit of 31", "POST", PUSH, None, body(customAggregationUnits=["x" * 31]), 400),
    ("a lone surrogate in a text", "POST", PUSH, None, body(messages=[{"type": "text", "text": "\ud83d"}]), 400),
    ("a text to nobody", "POST", PUSH, None, body(messages=[{"type": "text", "text": "\U0001f4e6 \u200b\u202e"}]), 422),
    # templates
    ("templateKey missing", "POST", TEMPLATED, None, json.dumps({"to": TO["yuki"]}).encode(), 400),
    ("templateKey a number", "POST", TEMPLATED, None, json.dumps({**TEMPLATE, "templateKey": 1}).encode(), 400),
    ("unknown templateKey", "POST", TEMPLATED, None, json.dumps({**TEMPLATE, "templateKey": "nope"}).encode(), 400),
    ("template body a string", "POST", TEMPLATED, None, json.dumps({**TEMPLATE, "body": "x"}).encode(), 400),
    ("16 items", "POST", TEMPLATED, None, template(items=[item("name_010_ja")] * 16), 400),
    ("a repeated item", "POST", TEMPLATED, None,
     template(emphasizedItem=item("date_002_ja"), items=[item("date_002_ja")]), 400),
    ("emphasized item of 16", "POST", TEMPLATED, None, template(emphasizedItem=item("date_002_ja", "x" * 16)), 400),
    ("three buttons", "POST", TEMPLATED, None,
     template(buttons=[{"buttonKey": "contact_ja", "url": "https://x"}] * 3), 400),
    ("button URL of 1,001", "POST", TEMPLATED, None,
     template(buttons=[{"buttonKey": "contact_ja", "url": "https://" + "x" * 993}]), 400),
    # methods and paths
    ("GET a send", "GET", PUSH, None, None, 405),
    ("PUT a send", "PUT", PUSH, None, body(), 405),
    ("DELETE a template send", "DELETE", TEMPLATED, None, None, 405),
    ("POST statistics", "POST", STATS, None, body(), 405),
    ("trailing slash", "POST", PUSH + "/", None, body(), 404),
    ("a path LINE has but not the sandbox", "POST", "/v2/bot/message/push", None, body(), 404),
    ("a snowman path", "GET", "/%E2%98%83", None, None, 404),
    # statistics dates
    ("no date", "GET", STATS, None, None, 400),
    ("ISO date", "GET", STATS + "?date=2026-04-01", None, None, 400),
    ("month 13", "GET", STATS + "?date=20261301", None, None, 400),
    ("30 February", "GET", STATS + "?date=20260230", None, None, 400),
    ("full-width digits", "GET", STATS + "?date=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96%EF%BC%90%EF%BC%94%EF%BC%90%EF%BC%91",
     None, None, 400),
    ("year 0", "GET", STATS + "?date=00000101", None, None, 400),
    ("empty date", "GET", STATS + "?date=", None, None, 400),
    ("nine digits", "GET", STATS + "/templated?date=202604011", None, None, 400),
    ("a NUL in the date", "GET", STATS + "?date=2026%000401", None, None, 400),
    # the control API
    ("steps not JSON", "POST", "/_flowsim/steps", None, b"{", 400),
    ("a step for nobody", "POST", "/_flowsim/steps", None, b'{"do": "agree", "user": "nobody"}', 422),
    ("settings as a list", "PATCH", "/_flowsim/accounts/shop", None, b"[]", 400),
    ("limit not a number", "GET", "/_flowsim/requests?limit=abc", None, None, 400),
    ("state messages not a number", "GET", "/_flowsim/state?messages=abc", None, None, 400),
    ("a wait of a billion seconds", "POST", "/_flowsim/webhooks/wait", None, b'{"timeout": 1e9}', 400),
]


@pytest.fixture
def http(line: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=line.url, timeout=30) as client:
        yield client


def _name(case: Any) -> str:
    return case.values[0] if hasattr(case, "values") else case[0]


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40 and len({_name(c) for c in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("name, method, path, headers, content, status", CORPUS, ids=[_name(c) for c in CORPUS])
def test_hostile_request(line: Any, http: httpx.Client, name: str, method: str, path: str,
                         headers: dict[str, Any] | None, content: bytes | None, status: int) -> None:
    sent = {"Authorization": f"Bearer {line.tokens['shop']}", **JSON, **(headers or {})}
    sent = {key: value for key, value in sent.items() if value is not None}
    answer = http.request(method, path, headers=sent, content=content)
    assert answer.status_code == status, answer.text[:300]
    assert answer.headers["content-type"] == "application/json" and answer.headers["x-line-request-id"]
    shape = answer.json()
    assert isinstance(shape["message"], str) and shape["message"]
    if not path.startswith("/_flowsim/"):  # the control API adds what the steps did
        assert set(shape) <= {"message", "details"}
    for detail in shape.get("details", []):
        assert set(detail) == {"message", "property"} and all(isinstance(v, str) for v in detail.values())
    # still serving, and still able to show what it recorded
    assert http.get("/_flowsim/health").json()["status"] == "ok"
    assert http.get("/_flowsim/requests", params={"limit": 1}).status_code == 200
    assert http.get("/_flowsim/state").status_code == 200
