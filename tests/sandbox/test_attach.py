"""``flowsim serve --tui``: the TUI and the sandbox in one event loop, on the same phones."""

from __future__ import annotations

import asyncio

import httpx

from flowsim.sandbox.attach import serving_app
from flowsim.sandbox.server import base_url, bind
from flowsim.sandbox.testing import DEMO_WORLD
from flowsim.tui.widgets.phone import PhoneAction

from .conftest import TO
from .receiver import Receiver


def test_a_backends_send_lands_on_the_tuis_phone_and_the_persons_taps_send_its_webhook() -> None:
    sock = bind("127.0.0.1", 0)
    url = base_url(sock)

    async def go() -> None:
        with Receiver() as receiver:
            app = serving_app(DEMO_WORLD, sock, url, {"shop": receiver.url})
            async with app.run_test(size=(120, 40)) as pilot:
                for _ in range(2000):
                    if app.sandbox is not None and app._server.started:
                        break
                    await asyncio.sleep(0.01)
                token = app.sandbox.account("shop")["token"]
                async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"}) as http:
                    sent = await http.post("/bot/pnp/push", json={
                        "to": TO["hanako"], "messages": [{"type": "text", "text": "Parcel"}]})
                    assert sent.status_code == 200
                    await pilot.pause()
                    assert [m.kind for m in app.session.sim.user("hanako").chats["LINE"]] == ["received", "setup"]
                    assert any("POST /bot/pnp/push shop → 200" in n.message for n in app._notifications)
                    app.user_id = "hanako"
                    for action in ("open_consent", "agree"):  # the person taps on the phone
                        app.post_message(PhoneAction(action))
                        await pilot.pause()
                    for _ in range(2000):  # up to 20 s on a busy machine
                        if receiver.received:
                            break
                        await asyncio.sleep(0.01)
                    assert b'"type":"delivery"' in receiver.received[0].body
                    state = (await http.get("/_flowsim/state")).json()
                    assert state["users"]["hanako"]["consent"] == "agreed"
                await app.action_quit()

    asyncio.run(go())
    sock.close()
