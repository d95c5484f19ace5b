"""bench/sandbox.py's ``--rounds`` summary: the medians it prints are the rounds' medians."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "sandbox.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_sandbox", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_summary_gives_each_rounds_ratio_and_the_medians():
    bench = _bench()
    odd = bench.summary([(80.0, 200.0, 0.40, 0.40), (90.0, 180.0, 0.50, 0.50), (70.0, 210.0, 0.33, 0.33)])
    assert "0.40x, 0.50x, 0.33x" in odd
    assert "bare 80 µs, sandbox 200 µs" in odd and "0.40x by requests/s" in odd and "range 0.33-0.50x" in odd
    even = bench.summary([(80.0, 200.0, 0.30, 0.31), (90.0, 180.0, 0.50, 0.49)])
    assert "bare 85 µs, sandbox 190 µs" in even and "0.40x by requests/s, 0.40x by CPU per request" in even
