"""The flowsim TUI: step through scenario files, watch the phones, explore and save.

Layout (``flowsim.tcss``): at 110 columns and more, three columns — library
over steps · the phone · inspector, event log and assertions.  Below that
the phone stays on the left and the other panes become tabs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import re
import threading
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Awaitable, Callable, Iterable, cast

from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Container
from textual.events import Resize
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import AwaitMount, Widget
from textual.widgets import Header, OptionList, Tab, Tabs

from flowsim.engine import FlowsimError

from .screens.forms import Confirm, Prompt, SendForm
from .editing import ExploredStepCommands
from .session import ScenarioUnavailable, Session, find_scenarios, parse_time
from .trail import EXPLORED, FILE
from .widgets.assertions import AssertionPanel
from .widgets.eventlog import EventLog
from .widgets.footer import KeyFooter
from .widgets.inspector import Inspector
from .widgets.library import Library
from .widgets.pane_log import PaneLog
from .widgets.phone import Phone, PhoneAction
from .widgets.status import StatusLine
from .widgets.steps import StepList

if TYPE_CHECKING:
    from textual.widgets._tabs import Underline  # Textual does not export it

#: Seconds a step's frame waits at most for the widgets it mounts (see ``_hold_frames_until_mounted``).
MOUNT_WAIT = 0.5

PANES = ("steps", "library", "inspector", "events", "assertions")
PANE_TITLES = {"steps": "Steps", "library": "Library", "inspector": "Inspector", "events": "Events",
               "assertions": "Assert"}

#: LINE's green on a dark background.
FLOWSIM_THEME = Theme(
    name="flowsim",
    primary="#06C755",
    secondary="#4CC764",
    accent="#FFB300",
    warning="#FFB300",
    error="#E5484D",
    success="#06C755",
    foreground="#E6E6E6",
    background="#14171A",
    surface="#1C2024",
    panel="#252A30",
    dark=True,
)
FLOWSIM_LIGHT_THEME = Theme(
    name="flowsim-light",
    primary="#06A046",
    secondary="#2E9E4F",
    accent="#C77700",
    warning="#C77700",
    error="#C62828",
    success="#06A046",
    foreground="#1B1F23",
    background="#F4F6F5",
    surface="#FFFFFF",
    panel="#E3E8E5",
    dark=False,
)


def display_path(path: Path) -> str:
    """``path`` as a person would write it: relative to the working directory when under it, ``~`` for home.

    Never the absolute checkout path, which differs between machines (and would
    make the screen, and its snapshots, depend on where the project lives).
    """
    absolute = path.resolve()
    for base, name in ((Path.cwd(), "."), (Path.home(), "~")):
        if absolute == base:
            return name
        if absolute.is_relative_to(base):
            relative = str(absolute.relative_to(base))
            return relative if name == "." else f"~/{relative}"
    return str(absolute)


def folder_name(folder: Path) -> str:
    """A folder as a person reads it: ``~/…`` under home, else absolute (never ``.``)."""
    absolute, home = folder.resolve(), Path.home()
    if absolute == home or absolute.is_relative_to(home):
        return "~" + str(absolute)[len(str(home)):]
    return str(absolute)


class FlowsimApp(ExploredStepCommands, App[None]):
    """``flowsim tui [PATH]``."""

    CSS_PATH = "flowsim.tcss"
    TITLE = "flowsim"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    AUTO_FOCUS = "#steps"

    BINDINGS = [
        Binding("n", "next_step", "Step", tooltip="Run the next step of the scenario"),
        Binding("r", "run_all", "Run all", tooltip="Run every remaining step"),
        Binding("f", "run_to_failure", "To failure", tooltip="Run until a step fails"),
        Binding("R", "restart", "Restart", tooltip="Back to the start of the scenario"),
        Binding("j", "jump", "Jump", tooltip="Make the highlighted step the next one"),
        Binding("h", "advance('1h')", "+1h"),
        Binding("d", "advance('1d')", "+1d"),
        Binding("H", "advance('24h')", "+24h"),
        Binding("w", "advance('7d')", "+7d"),
        Binding("m", "advance('180d')", "+180d"),
        Binding("t", "set_date", "Set date", tooltip="Move the clock to a date and time"),
        Binding("u", "next_user", "User", tooltip="Show the next user's phone"),
        Binding("U", "prev_user", "Prev user", tooltip="Show the previous user's phone"),
        Binding("c", "next_chat", "Chat", tooltip="Next chat / SMS / Settings on the phone"),
        Binding("o", "focus_phone", "Phone", tooltip="Keys to the phone: its screen, else the next Set button"),
        Binding("s", "send", "Send", tooltip="An official account sends a message"),
        Binding("z", "undo", "Undo", tooltip="Take the last explored step back (the run is replayed without it)"),
        Binding("Z", "redo", "Redo", tooltip="Bring back the run as it was before the last undo, edit or delete"),
        Binding("E", "edit_step", "Edit step",
                tooltip="Edit or delete the highlighted explored step (✎); the run is replayed"),
        Binding("ctrl+s", "save", "Save", tooltip="Save the run and explored steps as a scenario"),
        Binding("N", "new_world", "New world", tooltip="A new world to explore: users and accounts from a form "
                                                        "or a template"),
        Binding("v", "next_pane", "Pane", tooltip="Next side pane (small terminals)"),
        Binding("l", "show_pane('library')", "Library"),
        Binding("i", "show_pane('inspector')", "Inspector"),
        Binding("e", "show_pane('events')", "Events"),
        Binding("a", "show_pane('assertions')", "Assert"),
        Binding("p", "show_pane('steps')", "Steps"),
        Binding("T", "cycle_theme", "Theme"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("escape", "unfocus", "Back", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, path: Path | str | None = None, *, theme: str = "flowsim") -> None:
        super().__init__()
        self.root = Path(path) if path is not None else Path("scenarios")
        self.files = find_scenarios(self.root)
        #: The session shown: set by compose(), before any handler runs (None only until then).
        self.session: Session = None  # type: ignore[assignment]
        #: Files under PATH that failed to load when the app started (marked in the library on mount).
        self._unavailable: list[Path] = []
        self.current_path: Path | None = None
        self.user_id: str | None = None
        self.pane = "steps"
        #: Unsubscribes the app from the session it shows (:meth:`_use`).
        self._unsubscribe: Callable[[], None] | None = None
        self._repaint_pending = False
        #: The step to highlight after the next repaint (a jump), instead of the last one run.
        self._highlight_after: int | None = None
        self.register_theme(FLOWSIM_THEME)
        self.register_theme(FLOWSIM_LIGHT_THEME)
        self.theme = theme
        # Python's full (generation 2) collection walks every live object, and
        # Textual's and pydantic's imports leave hundreds of thousands of them:
        # measured 30-90 ms pauses, at start-up and inside a step's frame
        # (bench/tui.py).  Freezing moves what exists now (and, after the first
        # screen, the widgets) out of the collector's sight; objects made later
        # are collected as usual.
        gc.freeze()

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        session, path = self._first_session()
        self.session, self.current_path = session, path
        # Textual adds the breakpoint class on the screen's first Resize, after
        # the first layout: every widget's styles were then computed twice and
        # the screen laid out once more (about 40 ms, bench/tui.py).  The
        # terminal's size is known now; the Resize then changes nothing.
        self.screen.add_class(self._breakpoint())
        yield Header(icon="◆")
        yield StatusLine(id="status")
        with Container(id="main", classes="-pane-steps"):
            yield Library(self.root, self.files, id="library", classes="pane")
            yield Phone(session, next(iter(session.sim.users), None), id="phone")
            yield Tabs(*(Tab(PANE_TITLES[p], id=f"tab-{p}") for p in PANES), id="side-tabs")
            yield Inspector(id="inspector", classes="pane")
            yield StepList(id="steps", classes="pane")
            yield EventLog(id="events", classes="pane")
            yield AssertionPanel(id="assertions", classes="pane")
        yield KeyFooter(compact=True)

    async def on_mount(self) -> None:
        for pane in PANES:
            self.query_one(f"#{pane}").border_title = PANE_TITLES[pane]
        self.query_one("#library").border_subtitle = display_path(self.root)
        library = self.query_one(Library)
        for path in self._unavailable:
            library.set_status(path, "error")
        await self._use(self.session, self.current_path)
        if self.current_path is not None:
            library.set_status(self.current_path, None, current=True)
        self._hold_first_frame()
        self.call_after_refresh(gc.freeze)  # the widgets, too, live as long as the app (see __init__)

    def _hold_first_frame(self) -> None:
        """Draw the first screen once, complete: not before the side panes can show their lines.

        The inspector, event log and assertion panel are ``RichLog``s, which
        keep what is written to them until their first resize tells them
        their width, and the side tabs place their underline after the first
        layout.  Textual draws the first frame with the first layout, before
        those, so the panes came up empty and filled in frames later (about
        100-180 ms after the first, at 120x40), and at 80x24 the underline
        appeared 120 ms after the rest.  The updates are held (never longer
        than ``MOUNT_WAIT``) until :meth:`_first_frame_ready`; the layout
        itself is not held.
        """
        async def ready() -> None:
            while not self._first_frame_ready():
                await asyncio.sleep(0.001)

        # A worker, not the app's queue: the resizes the panes wait for are the app's to deliver.
        self._hold_updates_until(ready, in_worker=True)

    def _breakpoint(self) -> str:
        """``-narrow`` or ``-wide`` for the terminal's width now (the screen takes it on its own Resize)."""
        width = self.size.width
        return next(name for edge, name in sorted(self.HORIZONTAL_BREAKPOINTS, reverse=True)
                    if width >= edge)  # the first edge is 0: one always applies

    def on_resize(self, event: Resize) -> None:
        """A new size may show panes the other layout hid (narrow → wide): bring them up to date.

        The app gets the Resize before its screen changes class, so
        :meth:`refresh_all` goes by the width (:meth:`_breakpoint`).
        """
        self.call_after_refresh(self.refresh_all)

    def _first_frame_ready(self) -> bool:
        """Every side pane on screen knows its width, and the side tabs' underline is in place."""
        if any(pane.display and not pane.sized for pane in self.query(PaneLog)):
            return False
        tabs = self.query_one("#side-tabs", Tabs)
        return not tabs.display or cast("Underline", tabs.query_one("Underline")).highlight_end > 0

    # ------------------------------------------------------------------ sessions

    def _first_session(self) -> tuple[Session, Path | None]:
        """The first scenario under PATH that opens (files that do not are marked in the library)."""
        for path in self.files:
            try:
                return Session(path), path
            except ScenarioUnavailable:
                self._unavailable.append(path)
        return Session(), None

    async def open_scenario(self, path: Path) -> bool:
        """Open a file chosen in the library; a file that does not load is marked and explained."""
        library = self.query_one(Library)
        try:
            session = Session(path)
        except ScenarioUnavailable as exc:
            library.set_status(path, "error")
            self.notify(str(exc), title="Cannot open scenario", severity="error", timeout=8)
            return False
        await self._use(session, path)
        library.set_status(path, None, current=True)
        return True

    async def _use(self, session: Session, path: Path | None) -> None:
        previous = self.session
        if self._unsubscribe is not None:
            self._unsubscribe()
        if previous is not None and previous is not session:
            previous.close()
        self.session = session
        self.current_path = path
        #: When the open file was last written, as it was read (``R`` reads it again if it changed).
        self._opened_mtime = self._mtime(path) if path is not None else None
        self._unsubscribe = session.subscribe(self._on_session_changed)
        self.sub_title = session.name
        users = list(session.sim.users)
        self.user_id = users[0] if users else None
        if self.user_id is not None:
            await self.query_one(Phone).set_world(session, self.user_id)
        self.refresh_all()

    # ------------------------------------------------------------------ repainting

    def _on_session_changed(self, batch: tuple) -> None:
        """The session's subscription: a batch of the engine's events, or ``()`` for a step's result.

        Whoever drove the simulation — a key here, the HTTP sandbox, a test
        calling ``app.session.sim`` — the panes are repainted once, right
        after the message being handled (``call_next``), however many
        batches it made (``r`` runs every step: one repaint).  From another
        thread the repaint is posted to the app's queue (``call_later`` is
        thread-safe); the simulation itself is not, so such a driver should
        hand its calls to the app's loop.
        """
        if self._repaint_pending:
            return
        self._repaint_pending = True
        if threading.get_ident() == self._thread_id:
            self.call_next(self._repaint)
        else:
            self.call_later(self._repaint)

    def _repaint(self) -> None:
        self._repaint_pending = False
        self.refresh_all()
        if self._highlight_after is not None:
            steps = self.query_one(StepList)
            steps.highlighted = steps.row_of((FILE, self._highlight_after))
            self._highlight_after = None

    def refresh_all(self) -> None:
        """Update every visible pane from the session (each widget updates only what changed).

        Called by the session's subscription (:meth:`_on_session_changed`)
        after anything changed the simulation or the run, and directly when
        only the view changed (another user, another pane, another session).

        On a small terminal the side panes that are not shown are skipped;
        :meth:`action_show_pane` brings one up to date when it is shown.
        """
        session = self.session
        if session is None:
            return
        narrow = self._breakpoint() == "-narrow"
        shown = (lambda pane: not narrow or pane == self.pane)
        with self.batch_update():
            self.query_one(StatusLine).show(session, self.user_id)
            steps = self.query_one(StepList)
            if shown("steps") or shown("assertions"):
                steps.update_steps(session)
            self.query_one(Phone).show_user(self.user_id)
            if shown("inspector"):
                self.query_one(Inspector).show(session.sim, self.user_id, len(session.sim.log),
                                                 session.message_names)
            if shown("events"):
                self.query_one(EventLog).update_events(session.sim)
            if shown("assertions"):
                self.query_one(AssertionPanel).show_step(session, steps.entry_at(steps.highlighted))
            if self.current_path is not None and shown("library"):
                self.query_one(Library).set_status(self.current_path, session.status())
        self._hold_frames_until_mounted()
        self.call_after_refresh(self._keep_focus)

    def _hold_frames_until_mounted(self) -> None:
        """Show a step's widgets in one frame: no screen update until the new ones are mounted.

        A pane's update may mount widgets (a chat bubble, a system card, an
        app screen's buttons).  Textual leaves a widget out of the screen
        until its own task has mounted it, so a frame drawn in between showed
        an empty card or a half-built screen, completed one or two frames
        later.  The batch holds the screen's updates until every widget on it
        is mounted (a few milliseconds; never more than ``MOUNT_WAIT``, so a
        widget that never mounts cannot freeze the screen); then a single
        layout shows the step whole.
        """
        pending = self._unmounted()
        if not pending:
            return

        async def mounted() -> None:
            widgets = pending
            while widgets:
                await AwaitMount(self.screen, widgets)
                widgets = self._unmounted()

        self._hold_updates_until(mounted)

    def _hold_updates_until(self, done: Callable[[], Awaitable[None]], *, in_worker: bool = False) -> None:
        """Hold the screen's updates (not its layout) until ``done()`` finishes or ``MOUNT_WAIT`` passes.

        The wait runs next on the app's queue (keys wait their turn), or in a
        worker.  A wait that runs out draws what is there rather than hold
        the screen.
        """
        hold = ExitStack()
        hold.enter_context(self.batch_update())

        async def release() -> None:
            try:
                await asyncio.wait_for(done(), MOUNT_WAIT)
            except asyncio.TimeoutError:
                pass
            finally:
                hold.close()
                self.screen.refresh()

        if in_worker:
            self.run_worker(release(), exclusive=False)
        else:
            self.call_next(release)

    def _unmounted(self) -> list[Widget]:
        return [widget for widget in self.screen.walk_children(Widget) if not widget.is_mounted]

    def _keep_focus(self) -> None:
        """A tap can hide the focused widget (e.g. the PIN field): give the keys back to the steps."""
        focused = self.screen.focused
        if self.screen is self.screen_stack[0] and (focused is None or not focused.display
                                                     or not focused.is_on_screen):
            steps = self.query_one(StepList)
            if steps.display:
                steps.focus()

    # ------------------------------------------------------------------ stepping

    def action_next_step(self) -> None:
        if self.session.done:
            self.notify("The scenario has no more steps.", severity="warning", timeout=2)
            return
        result = self.session.step()  # the panes follow from the session's subscription
        if not result.ok:
            self.notify(result.summary or "step failed", title=f"Step {result.index + 1} failed",
                        severity="error", timeout=4)

    def action_run_all(self) -> None:
        results = self.session.run_to_end()
        failed = [r for r in results if not r.ok]
        if failed:
            self.notify(f"{len(failed)} step(s) failed", severity="error", timeout=3)

    def action_run_to_failure(self) -> None:
        failed = self.session.run_to_failure()
        if failed is not None:
            self._highlight_after = failed.index
        else:
            self.notify("No failure: end of scenario.", timeout=2)

    def _unless_explored_lost(self, what: str, then: Callable[[], None], count: int | None = None,
                              yes: str | None = None) -> None:
        """Run ``then`` now, or after a yes if it would drop explored steps no save has written (``count``,
        default all of those: :meth:`Session.unsaved`).

        ``what`` starts the question's title; ``yes`` labels its button (default ``what``).
        """
        count = self.session.unsaved() if count is None else count
        if not count:
            then()
            return
        self.push_screen(Confirm(f"{what} drops {count} explored step{'s' if count > 1 else ''}",
                                 "The steps you made yourself belong to this run and are not saved "
                                 "(ctrl+s saves them). Drop them?", yes or what),
                         lambda yes: then() if yes else None)

    def action_restart(self) -> None:
        """Back to the start; a file edited since it was opened is read again first."""
        path = self.current_path
        if path is not None and self._mtime(path) != self._opened_mtime:
            async def reread() -> None:
                if await self.open_scenario(path):
                    self.notify(f"Read {path.name} again: it changed on disk.", title="Restart", timeout=3)

            self._unless_explored_lost("Restart", lambda: self.call_next(reread))
            return
        # a new simulation: the phone notices (Phone.update_view)
        self._unless_explored_lost("Restart", self.session.restart)

    @staticmethod
    def _mtime(path: Path) -> int | None:
        try:
            return path.stat().st_mtime_ns
        except OSError:
            return None

    def action_jump(self, row: int | None = None) -> None:
        """Make the file step on ``row`` of the steps (default: the highlighted one) the next; an explored
        step's row opens its edit form instead."""
        steps = self.query_one(StepList)
        entry = steps.entry_at(steps.highlighted if row is None else row)
        if entry is None:
            return
        if entry[0] == EXPLORED:
            self.edit_explored(entry[1])
            return
        target = entry[1]

        def jump() -> None:
            self._highlight_after = target
            self.session.jump(target)

        self._unless_explored_lost("Jump", jump, self.session.lost_by_jump(target))

    async def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if isinstance(event.option_list, Library):
            index = int(event.option.id) if event.option.id is not None else None
            if index is not None:
                path = self.files[index]
                # another file (or this one again) is a new session: its explored steps would be gone
                self._unless_explored_lost(f"Opening {path.name}", lambda: self.call_next(self.open_scenario, path),
                                           yes="Open")
        elif isinstance(event.option_list, StepList):
            self.action_jump(event.option_index)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if isinstance(event.option_list, StepList) and self.session is not None:
            steps = event.option_list
            self.query_one(AssertionPanel).show_step(self.session, steps.entry_at(event.option_index))

    # ------------------------------------------------------------------ clock

    def action_advance(self, amount: str) -> None:
        try:
            self.session.advance(amount)
        except (FlowsimError, ValueError) as exc:
            self.notify(str(exc), severity="error")
            return
        self._keys_to_the_phone()

    def action_set_date(self) -> None:
        def done(value: str | None) -> None:
            if not value:
                return
            try:
                when = parse_time(value)
                self.session.advance_to(when)
            except (FlowsimError, ValueError) as exc:
                self.notify(str(exc), title="Set date", severity="error")
                return
            self._keys_to_the_phone()

        self.push_screen(Prompt("Move the clock to (ISO 8601 with offset)", self.session.sim.now.isoformat()), done)

    # ------------------------------------------------------------------ phone

    def _cycle_user(self, step: int) -> None:
        users = list(self.session.sim.users)
        if not users:
            return
        index = users.index(self.user_id) if self.user_id in users else 0
        self.user_id = users[(index + step) % len(users)]
        self.refresh_all()

    def action_next_user(self) -> None:
        self._cycle_user(1)

    def action_prev_user(self) -> None:
        self._cycle_user(-1)

    def action_next_chat(self) -> None:
        self.query_one(Phone).next_tab()

    def action_focus_phone(self) -> None:
        self.query_one(Phone).focus_screen()

    def _keys_to_the_phone(self) -> None:
        """After an explored step that changed the phone (a send, a clock move): the keys on its screen or
        next Set, as after a tap or ``o`` — so that Enter goes on with the flow, not back into the pane
        that had the focus.  With nothing on the phone to press, the focus stays where it is."""
        self.call_after_refresh(partial(self.query_one(Phone).focus_screen, fallback=False))

    def on_phone_action(self, message: PhoneAction) -> None:
        if self.user_id is None:  # no user in this world: no phone to tap
            return
        try:
            self.session.act(self.user_id, message.action, **message.kwargs)
        except FlowsimError as exc:
            self.notify(str(exc), title="Not available", severity="error")
        self.call_after_refresh(self.query_one(Phone).focus_screen)

    def action_send(self) -> None:
        sim = self.session.sim
        if not sim.official_accounts:
            self.notify("This world has no official account.", severity="error")
            return

        def done(form: dict | None) -> None:
            if not form:
                return
            try:
                result, _ = self.session.send(form["oa"], form["to"] or self.user_id, text=form["text"],
                                              template=form["template"], tag=form["tag"])
            except (FlowsimError, ValueError) as exc:
                self.notify(str(exc), title="Send", severity="error")
                return
            if result.ok:
                self.notify(f"API {result.status} · {result.message_id}", timeout=2)
                self._keys_to_the_phone()
            else:
                self.notify(f"API {result.status}: {result.error}", severity="error")

        oas = {oa: a.name for oa, a in sim.official_accounts.items()}
        self.push_screen(SendForm(oas, list(sim.users), self.user_id), done)

    def action_new_world(self) -> None:
        """A form (``screens/new_world.py``), then the world opens without steps, ready to explore."""
        from .screens.new_world import NewWorldForm
        from .world import check_world, templates

        async def open_world(world: dict | None) -> None:
            if world is not None:
                await self._use(Session(data=world), None)
                self.query_one(Library).clear_current()
                self.notify("Tap, send (s) and move the clock; ctrl+s saves it as a scenario file.",
                            title=f"New world: {self.session.name}", timeout=5)

        def ask() -> None:
            form = NewWorldForm(templates(self.session.data, self.session.name), check_world)
            self.push_screen(form, lambda world: self.call_next(open_world, world))

        self._unless_explored_lost("New world", ask)

    def action_save(self) -> None:
        """Ask for a file name (saved relative to the working directory, which the dialog names).

        An existing file is replaced only after a second question; a folder
        (an existing one, or a name ending in ``/``) gets the proposed name.
        """
        slug = re.sub(r"[^a-z0-9]+", "-", self.session.name.lower()).strip("-") or "scenario"
        name = f"explored-{slug.removeprefix('explored-')}.yaml"

        def done(value: str | None) -> None:
            if not value or not value.strip():
                return
            value = value.strip()
            path = Path(value).expanduser()
            if value.endswith("/") or path.is_dir():
                path = path / name
            if path.exists():
                self.push_screen(Confirm(f"Replace {path.name}?",
                                         f"{display_path(path)} exists. Saving replaces what it holds "
                                         "with this run.", "Replace"),
                                 lambda yes: self._save_checked(path) if yes else None)
                return
            self._save_checked(path)

        self.push_screen(Prompt("Save as scenario file", name,
                                note=f"Into {folder_name(Path.cwd())}/ (the working directory) unless the "
                                     "name has a folder"), done)

    def _save_checked(self, path: Path) -> None:
        """Save, after a question when the file would not repeat this run (``Session.saved_data``)."""
        try:
            _, problems = self.session.saved_data()
        except Exception:  # noqa: BLE001 - the save itself says why
            problems = []
        if not problems:
            self._save_to(path)
            return
        self.push_screen(Confirm(f"{path.name} would not repeat this run",
                                 "\n".join(f"• {problem}" for problem in problems) + "\nSave it anyway?",
                                 "Save anyway"),
                         lambda yes: self._save_to(path) if yes else None)

    def _save_to(self, path: Path) -> None:
        try:
            self.session.save(path)
        except OSError as exc:  # the writer names the file, never its temporary one
            self.notify(f"{display_path(path)}: {exc.strerror or exc}", title="Save failed", severity="error",
                        timeout=8)
            return
        except Exception as exc:  # noqa: BLE001 - shown to the person
            self.notify(str(exc), title="Save failed", severity="error", timeout=8)
            return
        http = self.session.http_sends
        said = (f" — {http} send{'s' if http > 1 else ''} that came over HTTP {'are' if http > 1 else 'is'} "
                f"saved as send step{'s' if http > 1 else ''}") if http else ""
        self.notify(f"Saved {display_path(path)}{said}", title="Scenario saved", timeout=4)

    # ------------------------------------------------------------------ panes, help, themes

    def action_show_pane(self, pane: str) -> None:
        self.pane = pane
        main = self.query_one("#main")
        for name in PANES:
            main.set_class(name == pane, f"-pane-{name}")
        tabs = self.query_one("#side-tabs", Tabs)
        if tabs.active != f"tab-{pane}":
            tabs.active = f"tab-{pane}"
        self.refresh_all()
        self.query_one(f"#{pane}").focus()  # the keys (arrows, page up/down) scroll the pane shown

    def action_next_pane(self) -> None:
        self.action_show_pane(PANES[(PANES.index(self.pane) + 1) % len(PANES)])

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        if event.tabs.id == "side-tabs" and event.tab is not None and event.tab.id:
            pane = event.tab.id.removeprefix("tab-")
            if pane != self.pane:
                self.action_show_pane(pane)

    def action_help(self) -> None:
        from .screens.help import HelpScreen  # Markdown is slow to import; most runs never need it

        self.push_screen(HelpScreen())

    def action_cycle_theme(self) -> None:
        names = ["flowsim", "flowsim-light", "textual-dark", "textual-light", "nord", "gruvbox"]
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]
        self.notify(f"Theme: {self.theme}", timeout=1.5)

    def action_unfocus(self) -> None:
        self.query_one(StepList).focus()

    def key_label(self, binding: Binding) -> str:
        """``?`` / ``f1`` for a binding with several keys (Textual shows the raw ``question_mark,f1``)."""
        return " / ".join(self.get_key_display(dataclasses.replace(binding, key=key.strip()))
                          for key in binding.key.split(","))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every key binding as a command, plus the taps the phone offers now."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action not in ("quit", "unfocus"):
                key = self.key_label(binding)
                yield SystemCommand(f"{binding.description} ({key})", binding.tooltip or binding.description,
                                    partial(self.run_action, binding.action))
        if self.session is not None and self.user_id is not None:
            for action in self.session.sim.available_actions(self.user_id):
                if action in ("enter_pin", "enter_number", "say", "block", "unblock", "add_friend",
                              "settings_consent"):
                    continue  # need an argument: use the phone
                yield SystemCommand(f"Tap: {action} ({self.user_id})", f"do: {action} as {self.user_id}",
                                    partial(self.post_message, PhoneAction(action)))
