"""The HTTP side of the local GCP API: routing, JSON replies, GCP's error shapes.

One ``ThreadingHTTPServer`` on 127.0.0.1 answers every API the stacks use,
each under a path prefix of its own (``/compute/v1/``, ``/vpcaccess/v1/``,
``/run/v2/``, ``/serviceusage/v1/``, ``/resourcemanager/v1/``, ``/storage/v1/``): the google
provider is pointed at them with its ``GOOGLE_<PRODUCT>_CUSTOM_ENDPOINT``
variables (see ``LocalGcp.provider_env``). The same server is the provider's
HTTPS proxy: a ``CONNECT`` (the provider's hard-coded userinfo call, or any
other call that would leave the machine) is refused at once, so nothing a
rehearsal runs reaches another address.

The APIs themselves live in their own modules (``compute``, ``vpcaccess``,
``run``, ``serviceusage``); each registers routes on a ``Router``.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import sys
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

JSON = dict[str, Any]


class ApiError(Exception):
    """An error reply in GCP's JSON shape.

    Args:
        code: the HTTP status (404, 409, 400...).
        message: GCP's message.
        status: the canonical status (``NOT_FOUND``...), for the newer APIs.
        reason: the ``errors[].reason`` of Compute (``notFound``, ``alreadyExists``...), in ``domain``.
        details: the ``details`` (``google.rpc.ErrorInfo``...), when GCP sends them.
    """

    def __init__(self, code: int, message: str, *, status: str = "", reason: str = "", domain: str = "global",
                 details: list[JSON] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.reason = reason
        self.domain = domain
        self.details = details or []

    def body(self) -> JSON:
        error: JSON = {"code": self.code, "message": self.message}
        if self.reason:
            error["errors"] = [{"message": self.message, "domain": self.domain, "reason": self.reason}]
        if self.status:
            error["status"] = self.status
        if self.details:
            error["details"] = self.details
        return {"error": error}


def invalid(message: str) -> ApiError:
    """400 INVALID_ARGUMENT, the newer APIs' answer to a request they refuse."""
    return ApiError(400, message, status="INVALID_ARGUMENT")


@dataclass
class Request:
    """One HTTP request, parsed: the path parameters of its route, the query and the JSON body."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: JSON


Handler = Callable[[Request], JSON]


@dataclass
class Router:
    """Routes by method and a path pattern with ``{name}`` segments (one path segment each)."""

    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    # Called with every routed request before its handler: raises the error GCP answers before any API's own
    # checks (an API the project has not enabled, ``apis.require_enabled``).
    gate: Callable[[Request], None] | None = None

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        regex = re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/:]+)", re.escape(pattern))
        self.routes.append((method, re.compile(regex), handler))

    def dispatch(self, method: str, path: str, query: dict[str, str], body: JSON) -> JSON:
        matched_path = False
        for route_method, regex, handler in self.routes:
            match = regex.fullmatch(path)
            if match is None:
                continue
            matched_path = True
            if route_method == method:
                request = Request(method, path, match.groupdict(), query, body)
                if self.gate is not None:
                    self.gate(request)
                return handler(request)
        if matched_path:
            raise ApiError(405, f"method {method} is not allowed on {path}", status="METHOD_NOT_ALLOWED")
        raise ApiError(404, f"the local GCP API has no route for {method} {path}", status="NOT_FOUND")


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass

    def _reply(self, code: int, body: JSON, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        api = self.server.api
        try:
            body = json.loads(raw) if raw.strip() else {}
            if not isinstance(body, dict):
                raise invalid("the request body must be a JSON object")
            path = urllib.parse.unquote(url.path)
            with api.lock:
                api.requests.append((self.command, url.path, body))
                rule = api.faults.take(self.command, path)
                if rule is not None and rule.fault == "status":
                    self._reply(rule.status, rule.error(path).body(), {"Retry-After": str(rule.retry_after)}
                                if rule.retry_after is not None else None)
                    return
                if rule is not None and rule.fault == "reset_before_commit":
                    self._reset()
                    return
                api.faults.pending_operation = rule if rule is not None and rule.fault.startswith("operation_") \
                    else None
                try:
                    reply = api.router.dispatch(self.command, path, query, body)
                finally:
                    api.faults.pending_operation = None
                    api.faults.watch()
            if rule is not None and rule.fault == "reset_after_commit":
                self._reset()
            elif rule is not None and rule.fault == "close_after_commit":
                self.close_connection = True  # the server then closes it cleanly, with no answer
            else:
                self._reply(200, reply)
        except json.JSONDecodeError as err:
            self._reply(400, invalid(f"invalid JSON: {err}").body())
        except ApiError as err:
            self._reply(err.code, err.body())
        except Exception as err:  # noqa: BLE001 - a bug here must fail the run, not be retried for minutes
            # A 5xx or a dropped connection would be retried by the provider for up to twenty minutes;
            # a 400 ends the run at once with this message, and the tests see it in ``internal_errors``.
            with api.lock:
                api.internal_errors.append(f"{self.command} {url.path}: {err!r}")
            self._reply(400, invalid(f"local GCP API bug: {err!r}").body())

    def _reset(self) -> None:
        """Reset the connection (a TCP RST, no answer): the socket closes with a zero linger time."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def do_CONNECT(self) -> None:
        # The provider's only call that would leave the machine (its userinfo log line): refused at once,
        # which it logs and ignores. A network error instead would be retried for minutes.
        with self.server.api.lock:
            self.server.api.refused_connects.append(self.path)
        self.send_response(403, "the local GCP API reaches no other address")
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: Any

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a killed Terraform, a reset of ours) is not an error of the server."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


class HttpServer:
    """Serves ``api`` (which has ``router``, ``lock``, ``requests``, ``refused_connects``, ``internal_errors``) on 127.0.0.1."""

    def __init__(self, api: Any) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = api
        # serve_forever checks for shutdown every poll_interval (0.5 s by default): a test stops many servers.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="local-gcp", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
