"""uvicorn on a socket the sandbox binds itself: in the foreground (``flowsim serve``) or in a thread.

Binding first means ``--port 0`` (any free port) is known before the
server starts, and "address already in use" is a clear message instead of
a log line from deep inside uvicorn.
"""

from __future__ import annotations

import contextlib
import gc
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

#: Seconds a thread server may take to start or stop.
START_TIMEOUT = 10.0
#: The collector's thresholds while :func:`run` serves (CPython's default: 700, 10, 10): the oldest
#: generation is walked after 100 collections of the middle one instead of 10.
GC_THRESHOLDS = (700, 10, 100)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``port`` 0: a free one).  Raises ``OSError``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and without
    # it a keep-alive client waits 40 ms (Nagle against delayed ACK) for each answer's second write.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _server(app: Any, log_level: str) -> Any:
    import uvicorn

    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="on",
                            timeout_graceful_shutdown=5)
    return uvicorn.Server(config)


def run(app: Any, sock: socket.socket, log_level: str = "warning") -> None:
    """Serve ``app`` on ``sock`` until interrupted (Ctrl-C), the process's collector set for serving."""
    with collector_for_serving():
        _server(app, log_level).run(sockets=[sock])


@contextlib.contextmanager
def collector_for_serving() -> Iterator[None]:
    """The process's garbage collector set for serving, and as it was afterwards.

    What is alive when serving starts (the modules, the world as loaded) is
    frozen out of the collector's scans, and the oldest generation is
    collected ten times less often (:data:`GC_THRESHOLDS`): the sandbox's and
    the engine's bounded stores hold a few hundred thousand objects that live
    for thousands of requests, and with CPython's defaults the collector
    walked all of them every few seconds under load (bench/sandbox.py: 10
    full collections in 20 s, 1.5 s of the server's CPU, each a pause of
    about 150 ms; docs/sandbox.md, "Speed").  The young generations keep
    their thresholds, so their pauses stay short.
    """
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class ServerThread:
    """uvicorn serving ``app`` in a background thread, like moto's ``ThreadedMotoServer``."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, log_level: str = "warning") -> None:
        self.sock = bind(host, port)
        self.url = base_url(self.sock)
        self._server = _server(app, log_level)
        self._thread = threading.Thread(target=self._run, name=f"flowsim-sandbox {self.url}", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        try:
            self._server.run(sockets=[self.sock])
        except BaseException as exc:  # reported by start()
            self._error = exc

    def start(self) -> ServerThread:
        """Start serving; returns once the app's lifespan has started (or raises ``RuntimeError``)."""
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not self._server.started:
            self.stop()
            raise RuntimeError(f"the sandbox did not start on {self.url}: {self._error!r}")
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(START_TIMEOUT)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
