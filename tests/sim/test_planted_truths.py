"""The simulator plants known truths; these tests measure them back from the generated data."""

import itertools
import json
import statistics
from collections import Counter, defaultdict

from liveloop.identity.service import InvalidIdentifier, normalise
from liveloop.sim.catalog import BASKET_RULES, BY_SKU
from liveloop.sim.identities import PLACEHOLDER_PHONES, SHARED_TABLETS
from tests.sim.conftest import TRUTH_CONFIG


def _baskets(brand) -> dict[str, set[str]]:
    baskets: dict[str, set[str]] = defaultdict(set)
    for item in brand["order_items"]:
        baskets[item["order_no"]].add(item["sku"])
    return baskets


def test_basket_rule_confidence_matches_the_plant_within_three_points(brand):
    baskets = _baskets(brand)
    for rule in BASKET_RULES:
        with_antecedents = [b for b in baskets.values() if set(rule.antecedents) <= b]
        both = [b for b in with_antecedents if rule.consequent in b]
        assert len(with_antecedents) > 500, rule
        measured = len(both) / len(with_antecedents)
        assert abs(measured - rule.confidence) <= 0.03, (rule, measured)


def test_add_ons_are_never_bought_without_their_antecedents(brand):
    for rule in BASKET_RULES[:2]:
        for basket in _baskets(brand).values():
            if rule.consequent in basket:
                assert set(rule.antecedents) <= basket


def test_median_repurchase_interval_per_sku_is_within_ten_percent_of_the_plant(brand):
    owner = {o["order_no"]: o["person_id"] for o in brand["truth_orders"]}
    placed = {o["order_no"]: o["placed_at"] for o in brand["orders"]}
    planted = {
        (s["person_id"], s["sku"]): s["planted_interval_days"] for s in brand["truth_staples"]
    }
    times: dict[tuple[int, str], list] = defaultdict(list)
    for order_no, basket in _baskets(brand).items():
        for sku in basket:
            if BY_SKU[sku].cycle_days:
                times[(owner[order_no], sku)].append(placed[order_no])
    observed: dict[str, list[float]] = defaultdict(list)
    plant: dict[str, list[float]] = defaultdict(list)
    for (person, sku), when in times.items():
        if len(when) < 3:
            continue
        when.sort()
        gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(when)]
        observed[sku] += gaps
        plant[sku] += [planted[(person, sku)]] * len(gaps)
    checked = 0
    for sku, gaps in observed.items():
        if len(gaps) < 150:
            continue
        ratio = statistics.median(gaps) / statistics.median(plant[sku])
        assert 0.9 <= ratio <= 1.1, (sku, ratio)
        # and the plant itself sits on the SKU's catalog cycle
        assert 0.8 <= statistics.median(plant[sku]) / BY_SKU[sku].cycle_days <= 1.25, sku
        checked += 1
    assert checked >= 15


def test_buyers_drop_out_and_never_buy_after_dropping(brand):
    people = {p["person_id"]: p for p in brand["truth_people"]}
    orders_by = Counter(o["person_id"] for o in brand["truth_orders"])
    placed = {o["order_no"]: o["placed_at"] for o in brand["orders"]}
    for order in brand["truth_orders"]:
        dropped = people[order["person_id"]]["dropped_at"]
        assert dropped is None or placed[order["order_no"]] <= dropped
    buyers = [pid for pid in orders_by]
    once = sum(1 for pid in buyers if orders_by[pid] == 1) / len(buyers)
    assert 0.4 < once < 0.75  # most new customers buy once (the brand's repeat problem)
    never = [p for p in people.values() if p["buyer_kind"] == "never"]
    assert not any(orders_by[p["person_id"]] for p in never)
    assert abs(len(never) / len(people) - TRUTH_CONFIG.share_never_buy) < 0.02


def test_live_funnel_loses_most_people_at_payment(brand):
    steps = Counter(e["event"] for e in brand["events"])
    live_orders = sum(1 for o in brand["truth_orders"] if o["kind"] == "live")
    cart = steps["Product Added"] / steps["Live Product Clicked"]
    checkout = steps["Checkout Started"] / steps["Product Added"]
    pay = live_orders / steps["Checkout Started"]
    assert abs(cart - TRUTH_CONFIG.funnel_cart) < 0.04
    assert abs(checkout - TRUTH_CONFIG.funnel_checkout) < 0.05
    assert abs(pay - TRUTH_CONFIG.funnel_pay) < 0.05
    assert 1 - pay == max(1 - cart, 1 - checkout, 1 - pay)


def test_viewers_leave_in_a_spike_at_the_planted_mid_show_drop(brand):
    from liveloop.sim.generate import world_for

    lives = {v.session_id: v for v in world_for(TRUTH_CONFIG).lives}
    at_drop = elsewhere = 0
    for e in brand["events"]:
        if e["event"] != "Live Left":
            continue
        live = lives[json.loads(e["properties"])["live_session_id"]]
        minute = (e["timestamp"] - live.starts_at).total_seconds() / 60
        if live.drop_minute <= minute <= live.drop_minute + 2:
            at_drop += 1
        elif live.drop_minute - 12 <= minute < live.drop_minute - 2:
            elsewhere += 1
    # Per minute, more than twice as many leave at the drop as in the ten minutes before it.
    assert at_drop / 3 > 2 * elsewhere / 10


