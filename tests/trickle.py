"""A loopback HTTP server that answers slowly on purpose: one byte per interval, for deadline tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class TrickleServer:
    """``mode``: "fast" answers at once; "headers" trickles from the status line on; "body" after quick headers."""

    mode: str = "headers"
    interval: float = 0.1
    body: bytes = b'{"ok": true, "padding": "' + b"x" * 200 + b'"}'
    url: str = ""
    requests: list[str] = field(default_factory=list)


@contextmanager
def trickle_server(mode: str = "headers", interval: float = 0.1) -> Iterator[TrickleServer]:
    """Serve on 127.0.0.1 until the block ends; every request's path is recorded (never its body)."""
    server_state = TrickleServer(mode=mode, interval=interval)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            server_state.requests.append(f"{self.command} {self.path}")
            head = (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(server_state.body)}\r\nConnection: close\r\n\r\n"
            ).encode()
            try:
                if server_state.mode == "fast":
                    self.wfile.write(head + server_state.body)
                    return
                if server_state.mode == "body":
                    self.wfile.write(head)
                    slow = server_state.body
                else:
                    slow = head + server_state.body
                for index in range(len(slow)):
                    self.wfile.write(slow[index : index + 1])
                    time.sleep(server_state.interval)
            except OSError:
                return
            finally:
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield server_state
    finally:
        server.shutdown()
        server.server_close()
