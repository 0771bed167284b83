"""WeCom customer contact (企业微信客户联系) over its HTTP API.

- ``gettoken``: the access token is cached in memory (per process) until shortly before
  ``expires_in`` runs out; a call answered with 40014 (invalid), 42001 (expired) or 40001
  (invalid secret/token) drops the cached token, fetches a new one and retries once.
- 45009 (API frequency limit) and -1 (system busy) are transient: ``Throttled`` with a delay /
  ``Unavailable``; any other non-zero errcode is a ``Rejected`` message.
- Marketing and service texts go out as mass-send tasks (``externalcontact/add_msg_template``,
  chat_type single): WeCom shows the task to the sending member (the guide), who confirms it in
  the client. The task id (msgid) is the message's provider id; ``send_result`` reads
  ``get_groupmsg_send_result`` later to mark the message delivered or failed.
- Welcome messages answer a "customer added" callback with its ``welcome_code``
  (``send_welcome_msg``, valid 20 seconds, not counted in the monthly quota).
- ``mark_tag`` sets enterprise customer tags.

WeCom's add_msg_template takes no idempotency key: a send repeated after a crash between the
provider's answer and our commit creates a second task, which the guide sees and can ignore.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx

from liveloop.channels.adapters.base import (
    Outgoing,
    Rejected,
    SendResult,
    Throttled,
    Unavailable,
)

SECRET_PARAMS = re.compile(r"((?:corpsecret|access_token)=)[^&\s\"']+")


class RedactSecrets(logging.Filter):
    """httpx logs every request URL at INFO; WeCom puts the secret and the token in the query
    string. This filter (on the ``httpx`` logger) blanks them before any handler sees them."""

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


TOKEN_EXPIRED = frozenset({40014, 42001, 40001})
RATE_LIMITED = 45009
BUSY = -1
TOKEN_MARGIN_SECONDS = 300
# get_groupmsg_send_result status: 0 not sent yet, 1 sent, 2 not a contact, 3 quota reached.
RESULT_STATUS = {
    1: "delivered",
    2: "failed: the customer is not (or no longer) a contact of the sender",
    3: "failed: the customer already received another mass-send (WeCom quota)",
}


class WeComClient:
    """The API calls we use, with the token cache. Thread-safe; one per process."""

    def __init__(
        self,
        base_url: str,
        corp_id: str,
        secret: str,
        *,
        backoff: timedelta = timedelta(seconds=60),
        timeout: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        _redact_httpx_logs()
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout)
        self._corp_id, self._secret = corp_id, secret
        self._backoff = backoff
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self.token_fetches = 0  # how often gettoken was called (tests, metrics)

    def close(self) -> None:
        self._http.close()

    def _access_token(self, *, refresh: bool = False) -> str:
        with self._lock:
            if refresh or self._token is None or self._monotonic() >= self._token_until:
                body = self._get(
                    "/cgi-bin/gettoken", {"corpid": self._corp_id, "corpsecret": self._secret}
                )
                if body.get("errcode", 0) != 0:
                    self._raise(body, "gettoken")
                self._token = str(body["access_token"])
                expires = int(body.get("expires_in", 7200))
                self._token_until = self._monotonic() + max(60, expires - TOKEN_MARGIN_SECONDS)
                self.token_fetches += 1
            return self._token

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        try:
            response = self._http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise Unavailable(f"WeCom {path}: {type(exc).__name__}") from None
        return self._json(path, response)

    @staticmethod
    def _json(path: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 500:
            raise Unavailable(f"WeCom {path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise Unavailable(f"WeCom {path}: answer is not JSON") from None
        if not isinstance(body, dict):
            raise Unavailable(f"WeCom {path}: unexpected answer")
        return body

    def _raise(self, body: dict[str, Any], path: str) -> None:
        code = int(body.get("errcode", 0))
        reason = f"WeCom {path}: errcode {code} {body.get('errmsg', '')}".strip()
        if code == RATE_LIMITED:
            raise Throttled(self._backoff, reason)
        if code == BUSY:
            raise Unavailable(reason)
        raise Rejected(reason)

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` with the access token; refresh it once if WeCom says
        it expired or is invalid."""
        for attempt in (0, 1):
            token = self._access_token(refresh=attempt == 1)
            try:
                response = self._http.post(path, params={"access_token": token}, json=payload)
            except httpx.HTTPError as exc:
                raise Unavailable(f"WeCom {path}: {type(exc).__name__}") from None
            body = self._json(path, response)
            code = int(body.get("errcode", 0))
            if code == 0:
                return body
            if code in TOKEN_EXPIRED and attempt == 0:
                continue
            self._raise(body, path)
        raise AssertionError("unreachable")  # pragma: no cover

    def add_msg_template(
        self, sender: str, external_userid: str, text: str, attachments: list[dict[str, Any]]
    ) -> str:
        body = self.call(
            "/cgi-bin/externalcontact/add_msg_template",
            {
                "chat_type": "single",
                "external_userid": [external_userid],
                "sender": sender,
                "text": {"content": text},
                "attachments": attachments,
            },
        )
        if external_userid in (body.get("fail_list") or []):
            raise Rejected("WeCom add_msg_template: the customer is not a contact of the sender")
        return str(body["msgid"])

    def send_result(self, msgid: str, sender: str, external_userid: str) -> int | None:
        """The send status of one customer in a mass-send task (0 … 3), None if not listed."""
        cursor = ""
        while True:
            body = self.call(
                "/cgi-bin/externalcontact/get_groupmsg_send_result",
                {"msgid": msgid, "userid": sender, "limit": 1000, "cursor": cursor},
            )
            for row in body.get("send_list") or []:
                if row.get("external_userid") == external_userid:
                    return int(row.get("status", 0))
            cursor = body.get("next_cursor") or ""
            if not cursor:
                return None

    def send_welcome_msg(
        self, welcome_code: str, text: str, attachments: list[dict[str, Any]]
    ) -> None:
        self.call(
            "/cgi-bin/externalcontact/send_welcome_msg",
            {"welcome_code": welcome_code, "text": {"content": text}, "attachments": attachments},
        )

    def mark_tag(
        self,
        userid: str,
        external_userid: str,
        add: list[str] | None = None,
        remove: list[str] | None = None,
    ) -> None:
        self.call(
            "/cgi-bin/externalcontact/mark_tag",
            {
                "userid": userid,
                "external_userid": external_userid,
                "add_tag": add or [],
                "remove_tag": remove or [],
            },
        )


class WeComAdapter:
    name = "wecom"

    def __init__(self, client: WeComClient, sender: str) -> None:
        self.client, self.sender = client, sender

    def send(self, message: Outgoing) -> SendResult:
        if not message.recipient:
            raise Rejected("no WeCom external_userid for this customer")
        attachments = list(message.params.get("attachments") or [])
        if message.params.get("msgtype") == "welcome":
            code = message.params.get("welcome_code")
            if not code:
                raise Rejected("a welcome message needs the callback's welcome_code")
            self.client.send_welcome_msg(str(code), message.body, attachments)
            return SendResult(delivered=True)
        msgid = self.client.add_msg_template(
            self.sender, message.recipient, message.body, attachments
        )
        return SendResult(provider_message_id=msgid, poll_result=True)

    def result(self, msgid: str, external_userid: str) -> str | None:
        """ "delivered", "failed: …", or None while the guide has not sent it yet."""
        status = self.client.send_result(msgid, self.sender, external_userid)
        return RESULT_STATUS.get(status) if status else None
