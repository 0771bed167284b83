"""A simulated show's script: honest platform events in time order, and planted truths the
events bear out (the drop in the online curve, each product's uplift on air, the question
clusters, the VIPs who are the brand's members, the orders and their GMV)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from liveloop.live.webhook import parse_delivery
from liveloop.sim.catalog import BY_SKU
from liveloop.sim.person import draw_person
from liveloop.sim.shows import ShowConfig, generate_show, online_curve

SHOW = generate_show(ShowConfig(seed=11))
BIG = generate_show(ShowConfig(seed=12, viewers=2_000))


def _viewer_key(viewer) -> str:
    return viewer.get("user_id") or viewer["anonymous_id"]


def test_the_same_seed_gives_the_same_show_and_another_seed_another():
    again = generate_show(ShowConfig(seed=11))
    assert again.events == SHOW.events and again.truth == SHOW.truth
    other = generate_show(ShowConfig(seed=13))
    assert {e.id for e in other.events}.isdisjoint({e.id for e in SHOW.events})


def test_every_event_has_a_viewer_and_fits_the_webhook_schema():
    start = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
    payloads = [e.payload(start, live_session_id=7) for e in SHOW.events]
    for at in range(0, len(payloads), 500):
        delivery = parse_delivery({"events": payloads[at : at + 500]})
        assert all(e.viewer.user_id or e.viewer.anonymous_id for e in delivery.events)
    assert len({e.id for e in SHOW.events}) == len(SHOW.events)


def test_events_are_in_time_order_within_the_show_and_within_each_viewers_visit():
    times = [e.at for e in SHOW.events]
    assert times == sorted(times) and times[0] >= 0 and times[-1] < SHOW.seconds
    visits: dict[str, tuple[float, float]] = {}
    joins = {_viewer_key(e.viewer): e.at for e in SHOW.events if e.type == "viewer_joined"}
    for e in SHOW.events:
        if e.type == "viewer_left":
            visits[_viewer_key(e.viewer)] = (joins[_viewer_key(e.viewer)], e.at)
    assert len(visits) == SHOW.truth.viewers == 400
    for e in SHOW.events:
        if e.host:
            continue
        join, leave = visits[_viewer_key(e.viewer)]
        assert join <= e.at <= leave, e
    left = [e for e in SHOW.events if e.type == "viewer_left"]
    assert all(e.data["watch_seconds"] == round(e.at - joins[_viewer_key(e.viewer)]) for e in left)


def test_host_messages_are_marked_and_come_from_the_host():
    host = [e for e in SHOW.events if e.host]
    assert len(host) == SHOW.truth.host_messages >= 1 + len(SHOW.truth.shelf)
    assert {e.type for e in host} == {"comment"}
    assert {e.viewer["anonymous_id"] for e in host} == {"host-main"}
    assert all(e.payload(datetime.now(UTC))["role"] == "host" for e in host)
    assert not any(e.host for e in SHOW.events if e.viewer["anonymous_id"] != "host-main")


def test_each_orders_total_is_the_sum_of_its_lines_and_the_truth_counts_them_exactly():
    orders = [e for e in SHOW.events if e.type == "order"]
    for order in orders:
        lines = order.data["products"]
        assert Decimal(order.data["total"]) == sum(
            Decimal(line["price"]) * line["quantity"] for line in lines
        )
    assert len(orders) == SHOW.truth.orders > 0
    assert len({o.data["order_id"] for o in orders}) == len(orders)
    assert sum(Decimal(o.data["total"]) for o in orders) == SHOW.truth.gmv
    by_sku = Counter(o.data["products"][0]["sku"] for o in orders)
    assert by_sku == Counter(SHOW.truth.orders_by_sku)
    prices = {p.sku: p.price for p in SHOW.truth.shelf}
    assert all(
        Decimal(line["price"]) == prices[line["sku"]] for o in orders for line in o.data["products"]
    )


@pytest.mark.parametrize("show", [SHOW, BIG], ids=["400 viewers", "2,000 viewers"])
def test_the_planted_drop_is_visible_in_the_online_viewers(show):
    truth = show.truth
    curve = online_curve(show.events, show.config.minutes)
    before, after = curve[truth.drop_minute - 1], curve[truth.drop_minute]
    assert (before - after) / before >= 0.3
    assert truth.drop_leavers / truth.online_at_drop == pytest.approx(0.4, abs=0.12)
    # No other minute loses anything like it.
    falls = [(curve[m - 1] - curve[m]) / max(1, curve[m - 1]) for m in range(5, len(curve) - 3)]
    assert max(falls) == pytest.approx((before - after) / before)


def test_the_audience_peaks_after_each_giveaway():
    curve = online_curve(BIG.events, BIG.config.minutes)
    for giveaway in BIG.truth.giveaways:
        assert curve[giveaway.minute + 4] > curve[giveaway.minute - 1] * 1.2, giveaway


def test_a_product_is_clicked_more_while_it_is_explained_by_its_planted_uplift():
    clicks: dict[str, list[float]] = {p.sku: [] for p in BIG.truth.shelf}
    for e in BIG.events:
        if e.type == "product_click":
            clicks[e.data["sku"]].append(e.at)
    for segment in BIG.truth.segments:
        uplift = BIG.truth.uplift[segment.sku]
        on = sum(1 for t in clicks[segment.sku] if segment.start <= t < segment.end)
        assert (on, len(clicks[segment.sku]) - on) == (uplift.clicks_on_air, uplift.clicks_off_air)
        assert uplift.measured == pytest.approx(uplift.planted, rel=0.35), segment.sku
        assert uplift.measured > 2


def test_each_segment_holds_a_cluster_of_one_question_asked_by_many_viewers_once():
    comments = {e.id: e for e in SHOW.events if e.type == "comment"}
    segments = {s.sku: s for s in SHOW.truth.segments}
    assert len(SHOW.truth.clusters) == len(SHOW.truth.segments)
    for cluster in SHOW.truth.clusters:
        asked = [comments[i] for i in cluster.event_ids]
        assert len(asked) == cluster.count >= 8
        assert len({_viewer_key(e.viewer) for e in asked}) == cluster.count
        segment = segments[cluster.sku]
        assert all(segment.start <= e.at < segment.end for e in asked)
        assert cluster.last - cluster.first <= 240
        labels = {SHOW.truth.comment_labels[i] for i in cluster.event_ids}
        assert {(label.intent, label.aspect) for label in labels} == {
            (cluster.intent, cluster.aspect)
        }
    keys = {c.key for c in generate_show(ShowConfig(seed=5, products=10)).truth.clusters}
    assert {"适合炖吗", "糖尿病能吃吗"} & keys


def test_every_viewers_comment_carries_its_planted_label():
    viewers_comments = {e.id for e in SHOW.events if e.type == "comment" and not e.host}
    assert set(SHOW.truth.comment_labels) == viewers_comments
    intents = Counter(label.intent for label in SHOW.truth.comment_labels.values())
    assert {"chitchat", "ask_price", "ask_suitability", "purchase_intent"} <= set(intents)


def test_vips_are_high_tier_members_of_the_brand_named_by_their_member_number():
    brand = SHOW.config.brand
    assert len(SHOW.truth.vips) == 3
    joins = {e.viewer.get("user_id"): e for e in SHOW.events if e.type == "viewer_joined"}
    for vip in SHOW.truth.vips:
        index = vip.person_id - 1
        person = draw_person(random.Random(brand.seed * 10_000_019 + index), brand, index)
        assert person.member and person.tier == vip.tier in ("金卡", "黑金")
        assert vip.user_id == f"M{vip.person_id:08d}" and person.name == vip.name
        assert joins[vip.user_id].at == vip.at
    assert SHOW.truth.known_viewers > SHOW.truth.viewers // 3


def test_the_shelf_and_segments_cover_the_show_after_a_warm_up():
    truth = SHOW.truth
    assert [s.sku for s in truth.segments] == [p.sku for p in truth.shelf]
    assert truth.segments[0].start > 60 and truth.segments[-1].end < truth.seconds
    for product in truth.shelf:
        assert product.price < BY_SKU[product.sku].price


def test_a_config_out_of_range_is_refused():
    with pytest.raises(ValueError, match="20 minutes"):
        ShowConfig(minutes=5)
    with pytest.raises(ValueError, match="viewers"):
        ShowConfig(viewers=3)
