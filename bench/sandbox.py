"""Sustained ``POST /bot/pnp/push`` against the sandbox, beside a bare Starlette answering ``{}``.

Usage:
    python bench/sandbox.py [--duration 60] [--clients 2] [--connections 16] [--channels 4] [--every 5]
                            [--rounds 1] [--only bare|sandbox] [--tracemalloc] [--profile FILE]
    python bench/sandbox.py --in-process N [--only bare|sandbox]

Both servers run in the same run, one after the other, each as one uvicorn
worker in its own process with the same settings.  The sandbox serves a
world of ``--channels`` official accounts and 50 users who have agreed and
need no SMS (Flow D), so every send is delivered: chat messages, the count
and a delivery webhook queued (no webhook URL: queued and listed, not
posted).  Each connection sends with one channel's token, the connections
spread over the channels: LINE's rate limit of 2,000 requests/s applies per
channel and stays on, so 4 channels leave room for 8,000 requests/s; a run
whose answers include 429s says so (the limit was measured, not the sandbox).

The client is a small asyncio HTTP/1.1 keep-alive client written for this
(about 20 µs a request), ``--clients`` processes of ``--connections``
connections each; the figures include its CPU time beside the server's so
that a client-bound run shows itself, and a server that used less than 90%
of a core is said not to have set its rate.  Printed: requests/s, the
statuses, p50/p99 latency, the server's CPU use (and so its cost per
request, which is what a busy shared machine changes least), its memory
(RSS) every ``--every`` seconds, and the sandbox against the bare server by
requests/s and by CPU per request.  ``--rounds N`` runs the pair N times,
alternating the servers, and ends with each round's ratio and the medians
(:func:`summary`): the figure to compare changes by on a shared machine.

Memory: beside each RSS sample the sandbox's own count of requests
(``GET /_flowsim/health``) and how full its bounded stores are; the run
ends with the growth per request once every store is full (RSS in the last
third of the run against the requests served meanwhile): flat is about
0 bytes a request.  ``--tracemalloc`` runs the sandbox under tracemalloc,
takes a snapshot at 1/3 of the run and at its end, and prints what grew
between them by line and the objects by type (slow: the figures of such a
run are not speed figures).  ``--profile FILE`` runs the sandbox server
under cProfile and writes its statistics to FILE (also slow).
``--in-process N`` sends N pushes straight into the app, no server
(:func:`in_process`): the app's own cost, and under valgrind its
instructions per request, the one figure the machine's load leaves alone.

Figures (docs/sandbox.md, "Speed", for the tables): 60 s, the bare server
92 µs of CPU a request, the sandbox 287 µs (3,248 requests/s, p99 32 ms,
0.32x by CPU per request), its memory flat at 189 MB once the stores are
full; before issue 13's speed work, alternated 15 s runs gave the sandbox
378-412 µs against 222-291 µs after (the direct call of LINE's endpoints
before Starlette's router, and the collector set for serving).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: 4 channels x 50 users: the 200 chats of the earlier 2 channels x 100 (the same plateau, at 80,000 requests).
USERS = 50


def world(channels: int) -> dict:
    return {
        "name": "bench", "start": "2026-04-01T09:00:00+09:00", "seed": 1,
        "official_accounts": {f"ch{i}": {"name": f"Channel {i}"} for i in range(channels)},
        "users": {f"u{i}": {"phone": f"+8190{i:08d}", "consent": "agreed", "sms_verified": "-1d"}
                  for i in range(USERS)},
        "steps": [{"expect": {"sent_count": {"ch0": {"flexible": 0}}}}],
    }


# ---------------------------------------------------------------------- the servers (child processes)


def make_app(kind: str, channels: int) -> tuple[object, dict[str, str]]:
    """The ASGI app of ``kind`` and the tokens to send with (the bare server takes any)."""
    sys.path.insert(0, str(ROOT))
    if kind == "bare":
        from starlette.applications import Starlette
        from starlette.responses import Response
        from starlette.routing import Route

        async def push(request):  # reads the body, as the sandbox does
            await request.body()
            return Response(b"{}", media_type="application/json")

        return Starlette(routes=[Route("/bot/pnp/push", push, methods=["POST"])]), {}
    from flowsim.sandbox import Sandbox, create_app
    from flowsim.sandbox.testing import load_world

    box = Sandbox(load_world(world(channels)), frozen=True)
    return create_app(box), {oa: box.account(oa)["token"] for oa in box.channels}


def serve(kind: str, port: int, channels: int) -> None:
    app, tokens = make_app(kind, channels)
    from flowsim.sandbox.server import bind, run

    if tokens:
        Path(os.environ["BENCH_TOKENS"]).write_text(json.dumps(tokens))
    if os.environ.get("BENCH_TRACEMALLOC"):
        _install_snapshots(os.environ["BENCH_TRACEMALLOC"])
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        try:
            run(app, bind("127.0.0.1", port))
        except KeyboardInterrupt:  # the bench stops the server with SIGINT
            pass
        finally:
            profiler.disable()
            profiler.dump_stats(os.environ["BENCH_PROFILE"])
        return
    try:
        run(app, bind("127.0.0.1", port))
    except KeyboardInterrupt:
        pass


def _install_snapshots(base: str) -> None:
    """On SIGUSR1: a tracemalloc snapshot and the live objects by type, to ``base-N.snap`` / ``base-N.types.json``."""
    import gc
    import tracemalloc

    tracemalloc.start(1)  # one frame: grouped by line, and about half the cost of more
    taken = [0]

    def snapshot(signum: int, frame: object) -> None:
        taken[0] += 1
        gc.collect()
        tracemalloc.take_snapshot().dump(f"{base}-{taken[0]}.snap")
        counts = Counter(type(o).__name__ for o in gc.get_objects())
        Path(f"{base}-{taken[0]}.types.json").write_text(json.dumps(counts))
        Path(f"{base}-{taken[0]}.done").write_text("")

    signal.signal(signal.SIGUSR1, snapshot)


def start_server(kind: str, port: int, channels: int, tokens_file: Path, extra: dict[str, str]) -> subprocess.Popen:
    env = {**os.environ, "BENCH_TOKENS": str(tokens_file), **extra}
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port),
                             "--channels", str(channels)], env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            import socket

            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the {kind} server did not start")


def in_process(kind: str, n: int, channels: int) -> None:
    """``--in-process N``: N pushes straight into the app's ASGI callable, in this process.

    No sockets, no uvicorn, no client: what is left is the app's own work
    (with the collector set as ``flowsim serve`` sets it), on one core and
    without the other processes' wake-ups, so a change to the app shows
    beside less noise.  Each channel sends to the users in turn, as
    the connections do; LINE's rate limit stays on, its clock moving 1 ms a
    request (this is many times its rate).  Under ``valgrind --tool=cachegrind
    --cache-sim=no`` the instructions of two runs (say 1,000 and 3,000
    requests) give the instructions per request, which do not depend on the
    machine's load at all.
    """
    sys.path.insert(0, str(ROOT))  # this checkout's flowsim, not an installed one
    from flowsim import hash_number
    from flowsim.sandbox.server import collector_for_serving

    app, tokens = make_app(kind, channels)
    if tokens:  # many times LINE's rate in one process: the limiter's clock moves 1 ms a request instead
        from flowsim.sandbox import line
        from flowsim.sandbox.ratelimit import RateLimiter

        ticks = iter(range(1 << 62))
        app.state.sandbox.limiter = RateLimiter(line.RATE_LIMIT, clock=lambda: next(ticks) / 1000)
    heads = [[(b"host", b"127.0.0.1"), (b"authorization", b"Bearer " + token.encode()),
              (b"content-type", b"application/json")] for token in list(tokens.values()) or ["bare"]]
    bodies = [request_bytes("", hash_number(f"+8190{u:08d}"), u).split(b"\r\n\r\n", 1)[1] for u in range(USERS)]
    statuses: Counter = Counter()

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses[message["status"]] += 1

    async def main() -> float:
        started = time.process_time()
        for i in range(n):
            body = bodies[i % USERS]
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                     "scheme": "http", "path": "/bot/pnp/push", "raw_path": b"/bot/pnp/push", "root_path": "",
                     "query_string": b"", "server": ("127.0.0.1", 8765), "client": ("127.0.0.1", 1),
                     "headers": [*heads[i // USERS % len(heads)],  # each channel to every user in turn
                                 (b"content-length", str(len(body)).encode())]}
            messages = [{"type": "http.request", "body": body, "more_body": False}]

            async def receive() -> dict:
                return messages.pop() if messages else {"type": "http.disconnect"}

            await app(scope, receive, send)
        return time.process_time() - started

    with collector_for_serving():
        seconds = asyncio.run(main())
    print(f"{kind}: {seconds / n * 1e6:.1f} µs of CPU per request in-process ({n:,} requests; no sockets, no uvicorn; "
          + ", ".join(f"{s}: {k}" for s, k in sorted(statuses.items())) + ")")


# ---------------------------------------------------------------------- the client (child processes)


def request_bytes(token: str, to: str, i: int) -> bytes:
    body = json.dumps({"to": to, "messages": [{"type": "text", "text": f"Your parcel #{i} ships today"}],
                       "notificationDisabled": False}).encode()
    head = (f"POST /bot/pnp/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    return head + body


async def connection(port: int, requests: list[bytes], until: float, latencies: list[float],
                     statuses: Counter) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = len(requests)
    i = 0
    clock = time.perf_counter
    while clock() < until:
        started = clock()
        writer.write(requests[i % n])
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        latencies.append(clock() - started)
        statuses[status] += 1
        i += 1
    writer.close()


def client(port: int, tokens: list[str], connections: int, seconds: float, start_at: float,
           queue: multiprocessing.Queue) -> None:
    """One client process: ``connections`` keep-alive connections, each with one of ``tokens`` in turn."""
    sys.path.insert(0, str(ROOT))
    from flowsim import hash_number

    numbers = [hash_number(f"+8190{u:08d}") for u in range(USERS)]
    requests = [[request_bytes(token, to, u) for u, to in enumerate(numbers)] for token in tokens]
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        until = time.perf_counter() + seconds
        await asyncio.gather(*(connection(port, requests[j % len(requests)], until, latencies, statuses)
                               for j in range(connections)))

    asyncio.run(main())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put((latencies, dict(statuses), usage.ru_utime + usage.ru_stime))


# ---------------------------------------------------------------------- measuring


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def health(port: int) -> dict | None:
    """The sandbox's ``/_flowsim/health`` (its request count and stores), or None (the bare server)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_flowsim/health", timeout=10) as answer:
            return json.loads(answer.read())
    except OSError:
        return None


