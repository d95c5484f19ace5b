"""Flows A-D end to end over HTTP: the backend sends with the SDK, the control API plays the user,
the receiver gets the signed delivery webhook with the request's tag."""

from __future__ import annotations

from typing import Any

import pytest
from linebot.v3.messaging import ApiClient, MessagingApi, PnpMessagesRequest, TextMessage
from linebot.v3.webhooks import PnpDeliveryCompletionEvent

from .conftest import TO, events_of
from .receiver import Receiver

FLOWS = {
    # user, the taps that deliver, what the LINE chat shows on arrival
    "A": ("hanako", [{"do": "open_consent"}, {"do": "agree"}], ["received", "setup"]),
    "B": ("taro", [{"do": "open_consent"}, {"do": "agree"}, {"do": "open_phone_auth"}, {"do": "send_sms"},
                   {"do": "confirm_sms"}, {"do": "enter_pin", "pin": "last"}], ["received", "setup"]),
    "C": ("jiro", [{"do": "open_phone_auth"}, {"do": "send_sms"}, {"do": "confirm_sms"},
                   {"do": "enter_pin", "pin": "last"}], ["received", "phone_auth"]),
    "D": ("yuki", [], ["received"]),
}


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_flow_end_to_end_through_http(line: Any, receiver: Receiver, flow: str) -> None:
    user, taps, on_arrival = FLOWS[flow]
    tag = f"flow-{flow}-order-000123"
    with ApiClient(line.accounts["shop"].configuration()) as client:
        sent = MessagingApi(client).push_messages_by_phone_with_http_info(
            PnpMessagesRequest(to=TO[user], messages=[TextMessage(text=f"Flow {flow}: your parcel")]),
            x_line_delivery_tag=tag)
    assert sent.status_code == 200
    line.control.expect(user, line_chat=on_arrival)
    if taps:
        line.control.wait_for_webhooks()
        assert receiver.received == []          # nothing delivered before the user acts
        line.control.steps(*({**tap, "user": user} for tap in taps))
    line.control.expect(user, chats={"shop": [{"notification": {"text": f"Flow {flow}: your parcel"}}]},
                        webhooks={"shop": [{"type": "delivery", "data": tag}]})
    line.control.wait_for_webhooks()
    (received,) = receiver.received
    (event,) = events_of(received, line.secrets["shop"])
    assert isinstance(event, PnpDeliveryCompletionEvent) and event.delivery.data == tag
