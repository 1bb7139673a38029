"""The loopback HTTP server in front of the sandbox: bytes on the wire ↔ one `handle` call.

The standard library's threading HTTP server, HTTP/1.1, reading plain and
chunked bodies; every request goes to the `handle` method of whatever it
serves (a `Sandbox`), which answers a `Response` or a `Drop` (an injected
"drop" fault: the connection is closed without an answer). A "trickle" fault's
answer is sent one byte at a time.
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

from leaguectl.sandbox.web import Drop, Response


class RequestHandling(Protocol):
    """What the server hands each request to (the `Sandbox`)."""

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response | Drop: ...


class LoopbackServer(ThreadingHTTPServer):
    """One thread per connection, daemonic so a test's sandbox never keeps the interpreter alive."""

    daemon_threads = True
    allow_reuse_address = True
    sandbox: RequestHandling


class RequestHandler(BaseHTTPRequestHandler):
    """Reads one request off the wire, hands it to the server's ``sandbox``, writes the answer back."""

    protocol_version = "HTTP/1.1"
    server: LoopbackServer
    timeout = 60
    disable_nagle_algorithm = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        headers = {key: value for key, value in self.headers.items()}
        result = self.server.sandbox.handle(self.command, self.path, headers, body)
        if isinstance(result, Drop):
            self.close_connection = True
            return
        if result.trickle_interval is not None:
            self._trickle(result, result.trickle_interval)
            return
        self.send_response(result.status)
        for key, value in result.headers.items():
            self.send_header(key, value)
        if result.content_type:
            self.send_header("Content-Type", result.content_type)
        self.send_header("Content-Length", str(len(result.body)))
        self.end_headers()
        if result.body and self.command != "HEAD":
            self.wfile.write(result.body)

    def _trickle(self, result: Response, interval: float) -> None:
        """Send the whole answer one byte per ``interval`` seconds (an injected "trickle" fault)."""
        self.close_connection = True
        reason = self.responses.get(result.status, ("",))[0]
        lines = [f"HTTP/1.1 {result.status} {reason}"]
        lines += [f"{key}: {value}" for key, value in result.headers.items()]
        if result.content_type:
            lines.append(f"Content-Type: {result.content_type}")
        lines += [f"Content-Length: {len(result.body)}", "Connection: close", "", ""]
        data = "\r\n".join(lines).encode("latin-1") + (result.body if self.command != "HEAD" else b"")
        try:
            for index in range(len(data)):
                self.wfile.write(data[index : index + 1])
                time.sleep(interval)
        except OSError:  # the client gave up (its deadline): nothing more to send
            return

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; `Sandbox.request_log` records requests."""
