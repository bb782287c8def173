"""A GCS that loses the state's writes: a proxy on 127.0.0.1 in front of the rehearsal's fake-gcs-server that
answers every upload of a ``.tfstate`` object after the first ``passes`` with a 503, and passes everything else
through (a first deploy writes the empty state when it starts, before it applies anything).

Terraform's gcs backend writes the state with the Go storage client and no precondition, which the client does not
retry, so an apply whose state writes fail ends with "Failed to persist state to backend" and the state in
``errored.tfstate`` beside the stack: what a dropped network, or a GCS outage, at the end of an apply leaves. The
lock (``.tflock``, written with ``ifGenerationMatch=0``) and every read go through untouched.

    with StateWriteLost(gcs.url, passes=1) as lossy:
        env["STORAGE_EMULATOR_HOST"] = lossy.url     # and GOOGLE_BACKEND_STORAGE_CUSTOM_ENDPOINT
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# Hop-by-hop headers (RFC 9110, 7.6.1) and those the proxy sets itself.
_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "content-length", "host"}
LOST = {"error": {"code": 503, "message": "Backend Error", "errors": [
    {"message": "Backend Error", "domain": "global", "reason": "backendError"}]}}


def is_state_write(method: str, target: str) -> bool:
    """An upload of a state object (``…/upload/storage/v1/b/<bucket>/o?…name=<prefix>/<workspace>.tfstate``)."""
    url = urllib.parse.urlsplit(target)
    name = urllib.parse.parse_qs(url.query).get("name", [""])[0]
    return method in ("POST", "PUT") and "/upload/storage/v1/b/" in url.path and name.endswith(".tfstate")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in _HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        body = self._body()
        if is_state_write(self.command, self.path):
            with self.server.lock:
                self.server.writes += 1
                lose = self.server.writes > self.server.passes
                if lose:
                    self.server.lost.append(self.path)
            if lose:
                self._reply(503, [("Content-Type", "application/json; charset=UTF-8")], json.dumps(LOST).encode())
                return
        upstream = http.client.HTTPConnection(self.server.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            self._reply(answer.status, answer.getheaders(), answer.read())
        finally:
            upstream.close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, passes: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.passes = passes
        self.writes = 0
        self.lock = threading.Lock()
        self.lost: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that drops its kept-alive connection is no error of the proxy's; anything else is printed."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class StateWriteLost:
    """The proxy, started on a free port of 127.0.0.1 in front of ``upstream`` (``http://127.0.0.1:PORT``), letting
    the first ``passes`` state writes through; ``lost`` lists the writes it answered with a 503."""

    def __init__(self, upstream: str, *, passes: int = 0) -> None:
        self._server = _Server(urllib.parse.urlsplit(upstream).netloc, passes)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def lost(self) -> list[str]:
        with self._server.lock:
            return list(self._server.lost)

    def __enter__(self) -> StateWriteLost:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
