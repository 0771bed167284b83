"""Our side of WeChat Pay v3, through the ``wechatpayv3`` SDK: JSAPI (小程序) orders, order
queries, refunds and refund queries, and the signed parameters a 小程序 hands to
``wx.requestPayment``. The SDK signs every request and verifies every answer's signature with
the platform public key; its errors are mapped here to ``ProviderError`` (retry) or
``ProviderRefusal`` (WeChat said no, with its code)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from wechatpayv3 import SignType, WeChatPay, WeChatPayType

from liveloop.payments import signatures
from liveloop.payments.contracts import ProviderError
from liveloop.payments.keys import Credentials

log = logging.getLogger(__name__)
TIMEOUT = (5, 15)


class ProviderRefusal(ProviderError):
    """WeChat answered with an error code (``code``: e.g. SYSTEM_ERROR, ORDERPAID)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"WeChat Pay {status} {code}: {message}")
        self.http_status, self.code = status, code

    @property
    def retryable(self) -> bool:
        return self.http_status >= 500 or self.code in {"SYSTEM_ERROR", "FREQUENCY_LIMITED"}


@dataclass(frozen=True)
class PayParams:
    """What the 小程序 passes to ``wx.requestPayment`` (signType RSA, paySign over
    appId, timeStamp, nonceStr, package)."""

    appId: str  # wx.requestPayment's own names
    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class WeChatPayClient:
    def __init__(self, credentials: Credentials, api_base: str, notify_url: str) -> None:
        self.credentials = credentials
        self.notify_url = notify_url
        self._pay = WeChatPay(
            wechatpay_type=WeChatPayType.MINIPROG,
            mchid=credentials.mchid,
            private_key=credentials.private_key_pem,
            cert_serial_no=credentials.cert_serial,
            appid=credentials.appid,
            apiv3_key=credentials.apiv3_key,
            notify_url=notify_url,
            public_key=credentials.platform_public_key_pem,
            public_key_id=credentials.platform_key_id,
            timeout=TIMEOUT,
        )
        # The SDK's gateway is fixed to api.mch.weixin.qq.com; tests and the local provider
        # point it elsewhere (the only private attribute we touch, decision 0028).
        self._pay._core._gate_way = api_base.rstrip("/")

    def _call(self, what: str, call: Any) -> tuple[int, dict[str, Any]]:
        try:
            status, text = call()
        except Exception as exc:  # requests' errors, or the SDK's "failed to verify"
            raise ProviderError(f"WeChat Pay {what}: {type(exc).__name__}: {exc}") from None
        try:
            body = json.loads(text) if text else {}
        except (TypeError, ValueError):
            body = {}
        if not 200 <= status < 300:
            raise ProviderRefusal(
                status, str(body.get("code", "UNKNOWN")), str(body.get("message", ""))[:200]
            )
        return status, body

    def jsapi(self, out_trade_no: str, amount: Decimal, openid: str, description: str) -> str:
        """A 小程序 order; its prepay_id."""
        _, body = self._call(
            "jsapi",
            lambda: self._pay.pay(
                description=description[:127],
                out_trade_no=out_trade_no,
                amount={"total": fen(amount), "currency": "CNY"},
                payer={"openid": openid},
                notify_url=self.notify_url,
                pay_type=WeChatPayType.MINIPROG,
            ),
        )
        return str(body["prepay_id"])

    def pay_params(self, prepay_id: str, at: datetime) -> PayParams:
        stamp, nonce = str(int(at.timestamp())), signatures.nonce()
        package = f"prepay_id={prepay_id}"
        pay_sign = self._pay.sign(
            [self.credentials.appid, stamp, nonce, package], SignType.RSA_SHA256
        )
        return PayParams(self.credentials.appid, stamp, nonce, package, "RSA", pay_sign)

    def query(self, out_trade_no: str) -> dict[str, Any] | None:
        """The transaction WeChat holds for our order number (None: WeChat has none)."""
        try:
            _, body = self._call("query", lambda: self._pay.query(out_trade_no=out_trade_no))
        except ProviderRefusal as exc:
            if exc.code == "ORDER_NOT_EXIST":
                return None
            raise
        return body

    def refund(
        self, out_refund_no: str, out_trade_no: str, amount: Decimal, total: Decimal, reason: str
    ) -> dict[str, Any]:
        _, body = self._call(
            "refund",
            lambda: self._pay.refund(
                out_refund_no=out_refund_no,
                out_trade_no=out_trade_no,
                amount={"refund": fen(amount), "total": fen(total), "currency": "CNY"},
                reason=reason[:80] or None,
            ),
        )
        return body

    def query_refund(self, out_refund_no: str) -> dict[str, Any] | None:
        try:
            _, body = self._call(
                "query_refund", lambda: self._pay.query_refund(out_refund_no=out_refund_no)
            )
        except ProviderRefusal as exc:
            if exc.code == "RESOURCE_NOT_EXISTS":
                return None
            raise
        return body
