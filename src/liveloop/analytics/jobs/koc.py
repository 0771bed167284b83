"""KOC scores (0–100: influence, expertise, activity) for every customer with a signal.

The score is UGC's (``ugc.koc`` defines it; docs/ugc.md): it reads UGC's own tables — approved
recipes, likes, reviews, votes — and the referral context of tracked events (Segment's
``context.referrer``), neither of which the snapshot carries. So this job computes nothing on
the engine: it hands the run's ``as_of`` to ``ugc.service.refresh_koc_scores`` in the run's
write-back transaction (``write_back``), and the scores, the ``KOC Recognised`` events and the
profiles' ``KOC`` tags land with the run's other results, all or nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy.orm import Session

from liveloop.analytics.engine import Engine
from liveloop.analytics.jobs.base import JobOutput, RunContext
from liveloop.ugc import service as ugc


class Koc:
    name: ClassVar[str] = "koc"
    after: ClassVar[tuple[str, ...]] = ()
    score_columns: ClassVar[tuple[str, ...]] = ()

    def run(self, engine: Engine, context: RunContext) -> JobOutput:
        return JobOutput(diagnostics={"kept_by": "ugc.koc_scores"})

    def write_back(self, session: Session, at: datetime) -> int:
        """Refresh the scores as of the run; returns how many people were scored."""
        refreshed = ugc.refresh_koc_scores(session, at)
        return refreshed.scored


JOB = Koc()
