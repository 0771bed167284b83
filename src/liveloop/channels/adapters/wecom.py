"""WeCom customer contact (企业微信客户联系) over its HTTP API.

- The access token and the call are WeCom's shared client (``liveloop.wecom``: cached, a
  stale token refreshed once, the secret kept out of logs).
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

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from liveloop.channels.adapters.base import (
    Outgoing,
    Rejected,
    SendResult,
    Throttled,
    Unavailable,
)
from liveloop.wecom import BUSY, RATE_LIMITED, WeComApi, WeComError, WeComUnreachable

# get_groupmsg_send_result status: 0 not sent yet, 1 sent, 2 not a contact, 3 quota reached.
RESULT_STATUS = {
    1: "delivered",
    2: "failed: the customer is not (or no longer) a contact of the sender",
    3: "failed: the customer already received another mass-send (WeCom quota)",
}


class WeComClient:
    """The customer-contact calls we use, over the shared token and call (``liveloop.wecom``),
    WeCom's refusals turned into the sender's outcomes. Thread-safe; one per process."""

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
        self._api = WeComApi(base_url, corp_id, secret, timeout=timeout, monotonic=monotonic)
        self._backoff = backoff

    @property
    def token_fetches(self) -> int:
        return self._api.token_fetches

    def close(self) -> None:
        self._api.close()

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path``: 45009 is ``Throttled``, -1 and no answer
        ``Unavailable``, any other refusal ``Rejected``."""
        try:
            return self._api.call("POST", path, payload)
        except WeComUnreachable as exc:
            raise Unavailable(str(exc)) from None
        except WeComError as exc:
            if exc.code == RATE_LIMITED:
                raise Throttled(self._backoff, str(exc)) from None
            if exc.code == BUSY:
                raise Unavailable(str(exc)) from None
            raise Rejected(str(exc)) from None

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
