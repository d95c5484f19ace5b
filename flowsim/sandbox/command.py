"""``flowsim serve [WORLD.yaml]``: the sandbox in the foreground, with what a backend needs printed.

Only click is imported here; Starlette, uvicorn and the engine are imported
when the command runs, so ``flowsim --help`` and ``flowsim run`` never pay
for them.
"""

from __future__ import annotations

import sys
from typing import Any

import click


def _fail(message: str) -> None:
    click.echo(f"flowsim serve: {message}", err=True)
    sys.exit(2)


def _webhook_settings(values: tuple[str, ...], accounts: list[str]) -> dict[str, str]:
    """``--webhook URL`` (every account) or ``--webhook OA=URL``."""
    out: dict[str, str] = {}
    for value in values:
        oa, sep, url = value.partition("=")
        if not sep or oa.startswith(("http://", "https://")):
            oa, url = "", value
        if not url.startswith(("http://", "https://")):
            _fail(f"--webhook {value!r}: expected an http(s) URL, or OA=URL")
        if oa and oa not in accounts:
            _fail(f"--webhook {value!r}: the world has no official account {oa!r} (it has: {', '.join(accounts)})")
        for target in [oa] if oa else accounts:
            out[target] = url
    return out


def banner(url: str, box: Any, world: str, ending: str = "Ctrl-C stops.") -> str:
    """What ``flowsim serve`` prints on start: the base URL, then per account what a backend needs.

    ``ending`` is the last line (with the TUI: how to close it, or that the sandbox stopped with it).
    """
    lines = [f"flowsim sandbox: {url}   (world: {world}; clock {box.clock.mode}, now {box.sim.now.isoformat()})", ""]
    for oa in box.channels:
        info = box.account(oa)
        lines += [
            f"official account {oa} ({info['name']}, {info['country']})",
            f"  channel access token  {info['token']}",
            f"  channel secret        {info['secret']}",
            f"  webhook URL           {info['webhook'] or '(none: pass --webhook URL, or PATCH /_flowsim/accounts/' + oa + ')'}",
            f"  redelivery            {'on' if info['redelivery'] else 'off'}",
            f"  templates             {info['templates'].replace('_', ' ')}",
            f'  Configuration(host="{url}", access_token="{info["token"]}")',
            "",
        ]
    lines += [f"control API: {url}/_flowsim/ (steps, state, requests, webhooks, reset, health); docs/sandbox.md",
              ending]
    return "\n".join(lines)


@click.command("serve")
@click.argument("world", required=False, type=click.Path(dir_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0: any free port, printed).")
@click.option("--frozen", is_flag=True, help="Keep the simulated clock still until the control API moves it "
                                             "(default: it follows wall time from the world's start).")
@click.option("--webhook", "webhooks", multiple=True, metavar="[OA=]URL",
              help="Webhook URL of every official account, or of one (repeatable).")
@click.option("--no-redelivery", is_flag=True, help="Do not redeliver failed webhooks (LINE's default setting).")
@click.option("--allow-remote-control", is_flag=True, help="Serve /_flowsim/ to other hosts than loopback too.")
@click.option("--catalogue", type=click.Path(dir_okay=False), default=None,
              help="Extra template catalogue (TOML) added to the shipped one (R29).")
@click.option("--quiet", is_flag=True, help="Do not print a line per request and per webhook attempt.")
@click.option("--tui", is_flag=True, help="Open the TUI on the same world: tap through the flows on the phones "
                                          "while a backend sends (the TUI's clock; requests shown as they come).")
def serve(world: str | None, host: str, port: int, frozen: bool, webhooks: tuple[str, ...], no_redelivery: bool,
          allow_remote_control: bool, catalogue: str | None, quiet: bool, tui: bool) -> None:
    """Serve LINE's notification-message API on localhost over WORLD (a scenario file; default: a demo world)."""
    from flowsim.scenario import ScenarioFileError
    from flowsim.scenario.commands import load_catalogue

    from .testing import DEMO_WORLD, load_world
    from .world import Sandbox, WorldError

    try:
        scenario = load_world(world)
    except ScenarioFileError as exc:
        _fail(f"{world} is not a world flowsim can serve:\n{exc.report()}")
    except OSError as exc:  # a directory, say, when another command hands its PATH on
        _fail(f"cannot read {world}: {exc.strerror or exc}")
    try:
        cat = load_catalogue(catalogue)
    except Exception as exc:  # noqa: BLE001 - CatalogueError and OS errors alike: bad input
        _fail(f"--catalogue {catalogue}: {exc}")
    try:  # with the TUI the sandbox's clock is frozen: the TUI's keys and the control API move it
        box = Sandbox(scenario, frozen=frozen or tui, redelivery=not no_redelivery, catalogue=cat,
                      allow_remote_control=allow_remote_control)
    except WorldError as exc:
        _fail(str(exc))
    for oa, url in _webhook_settings(webhooks, list(box.channels)).items():
        box.configure(oa, webhook=url)

    from .app import create_app
    from .server import base_url, bind, run

    try:
        sock = bind(host, port)
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    url = base_url(sock)
    name = world or f"{DEMO_WORLD.name} (the demo world)"
    if host not in ("127.0.0.1", "::1", "localhost"):
        click.echo(f"warning: listening on {host}: LINE's endpoints are reachable from other hosts"
                   + ("" if allow_remote_control else " (the control API stays loopback-only)"), err=True)
    if tui:  # the TUI shows the banner (key k); it is printed once the TUI has closed
        _serve_with_tui(world, sock, url, box, cat, name)
        return
    click.echo(banner(url, box, name))
    if not quiet:
        _log_traffic(box)
    sys.stdout.flush()
    try:
        run(create_app(box), sock)
    except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C once it has shut down cleanly
        pass
    click.echo("flowsim sandbox stopped.")


def _serve_with_tui(world: str | None, sock: Any, url: str, box: Any, catalogue: Any, name: str) -> None:
    """The TUI on the same world, serving the sandbox in its event loop (flowsim/sandbox/attach.py)."""
    from pathlib import Path

    from .attach import serving_app
    from .testing import DEMO_WORLD

    webhooks = {oa: channel.webhook for oa, channel in box.channels.items() if channel.webhook}
    app = serving_app(Path(world) if world else DEMO_WORLD, sock, url, webhooks, redelivery=box.redelivery,
                      allow_remote_control=box.allow_remote_control, catalogue=catalogue, world_name=name)
    app.run()
    click.echo(banner(url, app.sandbox or box, name, f"flowsim sandbox on {url} stopped with the TUI."))


def _log_traffic(box: Any) -> None:
    def on_request(entry: Any) -> None:
        said = "" if entry.status < 300 else f" {entry.answer.get('message', '')}"
        click.echo(f"{entry.sim_at:%Y-%m-%d %H:%M:%S} {entry.method} {entry.path} {entry.oa or '-'} → "
                   f"{entry.status}{said}")

    def on_attempt(delivery: Any, attempt: Any) -> None:
        result = attempt.status if attempt.error is None else attempt.error
        again = " (redelivery)" if attempt.redelivery else ""
        click.echo(f"webhook {delivery.channel.oa} {delivery.event['type']} {delivery.event_id}{again} → "
                   f"{result} in {attempt.ms:.0f} ms; {delivery.state}")

    box.request_listeners.append(on_request)
    box.sender.listeners.append(on_attempt)
