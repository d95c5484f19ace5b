"""``flowsim serve --tui``: the TUI and the sandbox in one event loop, on the same phones."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from flowsim.sandbox.attach import serving_app
from flowsim.sandbox.server import base_url, bind
from flowsim.sandbox.testing import DEMO_WORLD, TEST_RETRY
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
                    assert app.query_one("#requests").rows[-1].endswith("POST /bot/pnp/push shop → 200")
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


# ---------------------------------------------------------------------- the Requests pane


async def _until(condition: object, seconds: float = 20.0) -> None:
    for _ in range(int(seconds / 0.01)):  # generous: a busy machine
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


def _backend(app: object, url: str) -> httpx.AsyncClient:
    """A backend's HTTP client with the shop's token."""
    token = app.sandbox.account("shop")["token"]  # type: ignore[attr-defined]
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {token}"})


PARCEL = {"to": TO["yuki"], "messages": [{"type": "text", "text": "Parcel"}]}  # Flow D: delivered at once


@asynccontextmanager
async def _served_demo() -> AsyncIterator[tuple[object, object, str]]:
    """The demo world's TUI serving the sandbox (no webhooks) on a free port, at 120x40 and ready:
    ``(app, pilot, url)``; the app quits and the socket closes afterwards."""
    sock = bind("127.0.0.1", 0)
    url = base_url(sock)
    try:
        app = serving_app(DEMO_WORLD, sock, url)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(lambda: app.sandbox is not None and app._server.started)
            yield app, pilot, url
            await app.action_quit()
    finally:
        sock.close()


def _rendered(pane: object) -> str:
    """What the pane draws (its lines as RichLog holds them, wrapped to its width), as one line of words."""
    drawn = " ".join("".join(segment.text for segment in strip) for strip in pane.lines)  # type: ignore[attr-defined]
    return " ".join(drawn.split())


def test_the_requests_pane_shows_each_request_as_it_arrives_with_its_key_and_command() -> None:
    from flowsim.tui.widgets.requests import RequestLog

    async def go() -> None:
        async with _served_demo() as (app, pilot, url):
            pane = app.query_one(RequestLog)
            assert pane.display and pane.region.height > 3  # its own row in the wide layout
            assert "Requests (x)" in {c.title for c in app.get_system_commands(app.screen)}
            async with _backend(app, url) as http:
                assert (await http.post("/bot/pnp/push", json=PARCEL)).status_code == 200
                await pilot.pause()
                assert pane.rows and pane.rows[-1].endswith("POST /bot/pnp/push shop → 200")
                refused = await http.post("/bot/pnp/push", json={"to": "nobody", "messages": []})
                assert refused.status_code == 400
                await pilot.pause()
                assert "POST /bot/pnp/push shop → 400 The request body has" in pane.rows[-1]
                assert "POST /bot/pnp/push shop → 200" in _rendered(pane)
                assert pane.border_subtitle == "2 requests · 0 webhook attempts"
            await pilot.press("x")
            assert app.focused is pane and app.pane == "requests"

    asyncio.run(go())


def test_the_requests_pane_shows_each_webhook_attempt_and_its_redelivery() -> None:
    from flowsim.tui.widgets.requests import RequestLog

    sock = bind("127.0.0.1", 0)
    url = base_url(sock)

    async def go() -> None:
        with Receiver(fail_first=1) as receiver:
            app = serving_app(DEMO_WORLD, sock, url, {"shop": receiver.url}, retry=TEST_RETRY)
            async with app.run_test(size=(80, 24)) as pilot:  # narrow: the pane is a side tab
                await _until(lambda: app.sandbox is not None and app._server.started)
                pane = app.query_one(RequestLog)
                await pilot.press("x")
                assert pane.display and app.query_one("#side-tabs").active == "tab-requests"
                async with _backend(app, url) as http:  # its delivery webhook fails once, then arrives
                    assert (await http.post("/bot/pnp/push", json=PARCEL)).status_code == 200
                await _until(lambda: len(receiver.received) == 2)
                await _until(lambda: pane.attempts == 2)
                await pilot.pause()
                first, second = pane.rows[-2:]
                assert "webhook delivery → shop #1 answered 500" in first and first.endswith("; retrying")
                assert "webhook delivery → shop #2 redelivery 200" in second and second.endswith("; delivered")
                assert "#2 redelivery 200" in _rendered(pane)
                await app.action_quit()

    asyncio.run(go())
    sock.close()


def test_the_url_token_and_secret_are_on_screen_while_the_tui_serves() -> None:
    """Issue 13: the banner was only printed after the TUI quit; the header cut the URL at 120 columns."""
    sock = bind("127.0.0.1", 0)  # --port 0: the port is known only now
    url = base_url(sock)

    async def go() -> None:
        app = serving_app(DEMO_WORLD, sock, url, world_name="demo.yaml")
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(lambda: app.sandbox is not None and app._server.started)
            await pilot.pause()
            assert app.sub_title.startswith(f"LINE sandbox {url}")
            assert app.query_one("#requests").border_title == f"Requests · {url}"
            account = app.sandbox.account("shop")
            await pilot.press("k")
            await pilot.pause()
            shown = str(app.screen.query_one("#sandbox-info").render())
            assert url in shown and account["token"] in shown and account["secret"] in shown
            assert "clock frozen" in shown and "Ctrl-C" not in shown
            await pilot.press("escape")
            await pilot.pause()
            assert not app.screen.query("#sandbox-info")
            await app.action_quit()

    asyncio.run(go())
    sock.close()


def test_a_push_refused_before_the_engine_after_a_control_api_change_is_no_step() -> None:
    """Whether a push is a ``send`` step is decided per request (the engine logged its call), not by
    "something changed the simulation since": a control-API step before a refused push is no send."""
    async def go() -> None:
        async with _served_demo() as (app, pilot, url):
            async with _backend(app, url) as http:
                assert (await http.post("/_flowsim/steps", json={"advance": "1h"})).status_code == 200
                refused = await http.post("/bot/pnp/push", json={**PARCEL, "notificationDisabled": "yes"})
                assert refused.status_code == 400  # the sandbox's own check: the engine never saw it
                await pilot.pause()
                assert app.session.explored == []
                _data, problems = app.session.saved_data()
                assert any("made over HTTP" in problem for problem in problems)
                assert (await http.post("/bot/pnp/push", json=PARCEL)).status_code == 200
                await pilot.pause()
                assert len(app.session.explored) == 1  # a push the engine handled is still a step

    asyncio.run(go())
