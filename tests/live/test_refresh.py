"""An operator's edits during a show reach the room's processor within its refresh: the shelf
(a product added, a live price changed), the 话术 library and the room's alert rules, read from
the store again on the feed's tick; nothing is re-read between refreshes."""

from __future__ import annotations

from decimal import Decimal

from liveloop.live import jobs as live_jobs
from liveloop.live import service as lives
from liveloop.live.contracts import Aspect
from liveloop.live.stream.refresh import Refreshed
from liveloop.store.engine import transaction
from tests.live.showkit import schedule, seed_catalog, seed_room


def test_edits_during_a_show_reach_its_processor_at_the_next_refresh(runtime):
    seed_catalog(runtime)
    seed_room(runtime)
    show = schedule(runtime, in_hours=0)
    now = runtime.clock.now()
    with transaction(runtime.sessions) as session:
        lives.set_shelf(session, show.id, [lives.ShelfItemSpec("RICE-5KG", Decimal("49.90"), 100)])
        lives.start_show(session, show.id, now)
    source = live_jobs.processor_sources(runtime)("main")
    assert isinstance(source, Refreshed)
    clock = [0.0]
    source.monotonic = lambda: clock[0]
    source.read_at = 0.0
    processor = source.processor
    assert set(processor.shelf) == {"RICE-5KG"}
    assert processor.shelf["RICE-5KG"].live_price == Decimal("49.90")
    default_drop = processor.rules.drop_percent

    with transaction(runtime.sessions) as session:
        lives.set_shelf(
            session,
            show.id,
            [
                lives.ShelfItemSpec("RICE-5KG", Decimal("45.00"), 100),
                lives.ShelfItemSpec("OATS-1KG", Decimal("29.90"), 30),
            ],
        )
        lives.set_script(
            session, aspect=Aspect.PRICE, text="{product} 直播间只要 {price} 元", by="wang", now=now
        )
        lives.set_alert_rules(session, "main", {"drop_percent": 55})

    clock[0] = 10.0  # not yet due: the processor keeps what it has
    source.tick(now)
    assert set(processor.shelf) == {"RICE-5KG"} and processor.scripts == {}

    clock[0] = 15.0
    source.tick(now)
    assert set(processor.shelf) == {"RICE-5KG", "OATS-1KG"}
    assert processor.shelf["RICE-5KG"].live_price == Decimal("45.00")
    assert processor.scripts == {(Aspect.PRICE, None): "{product} 直播间只要 {price} 元"}
    assert processor.rules.drop_percent == 55 != default_drop
    assert processor.show.alerts.rules.drop_percent == 55
