"""Webhooks signed per the Standard Webhooks spec (the ``standardwebhooks`` package).

Headers: ``webhook-id`` (the message's idempotency key, stable across retries, so receivers
de-duplicate on it), ``webhook-timestamp`` (unix seconds) and ``webhook-signature``
(``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` with the ``whsec_`` secret).

A 2xx is delivery. 408, 409, 425, 429 and 5xx are retried (429 after its Retry-After); any
other 4xx means the receiver refuses this payload for good.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from standardwebhooks.webhooks import Webhook

from liveloop.channels.adapters.base import (
    Outgoing,
    Rejected,
    SendResult,
    Throttled,
    Unavailable,
)
from liveloop.store.base import json_default

RETRYABLE_4XX = {408, 409, 425, 429}


class WebhookAdapter:
    name = "webhook"

    def __init__(
        self,
        secret: str,
        *,
        timeout: float = 10.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._signer = Webhook(secret)
        self._http = httpx.Client(timeout=timeout, follow_redirects=False)
        self._now = now

    def send(self, message: Outgoing) -> SendResult:
        if not message.recipient:
            raise Rejected("a webhook needs an endpoint URL")
        body = json.dumps(
            {
                "type": message.params.get("event_type", "message"),
                "timestamp": self._now().isoformat(),
                "data": message.params.get("payload", {}),
            },
            ensure_ascii=False,
            separators=(",", ":"),
            default=json_default,  # Decimal amounts as strings, times in ISO 8601
        )
        at = self._now()
        headers = {
            "content-type": "application/json",
            "webhook-id": message.idempotency_key,
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": self._signer.sign(message.idempotency_key, at, body),
        }
        try:
            response = self._http.post(message.recipient, content=body.encode(), headers=headers)
        except httpx.HTTPError as exc:
            raise Unavailable(f"webhook: {type(exc).__name__}") from None
        status = response.status_code
        if 200 <= status < 300:
            return SendResult(delivered=True)
        reason = f"webhook: HTTP {status}"
        if status == 429:
            raise Throttled(_retry_after(response.headers.get("retry-after")), reason)
        if status >= 500 or status in RETRYABLE_4XX:
            raise Unavailable(reason)
        raise Rejected(reason)


def _retry_after(value: str | None) -> timedelta:
    if value and value.strip().isdigit():
        return timedelta(seconds=min(3600, int(value.strip())))
    return timedelta(seconds=60)
