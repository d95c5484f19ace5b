"""The ``flowsim tui`` command.  Textual is imported inside the function only."""

from __future__ import annotations

import gc
from pathlib import Path

import click


@click.command("tui")
@click.argument("path", required=False, default="scenarios", type=click.Path(path_type=Path))
@click.option("--theme", default="flowsim", show_default=True, help="flowsim, flowsim-light or any Textual theme.")
@click.option("--serve", is_flag=True, help="Also serve LINE's API over the world PATH (a file), as "
                                            "`flowsim serve PATH --tui` does (docs/sandbox.md).")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="With --serve.")
@click.pass_context
def tui(ctx: click.Context, path: Path, theme: str, serve: bool, port: int) -> None:
    """Step through scenario files under PATH, watch each user's phone, explore and save.

    With no scenario files under PATH, opens a built-in world (one official
    account, three users in different states).
    """
    if not path.exists() and ctx.get_parameter_source("path") is not click.core.ParameterSource.DEFAULT:
        # A PATH given that is not there is a typo, not a wish for the built-in world.
        raise click.BadParameter(f"{path} does not exist", param_hint="PATH")
    if serve:
        from flowsim.sandbox.command import serve as serve_command

        if path.is_dir():
            raise click.BadParameter(f"{path} is a directory; --serve needs a world file", param_hint="PATH")

        ctx.invoke(serve_command, world=str(path), port=port, tui=True)
        return
    # Importing Textual, pydantic and the engine, and loading the first
    # scenario, allocate a few hundred thousand long-lived objects; Python's
    # collector would walk them again and again on the way (measured: the
    # imports take 8-20 % longer with it on).  The app freezes what exists
    # when it is built (FlowsimApp.__init__), so the collector resumes with
    # nothing of that to walk.
    gc.disable()
    try:
        from .app import FlowsimApp

        app = FlowsimApp(path, theme=theme)
    finally:
        gc.enable()
    app.run()
