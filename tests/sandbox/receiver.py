"""A webhook receiver for the tests: records every POST, and can be down, slow or failing."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Faults:
    #: Answer 500 to this many requests before answering 200.
    fail_first: int = 0
    #: Seconds to wait before answering each request.
    delay: float = 0.0
    #: Status of a successful answer.
    status: int = 200
    seen: int = field(default=0)


class Receiver:
    """``with Receiver() as r: … r.url …``; ``Receiver(up=False)`` refuses connections until :meth:`up`."""

    def __init__(self, up: bool = True, **faults: float) -> None:
        self.faults = Faults(**faults)  # type: ignore[arg-type]
        self.received: list[Received] = []
        self._lock = threading.Lock()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/callback"
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver._lock:
                    faults = receiver.faults
                    faults.seen += 1
                    status = 500 if faults.seen <= faults.fail_first else faults.status
                if faults.delay:
                    time.sleep(faults.delay)
                with receiver._lock:
                    receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, status))
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting (a timeout test)
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler, bind_and_activate=False)
        self._server.socket.close()
        self._server.socket = sock
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        if up:
            self.up()

    def up(self) -> None:
        self._server.server_activate()  # listen()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]
