"""The operator's 话术 library: the suggested answer to viewers' questions of one aspect (price,
taste, usage …), for one product or any. The stream processor's question clusters use it before
the built-in templates (``live.stream.questions.suggested_answer``).

Invariants:
- one text per (aspect, sku), and one per aspect for any product (sku NULL); a product's wins
  over its aspect's;
- a text is Chinese, 1-500 characters, no control characters, and its only braces are the
  placeholders ``{product}``, ``{price}`` and ``{stock}`` (anything else is refused with the
  reason), so a rendered answer never shows a raw placeholder: one that cannot be filled (no
  product, no live price) falls back to the next answer;
- a sku names a product of the catalog.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveloop.commerce import service as commerce
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.live.contracts import Aspect
from liveloop.live.errors import LiveError, LiveRefused
from liveloop.live.models import LiveScript
from liveloop.live.stream.questions import SCRIPT_PLACEHOLDERS

MAX_TEXT = 500
_TEXT = re.compile(NO_CONTROL_CHARS)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_ANY_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


class UnknownScript(LiveError):
    """No 话术 with that id."""

    status = 404


@dataclass(frozen=True, slots=True)
class ScriptView:
    id: int
    aspect: Aspect
    sku: str | None  # None: the aspect's answer for any product
    text: str
    updated_at: datetime
    updated_by: str
    product: str | None = None  # the product's name, when sku names one

    @classmethod
    def of(cls, row: LiveScript, product: str | None = None) -> ScriptView:
        return cls(
            row.id,
            Aspect(row.aspect),
            row.sku,
            row.text,
            row.updated_at,
            row.updated_by,
            product,
        )


def check_text(text: str) -> str:
    """The 话术 as it will be kept, or ``LiveRefused`` with the reason."""
    text = text.strip() if isinstance(text, str) else ""
    if not text or len(text) > MAX_TEXT or not _TEXT.fullmatch(text):
        raise LiveRefused(
            f"话术需要 1-{MAX_TEXT} 个字符，不含控制字符 (a script is 1-{MAX_TEXT} characters)"
        )
    if not _HAN.search(text):
        raise LiveRefused("话术请用中文书写 (a script is written in Chinese)")
    unknown = sorted({p for p in _ANY_PLACEHOLDER.findall(text) if p not in SCRIPT_PLACEHOLDERS})
    allowed = "、".join(SCRIPT_PLACEHOLDERS)
    if unknown:
        raise LiveRefused(
            f"话术中的 {'、'.join(unknown)} 不是可用的占位符，只能用 {allowed} "
            f"(unknown placeholder; use {', '.join(SCRIPT_PLACEHOLDERS)})"
        )
    rest = text
    for placeholder in SCRIPT_PLACEHOLDERS:
        rest = rest.replace(placeholder, "")
    if "{" in rest or "}" in rest:
        raise LiveRefused(
            f"话术中的花括号只能用于占位符 {allowed} (braces only around a placeholder)"
        )
    return text


def _aspect(value: str | Aspect) -> Aspect:
    try:
        return Aspect(value)
    except ValueError:
        allowed = ", ".join(a.value for a in Aspect)
        raise LiveRefused(f"未知的问题类型 {value!r} (aspect is one of: {allowed})") from None


def _row(session: Session, aspect: Aspect, sku: str | None) -> LiveScript | None:
    query = select(LiveScript).where(LiveScript.aspect == aspect.value)
    query = query.where(LiveScript.sku.is_(None) if sku is None else LiveScript.sku == sku)
    return session.scalars(query).one_or_none()


def list_scripts(session: Session) -> list[ScriptView]:
    """Every 话术, by aspect, the aspect's own before the products'."""
    rows = list(session.scalars(select(LiveScript)))
    names = {
        sku: entry.name
        for sku, entry in commerce.products_by_sku(
            session, {r.sku for r in rows if r.sku is not None}
        ).items()
    }
    order = {a: i for i, a in enumerate(Aspect)}
    rows.sort(key=lambda r: (order.get(Aspect(r.aspect), 99), r.sku is not None, r.sku or ""))
    return [ScriptView.of(r, names.get(r.sku) if r.sku else None) for r in rows]


def scripts_for_room(session: Session) -> dict[tuple[Aspect, str | None], str]:
    """The library as the stream processor takes it (``RoomProcessor.set_scripts``)."""
    return {
        (Aspect(aspect), sku): text
        for aspect, sku, text in session.execute(
            select(LiveScript.aspect, LiveScript.sku, LiveScript.text)
        )
    }


def set_script(
    session: Session,
    *,
    aspect: str | Aspect,
    text: str,
    by: str,
    now: datetime,
    sku: str | None = None,
) -> ScriptView:
    """Set the 话术 of ``aspect`` (for ``sku``, or any product): made or replaced."""
    kind = _aspect(aspect)
    kept = check_text(text)
    sku = sku.strip() if isinstance(sku, str) and sku.strip() else None
    product = None
    if sku is not None:
        entry = commerce.product(session, sku)
        if entry is None:
            raise LiveRefused(f"没有商品 {sku} (no product {sku})")
        product = entry.name
    row = _row(session, kind, sku)
    if row is None:
        row = LiveScript(aspect=kind.value, sku=sku, text=kept, updated_at=now, updated_by=by)
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:  # set by a concurrent request meanwhile: this one replaces it
            row = _row(session, kind, sku)
            if row is None:
                raise
    row.text, row.updated_at, row.updated_by = kept, now, by
    session.flush()
    return ScriptView.of(row, product)


def delete_script(session: Session, script_id: int) -> ScriptView:
    """Delete a 话术: its questions get the next answer (the aspect's, else the built-in)."""
    row = session.get(LiveScript, script_id)
    if row is None:
        raise UnknownScript(f"没有话术 {script_id} (no script {script_id})")
    view = ScriptView.of(row)
    session.delete(row)
    session.flush()
    return view
