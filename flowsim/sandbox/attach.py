"""The sandbox and the TUI in one event loop (``flowsim serve --tui WORLD.yaml``).

The TUI owns the run (its session: the person steps, taps, moves the clock,
restarts or opens another file); the sandbox serves whatever run the TUI
has now (:class:`TuiSource`), so a backend's sends land on the phones the
person is looking at, and what the person taps is what the backend's
webhooks report.  Each request and each webhook attempt is a row of the
Requests pane (``flowsim/tui/widgets/requests.py``; key ``x``, the palette,
the side tabs) as it happens; a refused request and a failed attempt are
also a notification; the panes are repainted after every request.

Decisions: the clock is the TUI's (frozen for the sandbox: the person's
clock keys and the control API move it); the world's own steps are the
TUI's to step through, not run first.
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import socket
from pathlib import Path
from typing import Any

from . import line
from .app import create_app
from .world import RecordedRequest, Sandbox


class TuiSource:
    """The run of the TUI's current session, as the sandbox's :class:`~flowsim.sandbox.world.RunSource`."""

    def __init__(self, app: Any) -> None:
        self.app = app

    @property
    def run(self) -> Any:
        return self.app.session.run

    def restart(self) -> None:
        self.app.session.restart()
        self.app.call_later(self.app.refresh_all)


def serving_app(world: Path, sock: socket.socket, url: str, webhooks: dict[str, str] | None = None,
                world_name: str | None = None, **options: Any) -> Any:
    """A :class:`flowsim.tui.app.FlowsimApp` that also serves the sandbox on ``sock`` once it is ready.

    ``webhooks`` gives official accounts their webhook URL; ``options`` are :class:`Sandbox`'s.
    Key ``k`` shows what ``flowsim serve`` prints (:func:`~flowsim.sandbox.command.banner`): the URL and
    each account's token and secret; the Requests pane's title and the header keep the URL.
    """
    import uvicorn

    gc.disable()  # as `flowsim tui` does: the imports allocate many long-lived objects
    try:
        from textual.binding import Binding
        from textual.screen import ModalScreen
        from textual.widgets import Static, Tab, Tabs

        from flowsim.tui.app import PANES, FlowsimApp
        from flowsim.tui.widgets.requests import RequestLog
    finally:
        gc.enable()

    from .command import banner

    class SandboxInfo(ModalScreen[None]):
        """Key ``k``: the banner ``flowsim serve`` prints, while the TUI runs (select with the mouse to copy)."""

        DEFAULT_CSS = """
        SandboxInfo { align: center middle; }
        SandboxInfo > Static { width: auto; max-width: 100%; height: auto; padding: 0 1;
                               border: round $accent; background: $panel; }
        """
        BINDINGS = [Binding("escape,k,q", "dismiss", "Close")]

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

        def compose(self) -> Any:
            yield Static(self.text, markup=False, id="sandbox-info")

    class ServingApp(FlowsimApp):
        # Textual reads CSS_PATH next to the class's own module: point it back at the TUI's.
        CSS_PATH = str(Path(inspect.getfile(FlowsimApp)).with_name(str(FlowsimApp.CSS_PATH)))
        BINDINGS = [*FlowsimApp.BINDINGS,
                    Binding("x", "show_pane('requests')", "Requests",
                            tooltip="The sandbox's requests and webhook attempts, as they happen"),
                    Binding("k", "sandbox_info", "Sandbox",
                            tooltip="The sandbox's URL, and each official account's token and secret")]
        sandbox: Sandbox | None = None

        async def on_mount(self) -> None:
            """The Requests pane: a fourth row on the right (wide), a side tab (narrow)."""
            main = self.query_one("#main")
            main.add_class("-serving")
            pane = RequestLog(id="requests", classes="pane")
            pane.border_title = f"Requests · {url}"
            await main.mount(pane)
            await self.query_one("#side-tabs", Tabs).add_tab(Tab("Requests", id="tab-requests"))

        async def _use(self, session: Any, path: Path | None) -> None:
            """Another file, a new world, a restart: the header keeps the URL (first, so never cut)."""
            await super()._use(session, path)
            self.sub_title = f"LINE sandbox {url} · {session.name}"

        def refresh_all(self) -> None:
            """After every change the TUI makes (a tap, a step, a clock key): its webhooks go out."""
            if self.sandbox is not None:
                self.sandbox.sync()
            super().refresh_all()

        def action_show_pane(self, pane: str) -> None:
            self.query_one("#main").set_class(pane == "requests", "-pane-requests")
            super().action_show_pane(pane)

        def action_next_pane(self) -> None:
            panes = (*PANES, "requests")
            self.action_show_pane(panes[(panes.index(self.pane) + 1) % len(panes)])

        def on_ready(self) -> None:
            self.sandbox = box = Sandbox(None, source=TuiSource(self), frozen=True, **options)
            for oa, webhook in (webhooks or {}).items():
                if oa in box.channels:
                    box.configure(oa, webhook=webhook)
            box.request_listeners.append(self._show_request)
            box.sender.listeners.append(self._show_attempt)
            inner = create_app(box)

            async def repainting(scope: Any, receive: Any, send: Any) -> None:
                await inner(scope, receive, send)
                if scope["type"] == "http":
                    self._repaint_soon()

            config = uvicorn.Config(repainting, lifespan="on", log_level="warning", access_log=False)
            self._server = uvicorn.Server(config)
            self._server_task = asyncio.ensure_future(self._server.serve(sockets=[sock]))
            self.notify(f"LINE sandbox on {url} — k: the URL and each account's token and secret "
                        f"(also GET {url}/_flowsim/state, official_accounts)", title="flowsim serve", timeout=10)

        def info_text(self) -> str:
            """What key ``k`` shows: :func:`banner` for this sandbox, now."""
            assert self.sandbox is not None
            return banner(url, self.sandbox, world_name or str(world), "Escape or k closes this; q in the TUI "
                          "stops the sandbox with it.")

        def action_sandbox_info(self) -> None:
            if self.sandbox is None:
                self.notify("The sandbox is starting", timeout=2)
                return
            self.push_screen(SandboxInfo(self.info_text()))

        _repaint_pending = False

        def _repaint_soon(self) -> None:
            if not self._repaint_pending:
                self._repaint_pending = True
                self.call_later(self._repaint)

        def _repaint(self) -> None:
            self._repaint_pending = False
            self.refresh_all()

        def _show_request(self, entry: RecordedRequest) -> None:
            self._record_send(entry)
            said = entry.answer.get("message") if entry.status >= 300 and isinstance(entry.answer, dict) else None
            self.query_one(RequestLog).add_request(entry.at.astimezone(), entry.method, entry.path, entry.oa,
                                                   entry.status, said)
            if entry.status >= 400:
                self.notify(f"{entry.method} {entry.path} {entry.oa or '-'} → {entry.status} {said or ''}",
                            title="LINE API", severity="warning", timeout=4)

        def _record_send(self, entry: RecordedRequest) -> None:
            """A backend's send is a ``send`` step of the TUI's run, so that ctrl+s saves a file that repeats it
            (only if the engine handled this request, ``entry.engine_sent``: ``Session.record_http_send``)."""
            body, tag = entry.body, entry.headers.get("x-line-delivery-tag")
            if entry.oa is None or not isinstance(body, dict) or entry.method != "POST":
                return
            if entry.path == line.PUSH:
                spec = {"from": entry.oa, "to": body.get("to"), "messages": body.get("messages"), "tag": tag}
            elif entry.path == line.TEMPLATED_PUSH:
                spec = {"from": entry.oa, "to": body.get("to"),
                        "template": {"key": body.get("templateKey"), "body": body.get("body")}, "tag": tag}
            else:
                return
            self.session.record_http_send(spec, handled=entry.engine_sent)

        def _show_attempt(self, delivery: Any, attempt: Any) -> None:
            self.query_one(RequestLog).add_attempt(
                attempt.at.astimezone(), delivery.event["type"], delivery.channel.oa, attempt.number,
                attempt.redelivery, attempt.status, attempt.error, attempt.ms, delivery.state)
            if not attempt.ok:
                result = attempt.status if attempt.error is None else attempt.error
                again = " (redelivery)" if attempt.redelivery else ""
                self.notify(f"{delivery.event['type']} → {delivery.channel.oa}{again}: {result}; {delivery.state}",
                            title="webhook", severity="warning", timeout=4)
            self._repaint_soon()

        async def action_quit(self) -> None:
            server = getattr(self, "_server", None)
            if server is not None:
                server.should_exit = True
                await self._server_task
            await super().action_quit()

    return ServingApp(world)
