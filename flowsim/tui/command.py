"""The ``flowsim tui`` command.  Textual is imported inside the function only."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("tui")
@click.argument("path", required=False, default="scenarios", type=click.Path(path_type=Path))
@click.option("--theme", default="flowsim", show_default=True, help="flowsim, flowsim-light or any Textual theme.")
def tui(path: Path, theme: str) -> None:
    """Step through scenario files under PATH, watch each user's phone, explore and save.

    With no scenario files under PATH, opens a built-in world (one official
    account, three users in different states).
    """
    from .app import FlowsimApp

    FlowsimApp(path, theme=theme).run()
