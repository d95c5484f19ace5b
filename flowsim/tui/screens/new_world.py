"""The new-world form: a name, a template, official accounts (id, name) and users (id, phone, created).

Choosing a template fills the rows with its accounts and users, and an
empty row under each; rows can be changed, added (**+ account**, **+ user**)
or emptied (a row without an id is left out).  **Create** checks the world (``world.check_world``: the
scenario loader and the simulator's set-up) and stays open with the reason
when it is refused, so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import AwaitMount
from textual.widgets import Button, Input, Label, Select, Static

from ..world import world_from_rows
from .forms import refused


class NewWorldForm(ModalScreen[dict[str, Any] | None]):
    """Returns the new world as scenario data without steps (None: cancelled)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    AUTO_FOCUS = "#world-name"

    def __init__(self, templates: dict[str, tuple[str, dict[str, Any]]], check: Callable[[dict[str, Any]], str | None],
                 template: str = "demo") -> None:
        super().__init__()
        self.templates = templates
        self.check = check
        self.template = template if template in templates else next(iter(templates))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="world-form", classes="form"):
            yield Static("A new world to explore", classes="form-title")
            yield Label("Name")
            yield Input("New world", id="world-name", compact=True)
            yield Label("Start from")
            yield Select([(label, key) for key, (label, _) in self.templates.items()], value=self.template,
                         allow_blank=False, id="world-template", compact=True)
            yield Label("Official accounts: id, name")
            yield Vertical(id="world-oas", classes="world-rows")
            yield Button("+ account", id="world-add-oa", compact=True)
            yield Label("Users: id, phone number, created (e.g. -3y, -30d; empty: 3 years ago)")
            yield Vertical(id="world-users", classes="world-rows")
            yield Button("+ user", id="world-add-user", compact=True)
            yield Static("", id="world-error")
            with Horizontal(classes="form-buttons"):
                yield Button("Create", id="world-ok", variant="primary", compact=True)
                yield Button("Cancel", id="world-cancel", compact=True)

    def on_mount(self) -> None:
        self._fill(self.template)

    def _fill(self, key: str) -> None:
        """The rows of template ``key``: its accounts and users, and an empty row under each to type into."""
        self.template = key
        world = self.templates[key][1]
        for box in self.query(".world-rows"):
            box.remove_children()
        for oa_id, spec in (world.get("official_accounts") or {}).items():
            self._add_row("world-oas", oa_id, (spec or {}).get("name") or "")
        for user_id, spec in (world.get("users") or {}).items():
            spec = spec or {}
            self._add_row("world-users", user_id, spec.get("phone") or "", str(spec.get("created") or ""))
        # There from the start: keys typed at once land in it (a row the + button mounts takes a moment).
        self._add_row("world-oas")
        self._add_row("world-users")

    def _add_row(self, where: str, *values: str) -> tuple[AwaitMount, Input]:
        """A row of fields at the end of ``where``: its mount, and its first field (the id)."""
        placeholders = ("id", "name") if where == "world-oas" else ("id", "phone number", "created")
        fields = [Input(value, placeholder=hint, compact=True, classes=f"cell-{hint.split()[0]}")
                  for value, hint in zip([*values, "", "", ""], placeholders)]
        return self.query_one(f"#{where}").mount(Horizontal(*fields, classes="world-row")), fields[0]

    def rows(self, where: str) -> list[tuple[str, ...]]:
        return [tuple(field.value for field in row.query(Input)) for row in self.query_one(f"#{where}").children]

    def world(self) -> dict[str, Any]:
        """The world the fields describe now."""
        accounts = [(row[0], row[1]) for row in self.rows("world-oas")]
        users = [(row[0], row[1], row[2]) for row in self.rows("world-users")]
        return world_from_rows(self.query_one("#world-name", Input).value, self.templates[self.template][1],
                               accounts, users)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "world-template" and event.value != self.template:
            self._fill(str(event.value))

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        button = event.button.id
        if button in ("world-add-oa", "world-add-user"):
            mounted, first = self._add_row("world-oas" if button == "world-add-oa" else "world-users")
            await mounted
            first.focus()  # the keys typed next are the new row's id
        elif button == "world-ok":
            self._create()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._create()

    def _create(self) -> None:
        world = self.world()
        if not refused(self.query_one("#world-error", Static), self.check(world)):
            self.dismiss(world)
