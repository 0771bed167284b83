"""The local provider's protocol: what WeChat Pay v3 answers, kept in memory.

Requests must carry ``Authorization: WECHATPAY2-SHA256-RSA2048 mchid=…,nonce_str=…,
signature=…,timestamp=…,serial_no=…`` signed with the merchant certificate's key, a timestamp
within 5 minutes and the merchant's certificate serial; else 401 ``SIGN_ERROR``. Answers are
signed with the platform key (``Wechatpay-Serial`` = its public key id), as WeChat signs them.

Knobs for tests and the demo: ``refuse_refunds`` (answer the next N refund requests with a
500 ``SYSTEM_ERROR``), ``refund_result`` (what an accepted refund becomes: ``SUCCESS`` at once
or ``PROCESSING`` until ``finish_refunds``), ``drop_notifications`` (pay, but never notify).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx

from liveloop.payments import signatures
from liveloop.payments.keys import LocalKeys, public_key_pem

CHINA = timezone(timedelta(hours=8))
WINDOW_SECONDS = 300


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any] | None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Notification:
    """A notification as it goes on the wire: its headers and its exact body."""

    url: str
    headers: dict[str, str]
    body: str
    id: str


def rfc3339(at: datetime) -> str:
    return at.astimezone(CHINA).isoformat(timespec="seconds")


class LocalWeChatPay:
    def __init__(self, keys: LocalKeys, *, now: Callable[[], datetime] | None = None) -> None:
        self.keys = keys
        self.now = now or (lambda: datetime.now(UTC))
        self._platform = signatures.load_private(keys.platform_private_pem)
        self._merchant_public = signatures.load_public(public_key_pem(keys.merchant_private_pem))
        self.lock = threading.Lock()
        self.orders: dict[str, dict[str, Any]] = {}  # out_trade_no -> transaction
        self.prepay: dict[str, str] = {}  # prepay_id -> out_trade_no
        self.refunds: dict[str, dict[str, Any]] = {}  # out_refund_no -> refund
        self.refund_requests: list[str] = []  # every out_refund_no asked, in order
        self.refuse_refunds = 0
        self.refund_result = "SUCCESS"
        self.drop_notifications = False
        self.sent: list[Notification] = []
        self.refused_requests = 0

    # --- the protocol -------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: Any, body: str) -> Answer:
        """Answer one request (``target`` is the path with its query string)."""
        path = target.split("?", 1)[0]
        if path.startswith("/localpay/"):
            return self._local(method, path)
        refusal = self._authenticate(method, target, headers, body)
        if refusal is not None:
            return self._signed(401, {"code": "SIGN_ERROR", "message": refusal})
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return self._signed(400, {"code": "PARAM_ERROR", "message": "body is not JSON"})
        with self.lock:
            if method == "POST" and path == "/v3/pay/transactions/jsapi":
                return self._jsapi(data)
            if method == "GET" and path.startswith("/v3/pay/transactions/out-trade-no/"):
                return self._query(path.rsplit("/", 1)[1])
            if method == "POST" and path == "/v3/refund/domestic/refunds":
                return self._refund(data)
            if method == "GET" and path.startswith("/v3/refund/domestic/refunds/"):
                return self._query_refund(path.rsplit("/", 1)[1])
        return self._signed(404, {"code": "NOT_FOUND", "message": f"no API at {path}"})

    def _authenticate(self, method: str, target: str, headers: Any, body: str) -> str | None:
        fields = signatures.parse_authorization(headers.get("Authorization", ""))
        if fields is None:
            self.refused_requests += 1
            return "Authorization is not WECHATPAY2-SHA256-RSA2048"
        if fields.get("mchid") != self.keys.mchid:
            self.refused_requests += 1
            return "mchid is not this merchant"
        if fields.get("serial_no") != self.keys.cert_serial:
            self.refused_requests += 1
            return "serial_no is not the merchant certificate's"
        stamp = fields.get("timestamp", "")
        if not stamp.isdigit() or abs(int(stamp) - time.time()) > WINDOW_SECONDS:
            self.refused_requests += 1
            return "timestamp is more than 5 minutes off"
        if not signatures.verify_request(
            self._merchant_public,
            method,
            target,
            stamp,
            fields.get("nonce_str", ""),
            body,
            fields.get("signature", ""),
        ):
            self.refused_requests += 1
            return "signature does not verify with the merchant certificate"
        return None

    def _signed(self, status: int, body: dict[str, Any] | None) -> Answer:
        text = json.dumps(body, ensure_ascii=False) if body is not None else ""
        stamp, nonce = str(int(time.time())), signatures.nonce()
        return Answer(
            status,
            body,
            {
                "Wechatpay-Timestamp": stamp,
                "Wechatpay-Nonce": nonce,
                "Wechatpay-Serial": self.keys.platform_key_id,
                "Wechatpay-Signature-Type": signatures.SCHEMA,
                "Wechatpay-Signature": signatures.sign(self._platform, stamp, nonce, text),
            },
        )

    def _jsapi(self, data: dict[str, Any]) -> Answer:
        missing = [
            name
            for name in ("appid", "mchid", "description", "out_trade_no", "notify_url", "amount")
            if not data.get(name)
        ]
        openid = (data.get("payer") or {}).get("openid")
        total = (data.get("amount") or {}).get("total")
        if missing or not openid or not isinstance(total, int) or total <= 0:
            return self._signed(
                400, {"code": "PARAM_ERROR", "message": f"missing or invalid: {missing}"}
            )
        if data["appid"] != self.keys.appid or data["mchid"] != self.keys.mchid:
            return self._signed(400, {"code": "APPID_MCHID_NOT_MATCH", "message": "appid"})
        known = self.orders.get(data["out_trade_no"])
        if known is not None:
            if known["trade_state"] == "SUCCESS":
                return self._signed(400, {"code": "ORDERPAID", "message": "该订单已支付"})
            if known["amount"]["total"] != total:
                return self._signed(
                    400, {"code": "INVALID_REQUEST", "message": "订单号重复,金额不一致"}
                )
            return self._signed(200, {"prepay_id": known["prepay_id"]})
        prepay_id = "wx" + secrets.token_hex(15)
        self.orders[data["out_trade_no"]] = {
            "appid": data["appid"],
            "mchid": data["mchid"],
            "out_trade_no": data["out_trade_no"],
            "trade_type": "JSAPI",
            "trade_state": "NOTPAY",
            "trade_state_desc": "未支付",
            "payer": {"openid": openid},
            "amount": {"total": total, "currency": "CNY"},
            "prepay_id": prepay_id,
            "notify_url": data["notify_url"],
        }
        self.prepay[prepay_id] = data["out_trade_no"]
        return self._signed(200, {"prepay_id": prepay_id})

    def _transaction(self, order: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in order.items() if k not in ("prepay_id", "notify_url")}
        if order["trade_state"] == "SUCCESS":
            shown["amount"] = {
                **order["amount"],
                "payer_total": order["amount"]["total"],
                "payer_currency": "CNY",
            }
        return shown

    def _query(self, out_trade_no: str) -> Answer:
        order = self.orders.get(out_trade_no)
        if order is None:
            return self._signed(404, {"code": "ORDER_NOT_EXIST", "message": "订单不存在"})
        return self._signed(200, self._transaction(order))

    def _refund(self, data: dict[str, Any]) -> Answer:
        out_refund_no = str(data.get("out_refund_no") or "")
        self.refund_requests.append(out_refund_no)
        if self.refuse_refunds > 0:
            self.refuse_refunds -= 1
            return self._signed(500, {"code": "SYSTEM_ERROR", "message": "系统超时,请稍后重试"})
        known = self.refunds.get(out_refund_no)
        if known is not None:  # the same out_refund_no again: the same refund, never a second
            return self._signed(200, known)
        order = self.orders.get(str(data.get("out_trade_no") or ""))
        amount = data.get("amount") or {}
        if order is None or order["trade_state"] != "SUCCESS":
            return self._signed(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        refunded = sum(
            r["amount"]["refund"]
            for r in self.refunds.values()
            if r["out_trade_no"] == order["out_trade_no"]
        )
        refund = amount.get("refund")
        if (
            not isinstance(refund, int)
            or refund <= 0
            or amount.get("total") != order["amount"]["total"]
        ):
            return self._signed(400, {"code": "PARAM_ERROR", "message": "amount"})
        if refunded + refund > order["amount"]["total"]:
            return self._signed(403, {"code": "NOT_ENOUGH", "message": "退款金额超过订单可退金额"})
        record = {
            "refund_id": "50" + secrets.token_hex(14),
            "out_refund_no": out_refund_no,
            "transaction_id": order["transaction_id"],
            "out_trade_no": order["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": rfc3339(self.now()),
            "status": self.refund_result,
            "amount": {
                "total": order["amount"]["total"],
                "refund": refund,
                "payer_total": order["amount"]["total"],
                "payer_refund": refund,
                "currency": "CNY",
            },
        }
        if self.refund_result == "SUCCESS":
            record["success_time"] = record["create_time"]
        self.refunds[out_refund_no] = record
        return self._signed(200, record)

    def _query_refund(self, out_refund_no: str) -> Answer:
        refund = self.refunds.get(out_refund_no)
        if refund is None:
            return self._signed(404, {"code": "RESOURCE_NOT_EXISTS", "message": "退款单不存在"})
        return self._signed(200, refund)

    def _local(self, method: str, path: str) -> Answer:
        """``POST /localpay/pay/{prepay_id}``: what the buyer's wx.requestPayment does."""
        if method == "POST" and path.startswith("/localpay/pay/"):
            notification = self.pay(path.rsplit("/", 1)[1])
            if notification is None:
                return Answer(404, {"code": "NOT_FOUND", "message": "unknown prepay_id"})
            threading.Thread(target=self.deliver, args=(notification,), daemon=True).start()
            return Answer(200, {"paid": True})
        return Answer(404, {"code": "NOT_FOUND", "message": path})

    # --- what happens at WeChat ----------------------------------------------------------

    def pay(self, prepay_id: str) -> Notification | None:
        """The buyer pays: the transaction succeeds and its notification is made (None for
        an unknown prepay_id). A second payment changes nothing and repeats the notification
        (same id), as WeChat retries one."""
        with self.lock:
            out_trade_no = self.prepay.get(prepay_id)
            if out_trade_no is None:
                return None
            order = self.orders[out_trade_no]
            if order["trade_state"] != "SUCCESS":
                order.update(
                    trade_state="SUCCESS",
                    trade_state_desc="支付成功",
                    bank_type="OTHERS",
                    transaction_id="42" + secrets.token_hex(13),
                    success_time=rfc3339(self.now()),
                    notification_id=secrets.token_hex(18),
                )
            return self.notification(out_trade_no)

    def notification(self, out_trade_no: str) -> Notification:
        """The signed, encrypted TRANSACTION.SUCCESS notification of a paid order."""
        order = self.orders[out_trade_no]
        plain = json.dumps(self._transaction(order), ensure_ascii=False)
        body = json.dumps(
            {
                "id": order["notification_id"],
                "create_time": order["success_time"],
                "resource_type": "encrypt-resource",
                "event_type": "TRANSACTION.SUCCESS",
                "summary": "支付成功",
                "resource": {
                    "original_type": "transaction",
                    **signatures.encrypt(self.keys.apiv3_key, plain, "transaction"),
                },
            },
            ensure_ascii=False,
        )
        return Notification(
            order["notify_url"], self.sign_notification(body), body, order["notification_id"]
        )

    def sign_notification(self, body: str, *, at: datetime | None = None) -> dict[str, str]:
        stamp = str(int((at or self.now()).timestamp()))
        nonce = signatures.nonce()
        return {
            "Content-Type": "application/json",
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Serial": self.keys.platform_key_id,
            "Wechatpay-Signature-Type": signatures.SCHEMA,
            "Wechatpay-Signature": signatures.sign(self._platform, stamp, nonce, body),
        }

    def deliver(self, notification: Notification) -> int | None:
        """POST a notification to its URL (unless dropping them); the answer's status."""
        if self.drop_notifications:
            return None
        self.sent.append(notification)
        try:
            response = httpx.post(
                notification.url,
                content=notification.body.encode(),
                headers=notification.headers,
                timeout=10,
            )
        except httpx.HTTPError:
            return None
        return response.status_code

    def finish_refunds(self) -> None:
        """Every PROCESSING refund reaches SUCCESS (WeChat paid the buyer back)."""
        with self.lock:
            for refund in self.refunds.values():
                if refund["status"] == "PROCESSING":
                    refund.update(status="SUCCESS", success_time=rfc3339(self.now()))
