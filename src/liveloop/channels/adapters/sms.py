"""SMS through Tencent Cloud's official SDK (``tencentcloud-sdk-python-sms``, API 2021-01-11).

A message names the approved sign name (签名), the provider's template id and the template's
parameters in order; the SDK signs each call with TC3-HMAC-SHA256. ``endpoint`` and ``scheme``
(the SDK's ``HttpProfile``) let tests point it at a local server that speaks the protocol.

The message's idempotency key travels as ``SessionContext``, which the provider returns in the
send status and the delivery receipt: a duplicate send after a crash can be recognised there.
(Tencent does not de-duplicate on it; ExtendCode is a reply-routing number extension, not a key.)

Error mapping (request-level ``Response.Error.Code`` and per-number ``SendStatusSet[].Code``):
rate limits and internal/network errors are retried, everything else is permanent.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from liveloop.channels.adapters.base import (
    Outgoing,
    Rejected,
    SendResult,
    Throttled,
    Unavailable,
    Unsubscribed,
)

# Retried after a delay: the provider's frequency limits per number and per account.
THROTTLED = {
    "RequestLimitExceeded": timedelta(seconds=1),
    "LimitExceeded.PhoneNumberThirtySecondLimit": timedelta(seconds=30),
    "LimitExceeded.PhoneNumberOneHourLimit": timedelta(hours=1),
    "LimitExceeded.DeliveryFrequencyLimit": timedelta(minutes=5),
}
TRANSIENT_PREFIXES = ("InternalError", "ClientNetworkError", "ServerNetworkError")
TRANSIENT = {"FailedOperation.InsufficientBalanceInSmsPackage", "ResourceUnavailable"}


# The number replied TD (or similar) to the provider and is on its blacklist.
BLACKLISTED = {"FailedOperation.PhoneNumberInBlacklist"}


def classify(code: str, message: str) -> Exception:
    reason = f"SMS {code}: {message}"
    if code in BLACKLISTED:
        return Unsubscribed(reason)
    if code in THROTTLED:
        return Throttled(THROTTLED[code], reason)
    if code.startswith(TRANSIENT_PREFIXES) or code in TRANSIENT:
        return Unavailable(reason)
    return Rejected(reason)


class TencentSmsAdapter:
    name = "sms"

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        app_id: str,
        sign_name: str | None,
        *,
        region: str = "ap-guangzhou",
        endpoint: str = "sms.tencentcloudapi.com",
        scheme: str = "https",
        timeout: int = 10,
    ) -> None:
        # Imported here: the SDK is an optional extra, loaded only when SMS is configured.
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(protocol=scheme, endpoint=endpoint, reqTimeout=timeout)
        self._client = sms_client.SmsClient(
            credential.Credential(secret_id, secret_key), region, ClientProfile(httpProfile=http)
        )
        self.app_id, self.sign_name = app_id, sign_name

    def send(self, message: Outgoing) -> SendResult:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        if not message.recipient:
            raise Rejected("no phone number for this customer")
        template_id = message.params.get("template_id")
        sign = message.params.get("sign_name") or self.sign_name
        if not template_id or not sign:
            raise Rejected("an SMS needs the provider's template id and an approved sign name")
        request = models.SendSmsRequest()
        request.from_json_string(
            _json(
                {
                    "PhoneNumberSet": [message.recipient],
                    "SmsSdkAppId": self.app_id,
                    "SignName": sign,
                    "TemplateId": str(template_id),
                    "TemplateParamSet": [str(v) for v in message.params.get("values", [])],
                    "SessionContext": message.idempotency_key,
                }
            )
        )
        try:
            response = self._client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise classify(str(exc.code or "ClientNetworkError"), str(exc.message)) from None
        statuses = response.SendStatusSet or []
        if not statuses:
            raise Unavailable("SMS: the provider answered without a send status")
        status = statuses[0]
        if status.Code != "Ok":
            raise classify(str(status.Code), str(status.Message))
        return SendResult(provider_message_id=str(status.SerialNo))


def _json(doc: dict[str, Any]) -> str:
    import json

    return json.dumps(doc, ensure_ascii=False)
