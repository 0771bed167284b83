"""The must-show's payment half: an order paid through a 小程序 JSAPI prepay and a signed WeChat
Pay v3 notification; the same notification replayed, a forged signature, a stale timestamp
and a tampered body each get WeChat's documented answer and change nothing."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from liveloop.access.service import create_api_key
from liveloop.payments import signatures
from liveloop.payments.contracts import NOTIFY_PATH
from liveloop.payments.keys import new_private_key_pem, public_key_pem
from liveloop.store.engine import transaction

OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"


def auth(runtime, role: str = "integrator") -> dict[str, str]:
    with transaction(runtime.sessions) as session:
        key = create_api_key(session, f"{role}-key", role, runtime.clock.now())[1]
    return {"Authorization": f"Bearer {key}"}


def prepay(client, runtime, order_no: str) -> dict:
    answer = client.post(
        "/v1/payments/wechatpay/jsapi",
        json={"order_no": order_no, "openid": OPENID},
        headers=auth(runtime),
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def post(client, headers: dict[str, str], body: str):
    return client.post(NOTIFY_PATH, content=body.encode(), headers=headers)


def test_an_order_is_paid_once_by_its_signed_notification_and_replays_change_nothing(
    client, runtime, pay, book, provider, local_keys
):
    book.place("SO100", "59.00")
    order = prepay(client, runtime, "SO100")
    params = order["pay_params"]
    # wx.requestPayment's paySign: SHA256-with-RSA by the merchant key over its four lines.
    merchant = signatures.load_public(public_key_pem(local_keys.merchant_private_pem))
    message = (
        f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
    )
    merchant.verify(base64.b64decode(params["paySign"]), message.encode(), PKCS1v15(), SHA256())
    assert params["package"] == f"prepay_id={order['prepay_id']}"
    assert provider.orders["SO100"]["amount"]["total"] == 5900  # asked in fen, signed

    notification = provider.pay(order["prepay_id"])
    assert notification is not None
    first = post(client, notification.headers, notification.body)
    assert first.status_code == 204, first.text
    assert [(no, str(amount)) for no, amount, _ in book.payments] == [("SO100", "59.00")]

    for _ in range(3):  # WeChat retries the same notification: success, nothing new
        again = post(client, notification.headers, notification.body)
        assert again.status_code == 204
    assert len(book.payments) == 1
    shown = client.get("/v1/payments/SO100", headers=auth(runtime, "operator")).json()
    assert shown["state"] == "paid" and shown["paid_by"] == "notify"
    assert shown["transaction_id"] == provider.orders["SO100"]["transaction_id"]


def test_forged_stale_and_tampered_notifications_are_refused_and_change_nothing(
    client, runtime, pay, book, provider, clock
):
    book.place("SO200", "12.50")
    order = prepay(client, runtime, "SO200")
    genuine = provider.pay(order["prepay_id"])
    assert genuine is not None

    forger = signatures.load_private(new_private_key_pem())
    forged = dict(genuine.headers)
    forged["Wechatpay-Signature"] = signatures.sign(
        forger, forged["Wechatpay-Timestamp"], forged["Wechatpay-Nonce"], genuine.body
    )
    stale = provider.sign_notification(genuine.body, at=clock.now() - timedelta(minutes=6))
    tampered = genuine.body.replace('"summary": "支付成功"', '"summary": "支付成功 "')
    assert tampered != genuine.body
    unknown_key = {**genuine.headers, "Wechatpay-Serial": "PUB_KEY_ID_SOMEONE_ELSE"}

    for headers, body, words in (
        (forged, genuine.body, "does not verify"),
        (stale, genuine.body, "5 minutes"),
        (genuine.headers, tampered, "does not verify"),
        (unknown_key, genuine.body, "platform public key"),
        ({"Content-Type": "application/json"}, genuine.body, "missing"),
    ):
        answer = post(client, headers, body)
        assert answer.status_code == 401, answer.text
        assert answer.json()["code"] == "FAIL" and words in answer.json()["message"]
    assert book.payments == []
    shown = client.get("/v1/payments/SO200", headers=auth(runtime, "operator")).json()
    assert shown["state"] == "prepaid" and shown["transaction_id"] is None

    # The genuine one still pays: nothing above claimed its notification id.
    assert post(client, genuine.headers, genuine.body).status_code == 204
    assert len(book.payments) == 1


def test_a_resource_that_does_not_decrypt_is_refused(client, runtime, pay, book, provider):
    book.place("SO300", "9.90")
    order = prepay(client, runtime, "SO300")
    genuine = provider.pay(order["prepay_id"])
    assert genuine is not None
    envelope = json.loads(genuine.body)
    envelope["resource"]["associated_data"] = "refund"  # re-signed, but the GCM tag fails
    body = json.dumps(envelope, ensure_ascii=False)
    answer = post(client, provider.sign_notification(body), body)
    assert answer.status_code == 400
    assert answer.json() == {"code": "FAIL", "message": answer.json()["message"]}
    assert "decrypt" in answer.json()["message"]
    assert book.payments == []


def test_jsapi_refuses_unknown_and_paid_orders_with_reasons(client, runtime, pay, book, provider):
    answer = client.post(
        "/v1/payments/wechatpay/jsapi",
        json={"order_no": "NOPE", "openid": OPENID},
        headers=auth(runtime),
    )
    assert answer.status_code == 404 and "NOPE" in answer.json()["reason"]
    book.place("SO400", "1.00")
    order = prepay(client, runtime, "SO400")
    assert prepay(client, runtime, "SO400")["prepay_id"] == order["prepay_id"]
    notification = provider.pay(order["prepay_id"])
    assert notification is not None
    assert post(client, notification.headers, notification.body).status_code == 204
    again = client.post(
        "/v1/payments/wechatpay/jsapi",
        json={"order_no": "SO400", "openid": OPENID},
        headers=auth(runtime),
    )
    assert again.status_code == 409
    assert client.post(NOTIFY_PATH, content=b"x" * 70_000).status_code == 413
