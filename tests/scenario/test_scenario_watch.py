"""`flowsim run --watch`: a save runs the file again, a catalogue change runs all, Ctrl-C ends it cleanly.

The watcher runs in a thread (or a subprocess for Ctrl-C) and every wait is
for a line it prints, with a bounded timeout: the test edits a file only
after the watcher said it is watching, so nothing depends on timing.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowsim.scenario.commands import load_catalogue
from flowsim.scenario.select import Selection
from flowsim.scenario.watch import watch_paths
from scenario_helpers import HEADER

WAIT = 30.0  # seconds: the bound of every wait (each takes well under one)

GOOD = "  - advance: 1h\n  - expect: {pending: 0}\n"
BAD = "  - advance: 1h\n  - expect: {pending: 3}\n"
TEMPLATE = "  - send: {from: shop, to: hanako, template: {key: my_custom_template}}\n  - expect: {api: 202}\n"


def scenario(folder: Path, stem: str, steps: str, tags: str = "") -> Path:
    path = folder / f"{stem}.yaml"
    path.write_text(HEADER.replace("name: test", f"name: {stem}" + (f"\ntags: [{tags}]" if tags else ""))
                    + steps)
    return path


class Watcher:
    """watch_paths in a thread; its lines in a queue."""

    def __init__(self, *args, **kwargs) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.stop = threading.Event()
        self.code: int | None = None
        kwargs.setdefault("debounce_ms", 100)

        def target() -> None:
            self.code = watch_paths(*args, echo=self.lines.put, stop_event=self.stop, **kwargs)

        self.thread = threading.Thread(target=target, daemon=True)
        self.thread.start()

    def until(self, start: str) -> list[str]:
        """The lines up to and including the next one starting with ``start``."""
        got = []
        deadline = time.monotonic() + WAIT
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line starting {start!r} within {WAIT}s; got {self.seen}") from None
            got.append(line)
            self.seen.append(line)
            if line.startswith(start):
                return got

    def close(self) -> None:
        self.stop.set()
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


@pytest.fixture
def watcher() -> Iterator[list[Watcher]]:
    made: list[Watcher] = []
    yield made
    for w in made:
        w.close()


def test_a_save_runs_that_file_again_and_says_so_in_one_line(tmp_path, watcher):
    a = scenario(tmp_path, "a", GOOD)
    scenario(tmp_path, "b", GOOD)
    w = Watcher([str(tmp_path)])
    watcher.append(w)
    first = w.until("watching")
    assert "2 passed, 0 failed" in first and first[-1].startswith("watching 1 folder for changes")

    a.write_text(a.read_text().replace(GOOD, BAD))  # the save
    round_ = w.until("[")
    assert [line.split(" (")[0] for line in round_ if line.startswith(("PASS", "FAIL"))] == ["FAIL a"]
    assert "expected: 3" in "\n".join(round_)
    assert round_[-1].endswith("1 changed: 0 passed, 1 failed · all 2: 1 passed, 1 failed")

    a.write_text(a.read_text().replace(BAD, GOOD))
    assert w.until("[")[-1].endswith("1 changed: 1 passed, 0 failed · all 2: 2 passed, 0 failed")

    (tmp_path / "sub").mkdir()
    scenario(tmp_path / "sub", "c", BAD)  # a new file, in a new folder
    assert w.until("[")[-1].endswith("1 changed: 0 passed, 1 failed · all 3: 2 passed, 1 failed")

    (tmp_path / "sub" / "c.yaml").unlink()
    round_ = w.until("[")
    assert any(line.startswith("removed ") for line in round_)
    assert round_[-1].endswith("1 removed: 0 passed, 0 failed · all 2: 2 passed, 0 failed")

    (tmp_path / "notes.txt").write_text("not a scenario")  # neither counts
    (tmp_path / ".a.yaml.swp").write_text("an editor's")
    a.write_text(a.read_text())  # this one does, and is the only one in the round
    assert [line for line in w.until("[") if line.startswith("PASS")] == [f"PASS a ({tmp_path / 'a.yaml'})"]

    w.close()
    assert w.until("stopped watching") and w.code == 0


def test_a_catalogue_change_runs_everything_and_a_bad_one_is_kept_out(tmp_path, watcher):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    scenario(folder, "uses_template", TEMPLATE)
    scenario(folder, "plain", GOOD)
    cat = tmp_path / "cat.toml"
    cat.write_text('[JP.templates]\nother = "Other"\n')
    w = Watcher([str(folder)], catalogue_path=str(cat), catalogue=load_catalogue(str(cat)))
    watcher.append(w)
    assert "1 passed, 1 failed" in w.until("watching")

    cat.write_text('[JP.templates]\nmy_custom_template = "Custom"\n')
    round_ = w.until("[")
    assert round_[-1].endswith("catalogue changed, all run: 2 passed, 0 failed · all 2: 2 passed, 0 failed")

    cat.write_text("[[[")
    assert "the previous catalogue is kept" in w.until("flowsim run:")[-1]
    scenario(folder, "plain", GOOD)  # still runs, with the catalogue it had
    assert w.until("[")[-1].endswith("1 changed: 1 passed, 0 failed · all 2: 2 passed, 0 failed")


def test_selection_and_reports_apply_to_every_round(tmp_path, watcher):
    a = scenario(tmp_path, "a", GOOD, tags="flow-b")
    b = scenario(tmp_path, "b", GOOD, tags="timing")
    report = tmp_path / "out" / "report.xml"
    report.parent.mkdir()
    w = Watcher([str(tmp_path)], select=Selection.build(tags=["flow_b"]), reports=[("junit", str(report))])
    watcher.append(w)
    assert "1 passed, 0 failed, 1 deselected" in w.until("watching")
    assert report.read_text().count("<testcase") == 1
    b.write_text(b.read_text().replace(GOOD, BAD))  # deselected: runs, shows nothing
    assert w.until("[")[-1].endswith("1 changed: 0 passed, 0 failed · all 1: 1 passed, 0 failed")
    a.write_text(a.read_text().replace(GOOD, BAD))
    assert w.until("[")[-1].endswith("all 1: 0 passed, 1 failed")
    assert 'failures="1"' in report.read_text()


def test_a_path_that_does_not_exist_is_exit_2(tmp_path):
    lines: list[str] = []
    assert watch_paths([str(tmp_path / "nope")], echo=lines.append) == 2
    assert "no such file or directory" in lines[0]


def test_ctrl_c_stops_the_watch_cleanly(tmp_path):
    scenario(tmp_path, "a", GOOD)
    flowsim = str(Path(sys.executable).with_name("flowsim"))
    proc = subprocess.Popen([flowsim, "run", "--watch", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        lines = []
        deadline = time.monotonic() + WAIT
        while not lines or not lines[-1].startswith("watching"):
            assert time.monotonic() < deadline, lines
            lines.append(proc.stdout.readline().rstrip("\n"))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=WAIT)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert out.strip().endswith("stopped watching")
    assert "Traceback" not in err and "KeyboardInterrupt" not in err


def test_without_watchfiles_it_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # import watchfiles now raises ImportError
    lines: list[str] = []
    assert watch_paths([str(tmp_path)], echo=lines.append) == 2
    assert lines == ["flowsim run: --watch needs the watchfiles package; expected it installed "
                     "(pip install 'watchfiles>=1.0', or pip install -e . again)"]
