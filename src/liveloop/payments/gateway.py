"""What a process pays through: the WeChat Pay client, the notification verifier and the order
book, built once per runtime from its settings.

With credentials set (all seven LIVELOOP_WECHATPAY_* settings) it talks to
``LIVELOOP_WECHATPAY_API_BASE``. Without any, it starts the local provider on a free local
port with keys generated per data dir and pays through it, signed exactly as WeChat would —
the demo's payments. Tests hand in their own (``install``).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from liveloop.config import Settings
from liveloop.payments import keys
from liveloop.payments.client import WeChatPayClient
from liveloop.payments.localpay.provider import LocalWeChatPay
from liveloop.payments.localpay.server import LocalServer
from liveloop.payments.notify import Verifier
from liveloop.payments.orders import OrderBook
from liveloop.runtime import Runtime


class ProcessedIds:
    """Notification ids this process saw committed, the latest ``size`` of them: a replay of
    one (WeChat retries, often many times) is answered without asking the store. Only a
    committed id is added, so the store stays the truth; a miss asks it."""

    def __init__(self, size: int = 200_000) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, notification_id: object) -> bool:
        with self._lock:
            return notification_id in self._ids

    def add(self, notification_id: str) -> None:
        with self._lock:
            self._ids[notification_id] = None
            if len(self._ids) > self.size:
                self._ids.popitem(last=False)


@dataclass
class Gateway:
    client: WeChatPayClient
    verifier: Verifier
    orders: OrderBook
    # The local provider, when this process pays through it (no credentials).
    provider: LocalWeChatPay | None = None
    server: LocalServer | None = None
    processed: ProcessedIds = field(default_factory=ProcessedIds)

    def close(self) -> None:
        if self.server is not None:
            self.server.close()


# By runtime (a runtime is not hashable); the weak reference tells a runtime from a later one
# that happens to get the same id.
_GATEWAYS: dict[int, tuple[weakref.ref[Runtime], Gateway]] = {}
_DEFAULT_ORDERS: list[OrderBook] = []
_LOCK = threading.Lock()


def default_orders(orders: OrderBook) -> None:
    """The order book gateways built from settings use (commerce's, set by ``jobs``)."""
    _DEFAULT_ORDERS[:] = [orders]


def install(runtime: Runtime, gateway: Gateway) -> Gateway:
    with _LOCK:
        previous = _GATEWAYS.pop(id(runtime), None)
        _GATEWAYS[id(runtime)] = (weakref.ref(runtime), gateway)
    if previous is not None and previous[1] is not gateway:
        previous[1].close()
    return gateway


def built(runtime: Runtime) -> bool:
    """Whether this runtime's gateway exists (building one may start the local provider)."""
    with _LOCK:
        known = _GATEWAYS.get(id(runtime))
        return known is not None and known[0]() is runtime


def gateway(runtime: Runtime) -> Gateway:
    """This runtime's gateway, built from its settings on first use."""
    with _LOCK:
        known = _GATEWAYS.get(id(runtime))
        if known is not None and known[0]() is runtime:
            return known[1]
        if known is not None:
            known[1].close()
        built = build(runtime.settings, now=runtime.clock.now)
        _GATEWAYS[id(runtime)] = (weakref.ref(runtime), built)
        return built


def forget(runtime: Runtime) -> None:
    with _LOCK:
        known = _GATEWAYS.pop(id(runtime), None)
    if known is not None:
        known[1].close()


def build(
    settings: Settings,
    orders: OrderBook | None = None,
    *,
    now: Callable[[], datetime] | None = None,
) -> Gateway:
    """``now``: the local provider's clock (its notifications' timestamps), the runtime's."""
    if orders is None:
        if not _DEFAULT_ORDERS:
            raise RuntimeError("no order book: payments.jobs.register(runtime) sets commerce's")
        orders = _DEFAULT_ORDERS[0]
    if keys.configured(settings):
        credentials = keys.from_settings(settings)
        client = WeChatPayClient(
            credentials, settings.wechatpay_api_base, settings.wechatpay_notify_url
        )
        return Gateway(client, Verifier(credentials), orders)
    local = keys.LocalKeys.load_or_create(settings.wechatpay_local_path())
    provider = LocalWeChatPay(local, now=now)
    server = LocalServer(provider)
    credentials = local.merchant_credentials()
    client = WeChatPayClient(credentials, server.base_url, settings.wechatpay_notify_url)
    return Gateway(client, Verifier(credentials), orders, provider, server)
