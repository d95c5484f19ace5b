"""Time to the first complete screen, and from a "next step" key to the updated screen (headless).

    python bench/tui.py [PATH] [--size 120x40] [--steps 40]

Runs the app with ``App.run_test`` (headless).  Textual's ``Pilot.press`` and
``Pilot.pause`` wait in 20 ms slices (``textual._wait.wait_for_idle``), too
coarse for a 50 ms budget, so the bench posts the key event itself and
watches the screen's update timer.  Two figures per step, both from posting
the ``n`` key:

* first frame showing it: the end of the first screen update after the step
  ran.  Every pane is updated synchronously by the key's action, so this frame
  already shows the step's result (marks, phone, inspector, events, checks);
* settled: the end of the last update that follows (then a quiet spell of
  event-loop turns).  Textual adds one or two frames after a layout change:
  a second layout pass for widgets whose size changed (a new chat bubble) and
  a repaint of scrollbars whose thumb moved.  Each waits for the next frame
  tick (``TEXTUAL_FPS``, 60 by default).

* first complete screen: from creating the app (Textual already imported)
  to the first screen update after the scenario is open;
* the step figures are medians and 90th percentiles over ``--steps`` steps
  (restarting the scenario when it ends).

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
    """Records when the screen last finished an update."""

    def __init__(self) -> None:
        from textual.screen import Screen

        self.last = 0.0
        self.updates = 0
        self.ends: list[float] = []
        original = Screen._on_timer_update
        watch = self

        def on_timer_update(screen) -> None:
            original(screen)
            watch.last = time.perf_counter()
            watch.ends.append(watch.last)
            watch.updates += 1

        Screen._on_timer_update = on_timer_update  # type: ignore[method-assign]

    async def settle(self, app, since: float) -> float:
        """Wait until the screen has updated after ``since`` and stays quiet; return that update's time."""
        quiet = 0
        seen = self.updates
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            await asyncio.sleep(0)
            screen = app.screen
            busy = (screen._layout_required or screen._repaint_required or screen._dirty_widgets
                    or self.last < since)
            if busy or self.updates != seen:
                quiet = 0
                seen = self.updates
                continue
            quiet += 1
            if quiet >= QUIET_TURNS:
                break
        return self.last


async def measure(path: Path, size: tuple[int, int], steps: int) -> dict[str, float]:
    from textual import events

    from flowsim.tui.app import FlowsimApp

    watch = Watch()
    t0 = time.perf_counter()
    app = FlowsimApp(path)
    async with app.run_test(size=size):
        while app.session is None:
            await asyncio.sleep(0)
        first = await watch.settle(app, time.perf_counter()) - t0
        step_times: list[float] = []
        frame_times: list[float] = []
        while len(step_times) < steps:
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
            stepped = time.perf_counter()
            end = await watch.settle(app, stepped)
            step_times.append(end - start)
            frame_times.append(next(t for t in watch.ends if t > stepped) - start)
    return {"first": first, "n": len(step_times), **spread("", step_times), **spread("frame_", frame_times)}


def spread(prefix: str, times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {f"{prefix}median": statistics.median(times), f"{prefix}p90": times[int(len(times) * 0.9)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="scenarios")
    parser.add_argument("--size", default="120x40")
    parser.add_argument("--steps", type=int, default=40)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    t = time.perf_counter()
    import textual.app  # noqa: F401

    import flowsim.tui.app  # noqa: F401
    imports = time.perf_counter() - t
    result = asyncio.run(measure(Path(args.path), (width, height), args.steps))
    print(f"size {args.size}, {args.path}")
    print(f"imports (textual + flowsim.tui):    {imports * 1000:7.1f} ms")
    print(f"first complete screen:              {result['first'] * 1000:7.1f} ms   (goal <= 1000 ms; "
          f"{(result['first'] + imports) * 1000:.0f} ms with imports)")
    print(f"next step → first frame showing it: {result['frame_median'] * 1000:7.1f} ms median, "
          f"{result['frame_p90'] * 1000:.1f} ms p90 over {result['n']} steps   (goal <= 50 ms)")
    print(f"next step → screen settled:         {result['median'] * 1000:7.1f} ms median, "
          f"{result['p90'] * 1000:.1f} ms p90   (Textual's follow-up frames: scrollbars, re-layout)")


if __name__ == "__main__":
    main()
