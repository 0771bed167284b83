"""Local servers that speak the providers' protocols (on 127.0.0.1, in a thread): WeCom's
customer-contact API, Tencent Cloud SMS (verifying TC3-HMAC-SHA256 signatures) and a Standard
Webhooks receiver (verifying signatures)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class _Handler(BaseHTTPRequestHandler):
    app: Any

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        status, body = self.app.handle("GET", url.path, parse_qs(url.query), self.headers, b"")
        self._answer(status, body)

    def do_POST(self) -> None:
        url = urlparse(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = self.app.handle("POST", url.path, parse_qs(url.query), self.headers, raw)
        self._answer(status, body)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run ``app.handle(method, path, query, headers, body) -> (status, body)`` on a free port."""
    handler = type("Handler", (_Handler,), {"app": app})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


class FakeWeCom:
    """gettoken, add_msg_template, get_groupmsg_send_result, send_welcome_msg, mark_tag."""

    def __init__(self, corp_id: str = "ww-test", secret: str = "s3cret") -> None:  # noqa: S107
        self.corp_id, self.secret = corp_id, secret
        self.issued = 0
        self.valid: set[str] = set()
        self.expire_next_use = False  # the next call with a valid token answers 42001
        self.rate_limited = 0  # answer 45009 to this many calls
        self.tasks: dict[str, dict[str, Any]] = {}
        self.results: dict[str, int] = {}  # msgid -> status for its customer
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def handle(self, method: str, path: str, query: dict, headers: Any, raw: bytes):
        with self.lock:
            if path == "/cgi-bin/gettoken":
                if query.get("corpid") != [self.corp_id] or query.get("corpsecret") != [
                    self.secret
                ]:
                    return 200, {"errcode": 40001, "errmsg": "invalid credential"}
                self.issued += 1
                token = f"token-{self.issued}"
                self.valid.add(token)
                return 200, {
                    "errcode": 0,
                    "errmsg": "ok",
                    "access_token": token,
                    "expires_in": 7200,
                }
            token = (query.get("access_token") or [""])[0]
            if token not in self.valid:
                return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
            if self.expire_next_use:
                self.expire_next_use = False
                self.valid.discard(token)
                return 200, {"errcode": 42001, "errmsg": "access_token expired"}
            if self.rate_limited:
                self.rate_limited -= 1
                return 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
            body = json.loads(raw or b"{}")
            self.calls.append((path, body))
            if path == "/cgi-bin/externalcontact/add_msg_template":
                msgid = f"msg{len(self.tasks) + 1}"
                self.tasks[msgid] = body
                fail = [u for u in body["external_userid"] if u.startswith("stranger")]
                return 200, {"errcode": 0, "errmsg": "ok", "fail_list": fail, "msgid": msgid}
            if path == "/cgi-bin/externalcontact/get_groupmsg_send_result":
                task = self.tasks.get(body["msgid"])
                if task is None:
                    return 200, {"errcode": 41059, "errmsg": "invalid msgid"}
                status = self.results.get(body["msgid"], 0)
                rows = [
                    {"external_userid": u, "userid": body["userid"], "status": status}
                    for u in task["external_userid"]
                ]
                return 200, {"errcode": 0, "errmsg": "ok", "next_cursor": "", "send_list": rows}
            if path in (
                "/cgi-bin/externalcontact/send_welcome_msg",
                "/cgi-bin/externalcontact/mark_tag",
            ):
                return 200, {"errcode": 0, "errmsg": "ok"}
            return 404, {"errcode": 404, "errmsg": "no such api"}


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class FakeTencentSms:
    """The SendSms action of Tencent Cloud SMS (2021-01-11), verifying TC3-HMAC-SHA256."""

    def __init__(self, secret_id: str = "AKIDtest", secret_key: str = "key-test") -> None:  # noqa: S107
        self.secret_id, self.secret_key = secret_id, secret_key
        self.sent: list[dict[str, Any]] = []
        self.number_code = "Ok"  # the per-number SendStatusSet code to answer next
        self.rejected_signatures = 0

    def _verify(self, method: str, path: str, headers: Any, raw: bytes) -> str | None:
        auth = headers.get("Authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            secret_id, day, service, _ = parts["Credential"].split("/")
        except ValueError:
            return "AuthFailure.SignatureFailure"
        if algorithm != "TC3-HMAC-SHA256" or secret_id != self.secret_id:
            return "AuthFailure.SecretIdNotFound"
        timestamp = headers.get("X-TC-Timestamp", "")
        if datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d") != day:
            return "AuthFailure.SignatureFailure"
        signed = parts["SignedHeaders"].split(";")
        canonical_headers = "".join(
            f"{h}:{headers.get(h, '').lower() if h == 'content-type' else headers.get(h, '')}\n"
            for h in signed
        )
        canonical = "\n".join(
            [
                method,
                path,
                "",
                canonical_headers,
                parts["SignedHeaders"],
                hashlib.sha256(raw).hexdigest(),
            ]
        )
        scope = f"{day}/{service}/tc3_request"
        to_sign = "\n".join(
            [algorithm, timestamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = _hmac(_hmac(_hmac(("TC3" + self.secret_key).encode(), day), service), "tc3_request")
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            self.rejected_signatures += 1
            return "AuthFailure.SignatureFailure"
        return None

    def handle(self, method: str, path: str, query: dict, headers: Any, raw: bytes):
        request_id = f"req-{len(self.sent) + 1}"
        error = self._verify(method, path, headers, raw)
        if error:
            return 200, {
                "Response": {
                    "Error": {"Code": error, "Message": "signature check failed"},
                    "RequestId": request_id,
                }
            }
        if headers.get("X-TC-Action") != "SendSms":
            return 200, {
                "Response": {
                    "Error": {"Code": "InvalidAction", "Message": "unknown action"},
                    "RequestId": request_id,
                }
            }
        body = json.loads(raw)
        self.sent.append(body)
        code = self.number_code
        statuses = [
            {
                "SerialNo": f"2433:{len(self.sent)}-{i}",
                "PhoneNumber": number,
                "Fee": 1 if code == "Ok" else 0,
                "SessionContext": body.get("SessionContext", ""),
                "Code": code,
                "Message": "send success" if code == "Ok" else "refused",
                "IsoCode": "CN",
            }
            for i, number in enumerate(body["PhoneNumberSet"])
        ]
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": request_id}}


class WebhookReceiver:
    """Verifies Standard Webhooks signatures; 204 when valid, 400 when not."""

    def __init__(self, secret: str) -> None:
        self.verifier = Webhook(secret)
        self.received: list[dict[str, Any]] = []
        self.ids: list[str] = []
        self.rejected = 0
        self.status_override: int | None = None

    def handle(self, method: str, path: str, query: dict, headers: Any, raw: bytes):
        if self.status_override is not None:
            return self.status_override, {"error": "not now"}
        try:
            payload = self.verifier.verify(
                raw,
                {
                    "webhook-id": headers.get("webhook-id", ""),
                    "webhook-timestamp": headers.get("webhook-timestamp", ""),
                    "webhook-signature": headers.get("webhook-signature", ""),
                },
            )
        except WebhookVerificationError:
            self.rejected += 1
            return 400, {"error": "bad signature"}
        self.ids.append(headers.get("webhook-id"))
        self.received.append(payload)
        return 204, b""
