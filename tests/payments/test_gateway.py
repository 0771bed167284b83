"""How a process pays: with the seven LIVELOOP_WECHATPAY_* settings through the configured
keys (here aimed at the local server), without any through the local provider with keys
generated per data dir — over real HTTP both ways, the notification included."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest

from liveloop.payments import gateway as gateways
from liveloop.payments import service
from liveloop.payments.client import ProviderRefusal
from liveloop.payments.contracts import NOTIFY_PATH, PaymentConflict
from liveloop.payments.keys import CredentialsIncomplete, LocalKeys, new_private_key_pem
from liveloop.payments.keys import public_key_pem as public_of
from tests.conftest import make_settings
from tests.helpers import running_server
from tests.payments.test_notify import OPENID, auth


def configured(tmp_path, keys: LocalKeys, base_url: str, merchant_pem: str | None = None):
    merchant = tmp_path / "apiclient_key.pem"
    merchant.write_text(merchant_pem or keys.merchant_private_pem)
    platform = tmp_path / "pub_key.pem"
    platform.write_text(public_of(keys.platform_private_pem))
    return make_settings(
        f"sqlite:///{tmp_path / 'x.db'}",
        wechatpay_mchid=keys.mchid,
        wechatpay_appid=keys.appid,
        wechatpay_apiv3_key=keys.apiv3_key,
        wechatpay_private_key=merchant,
        wechatpay_cert_serial=keys.cert_serial,
        wechatpay_platform_public_key=platform,
        wechatpay_platform_key_id=keys.platform_key_id,
        wechatpay_api_base=base_url,
    )


def test_configured_credentials_sign_requests_the_server_verifies(
    tmp_path, local_keys, local_server, provider, book
):
    settings = configured(tmp_path, local_keys, local_server.base_url)
    gateway = gateways.build(settings, book)
    assert gateway.provider is None
    assert gateway.client.query("SO-NONE") is None  # signed, verified, answered ORDER_NOT_EXIST
    prepay = gateway.client.jsapi("SO-1", Decimal("3.00"), OPENID, "酱油")
    assert provider.orders["SO-1"]["prepay_id"] == prepay
    secret = local_keys.apiv3_key
    assert secret not in repr(settings) and secret not in repr(gateway.client.credentials)

    impostor = gateways.build(
        configured(tmp_path, local_keys, local_server.base_url, new_private_key_pem()), book
    )
    with pytest.raises(ProviderRefusal) as refused:
        impostor.client.query("SO-1")
    assert refused.value.code == "SIGN_ERROR"
    assert provider.refused_requests == 1


def test_a_partial_set_of_credentials_refuses_to_start(tmp_path, book):
    settings = make_settings(f"sqlite:///{tmp_path / 'x.db'}", wechatpay_mchid="1900000109")
    with pytest.raises(CredentialsIncomplete) as refused:
        gateways.build(settings, book)
    assert "LIVELOOP_WECHATPAY_APIV3_KEY" in str(refused.value)


def test_without_credentials_the_local_provider_pays_end_to_end_over_http(runtime, book):
    gateway = gateways.install(
        runtime, gateways.build(runtime.settings, book, now=runtime.clock.now)
    )
    try:
        assert gateway.provider is not None and gateway.server is not None
        keys_dir = runtime.settings.wechatpay_local_path()
        assert (keys_dir / "merchant_key.pem").stat().st_mode & 0o077 == 0
        book.place("SO-DEMO", "19.90")
        with running_server(runtime) as base:
            gateway.client.notify_url = base + NOTIFY_PATH
            answer = httpx.post(
                base + "/v1/payments/wechatpay/jsapi",
                json={"order_no": "SO-DEMO", "openid": OPENID},
                headers=auth(runtime),
            )
            assert answer.status_code == 200, answer.text
            prepay_id = answer.json()["prepay_id"]
            # The buyer pays in WeChat: the provider notifies our notify URL, signed.
            paid = httpx.post(f"{gateway.server.base_url}/localpay/pay/{prepay_id}")
            assert paid.status_code == 200
            deadline = time.monotonic() + 10
            while not book.payments and time.monotonic() < deadline:
                time.sleep(0.05)
            shown = httpx.get(f"{base}/v1/payments/SO-DEMO", headers=auth(runtime, "operator"))
        assert [no for no, _, _ in book.payments] == ["SO-DEMO"]
        assert shown.json()["state"] == "paid"
        # The same keys next time: generated once per data dir.
        assert (
            LocalKeys.load_or_create(keys_dir).cert_serial == gateway.client.credentials.cert_serial
        )
    finally:
        gateways.forget(runtime)


def test_the_demo_buyer_pays_through_the_local_provider_once(runtime, book):
    gateway = gateways.install(
        runtime, gateways.build(runtime.settings, book, now=runtime.clock.now)
    )
    try:
        book.place("SO-BUY", "49.00")
        now = runtime.clock.now()
        assert service.pay_locally(
            runtime.sessions, runtime.read_sessions, gateway, "SO-BUY", OPENID, now
        )
        with pytest.raises(PaymentConflict):
            service.pay_locally(
                runtime.sessions, runtime.read_sessions, gateway, "SO-BUY", OPENID, now
            )
        assert [no for no, _, _ in book.payments] == ["SO-BUY"]
    finally:
        gateways.forget(runtime)
