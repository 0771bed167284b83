"""Live rooms: where shows air, and who may see which.

A room is named by its ``code`` — the room string of the webhook path ``/v1/live/{room}/events``
and of every live session's ``room`` — and has a Chinese name and a platform (our own H5/小程序
room through the webhook, 视频号, 企业微信直播). Its ``connector`` holds the platform's
non-secret settings only (a 视频号 finder id, a WeCom living anchor's userid …); a secret the
connector needs is named by ``secret_ref`` (the setting or environment variable that holds it)
and never stored or shown here.

Row scope: operators, admins and analysts see every room; a user of role ``host`` sees the rooms
of the shows they host or control (场控); any other role no room (fail closed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.live import webhook
from liveloop.live.contracts import LivePlatform
from liveloop.live.errors import LiveConflict, LiveRefused, UnknownRoom
from liveloop.live.models import LiveRoom, LiveSession

ROOM_CODE = re.compile(webhook.ROOM)
SECRET_REF = re.compile(r"^[A-Z][A-Z0-9_]{1,63}$")
TEXT = re.compile(NO_CONTROL_CHARS)
# The non-secret settings each platform's connector may keep; anything else is refused, so a
# secret cannot slip in under another name.
CONNECTOR_FIELDS: dict[LivePlatform, frozenset[str]] = {
    LivePlatform.OWN_H5: frozenset({"source"}),  # the ingest source whose webhook feeds it
    LivePlatform.WECHAT_CHANNELS: frozenset({"source", "finder_id"}),  # 视频号 ID
    LivePlatform.WECOM_LIVING: frozenset({"corp_id", "agent_id", "anchor_userid"}),
}
# Rooms named before anyone named them (the simulator's and the first webhook's room).
DEFAULT_NAMES = {"main": "官方直播间"}
ALL_ROOMS = frozenset({Role.ADMIN, Role.OPERATOR, Role.ANALYST})
PLATFORM_NAMES = {
    LivePlatform.OWN_H5: "自有 H5/小程序",
    LivePlatform.WECHAT_CHANNELS: "视频号",
    LivePlatform.WECOM_LIVING: "企业微信直播",
}


@dataclass(frozen=True)
class RoomView:
    id: int
    code: str
    name: str
    platform: LivePlatform
    connector: Mapping[str, str] = field(default_factory=dict)  # non-secret settings only
    secret_ref: str | None = None  # where the connector's secret is held, never the secret
    created_at: datetime | None = None

    @classmethod
    def of(cls, row: LiveRoom) -> RoomView:
        return cls(
            row.id,
            row.code,
            row.name,
            LivePlatform(row.platform),
            dict(row.connector or {}),
            row.secret_ref,
            row.created_at,
        )


def check_code(code: str) -> str:
    if not isinstance(code, str) or not ROOM_CODE.fullmatch(code):
        raise LiveRefused(
            f"直播间编号 {code!r} 只能用 1-64 个字母、数字、_ . - "
            "(a room code is 1-64 letters, digits, _ . -)"
        )
    return code


def check_text(name: str, what: str = "名称 (name)", most: int = 64) -> str:
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > most or not TEXT.fullmatch(name):
        raise LiveRefused(f"{what} 需要 1-{most} 个字符,不含控制字符 (1-{most} characters)")
    return name


def _platform(value: str | LivePlatform) -> LivePlatform:
    try:
        return LivePlatform(value)
    except ValueError:
        allowed = ", ".join(p.value for p in LivePlatform)
        raise LiveRefused(f"未知的直播平台 {value!r} (platform is one of: {allowed})") from None


def _connector(platform: LivePlatform, settings: Mapping[str, str] | None) -> dict[str, str]:
    settings = dict(settings or {})
    allowed = CONNECTOR_FIELDS[platform]
    unknown = sorted(set(settings) - allowed)
    if unknown:
        names = ", ".join(sorted(allowed)) or "none"
        raise LiveRefused(
            f"{PLATFORM_NAMES[platform]} 的连接设置不含 {', '.join(unknown)};密钥请用 secret_ref "
            f"指向配置项 (connector settings for {platform.value}: {names}; "
            "secrets go in a setting named by secret_ref)"
        )
    for key, value in settings.items():
        if not isinstance(value, str) or not 1 <= len(value) <= 128 or not TEXT.fullmatch(value):
            raise LiveRefused(f"连接设置 {key} 需要 1-128 个字符 ({key}: 1-128 characters)")
    return settings


def create_room(
    session: Session,
    *,
    code: str,
    name: str,
    platform: str | LivePlatform,
    now: datetime,
    connector: Mapping[str, str] | None = None,
    secret_ref: str | None = None,
) -> RoomView:
    """Create a room; a taken code is a ``LiveConflict``."""
    code = check_code(code)
    name = check_text(name)
    kind = _platform(platform)
    settings = _connector(kind, connector)
    if secret_ref is not None and not SECRET_REF.fullmatch(secret_ref):
        raise LiveRefused(
            "secret_ref 是保存密钥的配置项名称,如 LIVELOOP_WECOM_LIVING_SECRET "
            "(secret_ref names the setting holding the secret, e.g. LIVELOOP_WECOM_LIVING_SECRET)"
        )
    if session.scalar(select(LiveRoom.id).where(LiveRoom.code == code)) is not None:
        raise LiveConflict(f"直播间 {code} 已存在 (room {code} exists)")
    row = LiveRoom(
        code=code,
        name=name,
        platform=kind.value,
        connector=settings,
        secret_ref=secret_ref,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # created by a concurrent request meanwhile
        raise LiveConflict(f"直播间 {code} 已存在 (room {code} exists)") from None
    return RoomView.of(row)


def ensure_room(session: Session, code: str, now: datetime) -> RoomView:
    """The room with this code, created (our own H5 room, the webhook's door) if it is new:
    shows scheduled by an import or the simulator name rooms no one created."""
    row = session.scalars(select(LiveRoom).where(LiveRoom.code == code)).one_or_none()
    if row is not None:
        return RoomView.of(row)
    return create_room(
        session,
        code=code,
        name=DEFAULT_NAMES.get(code, f"直播间 {code}"),
        platform=LivePlatform.OWN_H5,
        now=now,
    )


def list_rooms(session: Session, rooms: frozenset[str] | None = None) -> list[RoomView]:
    """Every room (or those of ``rooms``, a caller's scope), in the order they were made."""
    query = select(LiveRoom).order_by(LiveRoom.id)
    if rooms is not None:
        query = query.where(LiveRoom.code.in_(sorted(rooms)))
    return [RoomView.of(row) for row in session.scalars(query)]


def get_room(session: Session, code: str, rooms: frozenset[str] | None = None) -> RoomView:
    row = session.scalars(select(LiveRoom).where(LiveRoom.code == code)).one_or_none()
    if row is None or (rooms is not None and code not in rooms):
        raise UnknownRoom(f"没有直播间 {code} (no room {code})")
    return RoomView.of(row)


def room_name(session: Session, code: str) -> str:
    """The room's name, or its code for a room no one has made yet (a webhook's)."""
    name = session.scalar(select(LiveRoom.name).where(LiveRoom.code == code))
    return name if name is not None else code


def rooms_of(session: Session, principal: Principal) -> frozenset[str] | None:
    """The room codes ``principal`` may see: None for every room (admin, operator, analyst);
    for a host, the rooms of the shows that name them host or 场控 (by username, which an API
    key of a host is named after); for any other role, none."""
    if principal.role in ALL_ROOMS:
        return None
    if principal.role is not Role.HOST:
        return frozenset()
    found = set()
    for room, host, controllers in session.execute(
        select(LiveSession.room, LiveSession.host, LiveSession.controllers)
    ):
        if host == principal.name or principal.name in (controllers or ()):
            found.add(room)
    return frozenset(found)
