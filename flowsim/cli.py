"""The ``flowsim`` command line.

Sub-commands are loaded lazily (click's documented "lazy group" pattern) so
that ``flowsim run`` never imports Textual, and each front end owns its own
command module:

* ``hash`` — here;
* ``run``, ``validate``, ``schema`` — :mod:`flowsim.scenario.commands`;
* ``coverage`` — :mod:`flowsim.model.coverage` (measured from the engine's log);
* ``tui`` — :mod:`flowsim.tui.command`;
* ``serve`` — :mod:`flowsim.sandbox.command`;
* ``graph``, ``explore``, ``generate`` — :mod:`flowsim.model` (the model tools).
"""

from __future__ import annotations

import importlib
import sys

import click

#: command name → "module:attribute" of its click command.
LAZY_COMMANDS: dict[str, str] = {
    "run": "flowsim.scenario.commands:run",
    "validate": "flowsim.scenario.commands:validate",
    "schema": "flowsim.scenario.commands:schema",
    "coverage": "flowsim.model.coverage:coverage",
    "tui": "flowsim.tui.command:tui",
    "serve": "flowsim.sandbox.command:serve",
    "graph": "flowsim.model.graph:graph",
    "explore": "flowsim.model.explore:explore_command",
    "generate": "flowsim.model.generate:generate",
}


class LazyGroup(click.Group):
    """A group whose commands are imported only when used (or listed by ``--help``)."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module_name, attribute = self.lazy[name].split(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name and exc.name.startswith("flowsim"):
                    return None  # that front end is not built yet
                raise
            return getattr(module, attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="flowsim")
def main() -> None:
    """Simulate LINE notification message flows: engine, scenario files, TUI."""


@main.command("hash")
@click.argument("number")
@click.option("--region", default="JP", show_default=True, help="Region for numbers written without +country code.")
def hash_command(number: str, region: str) -> None:
    """Print NUMBER's E.164 form and the SHA-256 that LINE's API takes as `to` (R1, R3)."""
    from .engine import FlowsimError, hash_number, normalise, phone
    from .scenario.terminal import printable

    try:
        e164 = normalise(number, region)
    except FlowsimError as exc:  # not a number, or junk such as a --region that is not text
        click.echo(printable(f"flowsim hash: {exc}"), err=True)
        sys.exit(2)
    if not phone.is_e164(number):
        raw = hash_number(number)
        click.echo(
            f"warning: {number!r} is not in E.164 form; LINE matches only the hash of {e164!r}.\n"
            f"         (hashing the input as typed would give {raw[:12]}…, which matches nobody)",
            err=True,
        )
    click.echo(e164)
    click.echo(hash_number(e164))


if __name__ == "__main__":  # pragma: no cover
    main()
