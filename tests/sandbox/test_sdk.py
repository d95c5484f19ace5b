"""The sandbox through the official line-bot-sdk, unmodified: sends, statistics and errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    ErrorResponse,
    MessagingApi,
    PnpMessagesRequest,
    PnpTemplatedMessageRequest,
    TextMessage,
)

from .conftest import NOBODY, TO

TAG = "order-2026-0401-0001"


@pytest.fixture
def api(line: Any) -> Iterator[MessagingApi]:
    with ApiClient(line.accounts["shop"].configuration()) as client:
        yield MessagingApi(client)


def text(to: str, message: str = "Your parcel ships today") -> PnpMessagesRequest:
    return PnpMessagesRequest(to=to, messages=[TextMessage(text=message)])


def refused(call: Any) -> tuple[int, ErrorResponse]:
    with pytest.raises(ApiException) as caught:
        call()
    return caught.value.status, ErrorResponse.from_json(caught.value.body)


def test_push_by_phone_delivers_and_answers_200_with_a_request_id(line: Any, api: MessagingApi) -> None:
    response = api.push_messages_by_phone_with_http_info(text(TO["yuki"], "お荷物を発送しました"),
                                                         x_line_delivery_tag=TAG)
    assert response.status_code == 200
    assert len(response.headers["x-line-request-id"]) == 36
    assert api.push_messages_by_phone(text(TO["yuki"])) is None
    state = line.control.state()
    assert state["official_accounts"]["shop"]["sent_count"] == {"flexible": 2, "template": 0}
    notification = state["users"]["yuki"]["chats"]["shop"][0]
    assert notification["text"] == "お荷物を発送しました"  # the SDK's \uXXXX escapes, decoded
    assert [w["event"]["delivery"]["data"] for w in state["webhooks"]] == [TAG, TO["yuki"]]


def test_templated_push_answers_202(line: Any, api: MessagingApi) -> None:
    request = PnpTemplatedMessageRequest.from_dict({
        "to": TO["yuki"], "templateKey": "shipment_completed_ja",
        "body": {"emphasizedItem": {"itemKey": "date_002_ja", "content": "4月2日"},
                 "items": [{"itemKey": "number_001_ja", "content": "1234-5678"}]},
    })
    response = api.push_templated_messages_by_phone_with_http_info(request, x_line_delivery_tag=TAG)
    assert response.status_code == 202
    assert response.headers["x-line-request-id"]
    assert api.push_templated_messages_by_phone(request) is None
    assert line.control.state()["official_accounts"]["shop"]["sent_count"]["template"] == 2


def test_a_pending_or_blocked_send_is_accepted_but_not_delivered(line: Any, api: MessagingApi) -> None:
    assert api.push_messages_by_phone_with_http_info(text(TO["hanako"])).status_code == 200   # Flow A: waits
    assert api.push_messages_by_phone_with_http_info(text(TO["ken"])).status_code == 200      # blocked: nothing
    state = line.control.state()
    assert state["users"]["hanako"]["pending"] and not state["users"]["ken"]["chats"].get("shop")
    assert state["webhooks"] == []


@pytest.mark.parametrize("user", ["rin", "alex", None])
def test_422_for_no_user_a_foreign_number_or_rejected_consent(api: MessagingApi, user: str | None) -> None:
    status, body = refused(lambda: api.push_messages_by_phone(text(TO[user] if user else NOBODY)))
    assert (status, body.message, body.details) == (422, "Failed to send messages", None)


def test_400_names_the_property(api: MessagingApi) -> None:
    status, body = refused(lambda: api.push_messages_by_phone(text(TO["yuki"].upper())))
    assert status == 400
    assert [d.var_property for d in body.details] == ["to"]
    assert body.details[0].message == "The value must be a valid SHA-256 digest."
    status, body = refused(lambda: api.push_templated_messages_by_phone(
        PnpTemplatedMessageRequest(to=TO["yuki"], templateKey="no_such_template")))
    assert status == 400 and body.details[0].var_property == "templateKey"


def test_401_for_an_unknown_token(line: Any) -> None:
    config = Configuration(host=line.url, access_token="not-a-token")
    with ApiClient(config) as client:
        status, body = refused(lambda: MessagingApi(client).push_messages_by_phone(text(TO["yuki"])))
    assert status == 401
    assert body.message.startswith("Authentication failed due to the following reason: invalid token.")


def test_statistics_ready_after_the_utc9_day_ends_unready_before(line: Any, api: MessagingApi) -> None:
    api.push_messages_by_phone(text(TO["yuki"]))
    api.push_templated_messages_by_phone(PnpTemplatedMessageRequest(to=TO["yuki"], templateKey="payment_completed_ja"))
    today = "20260401"  # the demo world starts 2026-04-01 09:00 +09:00, clock frozen
    assert api.get_pnp_message_statistics(today).status == "unready"
    response = api.get_pnp_templated_message_statistics_with_http_info(today)
    assert (response.status_code, response.data.status, response.data.success) == (200, "unready", None)
    assert response.headers["x-line-request-id"]
    line.control.advance_to("2026-04-02T00:00:00+09:00")  # the UTC+9 day has ended
    flexible = api.get_pnp_message_statistics(today)
    template = api.get_pnp_templated_message_statistics(today)
    assert (flexible.status, flexible.success, template.status, template.success) == ("ready", 1, "ready", 1)
    assert api.get_pnp_message_statistics("20260402").status == "unready"
    assert api.get_pnp_message_statistics("20260331").success == 0
    assert api.get_pnp_message_statistics("20180330").status == "out_of_service"
    status, body = refused(lambda: api.get_pnp_message_statistics("20260230"))
    assert (status, body.message) == (400, "The value for the 'date' parameter is invalid")


# ---------------------------------------------------------------------- 403: an account not allowed templates

SHIPPED = {"to": TO["yuki"], "templateKey": "shipment_completed_ja",
           "body": {"emphasizedItem": {"itemKey": "date_002_ja", "content": "4月2日"},
                    "items": [{"itemKey": "number_001_ja", "content": "1234-5678"}]}}


def test_403_for_an_account_the_world_does_not_allow_templates() -> None:
    """`templates: not_allowed` in the world's official_accounts: LINE's 403, its body; flexible still 200."""
    from flowsim.sandbox.testing import sandbox

    world = {"name": "no templates", "start": "2026-04-01T09:00:00+09:00", "seed": 1,
             "official_accounts": {"shop": {"name": "Shop", "templates": "not_allowed"}},
             "users": {"yuki": {"phone": "+819011110004", "consent": "agreed", "sms_verified": "-1d"}}, "steps": [{"expect": {"sent_count": {"shop": {"template": 0}}}}]}
    with sandbox(world) as box, ApiClient(box.accounts["shop"].configuration()) as client:
        api = MessagingApi(client)
        request = PnpTemplatedMessageRequest.from_dict(SHIPPED)
        status, body = refused(lambda: api.push_templated_messages_by_phone(request, x_line_delivery_tag=TAG))
        assert (status, body.message, body.details) == (403, "Access to this API is not available for your account",
                                                         None)
        assert api.push_messages_by_phone_with_http_info(text(TO["yuki"])).status_code == 200
        state = box.control.state()
        assert state["official_accounts"]["shop"]["templates"] == "not_allowed"
        assert state["official_accounts"]["shop"]["sent_count"] == {"flexible": 1, "template": 0}
        assert [w["event"]["delivery"]["data"] for w in state["webhooks"]] == [TO["yuki"]]  # none for the 403
        (recorded,) = box.control.requests(status=403)
        assert recorded["path"] == "/v2/bot/message/pnp/templated/push" and recorded["oa"] == "shop"


def test_403_checked_before_the_body_and_settable_through_the_control_api(line: Any, api: MessagingApi) -> None:
    """PATCH templates: the setting is the engine's; it survives a reset; a malformed template is 403 too."""
    line.control.configure("shop", templates="not_allowed")
    try:
        status, body = refused(lambda: api.push_templated_messages_by_phone(
            PnpTemplatedMessageRequest.from_dict(dict(SHIPPED, templateKey="no_such_template"))))
        assert (status, body.message) == (403, "Access to this API is not available for your account")
        line.control.reset()
        assert line.control.state()["official_accounts"]["shop"]["templates"] == "not_allowed"
        status, _ = refused(lambda: api.push_templated_messages_by_phone(PnpTemplatedMessageRequest.from_dict(SHIPPED)))
        assert status == 403
        for bad in ("no", None, ["allowed"]):
            with pytest.raises(Exception) as caught:
                line.control.configure("shop", templates=bad)
            assert caught.value.status == 400  # type: ignore[attr-defined]
    finally:
        line.control.configure("shop", templates="allowed")
    response = api.push_templated_messages_by_phone_with_http_info(PnpTemplatedMessageRequest.from_dict(SHIPPED))
    assert response.status_code == 202
