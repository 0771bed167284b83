"""A show's highlight candidates land in the content library when its report is made: one clip
per span, found again by what was said in it, and a report made again adds no copies."""

from __future__ import annotations

from datetime import timedelta

from liveloop.content import service as content
from liveloop.content.contracts import ContentKind
from liveloop.live import service as lives
from liveloop.store.engine import transaction
from tests.live.test_report import ended_show


def clips(runtime, show):
    with transaction(runtime.read_sessions) as session:
        found = content.list_content(session, kind=ContentKind.CLIP, limit=100)
    return [c for c in found if c.clip and c.clip.live_session_id == show]


def test_each_clip_candidate_becomes_a_clip_of_the_show(runtime, client):
    show = ended_show(runtime, client)
    with transaction(runtime.read_sessions) as session:
        candidates = lives.report_of(session, show).document["clips"]
    made = clips(runtime, show)
    assert candidates and len(made) == len(candidates)
    spans = sorted((c.clip.start_s, c.clip.end_s) for c in made)
    assert spans == sorted((float(c["from_s"]), float(c["to_s"])) for c in candidates)
    assert all(c.title.startswith("主食健康课 · ") for c in made)
    with transaction(runtime.read_sessions) as session:
        hits = content.search(session, "发货太慢", kind=ContentKind.CLIP)
    assert any(hit.item.clip.live_session_id == show for hit in hits)


def test_a_report_made_again_adds_no_copies(runtime, client):
    show = ended_show(runtime, client)
    before = len(clips(runtime, show))
    with transaction(runtime.sessions) as session:
        lives.make_report(session, show, runtime.clock.now() + timedelta(minutes=1), lives.shelf_of)
    runtime.run_tasks_until_idle()
    assert len(clips(runtime, show)) == before
