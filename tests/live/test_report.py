"""The post-live report: a show's events, sent through the real webhook, replayed from the log
into per-minute curves, the product funnel, 讲解 ranked by GPM, questions answered and missed,
complaints, ROI and clip candidates — and its follow-up audiences, which become segments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from liveloop import bootstrap
from liveloop.live import events as live_events
from liveloop.live import service as lives
from liveloop.live.contracts import FollowUp
from liveloop.segments import service as segments
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append, emit
from tests.ingest.conftest import make_source
from tests.live.test_webhook import deliver

START = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
END = START + timedelta(minutes=30)


def at(minutes: float) -> str:
    return (START + timedelta(minutes=minutes)).isoformat()


def viewer(name: str) -> dict[str, str]:
    return {"user_id": name, "nickname": f"观众{name}"}


def event(eid: str, kind: str, who: str, minute: float, **data) -> dict:
    out = {"id": eid, "type": kind, "viewer": viewer(who), "occurred_at": at(minute)}
    if data:
        out["data"] = data
    return out


def order(eid: str, who: str, minute: float, order_id: str, qty: int) -> dict:
    total = Decimal("59.90") * qty
    line = {"sku": "RICE-5KG", "quantity": qty, "price": "59.90"}
    return event(eid, "order", who, minute, order_id=order_id, total=str(total), products=[line])


SHOW = [
    event("j1", "viewer_joined", "u1", 0.2),
    event("j2", "viewer_joined", "u2", 0.5),
    event("j3", "viewer_joined", "u3", 1),
    event("j4", "viewer_joined", "u4", 2),
    event("c1", "comment", "u1", 3, text="这个米多少钱?"),
    event("k1", "product_click", "u1", 6, sku="RICE-5KG", price="59.90"),
    event("k2", "product_click", "u2", 7, sku="OAT-1KG", price="29.90"),
    order("o1", "u1", 8, "DY-1", 2),
    order("o1-again", "u1", 8.5, "DY-1", 2),  # the platform resent the same order
    event("c2", "comment", "u3", 9, text="上次买的发货太慢了，差评"),
    event("c3", "comment", "u4", 10, text="适合炖吗?"),
    event("c4", "comment", "u2", 10.5, text="适合炖吗？？"),
    event("l2", "viewer_left", "u2", 12, watch_seconds=690),
    event("l1", "viewer_left", "u1", 20, watch_seconds=1190),
    event("l3", "viewer_left", "u3", 21, watch_seconds=1200),
    event("l4", "viewer_left", "u4", 25, watch_seconds=1380),
]


@pytest.fixture
def show(runtime, client):
    return ended_show(runtime, client)


def ended_show(runtime, client) -> int:
    """A 30-minute show through the webhook, ended, with its report made by the consumer."""
    bootstrap.wire(runtime)
    platform = make_source(runtime, "官方直播间", kind="live_platform")
    with transaction(runtime.sessions) as session:
        live = lives.schedule_live(
            session, room="main", title="主食健康课", host="小美", scheduled_at=START
        )
        lives.set_costs(session, live, {"主播费": Decimal("500")})
        booked = NewEvent(  # u5 booked the show and never came
            name="Live Reminder Set",
            type="track",
            timestamp=START - timedelta(days=1),
            source="小程序",
            message_id="reminder-u5",
            user_id="u5",
            properties={"live_session_id": live},
        )
        append(session, [booked], received_at=START - timedelta(days=1))
        emit(
            session,
            live_events.LIVE_STARTED,
            at=START,
            source="live",
            message_id=f"live-started:{live}",
            properties={"room": "main", "live_session_id": live, "title": "主食健康课"},
        )
    # The show's events and the host's actions reach the log in the order they happen.
    explained = {5: "start_explaining", 15: "stop_explaining"}
    sent = 0
    for minute, action in [*explained.items(), (None, None)]:
        batch = [e for e in SHOW[sent:] if minute is None or e["occurred_at"] < at(minute)]
        if batch:
            reply = deliver(client, platform, {"events": batch}, at=runtime.clock.now())
            assert reply.status_code == 200, reply.text
            sent += len(batch)
        if action is None:
            break
        with transaction(runtime.sessions) as session:
            emit(
                session,
                live_events.LIVE_ACTION_TAKEN,
                at=START + timedelta(minutes=minute),
                source="live",
                message_id=f"action:{live}:{minute}",
                properties={
                    "room": "main",
                    "live_session_id": live,
                    "action": action,
                    "target": "RICE-5KG",
                    "by": "小美",
                    "detail": {},
                },
            )
    with transaction(runtime.sessions) as session:
        lives.close_live(session, live, started_at=START, ended_at=END, peak_viewers=4)
        emit(
            session,
            live_events.LIVE_ENDED,
            at=END,
            source="live",
            message_id=f"live-ended:{live}",
            properties={"room": "main", "live_session_id": live},
        )
    runtime.run_tasks_until_idle()
    return live


def report_of(runtime, live):
    with transaction(runtime.read_sessions) as session:
        report = lives.report_of(session, live)
    assert report is not None, "the report is made when the show ends"
    return report.document


def test_the_report_is_made_when_the_show_ends_and_counts_each_order_once(runtime, show):
    doc = report_of(runtime, show)
    figures = doc["figures"]
    assert figures["orders"] == 1 and figures["viewers"] == 4
    assert figures["gmv"] == {"value": "119.80", "provisional": True}
    assert doc["roi"]["spent"] == "500.00" and doc["roi"]["roi"] == 0.24
    (rice,) = [p for p in doc["products"] if p["sku"] == "RICE-5KG"]
    assert rice["clicks"] == 1 and rice["orders"] == 1 and rice["units"] == 2


def test_the_curve_has_a_row_per_minute_with_its_flows_and_sentiment(runtime, show):
    doc = report_of(runtime, show)
    curve = {int((row["at"] - START.timestamp()) // 60): row for row in doc["curve"]}
    assert curve[0]["entries"] == 2 and curve[8]["orders"] == 1
    assert curve[8]["gmv"] == "119.80"
    assert curve[9]["negative"] == 1 and curve[9]["complaints"] == 1
    assert sum(row["comments"] for row in doc["curve"]) == 4
    assert [m["action"] for m in doc["markers"]] == ["start_explaining", "stop_explaining"]


def test_explaining_is_ranked_by_gpm_and_questions_missed_are_counted(runtime, show):
    doc = report_of(runtime, show)
    (segment,) = doc["segments"]
    assert segment["sku"] == "RICE-5KG" and segment["seconds"] == 600
    assert segment["gmv"] == "119.80"
    questions = doc["questions"]
    stew = [c for c in questions["clusters"] if "炖" in c["text"]]
    assert len(stew) == 1 and stew[0]["askers"] == 2 and stew[0]["status"] == "open"
    assert questions["missed"] == questions["answered"] + questions["missed"]  # none answered
    assert questions["missed_rate"] == 1.0
    (complaint,) = doc["complaints"]
    assert "发货太慢" in complaint["text"]
    assert doc["clips"], "the comment and GMV peaks are clip candidates"
    assert all(clip["to_s"] > clip["from_s"] >= 0 for clip in doc["clips"])


def test_follow_up_audiences_are_found_and_saved_as_segments(runtime, show):
    doc = report_of(runtime, show)
    assert doc["audiences"] == {
        "bought": 1,
        "watched_not_bought": 3,
        "clicked_not_paid": 1,
        "asked_unanswered": 3,
        "invited_absent": 1,
        "complained": 1,
    }
    with transaction(runtime.read_sessions) as session:
        made = {s.origin["follow_up"]: s for s in segments.list_segments(session) if s.origin}
        sizes = lives.audience_sizes(session, show)
    assert set(made) == {a.value for a in FollowUp}
    assert sizes[FollowUp.INVITED_ABSENT] == 1
    assert made["bought"].members == 1


def test_making_the_report_again_replaces_it(runtime, show):
    first = report_of(runtime, show)
    later = runtime.clock.now() + timedelta(minutes=5)
    with transaction(runtime.sessions) as session:
        again = lives.make_report(session, show, later, lambda s, i: ())
    assert again.document["figures"] == first["figures"]
    with transaction(runtime.read_sessions) as session:
        assert lives.report_of(session, show).made_at == later


def test_a_show_that_has_not_ended_has_no_report(runtime):
    with transaction(runtime.sessions) as session:
        live = lives.schedule_live(
            session, room="main", title="预告", host=None, scheduled_at=START
        )
        with pytest.raises(lives.ReportNotReady):
            lives.make_report(session, live, START, lambda s, i: ())
