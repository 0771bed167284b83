"""Access facade: users, passwords, API keys and console sessions.

Plain-text secrets (a new password, a new API key, a session token) exist only in the return
value of the call that made them; the store keeps hashes, and nothing here logs a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from liveloop.access import events, throttle
from liveloop.access.contracts import PiiField, Role
from liveloop.access.models import ApiKey, ConsoleSession, User
from liveloop.access.scopes import SCOPED as SCOPED
from liveloop.access.scopes import may_see_person as may_see_person
from liveloop.access.scopes import scope_people as scope_people
from liveloop.errors import DomainError

_hasher = PasswordHasher()
API_KEY_PREFIX = "ll_"
USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,64}$")
# Verified against when a username does not exist, so both paths cost one argon2 check.
_DUMMY_HASH = _hasher.hash("liveloop-no-such-user")


class AccessError(DomainError):
    """A request to create or change access that is not allowed as given."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: a console user or a machine client's API key."""

    kind: str  # "user" | "api_key"
    id: int
    name: str
    role: Role
    last_used_at: datetime | None = None  # API keys only


@dataclass(frozen=True)
class ConsoleLogin:
    principal: Principal
    display_name: str
    csrf_token: str


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise AccessError(f"unknown role {value!r}; use one of: {allowed}") from None


def new_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    username: str,
    role: Role | str,
    now: datetime,
    *,
    password: str | None = None,
    display_name: str | None = None,
) -> tuple[Principal, str]:
    """Create a console user; returns it with its password (generated when not given)."""
    if not USERNAME.match(username):
        raise AccessError("username must be 2-64 letters, digits, '_', '.' or '-'")
    role = parse_role(str(role))
    if user_exists(session, username):
        raise AccessError(f"user {username!r} already exists")
    password = password or new_password()
    if len(password) < 8:
        raise AccessError("password must be at least 8 characters")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        password_hash=_hasher.hash(password),
        created_at=now,
    )
    session.add(user)
    session.flush()
    return Principal("user", user.id, user.username, role), password


def set_password(session: Session, username: str, password: str) -> None:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise AccessError(f"no user {username!r}")
    if len(password) < 8:
        raise AccessError("password must be at least 8 characters")
    user.password_hash = _hasher.hash(password)
    session.execute(delete(ConsoleSession).where(ConsoleSession.user_id == user.id))


def active_role(session: Session, username: str) -> Role | None:
    """The role of an enabled console user; None when there is no such user."""
    role = session.scalar(
        select(User.role).where(User.username == username, User.disabled_at.is_(None))
    )
    return Role(role) if role is not None else None


def user_exists(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username)) is not None


def authenticate(session: Session, username: str, password: str) -> Principal | None:
    user = session.scalars(
        select(User).where(User.username == username, User.disabled_at.is_(None))
    ).one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return Principal("user", user.id, user.username, Role(user.role))


@dataclass(frozen=True)
class LoginAttempt:
    principal: Principal | None  # None: refused
    retry_after: int | None = None  # seconds, when refused unchecked because of back-off


def attempt_login(
    session: Session, username: str, password: str, address: str | None, now: datetime
) -> LoginAttempt:
    """A console login under back-off (``access.throttle``): a locked username or address is
    refused without checking the password; an unknown username costs one argon2 check and one
    counted failure, exactly as a wrong password does; each failure is in the audit trail
    (``Console Login Failed``). Slow (argon2): call it off the event loop."""
    keys = throttle.keys_of(username, address)
    until = throttle.locked_until(session, keys, now)
    if until is not None:
        events.console_login_failed(
            session,
            at=now,
            username=username,
            address=address,
            failures=0,
            locked_until=until,
            refused=True,
        )
        return LoginAttempt(None, max(1, math.ceil((until - now).total_seconds())))
    principal = authenticate(session, username, password)
    if principal is not None:
        throttle.record_success(session, keys[0])
        return LoginAttempt(principal)
    locks = throttle.record_failure(session, keys, now)
    events.console_login_failed(
        session,
        at=now,
        username=username,
        address=address,
        failures=locks[0].failures,
        locked_until=max((lock.until for lock in locks if lock.until), default=None),
        refused=False,
    )
    return LoginAttempt(None)


