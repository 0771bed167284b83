"""UGC facade: customers' recipes and reviews (submitted, pre-checked, moderated — only approved
ones are public), likes on recipes, polls for a new flavour or pack with one vote per person,
honours (月度之星, 最佳食谱) with their points, and KOC scores (refreshed by the analytics run's
``koc`` job; read by the live room's badges and the profile).

Other packages import this module, ``ugc.events`` or ``ugc.contracts`` only.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from liveloop.ugc import koc
from liveloop.ugc.contracts import KocParts
from liveloop.ugc.honours import HonourView as HonourView
from liveloop.ugc.honours import award_best_recipe as award_best_recipe
from liveloop.ugc.honours import award_honour as award_honour
from liveloop.ugc.honours import honours_of as honours_of
from liveloop.ugc.honours import list_honours as list_honours
from liveloop.ugc.honours import month_of as month_of
from liveloop.ugc.honours import most_liked_recipe as most_liked_recipe
from liveloop.ugc.items import ItemView as ItemView
from liveloop.ugc.items import Liked as Liked
from liveloop.ugc.items import get_item as get_item
from liveloop.ugc.items import like_recipe as like_recipe
from liveloop.ugc.items import list_items as list_items
from liveloop.ugc.items import submit_recipe as submit_recipe
from liveloop.ugc.items import submit_review as submit_review
from liveloop.ugc.koc import Refreshed as Refreshed
from liveloop.ugc.moderation import decide as decide
from liveloop.ugc.moderation import moderation_queue as moderation_queue
from liveloop.ugc.polls import OptionResult as OptionResult
from liveloop.ugc.polls import PollSpec as PollSpec
from liveloop.ugc.polls import PollView as PollView
from liveloop.ugc.polls import Voted as Voted
from liveloop.ugc.polls import create_poll as create_poll
from liveloop.ugc.polls import get_poll as get_poll
from liveloop.ugc.polls import list_polls as list_polls
from liveloop.ugc.polls import vote as vote
from liveloop.ugc.precheck import mask_phones as mask_phones
from liveloop.ugc.precheck import precheck as precheck


def approve(session: Session, item_id: int, *, by: str, at: datetime) -> ItemView:
    """Publish a submitted recipe or review (``UGC Approved``)."""
    return decide(session, item_id, approve=True, by=by, reason=None, at=at)


def reject(session: Session, item_id: int, *, by: str, reason: str, at: datetime) -> ItemView:
    """Refuse a submitted recipe or review with the reason its author sees (``UGC Rejected``)."""
    return decide(session, item_id, approve=False, by=by, reason=reason, at=at)


def refresh_koc_scores(session: Session, as_of: datetime) -> Refreshed:
    """Every person's KOC score as of ``as_of`` (the analytics run calls it in its write-back
    transaction): stored, new KOCs recognised (``KOC Recognised``) and tagged ``KOC``."""
    return koc.refresh(session, as_of)


def koc_score(session: Session, customer_id: int) -> KocParts | None:
    """A person's latest KOC score and its parts; None before any run scored them."""
    return koc.score_for(session, customer_id)


def top_kocs(session: Session, limit: int = 20, *, kocs_only: bool = False) -> list[KocParts]:
    """The highest KOC scores, best first (only recognised KOCs with ``kocs_only``)."""
    return koc.top(session, limit, kocs_only=kocs_only)


def kocs_among(session: Session, customer_ids: Collection[int]) -> set[int]:
    """Which of these people are recognised KOCs now (the live room's KOC badge)."""
    return koc.kocs_among(session, customer_ids)
