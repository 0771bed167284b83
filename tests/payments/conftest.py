"""Payments against the local WeChat Pay v3 server (a real HTTP server on a local port that
verifies our signatures and signs its answers and notifications)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from liveloop.payments import gateway as gateways
from liveloop.payments.client import WeChatPayClient
from liveloop.payments.keys import LocalKeys
from liveloop.payments.localpay.provider import LocalWeChatPay
from liveloop.payments.localpay.server import LocalServer, serve
from liveloop.payments.notify import Verifier
from tests.payments.book import Book

NOTIFY_URL = "http://testserver/v1/payments/wechatpay/notify"


@pytest.fixture(scope="session")
def local_keys() -> LocalKeys:
    return LocalKeys.generate()


@pytest.fixture
def provider(local_keys, clock) -> LocalWeChatPay:
    return LocalWeChatPay(local_keys, now=clock.now)


@pytest.fixture
def local_server(provider) -> Iterator[LocalServer]:
    with serve(provider) as server:
        yield server


@pytest.fixture
def book() -> Book:
    return Book()


def install_gateway(runtime, local_keys, server, provider, orders) -> gateways.Gateway:
    credentials = local_keys.merchant_credentials()
    return gateways.install(
        runtime,
        gateways.Gateway(
            WeChatPayClient(credentials, server.base_url, NOTIFY_URL),
            Verifier(credentials),
            orders,
            provider,
        ),
    )


@pytest.fixture
def pay(runtime, local_keys, local_server, provider, book) -> Iterator[gateways.Gateway]:
    """The runtime's gateway: the local server, the test's order book."""
    yield install_gateway(runtime, local_keys, local_server, provider, book)
    gateways.forget(runtime)