def full(stores: dict) -> bool:
    return all(s["bound"] is None or s["kept"] >= s["bound"] for s in stores.values())


def take_snapshot(server: subprocess.Popen, base: str, n: int) -> None:
    server.send_signal(signal.SIGUSR1)
    done = Path(f"{base}-{n}.done")
    deadline = time.monotonic() + 300
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.2)


def shares(tokens: list[str], clients: int) -> list[list[str]]:
    """Each client process's tokens: every channel is sent to, by one client (or more, with fewer channels)."""
    return [tokens[c::clients] or [tokens[c % len(tokens)]] for c in range(clients)]


def measure(kind: str, args: argparse.Namespace, port: int) -> dict:
    tokens_file = Path(f"/tmp/flowsim-bench-tokens-{os.getpid()}.json")
    tokens_file.write_text(json.dumps({f"ch{i}": "bare" for i in range(args.channels)}))
    snap_base = f"/tmp/flowsim-bench-{os.getpid()}"
    extra = {}
    if kind == "sandbox" and args.tracemalloc:
        extra["BENCH_TRACEMALLOC"] = snap_base
    if kind == "sandbox" and args.profile:
        extra["BENCH_PROFILE"] = str(Path(args.profile).resolve())
    server = start_server(kind, port, args.channels, tokens_file, extra)
    try:
        time.sleep(0.3)
        tokens = list(json.loads(tokens_file.read_text()).values())
        queue: multiprocessing.Queue = multiprocessing.Queue()
        start_at = time.time() + 1.0
        procs = [multiprocessing.Process(target=client, args=(port, shares(tokens, args.clients)[c], args.connections,
                                                              args.seconds, start_at, queue))
                 for c in range(args.clients)]
        for p in procs:
            p.start()
        time.sleep(max(0.0, start_at - time.time()))
        cpu0 = cpu_seconds(server.pid)
        began = time.monotonic()
        samples = [sample(server.pid, port, 0.0)]  # (seconds, RSS MB, requests served, stores full)
        snapped = 0
        snap_at = args.snapshot_at if args.snapshot_at is not None else args.seconds / 3
        while time.monotonic() - began < args.seconds:
            time.sleep(max(0.0, min(args.every, args.seconds - (time.monotonic() - began))))
            samples.append(sample(server.pid, port, time.monotonic() - began))
            if extra.get("BENCH_TRACEMALLOC") and not snapped and samples[-1][0] >= snap_at:
                take_snapshot(server, snap_base, 1)
                snapped = 1
        if extra.get("BENCH_TRACEMALLOC"):
            take_snapshot(server, snap_base, 2)
        server_cpu = cpu_seconds(server.pid) - cpu0
        results = [queue.get(timeout=60) for _ in procs]
        for p in procs:
            p.join()
    finally:
        server.send_signal(signal.SIGINT)  # uvicorn's clean stop (a profile is written on the way out)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
        tokens_file.unlink(missing_ok=True)
    if extra.get("BENCH_TRACEMALLOC"):
        print(tracemalloc_report(snap_base))
    latencies = sorted(x for r in results for x in r[0])
    statuses: Counter = Counter()
    for r in results:
        statuses.update(r[1])
    total = len(latencies)
    return {
        # a chat is trimmed back to its last KEEP_LINES once it holds twice that (the engine's amortised trim)
        "chats_full_after": min(args.clients * args.connections, args.channels) * USERS * 2 * keep_lines(),
        "kind": kind, "requests": total, "rps": total / args.seconds,
        "ok": sum(n for s, n in statuses.items() if 200 <= s < 300) / max(total, 1), "statuses": dict(statuses),
        "p50_ms": latencies[total // 2] * 1000 if total else 0.0,
        "p99_ms": latencies[min(total - 1, int(total * 0.99))] * 1000 if total else 0.0,
        "server_cpu": server_cpu / args.seconds, "client_cpu": sum(r[2] for r in results) / args.seconds,
        "rss": [(t, mb) for t, mb, _, _ in samples], "samples": samples,
    }


def keep_lines() -> int:
    sys.path.insert(0, str(ROOT))
    from flowsim.sandbox.world import KEEP_LINES

    return KEEP_LINES


def sample(pid: int, port: int, t: float) -> tuple[float, float, int | None, bool | None]:
    state = health(port) if port else None
    if state is None:
        return (t, rss_mb(pid), None, None)
    return (t, rss_mb(pid), state["requests"], full(state["stores"]))


def growth(samples: list, chats_full_after: int) -> str:
    """RSS growth per request from the first sample at which every store is full to the end (the sandbox).

    Full: the sandbox's stores at their bound (``/_flowsim/health``) and every
    simulated chat at its most: the engine trims a chat back to the sandbox's
    ``KEEP_LINES`` once it holds twice that, and each client process sends
    round-robin to the users with one channel's token, so a user's chat with a
    channel peaks after ``USERS * 2 * KEEP_LINES`` sends on that channel.
    """
    counted = [s for s in samples if s[2] is not None]
    if not counted:
        return ""
    end = counted[-1]
    window = [s for s in counted if s[3] and s[2] >= chats_full_after]
    if len(window) < 2:
        return (f"  the stores are not full yet (the chats are after {chats_full_after:,} requests): "
                "run longer (--duration) to see the plateau")
    first = window[0]
    served = end[2] - first[2]
    per = (end[1] - first[1]) * 1024 * 1024 / served if served else 0.0
    return (f"  once the stores are full: {first[1]:.1f} MB at {first[0]:.0f} s ({first[2]:,} requests) -> "
            f"{end[1]:.1f} MB at {end[0]:.0f} s ({end[2]:,}): {per:+.1f} bytes a request over {served:,} requests")


def tracemalloc_report(base: str, top: int = 15) -> str:
    import tracemalloc

    first = tracemalloc.Snapshot.load(f"{base}-1.snap")
    last = tracemalloc.Snapshot.load(f"{base}-2.snap")
    lines = ["tracemalloc, end against 1/3 of the run: what grew, by line"]
    for stat in last.compare_to(first, "lineno")[:top]:
        frame = stat.traceback[0]
        lines.append(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+8d} blocks  "
                     f"{stat.size / 1024 / 1024:7.2f} MiB  {frame.filename.split('/site-packages/')[-1]}:{frame.lineno}")
    before = json.loads(Path(f"{base}-1.types.json").read_text())
    after = json.loads(Path(f"{base}-2.types.json").read_text())
    diff = sorted(((after.get(k, 0) - before.get(k, 0), k) for k in set(before) | set(after)), reverse=True)
    lines.append("live objects (gc-tracked) by type, end against 1/3 of the run:")
    lines += [f"  {d:+8d} {k} ({after.get(k, 0):,})" for d, k in diff[:top] if d]
    for suffix in ("-1.snap", "-2.snap", "-1.types.json", "-2.types.json", "-1.done", "-2.done"):
        Path(base + suffix).unlink(missing_ok=True)
    return "\n".join(lines)


