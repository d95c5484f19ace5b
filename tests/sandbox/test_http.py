"""LINE's endpoints over plain HTTP: what the SDK refuses to send itself, headers, sizes, the rate limit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from flowsim.sandbox import line as wire
from flowsim.sandbox import Sandbox, create_app
from flowsim.sandbox.ratelimit import RateLimiter
from flowsim.sandbox.testing import load_world

from .conftest import TO

PUSH, TEMPLATED = "/bot/pnp/push", "/v2/bot/message/pnp/templated/push"


@pytest.fixture
def http(line: Any) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {line.tokens['shop']}"}
    with httpx.Client(base_url=line.url, headers=headers) as client:
        yield client


def text_body(to: str = TO["yuki"], n: int = 1) -> dict[str, Any]:
    return {"to": to, "messages": [{"type": "text", "text": f"message {i}"} for i in range(n)]}


def test_every_answer_is_json_with_a_request_id(http: httpx.Client) -> None:
    answers = [http.post(PUSH, json=text_body()), http.post(PUSH, json={}), http.get("/nowhere"),
               http.get(PUSH), http.get("/v2/bot/message/delivery/pnp", params={"date": "x"}),
               http.get("/_flowsim/health")]
    assert [a.status_code for a in answers] == [200, 400, 404, 405, 400, 200]
    for a in answers:
        assert a.headers["content-type"] == "application/json"
        assert len(a.headers["x-line-request-id"]) == 36
        a.json()
    assert len({a.headers["x-line-request-id"] for a in answers}) == len(answers)
    assert answers[2].json() == {"message": "Not found"}
    assert answers[3].json() == {"message": "Method not allowed"} and answers[3].headers["allow"] == "POST"


def test_missing_or_malformed_authorization_is_401_auth_required(http: httpx.Client, line: Any) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": line.tokens["shop"]}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer"}):
        answer = http.post(PUSH, json=text_body(), headers=headers)
        assert (answer.status_code, answer.json()) == (401, {"message": wire.AUTH_REQUIRED})
    no_header = httpx.post(f"{line.url}{PUSH}", json=text_body())
    assert (no_header.status_code, no_header.json()["message"]) == (401, wire.AUTH_REQUIRED)
    unknown = http.post(PUSH, json=text_body(), headers={"Authorization": "Bearer nope"})
    assert (unknown.status_code, unknown.json()) == (401, {"message": wire.INVALID_TOKEN})


@pytest.mark.parametrize("n", [0, 6])
def test_zero_or_six_messages_is_400_on_messages(http: httpx.Client, n: int) -> None:
    answer = http.post(PUSH, json=text_body(n=n))
    assert answer.status_code == 400
    assert answer.json()["details"][0]["property"] == "messages"


@pytest.mark.parametrize("tag", ["short", "x" * 101])
def test_a_delivery_tag_outside_16_to_100_characters_is_400(http: httpx.Client, tag: str) -> None:
    answer = http.post(PUSH, json=text_body(), headers={"X-Line-Delivery-Tag": tag})
    assert answer.status_code == 400
    assert answer.json()["details"][0]["property"] == "X-Line-Delivery-Tag"


def test_content_type_must_be_json(http: httpx.Client) -> None:
    for content_type in ("application/json", "application/json; charset=UTF-8", "Application/JSON;charset=utf-8"):
        ok = http.post(PUSH, content=json.dumps(text_body()), headers={"Content-Type": content_type})
        assert ok.status_code == 200, content_type
    answer = http.post(PUSH, content=json.dumps(text_body()), headers={"Content-Type": "text/plain"})
    assert (answer.status_code, answer.json()) == (400, {"message": "The content type, text/plain, is not supported"})


def test_unparsable_json_names_line_and_column(http: httpx.Client) -> None:
    answer = http.post(PUSH, content=b'{\n  "to": oops}', headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"message": "The request body could not be parsed as JSON (line: 2, column: 9)"}


def test_a_body_above_2mb_is_413(http: httpx.Client) -> None:
    body = text_body()
    body["padding"] = "x" * (2 * 1024 * 1024)
    answer = http.post(PUSH, json=body)
    assert (answer.status_code, answer.json()) == (413, {"message": "Request exceeds the max size of 2MB"})
    assert http.post(PUSH, json=text_body()).status_code == 200  # still serving


def test_unknown_top_level_keys_are_ignored_and_the_sdk_keys_checked(http: httpx.Client) -> None:
    assert http.post(PUSH, json={**text_body(), "futureKey": 1, "notificationDisabled": True}).status_code == 200
    assert http.post(PUSH, json={**text_body(), "customAggregationUnits": ["promo_2026"]}).status_code == 200
    for extra, prop in (({"notificationDisabled": "yes"}, "notificationDisabled"),
                        ({"customAggregationUnits": ["a", "b"]}, "customAggregationUnits"),
                        ({"customAggregationUnits": ["bad name!"]}, "customAggregationUnits")):
        answer = http.post(PUSH, json={**text_body(), **extra})
        assert answer.status_code == 400 and answer.json()["details"][0]["property"] == prop


def test_requests_are_recorded_with_their_answers(http: httpx.Client, line: Any) -> None:
    http.post(PUSH, json=text_body(), headers={"X-Line-Delivery-Tag": "a-tag-of-16-chars"})
    http.post(PUSH, json=text_body(TO["rin"]))
    recorded = line.control.requests(path=PUSH)
    assert [(r["status"], r["oa"], r["body"]["to"]) for r in recorded] == [(200, "shop", TO["yuki"]),
                                                                             (422, "shop", TO["rin"])]
    assert recorded[0]["headers"]["x-line-delivery-tag"] == "a-tag-of-16-chars"
    assert recorded[1]["answer"] == {"message": "Failed to send messages"}
    assert line.control.requests(status=422) == recorded[1:]
    assert line.control.requests(since=recorded[0]["seq"]) == recorded[1:]


def test_the_rate_limit_is_per_channel_and_endpoint() -> None:
    world = {"name": "two channels", "official_accounts": {"a": {}, "b": {}}, "users": {},
             "steps": [{"expect": {"sent_count": {"a": {"flexible": 0}}}}]}
    wall = [0.0]
    box = Sandbox(load_world(world), frozen=True)
    box.limiter = RateLimiter(3, clock=lambda: wall[0])  # 3 a second, on a clock the test moves

    async def go() -> list[Any]:
        transport = httpx.ASGITransport(create_app(box), client=("127.0.0.1", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as http:
            async def status(oa: str, path: str = PUSH) -> int:
                headers = {"Authorization": f"Bearer {box.account(oa)['token']}"}
                if path == PUSH:
                    return (await http.post(path, json=text_body(), headers=headers)).status_code
                return (await http.get(path, params={"date": "20260101"}, headers=headers)).status_code

            out: list[Any] = [[await status("a") for _ in range(4)], await status("b"),
                              await status("a", "/v2/bot/message/delivery/pnp")]
            wall[0] += 1 / 3                                        # a third of a second: one more request
            out.append([await status("a") for _ in range(2)])
            headers = {"Authorization": f"Bearer {box.account('a')['token']}"}
            out.append((await http.post(PUSH, json=text_body(), headers=headers)).json())
            return out

    same, other_channel, other_endpoint, refilled, body = asyncio.run(go())
    assert same == [422, 422, 422, 429] and other_channel == 422 and other_endpoint == 200
    assert refilled == [422, 429]
    assert body == {"message": "The API rate limit has been exceeded. Try again later."}
