"""``flowsim serve``: what it prints, stable tokens, and bad input as a message with exit 2."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from flowsim.cli import main
from flowsim.sandbox import Sandbox
from flowsim.sandbox.testing import DEMO_WORLD, load_world


def serve(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["serve", *args])
    return result.exit_code, result.stdout, result.stderr


def test_serve_prints_url_token_secret_webhook_and_a_configuration_line_then_serves(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "flowsim.cli", "serve", str(DEMO_WORLD), "--port", "0", "--frozen",
                             "--webhook", "http://127.0.0.1:9/callback"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        lines = []
        for out in proc.stdout:
            lines.append(out.rstrip("\n"))
            if out.startswith("Ctrl-C stops."):
                break
        text = "\n".join(lines)
        url = lines[0].split()[2]
        assert url.startswith("http://127.0.0.1:") and "clock frozen" in lines[0]
        account = Sandbox(load_world(DEMO_WORLD)).account("shop")
        assert f"channel access token  {account['token']}" in text
        assert f"channel secret        {account['secret']}" in text
        assert "webhook URL           http://127.0.0.1:9/callback" in text
        assert f'Configuration(host="{url}", access_token="{account["token"]}")' in text
        answer = httpx.get(f"{url}/v2/bot/message/delivery/pnp", params={"date": "20260331"},
                           headers={"Authorization": f"Bearer {account['token']}"})
        assert answer.json() == {"status": "ready", "success": 0}
        assert "GET /v2/bot/message/delivery/pnp shop → 200" in proc.stdout.readline()
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err


def test_tokens_and_secrets_are_the_same_on_every_start() -> None:
    first, second = (Sandbox(load_world(DEMO_WORLD)).account("shop") for _ in range(2))
    assert (first["token"], first["secret"]) == (second["token"], second["secret"])
    assert first["token"].startswith("flowsim-") and len(first["secret"]) == 32


def test_a_world_file_that_is_not_valid_is_a_message_and_exit_2(tmp_path: Path) -> None:
    world = tmp_path / "world.yaml"
    world.write_text("name: x\nofficial_accounts: {shop: {}}\nusers: {a: {phone: '+81'}}\nsteps: [{do: agree}]\n")
    code, out, err = serve(str(world))
    assert code == 2 and "is not a world flowsim can serve" in err and "Traceback" not in err + out
    code, _, err = serve(str(tmp_path / "missing.yaml"))
    assert code == 2 and "missing.yaml" in err


def test_a_world_whose_own_steps_fail_is_refused(tmp_path: Path) -> None:
    world = tmp_path / "world.yaml"
    world.write_text("name: x\nofficial_accounts: {shop: {}}\nusers: {a: {phone: '+819011110001'}}\n"
                     "steps: [{expect: {consent: agreed}}]\n")
    code, _, err = serve(str(world))
    assert code == 2 and "the world's own steps fail" in err and "consent" in err


def test_a_port_in_use_or_a_bad_webhook_is_a_message_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        code, _, err = serve("--port", str(taken.getsockname()[1]))
    assert code == 2 and "cannot listen on 127.0.0.1:" in err
    for bad in ("ftp://x", "nobody=http://x"):
        code, _, err = serve("--webhook", bad)
        assert code == 2 and "--webhook" in err


def test_flowsim_run_does_not_import_the_sandbox_stack() -> None:
    code = ("import sys; from click.testing import CliRunner; from flowsim.cli import main; "
            f"r = CliRunner().invoke(main, ['run', {str(DEMO_WORLD)!r}]); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('starlette', 'uvicorn', 'httpx', 'flowsim.sandbox') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_tui_serve_needs_a_world_file() -> None:
    for args in (["tui", "scenarios", "--serve"], ["tui", "no-such-world.yaml", "--serve"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and "Traceback" not in result.output


def test_tui_serve_prints_one_accurate_banner_once_the_tui_has_closed(monkeypatch: object) -> None:
    """Issue 13: it printed "clock following wall time" and "Ctrl-C stops." (hidden behind the TUI until it quit)
    while the sandbox's clock was frozen; now the banner comes after the TUI, as the state says."""
    import flowsim.sandbox.attach as attach

    class TuiThatQuitsAtOnce:
        sandbox = None

        def run(self) -> None:
            pass

    monkeypatch.setattr(attach, "serving_app", lambda *args, **kwargs: TuiThatQuitsAtOnce())  # type: ignore[attr-defined]
    code, out, err = serve(str(DEMO_WORLD), "--tui", "--port", "0", "--webhook", "http://127.0.0.1:9/callback")
    assert code == 0 and err == "" and out.count("flowsim sandbox: http://127.0.0.1:") == 1
    account = Sandbox(load_world(DEMO_WORLD)).account("shop")
    assert "clock frozen" in out.splitlines()[0] and account["token"] in out and account["secret"] in out
    assert "Ctrl-C" not in out and out.rstrip().endswith("stopped with the TUI.")