def create_api_key(
    session: Session, name: str, role: Role | str, now: datetime
) -> tuple[Principal, str]:
    """Create a machine client's key; the returned plain key is shown once and never stored."""
    if not name or len(name) > 64:
        raise AccessError("key name must be 1-64 characters")
    role = parse_role(str(role))
    key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=name, role=role, prefix=key[:10], key_hash=_sha256(key), created_at=now)
    session.add(row)
    session.flush()
    return Principal("api_key", row.id, name, role), key


def resolve_api_key(session: Session, key: str) -> Principal | None:
    """Who holds ``key`` (read-only; see ``touch_api_key`` for recording use)."""
    if not key.startswith(API_KEY_PREFIX):
        return None
    row = session.scalars(
        select(ApiKey).where(ApiKey.key_hash == _sha256(key), ApiKey.revoked_at.is_(None))
    ).one_or_none()
    if row is None:
        return None
    return Principal("api_key", row.id, row.name, Role(row.role), row.last_used_at)


def touch_api_key(session: Session, key_id: int, now: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


@dataclass(frozen=True)
class ApiKeyInfo:
    """An API key as an admin sees it (never the key itself)."""

    id: int
    name: str
    role: Role
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def api_keys(session: Session) -> list[ApiKeyInfo]:
    return [
        ApiKeyInfo(r.id, r.name, Role(r.role), r.prefix, r.created_at, r.last_used_at, r.revoked_at)
        for r in session.scalars(select(ApiKey).order_by(ApiKey.id))
    ]


def api_key_exists(session: Session, key_id: int) -> bool:
    return session.get(ApiKey, key_id) is not None


def revoke_api_key(session: Session, key_id: int, now: datetime) -> None:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise AccessError(f"no API key {key_id}")
    row.revoked_at = now


def start_console_session(
    session: Session, principal: Principal, now: datetime, hours: int
) -> tuple[str, str]:
    """Returns (session token for the cookie, CSRF token for forms)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=_sha256(token),
            user_id=principal.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    # Expired sessions of anyone are cleared on login, so the table never grows without bound.
    session.execute(delete(ConsoleSession).where(ConsoleSession.expires_at < now))
    return token, csrf


def console_login(session: Session, token: str, now: datetime) -> ConsoleLogin | None:
    row = session.execute(
        select(ConsoleSession, User)
        .join(User, User.id == ConsoleSession.user_id)
        .where(
            ConsoleSession.token_hash == _sha256(token),
            ConsoleSession.expires_at > now,
            User.disabled_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return None
    console_session, user = row
    principal = Principal("user", user.id, user.username, Role(user.role))
    return ConsoleLogin(principal, user.display_name, console_session.csrf_token)


def end_console_session(session: Session, token: str) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.token_hash == _sha256(token)))


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


# Who sees which personal field unmasked — the one place this is decided. Admins and operators
# run the brand's relationship with the customer; a guide addresses the customer by name but
# reaches them through WeCom, not their phone or address; hosts, leaders, analysts and
# integrators work with masked data.
UNMASKED: dict[Role, frozenset[PiiField]] = {
    Role.ADMIN: frozenset(PiiField),
    Role.OPERATOR: frozenset(PiiField),
    Role.GUIDE: frozenset({PiiField.NAME}),
}


def sees(role: Role | str, field: PiiField | str) -> bool:
    """Whether ``role`` sees ``field`` whole (otherwise masked)."""
    return PiiField(field) in UNMASKED.get(Role(role), frozenset())


def mask(kind: str, value: str) -> str:
    """138****8000 for phones, 张* for names, o12…ab for opaque ids — what a role that does not
    ``sees`` a field is shown of it."""
    if kind == "phone" and len(value) >= 7:
        return value[:-8] + "****" + value[-4:]
    if kind == "name":
        return value[:1] + "*" * max(1, len(value) - 1)
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:3]}…{value[-2:]}"