def report(m: dict) -> str:
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(m["statuses"].items()))
    memory = " ".join(f"{t:.0f}s {mb:.0f}" + (f" ({n / 1000:.0f}k{'' if full_ else ', filling'})" if n is not None else "")
                      for t, mb, n, full_ in m["samples"])
    per_core = m["rps"] / m["server_cpu"] if m["server_cpu"] else 0.0
    return (f"{m['kind']:8} {m['rps']:8,.0f} req/s ({per_core:,.0f} per server CPU second)  p50 {m['p50_ms']:6.2f} ms  p99 {m['p99_ms']:6.2f} ms  "
            f"server CPU {m['server_cpu']:.0%}  clients CPU {m['client_cpu']:.0%}  ({statuses})\n"
            f"         server RSS MB over time (requests served; stores filling until full): {memory}\n"
            f"{bound(m)}{growth(m['samples'], m['chats_full_after'])}").rstrip()


#: Below this share of a core the server was not what set the rate.
SATURATED = 0.9


def bound(m: dict) -> str:
    """A line when the server was not saturated (its requests/s says little, its CPU per request still does), and
    when LINE's rate limit answered (then the limit was measured, and its cheap 429s)."""
    limited = m["statuses"].get(429, 0)
    if limited:
        return (f"  {limited:,} answers were 429, LINE's limit of 2,000 requests/s per channel: run with more "
                "--channels (the connections spread over them)\n") + bound({**m, "statuses": {}})
    if m["server_cpu"] >= SATURATED:
        return ""
    return (f"  the server used {m['server_cpu']:.0%} of a core, so it did not set this rate (the clients used "
            f"{m['client_cpu']:.0%} of a core, on {os.cpu_count()} CPUs shared with the machine's other load): "
            "compare the CPU per request\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", "--seconds", dest="seconds", type=float, default=60.0,
                        help="seconds of load on each server (default 60; e.g. 10 for a quick look)")
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections per client process")
    parser.add_argument("--channels", type=int, default=4,
                        help="official accounts in the sandbox's world, the connections spread over them (default 4)")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between memory samples")
    parser.add_argument("--tracemalloc", action="store_true", help="what grows in the sandbox (slow)")
    parser.add_argument("--snapshot-at", type=float, help="seconds into the run of the first snapshot (default 1/3)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the sandbox server into FILE (slow)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="alternate the two servers this many times and print the medians (e.g. 5 with --duration 10)")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--only", choices=("bare", "sandbox"))
    parser.add_argument("--in-process", type=int, metavar="N",
                        help="N pushes into the app in this process, no server (--only: which app, default sandbox)")
    parser.add_argument("--serve", choices=("bare", "sandbox"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.channels)
        return
    if args.in_process:
        in_process(args.only or "sandbox", args.in_process, args.channels)
        return
    print(f"{args.seconds:g} s each, {args.clients} client processes x {args.connections} connections, "
          f"{os.cpu_count()} CPUs; sandbox: {args.channels} channels, {USERS} users, every send delivered")
    rounds = []
    for n in range(args.rounds):
        if args.rounds > 1:
            print(f"round {n + 1} of {args.rounds}", flush=True)
        results = {}
        for kind in ("bare", "sandbox"):
            if args.only in (None, kind):
                results[kind] = measure(kind, args, args.port + (kind == "sandbox"))
                print(report(results[kind]), flush=True)
        if len(results) == 2:
            rounds.append(compare(results))
    if len(rounds) > 1:
        print(summary(rounds))


def compare(results: dict) -> tuple[float, float, float, float]:
    """Print one round's comparison; ``(bare µs, sandbox µs, ratio by requests/s, ratio by CPU per request)``."""
    ratio = results["sandbox"]["rps"] / results["bare"]["rps"]
    rss = results["sandbox"]["rss"]
    cost = {k: 1e6 * r["server_cpu"] / r["rps"] for k, r in results.items() if r["rps"]}
    print(f"server CPU per request: bare {cost.get('bare', 0):.0f} µs, sandbox {cost.get('sandbox', 0):.0f} µs")
    by_cpu = cost["bare"] / cost["sandbox"] if cost.get("bare") and cost.get("sandbox") else 0.0
    print(f"sandbox / bare: {ratio:.2f}x by requests/s, {by_cpu:.2f}x by server CPU per request "
          f"(goal >= 0.5x); goal >= 2,000 req/s: "
          f"{'met' if results['sandbox']['rps'] >= 2000 else 'NOT met'}; sandbox memory "
          f"{rss[0][1]:.0f} -> {rss[-1][1]:.0f} MB over the run", flush=True)
    return cost.get("bare", 0.0), cost.get("sandbox", 0.0), ratio, by_cpu


def summary(rounds: list[tuple[float, float, float, float]]) -> str:
    """``--rounds``: each round's figures and their medians.

    The machine's other load drifts over minutes, and moves a pair of runs
    by more than most changes to the sandbox do (at 09771c8, six pairs of
    10 s runs of the same code gave 0.30x to 0.43x); the servers alternate, so that a drift
    falls on both, and the median of the rounds' ratios is the figure.
    """
    def median(values: list[float]) -> float:
        ordered = sorted(values)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    bare, box, by_rps, by_cpu = (list(column) for column in zip(*rounds))
    each = ", ".join(f"{r:.2f}x" for r in by_rps)
    return (f"{len(rounds)} rounds, sandbox / bare by requests/s: {each}\n"
            f"median: bare {median(bare):.0f} µs, sandbox {median(box):.0f} µs of server CPU per request; "
            f"{median(by_rps):.2f}x by requests/s, {median(by_cpu):.2f}x by CPU per request "
            f"(range {min(by_rps):.2f}-{max(by_rps):.2f}x; goal >= 0.5x)")


if __name__ == "__main__":
    main()
