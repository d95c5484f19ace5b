"""Sustained ``POST /bot/pnp/push`` against the sandbox, beside a bare Starlette answering ``{}``.

Usage:
    python bench/sandbox.py [--seconds 60] [--clients 2] [--connections 16] [--channels 8]

Both servers run in the same run, one after the other, each as one uvicorn
worker in its own process with the same settings.  The sandbox serves a
world of ``--channels`` official accounts and 100 users who have agreed and
need no SMS (Flow D), so every send is delivered: chat messages, the count
and a delivery webhook queued (no webhook URL: queued and listed, not
posted).  Each client process sends with one channel's token (LINE's rate
limit of 2,000 requests/s applies per channel, and stays on).

The client is a small asyncio HTTP/1.1 keep-alive client written for this
(about 20 µs a request), ``--clients`` processes of ``--connections``
connections each; the figures include its CPU time beside the server's so
that a client-bound run shows itself.  Printed: requests/s, the share of
2xx, p50/p99 latency, the server's CPU use (and so its cost per request,
which is what a busy shared machine does not change much), and its
memory (RSS) every ``--every`` seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USERS = 100


def world(channels: int) -> dict:
    return {
        "name": "bench", "start": "2026-04-01T09:00:00+09:00", "seed": 1,
        "official_accounts": {f"ch{i}": {"name": f"Channel {i}"} for i in range(channels)},
        "users": {f"u{i}": {"phone": f"+8190{i:08d}", "consent": "agreed", "sms_verified": "-1d"}
                  for i in range(USERS)},
        "steps": [{"expect": {"sent_count": {"ch0": {"flexible": 0}}}}],
    }


# ---------------------------------------------------------------------- the servers (child processes)


def serve(kind: str, port: int, channels: int) -> None:
    sys.path.insert(0, str(ROOT))
    from flowsim.sandbox.server import bind, run

    if kind == "bare":
        from starlette.applications import Starlette
        from starlette.responses import Response
        from starlette.routing import Route

        async def push(request):  # reads the body, as the sandbox does
            await request.body()
            return Response(b"{}", media_type="application/json")

        app = Starlette(routes=[Route("/bot/pnp/push", push, methods=["POST"])])
    else:
        from flowsim.sandbox import Sandbox, create_app
        from flowsim.sandbox.testing import load_world

        box = Sandbox(load_world(world(channels)), frozen=True)
        tokens = {oa: box.account(oa)["token"] for oa in box.channels}
        Path(os.environ["BENCH_TOKENS"]).write_text(json.dumps(tokens))
        app = create_app(box)
    run(app, bind("127.0.0.1", port))


def start_server(kind: str, port: int, channels: int, tokens_file: Path) -> subprocess.Popen:
    env = {**os.environ, "BENCH_TOKENS": str(tokens_file)}
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


def client(port: int, token: str, connections: int, seconds: float, start_at: float, queue: multiprocessing.Queue) -> None:
    sys.path.insert(0, str(ROOT))
    from flowsim import hash_number

    requests = [request_bytes(token, hash_number(f"+8190{u:08d}"), u) for u in range(USERS)]
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        until = time.perf_counter() + seconds
        await asyncio.gather(*(connection(port, requests, until, latencies, statuses) for _ in range(connections)))

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


def measure(kind: str, args: argparse.Namespace, port: int) -> dict:
    tokens_file = Path(f"/tmp/flowsim-bench-tokens-{os.getpid()}.json")
    tokens_file.write_text(json.dumps({f"ch{i}": "bare" for i in range(args.channels)}))
    server = start_server(kind, port, args.channels, tokens_file)
    try:
        time.sleep(0.3)
        tokens = list(json.loads(tokens_file.read_text()).values())
        queue: multiprocessing.Queue = multiprocessing.Queue()
        start_at = time.time() + 1.0
        procs = [multiprocessing.Process(target=client, args=(port, tokens[c % len(tokens)], args.connections,
                                                              args.seconds, start_at, queue))
                 for c in range(args.clients)]
        for p in procs:
            p.start()
        time.sleep(max(0.0, start_at - time.time()))
        cpu0, rss = cpu_seconds(server.pid), [(0.0, rss_mb(server.pid))]
        began = time.monotonic()
        while time.monotonic() - began < args.seconds:
            time.sleep(min(args.every, args.seconds - (time.monotonic() - began)))
            rss.append((time.monotonic() - began, rss_mb(server.pid)))
        server_cpu = cpu_seconds(server.pid) - cpu0
        results = [queue.get(timeout=60) for _ in procs]
        for p in procs:
            p.join()
    finally:
        server.terminate()
        server.wait(10)
        tokens_file.unlink(missing_ok=True)
    latencies = sorted(x for r in results for x in r[0])
    statuses: Counter = Counter()
    for r in results:
        statuses.update(r[1])
    total = len(latencies)
    return {
        "kind": kind, "requests": total, "rps": total / args.seconds,
        "ok": sum(n for s, n in statuses.items() if 200 <= s < 300) / max(total, 1), "statuses": dict(statuses),
        "p50_ms": latencies[total // 2] * 1000 if total else 0.0,
        "p99_ms": latencies[min(total - 1, int(total * 0.99))] * 1000 if total else 0.0,
        "server_cpu": server_cpu / args.seconds, "client_cpu": sum(r[2] for r in results) / args.seconds,
        "rss": rss,
    }


def report(m: dict) -> str:
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(m["statuses"].items()))
    memory = " ".join(f"{t:.0f}s {mb:.0f}" for t, mb in m["rss"])
    per_core = m["rps"] / m["server_cpu"] if m["server_cpu"] else 0.0
    return (f"{m['kind']:8} {m['rps']:8,.0f} req/s ({per_core:,.0f} per server CPU second)  p50 {m['p50_ms']:6.2f} ms  p99 {m['p99_ms']:6.2f} ms  "
            f"server CPU {m['server_cpu']:.0%}  clients CPU {m['client_cpu']:.0%}  ({statuses})\n"
            f"         server RSS MB over time: {memory}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=2, help="client processes")
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections per client process")
    parser.add_argument("--channels", type=int, default=8, help="official accounts in the sandbox's world")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between memory samples")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--only", choices=("bare", "sandbox"))
    parser.add_argument("--serve", choices=("bare", "sandbox"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.channels)
        return
    print(f"{args.seconds:g} s each, {args.clients} client processes x {args.connections} connections, "
          f"{os.cpu_count()} CPUs; sandbox: {args.channels} channels, {USERS} users, every send delivered")
    results = {}
    for kind in ("bare", "sandbox"):
        if args.only in (None, kind):
            results[kind] = measure(kind, args, args.port + (kind == "sandbox"))
            print(report(results[kind]), flush=True)
    if len(results) == 2:
        ratio = results["sandbox"]["rps"] / results["bare"]["rps"]
        rss = results["sandbox"]["rss"]
        cost = {k: 1e6 * r["server_cpu"] / r["rps"] for k, r in results.items() if r["rps"]}
        print(f"server CPU per request: bare {cost.get('bare', 0):.0f} µs, sandbox {cost.get('sandbox', 0):.0f} µs")
        print(f"sandbox / bare: {ratio:.2f}x (goal >= 0.5x); goal >= 2,000 req/s: "
              f"{'met' if results['sandbox']['rps'] >= 2000 else 'NOT met'}; sandbox memory "
              f"{rss[0][1]:.0f} -> {rss[-1][1]:.0f} MB over the run")


if __name__ == "__main__":
    main()
