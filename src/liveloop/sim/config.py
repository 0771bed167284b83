"""Simulation settings. Same config (seed included) → same data, byte for byte."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class SimConfig:
    customers: int = 2_000
    seed: int = 20260121
    start: date = date(2025, 1, 1)
    end: date = date(2026, 11, 15)  # exclusive; the demo passes today
    chunk_size: int = 1_000

    # Who buys: share of people who never buy (followers, group members, viewers only).
    share_never_buy: float = 0.18
    # BG/NBD-like dropout after each purchase trip: a mix of "one-off" and "loyal" people.
    share_one_off: float = 0.62
    one_off_dropout: tuple[float, float] = (7.0, 1.6)  # Beta(a, b): mean ≈ 0.81
    loyal_dropout: tuple[float, float] = (1.2, 14.0)  # Beta(a, b): mean ≈ 0.08
    # Spread of a person's pace around a staple's cycle, and of each interval around that.
    personal_pace_sigma: float = 0.22
    interval_noise_sigma: float = 0.12

    share_members: float = 0.6
    share_douyin: float = 0.35
    share_price_sensitive: float = 0.3
    share_has_infant: float = 0.12
    share_health_need: float = 0.15

    # Identity traps.
    share_placeholder_touches: float = 0.03
    share_shared_tablet: float = 0.04
    share_phone_changed: float = 0.01
    share_typo: float = 0.01

    # Live funnel (per viewer): clicked product → added to cart → started checkout → paid.
    funnel_click: float = 0.40
    funnel_cart: float = 0.50
    funnel_checkout: float = 0.60
    funnel_pay: float = 0.30  # "70%用户在支付页流失"
    share_viewers: float = 0.35  # people who ever watch lives
    # Of a viewer's staple orders falling due within ``live_pull_hours`` after a show began,
    # the share they buy in that show instead (at its live price when it features the SKU):
    # regulars stock up in the weekly 主食健康课, so live orders are a real share of GMV.
    live_staple_share: float = 0.7
    live_pull_hours: float = 48.0
    live_drop_share: float = 0.35  # of those present at the planted mid-show drop, who leave
    mean_comments_per_view: float = 0.6

    customers_per_leader: int = 400
    refund_rate: float = 0.02
    refund_rate_cold_chain: float = 0.06

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be at least 1")
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.chunk_size < 1:
            raise ValueError("chunk_size must be at least 1")

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), SHANGHAI).astimezone(UTC)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time(0), SHANGHAI).astimezone(UTC)

    def as_dict(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}
