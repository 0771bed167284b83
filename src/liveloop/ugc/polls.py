"""Polls: the brand asks its customers which new flavour or pack to make next (title, 2–10
options, open from ``opens_at`` until ``closes_at``); each person votes once — the store's
UNIQUE (poll, person) holds it, so a replayed vote changes nothing and a second choice is
refused — and the results count the votes per option."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveloop.ugc import events
from liveloop.ugc.contracts import UgcConflict, UgcRefused, UnknownUgc
from liveloop.ugc.items import TEXT, insert_once, person_of
from liveloop.ugc.models import UgcPoll, UgcPollOption, UgcVote

CODE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


@dataclass(frozen=True)
class PollSpec:
    code: str
    title: str
    options: Sequence[tuple[str, str]]  # (key, label)
    opens_at: datetime
    closes_at: datetime


@dataclass(frozen=True)
class OptionResult:
    key: str
    label: str
    votes: int
    share: float  # of all votes, 0–1


@dataclass(frozen=True)
class PollView:
    code: str
    title: str
    opens_at: datetime
    closes_at: datetime
    created_by: str
    options: tuple[OptionResult, ...]
    votes: int

    def open_at(self, at: datetime) -> bool:
        return self.opens_at <= at < self.closes_at

    @property
    def leading(self) -> OptionResult | None:
        best = max(self.options, key=lambda o: o.votes, default=None)
        return best if best is not None and best.votes > 0 else None


@dataclass(frozen=True)
class Voted:
    poll: str
    option: str
    customer_id: int
    voted_at: datetime
    created: bool  # False: the same vote replayed


def create_poll(session: Session, spec: PollSpec, *, at: datetime, by: str) -> PollView:
    if not CODE.fullmatch(spec.code):
        raise UgcRefused(
            "投票编号只能用 1-32 个字母、数字、_ . - (a poll code is 1-32 of A-Z 0-9 _.-)"
        )
    title = spec.title.strip()
    if not 2 <= len(title) <= 64 or not TEXT.fullmatch(title):
        raise UgcRefused("投票标题需 2-64 个字 (a title of 2-64 characters)")
    if not 2 <= len(spec.options) <= 10:
        raise UgcRefused("投票需要 2-10 个选项 (a poll has 2-10 options)")
    keys = [key for key, _ in spec.options]
    if len(set(keys)) != len(keys) or not all(CODE.fullmatch(k) for k in keys):
        raise UgcRefused("选项编号需各不相同 (option keys must be distinct codes)")
    for _, label in spec.options:
        if not 1 <= len(label.strip()) <= 64 or not TEXT.fullmatch(label):
            raise UgcRefused("选项名称需 1-64 个字 (an option label of 1-64 characters)")
    if spec.opens_at.tzinfo is None or spec.closes_at.tzinfo is None:
        raise UgcRefused("开始与结束时间需带时区 (times need a time zone)")
    if spec.closes_at <= spec.opens_at:
        raise UgcRefused("结束时间应晚于开始时间 (a poll must close after it opens)")
    if session.scalar(select(UgcPoll.id).where(UgcPoll.code == spec.code)) is not None:
        raise UgcConflict(f"投票编号 {spec.code} 已被使用 (the code is taken)")
    poll = UgcPoll(
        code=spec.code,
        title=title,
        opens_at=spec.opens_at,
        closes_at=spec.closes_at,
        created_at=at,
        created_by=by[:64],
    )
    session.add(poll)
    session.flush()
    session.add_all(
        UgcPollOption(poll_id=poll.id, key=key, label=label.strip(), position=n)
        for n, (key, label) in enumerate(spec.options)
    )
    session.flush()
    return _view(session, poll)


def _poll(session: Session, code: str) -> UgcPoll:
    poll = session.scalars(select(UgcPoll).where(UgcPoll.code == code)).first()
    if poll is None:
        raise UnknownUgc(f"没有投票 {code} (no such poll)")
    return poll


def vote(
    session: Session, code: str, *, customer_id: int, option: str, at: datetime, source: str
) -> Voted:
    """The person's one vote (``Poll Voted``); the same vote again answers with it, unchanged;
    another choice after voting is a 409; outside the poll's window a 409."""
    poll = _poll(session, code)
    person = person_of(session, customer_id)
    chosen = session.scalars(
        select(UgcPollOption).where(UgcPollOption.poll_id == poll.id, UgcPollOption.key == option)
    ).first()
    if chosen is None:
        raise UgcRefused(f"投票 {code} 没有选项 {option} (no such option)")
    earlier = _vote_of(session, poll.id, person)
    if earlier is None:
        if not poll.opens_at <= at < poll.closes_at:
            raise UgcConflict("投票未开始或已结束 (the poll is not open)")
        row = UgcVote(poll_id=poll.id, option_id=chosen.id, customer_id=person, voted_at=at)
        if insert_once(session, row):
            events.poll_voted(
                session, at=at, source=source, poll=code, option=option, customer_id=person
            )
            return Voted(code, option, person, at, True)
        earlier = _vote_of(session, poll.id, person)  # a concurrent replay won
    if earlier is None:  # pragma: no cover - the insert failed on the unique key, so it exists
        raise UgcConflict("投票未能记录，请重试 (the vote could not be recorded)")
    vote_row, key = earlier
    if key != option:
        raise UgcConflict("每人每个投票只能投一次 (one vote per person per poll)")
    return Voted(code, key, person, vote_row.voted_at, False)


def _vote_of(session: Session, poll_id: int, person: int) -> tuple[UgcVote, str] | None:
    found = session.execute(
        select(UgcVote, UgcPollOption.key)
        .join(UgcPollOption, UgcPollOption.id == UgcVote.option_id)
        .where(UgcVote.poll_id == poll_id, UgcVote.customer_id == person)
    ).first()
    return (found[0], found[1]) if found is not None else None


def get_poll(session: Session, code: str) -> PollView:
    return _view(session, _poll(session, code))


def list_polls(session: Session) -> list[PollView]:
    """Every poll, newest first, with its results."""
    return [_view(session, p) for p in session.scalars(select(UgcPoll).order_by(UgcPoll.id.desc()))]


def votes_by(session: Session, since: datetime, until: datetime) -> dict[int, int]:
    """How many votes each person cast in [since, until)."""
    rows = session.execute(
        select(UgcVote.customer_id, func.count())
        .where(UgcVote.voted_at >= since, UgcVote.voted_at < until)
        .group_by(UgcVote.customer_id)
    )
    return {customer: count for customer, count in rows}


def _view(session: Session, poll: UgcPoll) -> PollView:
    counts = dict(
        session.execute(
            select(UgcVote.option_id, func.count())
            .where(UgcVote.poll_id == poll.id)
            .group_by(UgcVote.option_id)
        ).all()
    )
    total = sum(counts.values())
    options = session.scalars(
        select(UgcPollOption)
        .where(UgcPollOption.poll_id == poll.id)
        .order_by(UgcPollOption.position)
    )
    return PollView(
        code=poll.code,
        title=poll.title,
        opens_at=poll.opens_at,
        closes_at=poll.closes_at,
        created_by=poll.created_by,
        options=tuple(
            OptionResult(
                o.key, o.label, counts.get(o.id, 0), counts.get(o.id, 0) / total if total else 0.0
            )
            for o in options
        ),
        votes=total,
    )
