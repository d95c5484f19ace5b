"""Time to the first complete screen, and from a "next step" key to the updated screen (headless).

    python bench/tui.py [PATH] [--size 120x40] [--steps 40] [--launches 3]

Runs the app with ``App.run_test`` (headless).  Textual's ``Pilot.press`` and
``Pilot.pause`` wait in 20 ms slices (``textual._wait.wait_for_idle``), too
coarse for a 50 ms budget, so the bench posts the key event itself and
watches what the app writes to the terminal.

Every frame Textual writes (``App._display``) is applied to a copy of the
terminal's cells, so the bench knows which frames changed what a person sees
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
  byte it writes before 0.7 s of silence; the median of the launches.

Keeping the copy of the cells costs the bench a few milliseconds per frame,
counted in the figures (a frame's time is taken after the frames before it
were copied): the figures are upper bounds.

Goals: first screen <= 1.0 s, a step <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
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
        self.cells: list[list[tuple]] = []
        original = App._display
        watch = self

        def display(app, screen, renderable) -> None:
            original(app, screen, renderable)
            if renderable is not None and not app._batch_count:  # Textual writes nothing in a batch
                end = time.perf_counter()
                watch.frames.append((end, watch.apply(app, renderable)))

        App._display = display  # type: ignore[method-assign]

    def apply(self, app, renderable) -> bool:
        """Write a frame's segments to the copy of the cells; was any cell changed?"""
        from rich.cells import cell_len
        from rich.segment import ControlType

        width, height = app.size
        if len(self.cells) != height or (self.cells and len(self.cells[0]) != width):
            self.cells = [[None] * width for _ in range(height)]
        cells = self.cells
        changed = False
        x = y = 0
        console = app.console
        for segment in console.render(renderable, console.options):
            if segment.control:
                for control in segment.control:
                    if control[0] == ControlType.CURSOR_MOVE_TO:
                        x, y = control[1], control[2]
                continue
            text = segment.text
            if text == "\n" or not 0 <= y < height:
                continue
            style = segment.style
            row = cells[y]
            for char in text:
                # A wide character takes two cells: the second holds "" (as in Textual's strips).
                for offset, part in enumerate((char, "") if cell_len(char) == 2 else (char,)):
                    if x + offset < width and row[x + offset] != (part, style):
                        row[x + offset] = (part, style)
                        changed = True
                x += 2 if cell_len(char) == 2 else 1
        return changed

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


def launch(path: str, size: tuple[int, int]) -> float:
    """Seconds from starting ``flowsim tui PATH`` in a pseudo-terminal to its last write before a silence."""
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
    start = time.perf_counter()
    process = subprocess.Popen([*command, "tui", path], stdin=terminal, stdout=terminal, stderr=terminal,
                               env=env, start_new_session=True)
    os.close(terminal)
    last = None
    try:
        while time.perf_counter() - start < 30:
            if select.select([controller], [], [], 0.05)[0]:
                try:
                    os.read(controller, 1 << 16)
                except OSError:  # the process has gone
                    break
                last = time.perf_counter()
            elif last is not None and time.perf_counter() - last > 0.7:
                break
    finally:
        process.kill()
        process.wait()
        os.close(controller)
    if last is None:
        raise SystemExit(f"flowsim tui {path} wrote nothing")
    return last - start


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
    import textual.app  # noqa: F401

    import flowsim.tui.app  # noqa: F401
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
