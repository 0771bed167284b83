"""KOC scores from the analytics run's ``koc`` job, on a small world with known truths: a
person whose invitees ordered has more influence than one whose invitees only looked, one's own
link and a link outside the window count for nothing, approved liked recipes make expertise,
votes and likes make activity; a KOC is recognised once however often the run repeats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveloop import spec
from liveloop.analytics.service import run_analytics
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent, append
from liveloop.ugc import events
from liveloop.ugc import service as ugc
from liveloop.ugc.koc import parts_of, score_of


def _arrive(circle, name, sharer, days_ago, n):
    with transaction(circle.runtime.sessions) as session:
        append(
            session,
            [
                NewEvent(
                    name=spec.PRODUCT_VIEWED,
                    timestamp=circle.clock.now() - timedelta(days=days_ago),
                    source="test",
                    type="track",
                    message_id=f"arrive-{n}",
                    customer_id=circle.person(name),
                    properties={"sku": "RICE-WC-5KG"},
                    context={"referrer": {"type": "oneid", "id": circle.oneid(sharer)}},
                )
            ],
            received_at=circle.clock.now(),
        )


def _score(circle, name):
    with circle.runtime.read_sessions() as session:
        return ugc.koc_score(session, circle.person(name))


def test_the_koc_run_recovers_who_converted_whom_and_who_writes_liked_recipes(circle):
    now = circle.clock.now()
    for n, invitee in enumerate(("甲", "乙", "丙", "丁", "戊")):
        _arrive(circle, invitee, "林姐", 10, n)
        circle.order(invitee, at=now - timedelta(days=9))  # ordered the day after
    for n, invitee in enumerate(("子", "丑", "寅")):
        _arrive(circle, invitee, "小周", 10, 10 + n)  # came, looked, never ordered
    _arrive(circle, "林姐", "林姐", 5, 20)  # her own link
    _arrive(circle, "卯", "小周", 200, 21)  # long before the window
    circle.order("卯", at=now - timedelta(days=199))
    for title in ("砂锅煲仔饭", "杂粮粥", "醋拌木耳"):
        item = circle.approve(circle.recipe("林姐", title=title).id)
        for liker in ("子", "丑", "寅", "甲"):
            circle.call(
                ugc.like_recipe, item.id, customer_id=circle.person(liker), at=now, source="t"
            )
    cook = circle.approve(circle.recipe("王阿姨", title="小米南瓜粥").id)
    for liker in ("子", "丑"):
        circle.call(ugc.like_recipe, cook.id, customer_id=circle.person(liker), at=now, source="t")

    run_analytics(circle.runtime, ("koc",))
    lin, zhou, wang = (_score(circle, n) for n in ("林姐", "小周", "王阿姨"))
    assert (lin.counts["referred"], lin.counts["converted"]) == (5, 5)
    assert (zhou.counts["referred"], zhou.counts.get("converted", 0)) == (3, 0)
    assert lin.influence > zhou.influence > wang.influence == 0
    assert lin.expertise > wang.expertise > zhou.expertise == 0
    assert _score(circle, "子").activity > 0  # three likes given
    assert lin.recognised and not zhou.recognised and not wang.recognised

    run_analytics(circle.runtime, ("koc",))  # the next night: still a KOC, not recognised again
    with circle.runtime.read_sessions() as session:
        recognised = session.scalars(
            select(Event.customer_id).where(Event.name == events.KOC_RECOGNISED)
        ).all()
        kocs = ugc.kocs_among(session, [circle.person(n) for n in ("林姐", "小周")])
    assert recognised == [circle.person("林姐")] and kocs == {circle.person("林姐")}


def test_each_part_saturates_and_the_score_weights_influence_most():
    none = parts_of({})
    assert none == {"influence": 0, "expertise": 0, "activity": 0} and score_of(none) == 0
    bringer = parts_of({"referred": 6, "converted": 6})
    writer = parts_of({"approved_recipes": 6, "likes_received": 60})
    assert bringer["influence"] > 80 and writer["expertise"] > 80
    assert score_of(bringer) > score_of(writer)  # bringing people weighs most
    assert parts_of({"referred": 60, "converted": 60})["influence"] <= 100
