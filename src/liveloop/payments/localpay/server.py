"""The local provider over HTTP, on 127.0.0.1 in a thread (stdlib ``ThreadingHTTPServer``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from liveloop.payments.localpay.provider import LocalWeChatPay


class _Handler(BaseHTTPRequestHandler):
    provider: LocalWeChatPay
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # quiet; never logs a header
        pass

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        answer = self.provider.handle(method, self.path, self.headers, body)
        data = (
            json.dumps(answer.body, ensure_ascii=False).encode() if answer.body is not None else b""
        )
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class LocalServer:
    """A running local provider; ``base_url`` is its gateway."""

    def __init__(self, provider: LocalWeChatPay, port: int = 0) -> None:
        self.provider = provider
        handler = type("Handler", (_Handler,), {"provider": provider})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="wechatpay-local", daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@contextmanager
def serve(provider: LocalWeChatPay) -> Iterator[LocalServer]:
    server = LocalServer(provider)
    try:
        yield server
    finally:
        server.close()
