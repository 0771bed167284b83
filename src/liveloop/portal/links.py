"""Share links: a leader's tracked link to an upcoming show or a product. ``/s/{token}``
logs ``Invite Link Opened`` for the visitor (their browser's anonymousId) and redirects to the
target's page; the binding follows when that visitor pays (``portal.attribution``).

A link is made on first ask and kept (UNIQUE leader, kind, target); its token is random
(``secrets``), so a link cannot be derived from a leader's code and opens cannot be forged
for a leader at will.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.portal import events
from liveloop.portal.contracts import TOKEN_LENGTH, LinkKind, UnknownLink
from liveloop.portal.models import ShareLink

ALPHABET = string.ascii_letters + string.digits
SHORT_LINK = "/s/"


@dataclass(frozen=True)
class LinkView:
    token: str
    leader: str
    kind: LinkKind
    target: str
    path: str  # /s/{token}: what the leader shares (the server's address before it)

    @property
    def landing(self) -> str:
        """Where the link lands: the show's or the product's page."""
        if self.kind == LinkKind.LIVE:
            return f"/h5/live/{self.target}?from={self.leader}"
        return f"/h5/products/{self.target}?from={self.leader}"


def _view(row: ShareLink) -> LinkView:
    return LinkView(row.token, row.leader, LinkKind(row.kind), row.target, SHORT_LINK + row.token)


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def share_link(
    session: Session, *, leader: str, kind: LinkKind | str, target: str, at: datetime
) -> LinkView:
    """The leader's link to ``target``: the one made before, or a new one."""
    kind = LinkKind(kind)
    query = select(ShareLink).where(
        ShareLink.leader == leader, ShareLink.kind == kind, ShareLink.target == target
    )
    found = session.scalars(query).one_or_none()
    if found is not None:
        return _view(found)
    for _ in range(5):
        row = ShareLink(token=new_token(), leader=leader, kind=kind, target=target, created_at=at)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            raced = session.scalars(query).one_or_none()
            if raced is not None:  # the same link made concurrently
                return _view(raced)
            continue  # the token was taken: draw another
        return _view(row)
    raise UnknownLink("分享链接生成冲突,请重试 (no free token drawn; retry)")


def links_of(session: Session, leader: str) -> dict[tuple[LinkKind, str], LinkView]:
    return {
        (LinkKind(row.kind), row.target): _view(row)
        for row in session.scalars(select(ShareLink).where(ShareLink.leader == leader))
    }


def link_of(session: Session, token: str, *, leader: str | None = None) -> LinkView:
    """The link of ``token`` (of ``leader`` only, when given: another leader's is unknown)."""
    row = session.scalars(select(ShareLink).where(ShareLink.token == token)).one_or_none()
    if row is None or (leader is not None and row.leader != leader):
        raise UnknownLink("没有这个分享链接 (no such share link)")
    return _view(row)


def open_link(
    session: Session,
    token: str,
    *,
    anonymous_id: str,
    at: datetime,
    user_agent: str | None = None,
) -> LinkView:
    """A visitor opened the link: ``Invite Link Opened`` logged once for this open; the link
    answered, for the redirect to its landing page."""
    link = link_of(session, token)
    events.invite_link_opened(
        session,
        at=at,
        source="share-link",
        anonymous_id=anonymous_id,
        link=link.token,
        leader=link.leader,
        kind=link.kind,
        target=link.target,
        user_agent=user_agent,
    )
    return link
