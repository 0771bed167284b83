"""Message templates: saved, checked and rendered for a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveloop.channels import templates
from liveloop.channels.errors import TemplateNotFound
from liveloop.channels.models import MessageTemplate
from liveloop.channels.providers import CHANNELS


@dataclass(frozen=True)
class TemplateSpec:
    code: str
    name: str
    channel: str
    purpose: str
    body: str
    subject: str | None = None
    sms_sign_name: str | None = None
    sms_template_id: str | None = None
    sms_params: Sequence[str] = ()
    wecom_msgtype: str | None = None
    attachments: Sequence[dict[str, Any]] = ()
    active: bool = True


@dataclass(frozen=True, kw_only=True)
class TemplateView(TemplateSpec):
    id: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: MessageTemplate) -> TemplateView:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            channel=row.channel,
            purpose=row.purpose,
            body=row.body,
            subject=row.subject,
            sms_sign_name=row.sms_sign_name,
            sms_template_id=row.sms_template_id,
            sms_params=tuple(row.sms_params or ()),
            wecom_msgtype=row.wecom_msgtype,
            attachments=tuple(dict(a) for a in row.attachments or ()),
            active=row.active,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


def _validate(spec: TemplateSpec) -> None:
    if spec.channel not in CHANNELS:
        raise templates.TemplateInvalid(f"channel must be one of {', '.join(CHANNELS)}")
    if spec.purpose not in ("marketing", "service"):
        raise templates.TemplateInvalid("purpose must be marketing or service")
    templates.check(spec.body, "body")
    if spec.subject:
        templates.check(spec.subject, "subject")
    for i, param in enumerate(spec.sms_params):
        templates.check(param, f"sms_params[{i}]")
    if spec.channel == "sms" and not spec.sms_template_id:
        raise templates.TemplateInvalid("an SMS template needs the provider's sms_template_id")
    if spec.channel == "wecom" and (spec.wecom_msgtype or "text") not in ("text", "welcome"):
        raise templates.TemplateInvalid("wecom_msgtype must be text or welcome")


def save_template(session: Session, spec: TemplateSpec, now: datetime) -> TemplateView:
    """Create or replace the template with ``spec.code``; invalid syntax raises (422)."""
    _validate(spec)
    row = session.scalars(
        select(MessageTemplate).where(MessageTemplate.code == spec.code)
    ).one_or_none()
    if row is None:
        row = MessageTemplate(code=spec.code, created_at=now)
        session.add(row)
    row.name, row.channel, row.purpose = spec.name, spec.channel, spec.purpose
    row.body, row.subject = spec.body, spec.subject
    row.sms_sign_name, row.sms_template_id = spec.sms_sign_name, spec.sms_template_id
    row.sms_params = list(spec.sms_params)
    row.wecom_msgtype = spec.wecom_msgtype or ("text" if spec.channel == "wecom" else None)
    row.attachments = [dict(a) for a in spec.attachments]
    row.active, row.updated_at = spec.active, now
    session.flush()
    session.info.pop(_KNOWN, None)
    return TemplateView.of(row)


def _row(session: Session, code: str) -> MessageTemplate:
    row = session.scalars(select(MessageTemplate).where(MessageTemplate.code == code)).one_or_none()
    if row is None:
        raise TemplateNotFound(f"no message template {code!r}")
    return row


def get_template(session: Session, code: str) -> TemplateView:
    return TemplateView.of(_row(session, code))


_KNOWN = "message_templates"


def template_in(session: Session, code: str) -> TemplateView:
    """The template, read once per transaction: a journey batch queues hundreds of messages
    from a handful of templates."""
    known: dict[str, TemplateView] = session.info.setdefault(_KNOWN, {})
    if code not in known:
        known[code] = get_template(session, code)
    return known[code]


def list_templates(session: Session) -> list[TemplateView]:
    rows = session.scalars(select(MessageTemplate).order_by(MessageTemplate.code))
    return [TemplateView.of(row) for row in rows]


def delete_template(session: Session, code: str) -> None:
    session.delete(_row(session, code))
    session.info.pop(_KNOWN, None)


def has_template(session: Session, code: str) -> bool:
    """Whether a message template with this code exists (switched on or off)."""
    return (
        session.scalar(select(MessageTemplate.id).where(MessageTemplate.code == code)) is not None
    )


def render_message(template: TemplateView, variables: dict[str, Any]) -> dict[str, Any]:
    """The message the template makes of these variables: body, subject and provider params."""
    body = templates.render(template.body, variables)
    subject = templates.render(template.subject, variables, "subject") if template.subject else None
    params: dict[str, Any] = {}
    if template.channel == "sms":
        params = {
            "template_id": template.sms_template_id,
            "sign_name": template.sms_sign_name,
            "values": [
                templates.render(p, variables, f"sms_params[{i}]")
                for i, p in enumerate(template.sms_params or [])
            ],
        }
    elif template.channel == "wecom":
        params = {
            "msgtype": template.wecom_msgtype or "text",
            "attachments": [dict(a) for a in template.attachments],
        }
        if template.wecom_msgtype == "welcome":
            params["welcome_code"] = variables.get("welcome_code")
    return {"body": body, "subject": subject, "params": params}


def render(source: str, variables: dict[str, Any], what: str = "body") -> str:
    """A text with ``{{ customer.name }}``-style variables, through the message templates'
    sandbox (journeys title their guide tasks with it)."""
    return templates.render(source, variables, what)
