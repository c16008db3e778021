"""The HTTP API's server: a ThreadingHTTPServer whose handler reads each request (chunked bodies
included), hands it to the `HttpApiGateway`, writes the answer and logs one line per request
(method, path, status, time, and the gateway's note, e.g. whether the authorizer was called)."""

from __future__ import annotations

import sys
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from local.api_events import Request, Response
from local.gateway import HttpApiGateway

LogLine = Callable[[str], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "local-http-api"
    sys_version = ""
    server: HttpServer

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        started = time.monotonic()
        parsed = urllib.parse.urlsplit(self.path)
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            body, bad_request = b"", True
        else:
            bad_request = False
        request = Request(
            method=self.command,
            path=parsed.path or "/",
            query=parsed.query,
            headers=list(self.headers.items()),
            body=body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        domain = (
            self.headers.get("host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
        )
        try:
            if bad_request:
                response = Response.message(400, "Bad Request", "unreadable body")
            else:
                response = self.server.gateway.handle(request, domain)
        except Exception as exc:  # a bug of the local stack must not kill the connection silently
            response = Response.message(500, "Internal Server Error", f"local stack error: {exc!r}")
        self.send_response(response.status)
        names = {name for name, _ in response.headers}
        for name, value in response.headers:
            if name not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if "content-type" not in names and response.body:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        elapsed = (time.monotonic() - started) * 1000
        target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        self.server.log_line(
            f"{self.command} {target} {response.status} {elapsed:.0f}ms {response.note}".rstrip()
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def __getattr__(self, name: str) -> Any:
        # Any other method (TRACE, QUERY, ...) reaches the gateway too, which answers an unrouted
        # one as API Gateway does (404), not http.server's 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # one line per request is written by _serve


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str, port: int, gateway: HttpApiGateway, log_line: LogLine):
        self.gateway = gateway
        self.log_line = log_line
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away: not worth a traceback
        super().handle_error(request, client_address)
