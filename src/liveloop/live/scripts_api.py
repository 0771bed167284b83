"""The 话术 library and each room's alert rules over HTTP (``live.api`` hands the app this
router): ``/v1/live-scripts`` (list; set one by aspect and product; delete one) and
``/v1/live-rooms/{room}/alert-rules`` (read, replace the overrides).

Operators (and admins) edit; hosts and analysts read (a host only the rules of their rooms —
another room is "not found", 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.live import service as lives
from liveloop.live import webhook
from liveloop.live.contracts import Aspect
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(tags=["live"])

Reader = Annotated[Principal, Depends(require_roles(Role.OPERATOR, Role.HOST, Role.ANALYST))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Room = Annotated[str, Path(pattern=webhook.ROOM, description="The live room, e.g. main")]


class ScriptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    aspect: Aspect
    sku: Annotated[str, Field(min_length=1, max_length=32, pattern=NO_CONTROL_CHARS)] | None = None
    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=500,
            description="Chinese; may use {product}, {price}, {stock}",
        ),
    ]


class ScriptOut(BaseModel):
    id: int
    aspect: Aspect
    sku: str | None
    product: str | None
    text: str
    updated_at: datetime
    updated_by: str


class AlertRulesOut(BaseModel):
    room: str
    overrides: dict[str, Any]  # what the operator set
    rules: dict[str, Any]  # the rules in force: the defaults with the overrides


def _script(view: lives.ScriptView) -> ScriptOut:
    return ScriptOut.model_validate(view, from_attributes=True)


@router.get("/v1/live-scripts")
def scripts(session: ReadSessionDep, _: Reader) -> list[ScriptOut]:
    """The 话术 library: per aspect, for any product and for one product."""
    return [_script(s) for s in lives.list_scripts(session)]


@router.put("/v1/live-scripts")
def set_script(body: ScriptIn, session: SessionDep, runtime: RuntimeDep, who: Editor) -> ScriptOut:
    """Set the 话术 of an aspect (for one product with ``sku``); it replaces the one there."""
    return _script(
        lives.set_script(
            session,
            aspect=body.aspect,
            sku=body.sku,
            text=body.text,
            by=who.name,
            now=runtime.clock.now(),
        )
    )


@router.delete("/v1/live-scripts/{script_id}", status_code=204)
def delete_script(
    script_id: Annotated[int, Path(ge=1, le=2**31 - 1)], session: SessionDep, _: Editor
) -> None:
    """Delete a 话术; its questions get the aspect's, else the built-in answer."""
    lives.delete_script(session, script_id)


def _rules(session: Any, room: str, scope: frozenset[str] | None) -> AlertRulesOut:
    return AlertRulesOut(
        room=room,
        overrides=lives.alert_overrides_of(session, room, scope),
        rules=lives.alert_rules_dict(lives.alert_rules_of(session, room, scope)),
    )


@router.get("/v1/live-rooms/{room}/alert-rules")
def alert_rules(room: Room, session: ReadSessionDep, principal: Reader) -> AlertRulesOut:
    """The room's alert rules: the operator's overrides and the rules in force."""
    return _rules(session, room, lives.rooms_of(session, principal))


@router.put("/v1/live-rooms/{room}/alert-rules")
def set_alert_rules(
    room: Room, body: lives.AlertRulesIn, session: SessionDep, _: Editor
) -> AlertRulesOut:
    """Replace the room's overrides (``{}``: the defaults); its processor takes them within 15 s."""
    lives.set_alert_rules(session, room, body)
    return _rules(session, room, None)