def test_every_comment_is_labelled_and_health_minded_viewers_ask_about_suitability(brand):
    comments = {e["message_id"]: e for e in brand["events"] if e["event"] == "Live Comment Posted"}
    labels = {t["message_id"]: t for t in brand["truth_comments"]}
    assert comments.keys() == labels.keys()
    assert {t["intent"] for t in labels.values()} >= {"ask_price", "ask_suitability", "complaint"}
    assert any("糖尿病" in json.loads(c["properties"])["text"] for c in comments.values())
    people = {p["person_id"]: p for p in brand["truth_people"]}

    def person(message_id: str) -> dict:
        return people[int(message_id.split("-")[1])]

    share = defaultdict(Counter)
    for mid, label in labels.items():
        share[bool(person(mid)["health_need"])][label["intent"] == "ask_suitability"] += 1
    rate = {k: v[True] / sum(v.values()) for k, v in share.items()}
    assert rate[True] > 2 * rate[False]
    assert all(t["sentiment"] == "negative" for t in labels.values() if t["intent"] == "complaint")


def test_every_identifier_in_the_data_has_an_owner_in_the_truth(brand):
    truth = defaultdict(set)
    for row in brand["truth_identifiers"]:
        truth[(row["type"], row["value"])].add(row["person_id"])
    seen = []
    for order in brand["orders"]:
        seen += [(order["buyer_id_type"], order["buyer_id"]), ("phone", order["receiver_phone"])]
    for row in brand["customers"]:
        seen += [("member_no", row["member_no"]), ("phone", row["phone"])]
    for e in brand["events"]:
        context = json.loads(e["context"])
        seen += [(x["type"], x["id"]) for x in context.get("externalIds", [])]
    for kind, raw in seen:
        if raw is None:
            continue
        try:
            value = normalise(kind, raw)
        except InvalidIdentifier:
            continue  # placeholders are refused by normalisation, as the truth says
        assert (kind, value) in truth, (kind, raw)


def test_identity_traps_are_present(brand):
    traps = Counter(row["trap"] for row in brand["truth_identifiers"])
    assert traps["reassigned_phone"] >= 2 * 20 and traps["typo"] >= 20
    identifies = [e for e in brand["events"] if e["type"] == "identify"]
    phones = [json.loads(e["properties"]).get("traits", {}).get("phone") for e in identifies]
    assert sum(p in PLACEHOLDER_PHONES for p in phones) > 100
    tablet_users = defaultdict(set)
    for e in identifies:
        if e["anonymous_id"] in SHARED_TABLETS:
            phone = json.loads(e["properties"])["traits"]["phone"]
            if phone not in PLACEHOLDER_PHONES:
                tablet_users[e["anonymous_id"]].add(normalise("phone", phone))
    assert min(len(v) for v in tablet_users.values()) > 10  # one tablet, many shoppers
    # A reassigned number has two owners, one after the other.
    owners = defaultdict(list)
    for row in brand["truth_identifiers"]:
        if row["trap"] == "reassigned_phone":
            owners[row["value"]].append(row)
    for rows in owners.values():
        assert len(rows) == 2
        giver, taker = sorted(rows, key=lambda r: r["person_id"])
        assert giver["valid_to"] is not None and taker["valid_from"] > giver["valid_to"]


def test_the_south_eats_indica_and_the_north_japonica(brand):
    pool = {p["person_id"]: p["pool"] for p in brand["truth_people"]}
    owner = {o["order_no"]: o["person_id"] for o in brand["truth_orders"]}
    buyers = defaultdict(Counter)
    for item in brand["order_items"]:
        if item["sku"] in ("RICE-XIAN-5KG", "RICE-JING-5KG"):
            buyers[item["sku"]][pool[owner[item["order_no"]]]] += 1
    assert buyers["RICE-XIAN-5KG"]["south"] > 0 and buyers["RICE-XIAN-5KG"]["north"] == 0
    assert buyers["RICE-JING-5KG"]["north"] > 0 and buyers["RICE-JING-5KG"]["south"] == 0


def test_price_sensitive_people_use_coupons_far_more(brand):
    sensitive = {p["person_id"]: p["price_sensitive"] for p in brand["truth_people"]}
    owner = {o["order_no"]: o["person_id"] for o in brand["truth_orders"]}
    used = defaultdict(Counter)
    for order in brand["orders"]:
        if order["total"] + order["discount"] >= 59:
            used[sensitive[owner[order["order_no"]]]][order["coupon_code"] == "FULL59-10"] += 1
    rate = {k: v[True] / sum(v.values()) for k, v in used.items()}
    assert rate[True] > 4 * rate[False]


def test_group_buy_orders_go_to_a_leader_in_the_buyers_city(brand):
    people = {p["person_id"]: p for p in brand["truth_people"]}
    owner = {o["order_no"]: o["person_id"] for o in brand["truth_orders"]}
    group_buys = [o for o in brand["orders"] if o["channel"] == "group_buy"]
    assert len(group_buys) > 1000
    for order in group_buys:
        assert order["leader_id"] == people[owner[order["order_no"]]]["leader_id"]
        assert order["pickup_id"] is not None


def test_truth_timelines_are_consistent(brand):
    people = {p["person_id"]: p for p in brand["truth_people"]}
    owner = {o["order_no"]: o["person_id"] for o in brand["truth_orders"]}
    end = TRUTH_CONFIG.end_at
    for order in brand["orders"]:
        person = people[owner[order["order_no"]]]
        assert person["first_order_at"] <= order["placed_at"] < end
        assert order["refunded_at"] is None or order["placed_at"] < order["refunded_at"] < end
    for row in brand["truth_identifiers"]:
        if row["valid_to"] is not None:
            assert row["valid_from"] < row["valid_to"], row
    comments = [
        json.loads(e["properties"])["text"]
        for e in brand["events"]
        if e["event"] == "Live Comment Posted"
    ]
    assert all(text.strip() for text in comments)
