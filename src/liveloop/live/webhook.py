"""The live-platform webhook: its signature and the delivery schema (docs/ingest.md has the
schema and examples; ``live.mapping`` turns a delivery into our live events).

Signature: ``X-Liveloop-Signature: sha256=<hex>``, the HMAC-SHA256 with the source's signing
secret of ``X-Liveloop-Timestamp + "." + body`` (the JSON body bytes, after gzip decoding if
the request is gzip-encoded; the timestamp in Unix seconds). The source is named by its write
key (HTTP Basic username), as on the tracking API. A timestamp more than 5 minutes from our
clock is refused, so a captured request cannot be replayed later; a replay within the window
writes nothing new, because each event's message id is derived from the platform's event id.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from liveloop.errors import NO_CONTROL_CHARS
from liveloop.ingest.service import BadSignature, InvalidEvent

TOLERANCE = timedelta(minutes=5)
MAX_EVENTS = 500
ROOM = r"^[A-Za-z0-9_.-]{1,64}$"
# ASCII digits only (``str.isdigit`` also takes "²"), no leading zero, at most 12 of them.
UNIX_SECONDS = re.compile(r"[1-9][0-9]{0,11}")

Text = Annotated[str, Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)]
Price = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Liveloop-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str | None, given: str | None, body: bytes, now: datetime
) -> None:
    """Raise ``BadSignature`` unless ``given`` signs ``body`` at a timestamp near ``now``."""
    if not timestamp or not given:
        raise BadSignature("send X-Liveloop-Timestamp and X-Liveloop-Signature: sha256=<hex>")
    if not UNIX_SECONDS.fullmatch(timestamp):
        raise BadSignature("X-Liveloop-Timestamp must be Unix time in seconds")
    if abs(now.timestamp() - int(timestamp)) > TOLERANCE.total_seconds():
        raise BadSignature("X-Liveloop-Timestamp is more than 5 minutes from our clock")
    if not hmac.compare_digest(given.encode(), signature(secret, timestamp, body).encode()):
        raise BadSignature("X-Liveloop-Signature does not match the body")


class _Model(BaseModel):
    # Platforms add fields over time; unknown ones are ignored rather than refused.
    model_config = ConfigDict(extra="ignore", frozen=True)


class ExternalId(_Model):
    type: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)]
    id: Text
    collection: Annotated[str, Field(max_length=32, pattern=NO_CONTROL_CHARS)] | None = None


class Viewer(_Model):
    user_id: Text | None = None
    anonymous_id: Text | None = None
    external_ids: Annotated[list[ExternalId], Field(max_length=10)] = []
    nickname: Annotated[str, Field(max_length=64, pattern=NO_CONTROL_CHARS)] | None = None


class _NoData(_Model):
    pass


class LeftData(_Model):
    watch_seconds: Annotated[int, Field(ge=0, le=7 * 24 * 3600)] | None = None


class CommentData(_Model):
    text: Annotated[str, Field(min_length=1, max_length=2000, pattern=NO_CONTROL_CHARS)]


class LikeData(_Model):
    count: Annotated[int, Field(ge=1, le=1_000_000)] = 1


class ShareData(_Model):
    channel: Annotated[str, Field(max_length=32, pattern=NO_CONTROL_CHARS)] | None = None


class ProductData(_Model):
    sku: Text
    price: Price | None = None


class CartData(ProductData):
    quantity: Annotated[int, Field(ge=1, le=10_000)] = 1


class OrderLine(_Model):
    sku: Text
    quantity: Annotated[int, Field(ge=1, le=10_000)]
    price: Price


class OrderData(_Model):
    order_id: Text
    total: Price
    discount: Price | None = None
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"
    products: Annotated[list[OrderLine], Field(max_length=200)] = []


class PlatformEvent(_Model):
    """What every platform event carries; its ``type`` and ``data`` say what happened."""

    id: Annotated[str, Field(min_length=1, max_length=100, pattern=NO_CONTROL_CHARS)]
    occurred_at: AwareDatetime | None = None
    live_session_id: int | Text | None = None
    platform: Annotated[str, Field(max_length=32, pattern=NO_CONTROL_CHARS)] | None = None
    # Who sent it when it is not a viewer: the host's or the room controller's (场控) own
    # messages are labelled so, never counted as the audience's.
    role: Literal["host", "controller"] | None = None
    viewer: Viewer


class ViewerJoined(PlatformEvent):
    type: Literal["viewer_joined"]
    data: _NoData = _NoData()


class ViewerLeft(PlatformEvent):
    type: Literal["viewer_left"]
    data: LeftData = LeftData()


class Comment(PlatformEvent):
    type: Literal["comment"]
    data: CommentData


class Like(PlatformEvent):
    type: Literal["like"]
    data: LikeData = LikeData()


class Share(PlatformEvent):
    type: Literal["share"]
    data: ShareData = ShareData()


class ProductClick(PlatformEvent):
    type: Literal["product_click"]
    data: ProductData


class AddToCart(PlatformEvent):
    type: Literal["add_to_cart"]
    data: CartData


class Order(PlatformEvent):
    type: Literal["order"]
    data: OrderData


LiveEvent = Annotated[
    ViewerJoined | ViewerLeft | Comment | Like | Share | ProductClick | AddToCart | Order,
    Field(discriminator="type"),
]


class Delivery(_Model):
    events: Annotated[list[LiveEvent], Field(min_length=1, max_length=MAX_EVENTS)]


_DELIVERY = TypeAdapter(Delivery)


def parse_delivery(body: dict[str, Any]) -> Delivery:
    """A delivery is ``{"events": [...]}`` or one event object on its own."""
    document = body if "events" in body else {"events": [body]}
    try:
        return _DELIVERY.validate_python(document)
    except ValidationError as exc:
        problems = [f"{_where(e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)[:5]]
        raise InvalidEvent("; ".join(problems)) from None


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
