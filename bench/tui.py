"""Time to the first complete screen, and from a "next step" key to the updated screen (headless).

    python bench/tui.py [PATH] [--size 120x40] [--steps 40] [--launches 3]

Runs the app with ``App.run_test`` (headless).  Textual's ``Pilot.press`` and
``Pilot.pause`` wait in 20 ms slices (``textual._wait.wait_for_idle``), too
coarse for a 50 ms budget, so the bench posts the key event itself and
watches what the app writes to the terminal.

Every frame Textual writes (``App._display``) is fed to a copy of the
terminal's cells (``TerminalCells``, as a launch's output is), so the bench knows which frames changed what a person sees
and which only repainted the same cells (Textual follows a layout with one
or two more: widgets whose size changed ask for another layout, scrollbars
repaint).  From posting the ``n`` key:

* updated screen: the end of the last frame that changed a cell, once the
  app has gone quiet (no layout, repaint or dirty widget pending, then a
  quiet spell of event-loop turns).  This is the goal's figure;
* quiet: the end of the last frame of any kind, the same cells or not.

* first complete screen: from creating the app (Textual already imported)
  to the last frame that changed a cell before the app went quiet, the
  scenario open; printed also with the imports added;
* the step figures are medians and 90th percentiles over ``--steps`` steps
  (restarting the scenario when it ends);
* launch (``--launches``, 3 by default; 0 skips it): ``flowsim tui PATH``
  started as a person starts it, in a pseudo-terminal of the same size:
  from starting the process (Python, imports, Textual's driver) to the last
  write that changed a cell of the terminal (``TerminalCells``) before 0.7 s
  of silence; the median of the launches.

Keeping the copy of the cells costs the bench a few milliseconds per frame,
counted in the figures (a frame's time is taken after the frames before it
were copied): the figures are upper bounds.

Goals: first screen <= 1.0 s, a step <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import gc
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

QUIET_TURNS = 30


class Watch:
    """Records each frame the app writes, and whether it changed a cell of the terminal."""

    def __init__(self) -> None:
        from textual.app import App

        self.frames: list[tuple[float, bool]] = []
        self.terminal: TerminalCells | None = None
        original = App._display
        watch = self

        def display(app, screen, renderable) -> None:
            original(app, screen, renderable)
            if renderable is not None and not app._batch_count:  # Textual writes nothing in a batch
                end = time.perf_counter()
                watch.frames.append((end, watch.apply(app, renderable)))

        App._display = display  # type: ignore[method-assign]

    def apply(self, app, update) -> bool:
        """Feed what Textual would write for a frame to the copy of the terminal; was any cell changed?"""
        width, height = app.size
        if self.terminal is None or (self.terminal.width, self.terminal.height) != (width, height):
            self.terminal = TerminalCells(width, height)
        return self.terminal.feed_text(update.render_segments(app.console))

    async def settle(self, app, since: float) -> tuple[float, float]:
        """Wait until the app has drawn after ``since`` and gone quiet.

        Returns the end of the last frame after ``since`` that changed a cell
        and the end of the last frame of any kind (``since`` if none).
        """
        quiet = 0
        seen = len(self.frames)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            await asyncio.sleep(0)
            screen = app.screen
            drawn = self.frames and self.frames[-1][0] > since
            busy = screen._layout_required or screen._repaint_required or screen._dirty_widgets or not drawn
            if busy or len(self.frames) != seen:
                quiet = 0
                seen = len(self.frames)
                continue
            quiet += 1
            if quiet >= QUIET_TURNS:
                break
        after = [(end, changed) for end, changed in self.frames if end > since]
        changed = [end for end, was in after if was]
        return (changed[-1] if changed else since), (after[-1][0] if after else since)


async def measure(path: Path, size: tuple[int, int], steps: int) -> dict[str, float]:
    from textual import events

    from flowsim.tui.app import FlowsimApp

    watch = Watch()
    t0 = time.perf_counter()
    app = FlowsimApp(path)
    async with app.run_test(size=size):
        while app.session is None:
            await asyncio.sleep(0)
        first = (await watch.settle(app, t0))[0] - t0
        updated_times: list[float] = []
        quiet_times: list[float] = []
        while len(updated_times) < steps:
            if app.session.done:
                await app.run_action("restart")
                await watch.settle(app, time.perf_counter())
                if not app.session.steps:
                    break
                continue
            position = app.session.position
            start = time.perf_counter()
            app.post_message(events.Key("n", "n"))
            while app.session.position == position:
                await asyncio.sleep(0)
            updated, quiet = await watch.settle(app, start)
            updated_times.append(updated - start)
            quiet_times.append(quiet - start)
    return {"first": first, "n": len(updated_times), **spread("", updated_times), **spread("quiet_", quiet_times)}


class TerminalCells:
    """The cells of a terminal fed with what ``flowsim tui`` writes: enough of VT100 for Textual's output.

    Textual draws with cursor moves (``CSI row;col H``), colours (``CSI ... m``),
    text and ``CR LF``; every other sequence (modes, mouse, titles) changes no
    cell and is skipped.  ``feed`` says whether a write changed a cell, so a
    launch is timed to the write that completed the screen, not to a later
    repaint of the same cells.
    """

    TOKEN = re.compile(r"\x1b\[([0-9;?<>=$]*)([@-~])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\r|\n|[^\x1b\r\n]+")

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.cells: list[list[tuple[str, str] | None]] = [[None] * width for _ in range(height)]
        self.x = self.y = 0
        self.style = ""
        self.pending = ""
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def feed(self, data: bytes) -> bool:
        return self.feed_text(self.decoder.decode(data))

    def feed_text(self, data: str) -> bool:
        from rich.cells import cell_len

        text = self.pending + data
        changed = False
        end = 0
        for match in self.TOKEN.finditer(text):
            if match.start() != end:  # an escape sequence cut by the read: keep it for the next one
                break
            end = match.end()
            token = match.group(0)
            if match.group(2) == "H":
                row, _, col = (match.group(1) or "1;1").partition(";")
                self.y, self.x = int(row or 1) - 1, int(col or 1) - 1
            elif match.group(2) == "m":
                params = match.group(1)
                self.style = "" if params in ("", "0") else f"{self.style};{params}"
            elif token == "\r":
                self.x = 0
            elif token == "\n":
                self.y += 1
            elif not token.startswith("\x1b"):
                row = self.cells[self.y] if 0 <= self.y < self.height else None
                for char in token:
                    # A wide character covers two cells; the second holds "" (as in Textual's strips).
                    parts = (char, "") if cell_len(char) == 2 else (char,)
                    for offset, part in enumerate(parts):
                        x = self.x + offset
                        if row is not None and x < self.width and row[x] != (part, self.style):
                            row[x] = (part, self.style)
                            changed = True
                    self.x += len(parts)
        self.pending = text[end:]
        return changed


def launch(path: str, size: tuple[int, int]) -> float:
    """Seconds from starting ``flowsim tui PATH`` in a pseudo-terminal to the last write that changed a cell.

    The launch ends after 0.7 s without a write; writes that only repaint
    the same cells (Textual's follow-up frames) do not count.
    """
    import fcntl
    import os
    import pty
    import select
    import struct
    import subprocess
    import termios

    width, height = size
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    script = Path(sys.executable).with_name("flowsim")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from flowsim.cli import main; main()"]
    env = {**os.environ, "TERM": "xterm-256color"}
    screen = TerminalCells(width, height)
    start = time.perf_counter()
    process = subprocess.Popen([*command, "tui", path], stdin=terminal, stdout=terminal, stderr=terminal,
                               env=env, start_new_session=True)
    os.close(terminal)
    last = changed = None
    try:
        while time.perf_counter() - start < 30:
            if select.select([controller], [], [], 0.05)[0]:
                try:
                    data = os.read(controller, 1 << 16)
                except OSError:  # the process has gone
                    break
                last = time.perf_counter()
                if screen.feed(data):
                    changed = last
            elif last is not None and time.perf_counter() - last > 0.7:
                break
    finally:
        process.kill()
        process.wait()
        os.close(controller)
    if changed is None:
        raise SystemExit(f"flowsim tui {path} drew nothing")
    return changed - start


def spread(prefix: str, times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {f"{prefix}median": statistics.median(times), f"{prefix}p90": times[int(len(times) * 0.9)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="scenarios")
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--launches", type=int, default=3)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    launches = sorted(launch(args.path, (width, height)) for _ in range(args.launches))
    t = time.perf_counter()
    gc.disable()  # as `flowsim tui` imports them (flowsim/tui/command.py)
    import textual.app  # noqa: F401

    import flowsim.tui.app  # noqa: F401
    gc.enable()
    imports = time.perf_counter() - t
    result = asyncio.run(measure(Path(args.path), (width, height), args.steps))
    print(f"size {args.size}, {args.path}")
    print(f"imports (textual + flowsim.tui):    {imports * 1000:7.1f} ms")
    print(f"first complete screen:              {result['first'] * 1000:7.1f} ms   (goal <= 1000 ms; "
          f"{(result['first'] + imports) * 1000:.0f} ms with imports)")
    if launches:
        print(f"launch → first complete screen:     {statistics.median(launches) * 1000:7.1f} ms median of "
              f"{len(launches)} (`flowsim tui {args.path}` in a {args.size} pseudo-terminal; "
              f"{', '.join(f'{t * 1000:.0f}' for t in launches)})")
    print(f"next step → updated screen:         {result['median'] * 1000:7.1f} ms median, "
          f"{result['p90'] * 1000:.1f} ms p90 over {result['n']} steps   (goal <= 50 ms)")
    print(f"next step → quiet:                  {result['quiet_median'] * 1000:7.1f} ms median, "
          f"{result['quiet_p90'] * 1000:.1f} ms p90   (with Textual's frames that change no cell)")


if __name__ == "__main__":
    main()
