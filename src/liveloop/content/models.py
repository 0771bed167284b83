"""The content library's one table. A row is the truth about an item; the search index is a
copy kept in step after each commit and rebuilt from these rows (``revision`` says how far)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveloop.store.base import Base, JSONDoc, UTCDateTime


class ContentItem(Base):
    __tablename__ = "content_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The business fact the item stands for, unique: a clip is ``clip:{live}:{start}:{end}``
    # (milliseconds); a recipe or 话术 its caller's key, or one made from its kind and title.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    live_session_id: Mapped[int | None] = mapped_column(Integer)
    start_ms: Mapped[int | None] = mapped_column(Integer)
    end_ms: Mapped[int | None] = mapped_column(Integer)
    media_path: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by: Mapped[str] = mapped_column(String(64))
    # A library-wide counter, raised on every write: the index has caught up with the table
    # when it has seen the highest revision. Unique, so two writers cannot share one.
    revision: Mapped[int] = mapped_column(Integer, unique=True)
