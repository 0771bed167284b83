"""WeCom's server API (企业微信服务端 API) as every caller meets it: the access token and the call.

- ``gettoken`` (corpid + an app's secret): the token is cached in memory (per process, per
  secret) until shortly before ``expires_in`` runs out; a call answered 40014 (invalid), 42001
  (expired) or 40001 (invalid secret or token) drops it, fetches a new one and makes that call
  once more.
- Every answer is JSON with ``errcode``; a non-zero one leaves as ``WeComError`` (its code,
  message and path), and what a caller makes of it — retry later, refuse for good, the words an
  operator reads — is the caller's: channels' customer-contact adapter, live's 企业微信直播
  connector. A network failure, a 5xx or an answer that is not a JSON object is
  ``WeComUnreachable``.
- httpx logs each request's URL, and WeCom puts the secret and the token in the query string:
  a filter on the ``httpx`` logger blanks them before any handler sees them.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

TOKEN_STALE = frozenset({40014, 42001, 40001})
RATE_LIMITED = 45009
BUSY = -1
TOKEN_MARGIN_SECONDS = 300
SECRET_PARAMS = re.compile(r"((?:corpsecret|access_token)=)[^&\s\"']+")


class WeComError(Exception):
    """WeCom answered with a non-zero ``errcode``."""

    def __init__(self, code: int, message: str, path: str) -> None:
        super().__init__(f"WeCom {path}: errcode {code} {message}".strip())
        self.code, self.message, self.path = code, message, path


class WeComUnreachable(Exception):
    """No usable answer: the network failed, WeCom answered 5xx, or not with a JSON object."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"WeCom {path}: {why}")
        self.path, self.why = path, why


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if "corpsecret=" in text or "access_token=" in text:
            record.msg, record.args = SECRET_PARAMS.sub(r"\1***", text), ()
        return True


_redactor = RedactSecrets()


def _redact_httpx_logs() -> None:
    logger = logging.getLogger("httpx")
    if _redactor not in logger.filters:
        logger.addFilter(_redactor)


class WeComApi:
    """One app's calls with its token cache. Thread-safe; one per process and secret."""

    def __init__(
        self,
        base_url: str,
        corp_id: str,
        secret: str,
        *,
        timeout: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        _redact_httpx_logs()
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._corp_id, self._secret = corp_id, secret
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self.token_fetches = 0  # how often gettoken was called (tests, metrics)

    def close(self) -> None:
        self._http.close()

    def call(self, method: str, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """``payload`` as the query (GET) or the JSON body (POST) of ``path``, with the access
        token; the token refreshed once if WeCom says it is stale."""
        for attempt in (0, 1):
            token = self._access_token(refresh=attempt == 1)
            if method == "GET":
                body = self._send(method, path, {"access_token": token, **payload}, None)
            else:
                body = self._send(method, path, {"access_token": token}, payload)
            code = int(body.get("errcode", 0))
            if code == 0:
                return body
            if code not in TOKEN_STALE or attempt == 1:
                raise WeComError(code, str(body.get("errmsg", ""))[:200], path)
        raise AssertionError("unreachable")  # pragma: no cover

    def _access_token(self, *, refresh: bool) -> str:
        with self._lock:
            if refresh or self._token is None or self._monotonic() >= self._token_until:
                self._token = None
                body = self._send(
                    "GET",
                    "/cgi-bin/gettoken",
                    {"corpid": self._corp_id, "corpsecret": self._secret},
                    None,
                )
                code = int(body.get("errcode", 0))
                if code != 0:
                    raise WeComError(code, str(body.get("errmsg", ""))[:200], "gettoken")
                self._token = str(body["access_token"])
                expires = int(body.get("expires_in", 7200))
                self._token_until = self._monotonic() + max(60, expires - TOKEN_MARGIN_SECONDS)
                self.token_fetches += 1
            return self._token

    def _send(
        self, method: str, path: str, params: dict[str, Any], payload: dict[str, Any] | None
    ) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, params=params, json=payload)
        except httpx.HTTPError as exc:
            raise WeComUnreachable(path, type(exc).__name__) from None
        if response.status_code >= 500:
            raise WeComUnreachable(path, f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise WeComUnreachable(path, "the answer is not JSON") from None
        if not isinstance(body, dict):
            raise WeComUnreachable(path, "the answer is not a JSON object")
        return body
