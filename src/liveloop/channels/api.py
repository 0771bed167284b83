"""HTTP API of the channels domain.

- ``GET /v1/messages`` (paged; filter by status, channel, customer, journey) and
  ``GET /v1/messages/counts``: operators and admins see recipients and texts; analysts, guides
  and hosts see them masked.
- ``GET /v1/messages/dead-letters``, ``POST /v1/messages/{id}/retry``: operators and admins.
- ``/v1/message-templates`` CRUD and ``…/{code}/preview``: a template that does not parse is a
  422 with Jinja's reason; rendering runs in the sandbox.
- Provider callbacks (no API key; their own proof): ``POST /v1/channels/sms/receipts`` and
  ``/v1/channels/sms/replies`` (Tencent Cloud SMS callback shapes, ``?token=`` shared secret),
  ``GET|POST /v1/channels/wecom/callback`` (WeCom's signed, encrypted XML).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import Principal, mask, sees
from liveloop.channels import service
from liveloop.channels import wecom_callback as wxcrypt
from liveloop.channels.contracts import MessageStatus
from liveloop.errors import NO_CONTROL_CHARS
from liveloop.identity import service as identity
from liveloop.identity.service import InvalidIdentifier, holder, normalise
from liveloop.profiles import service as profiles
from liveloop.web.deps import ReadSessionDep, RuntimeDep, SessionDep, require_roles

router = APIRouter(tags=["channels"])
Reader = Annotated[
    Principal,
    Depends(require_roles(Role.OPERATOR, Role.ANALYST, Role.GUIDE, Role.HOST)),
]
Operator = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=500)]
MessageId = Annotated[int, Path(ge=1, le=2**62)]
TemplateCode = Annotated[str, Path(min_length=1, max_length=64)]
ChannelName = Literal["wecom", "sms", "email", "webhook", "console"]


class MessageOut(BaseModel):
    id: int
    customer_id: int | None
    channel: str
    template_code: str | None
    purpose: str
    recipient: str | None
    subject: str | None
    body: str | None
    status: str
    reason: str | None
    provider_message_id: str | None
    attempts: int
    retries: int
    origin: dict[str, Any] | None
    queued_at: datetime
    held_until: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None


class MessagePage(BaseModel):
    total: int
    page: int
    page_size: int
    masked: bool
    rows: list[MessageOut]


def _out(message: service.MessageView, masked: bool) -> MessageOut:
    out = MessageOut.model_validate(message, from_attributes=True)
    if not masked:
        return out
    kind = "phone" if message.channel == "sms" else "id"
    recipient = mask(kind, message.recipient) if message.recipient else None
    return out.model_copy(update={"recipient": recipient, "body": None, "subject": None})


def _page(
    session: ReadSessionDep,
    principal: Principal,
    page: int,
    page_size: int,
    **filters: Any,
) -> MessagePage:
    masked = not sees(principal.role, PiiField.PHONE)
    total, rows = service.list_messages(
        session, offset=(page - 1) * page_size, limit=page_size, **filters
    )
    return MessagePage(
        total=total,
        page=page,
        page_size=page_size,
        masked=masked,
        rows=[_out(m, masked) for m in rows],
    )


@router.get("/v1/messages", response_model=MessagePage)
def messages(
    session: ReadSessionDep,
    principal: Reader,
    status: MessageStatus | None = None,
    channel: ChannelName | None = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    journey_id: Annotated[int | None, Query(ge=1, le=2**31)] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> MessagePage:
    return _page(
        session,
        principal,
        page,
        page_size,
        status=status,
        channel=channel,
        customer_id=customer_id,
        journey_id=journey_id,
    )


@router.get("/v1/messages/counts")
def counts(session: ReadSessionDep, _: Reader) -> dict[str, dict[str, int]]:
    return service.status_counts(session)


@router.get("/v1/messages/dead-letters", response_model=MessagePage)
def dead_letters(
    session: ReadSessionDep,
    principal: Operator,
    channel: ChannelName | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> MessagePage:
    return _page(session, principal, page, page_size, status=MessageStatus.DEAD, channel=channel)


@router.get("/v1/messages/{message_id}", response_model=MessageOut)
def message(
    message_id: MessageId,
    session: ReadSessionDep,
    principal: Reader,
) -> MessageOut:
    masked = not sees(principal.role, PiiField.PHONE)
    return _out(service.get_message(session, message_id), masked)


@router.post("/v1/messages/{message_id}/retry", response_model=MessageOut)
def retry(
    message_id: MessageId, session: SessionDep, runtime: RuntimeDep, principal: Operator
) -> MessageOut:
    return _out(service.retry_dead(session, message_id, runtime.clock.now()), False)


# -- templates --------------------------------------------------------------------------------

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


class TemplateIn(BaseModel):
    code: Code
    name: str = Field(min_length=1, max_length=128, pattern=NO_CONTROL_CHARS)
    channel: ChannelName
    purpose: Literal["marketing", "service"]
    body: str = Field(min_length=1, max_length=4000)
    subject: str | None = Field(default=None, max_length=255, pattern=NO_CONTROL_CHARS)
    sms_sign_name: str | None = Field(default=None, max_length=64, pattern=NO_CONTROL_CHARS)
    sms_template_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9A-Za-z_]+$")
    sms_params: list[Annotated[str, Field(max_length=500)]] = Field(
        default_factory=list, max_length=10
    )
    wecom_msgtype: Literal["text", "welcome"] | None = None
    attachments: list[dict[str, Any]] = Field(default_factory=list, max_length=9)
    active: bool = True


class TemplateOut(TemplateIn):
    id: int
    created_at: datetime
    updated_at: datetime


def _template_out(template: service.TemplateView) -> TemplateOut:
    return TemplateOut.model_validate(template, from_attributes=True)


def _spec(body: TemplateIn) -> service.TemplateSpec:
    return service.TemplateSpec(**body.model_dump())


@router.get("/v1/message-templates", response_model=list[TemplateOut])
def templates_list(session: ReadSessionDep, _: Reader) -> list[TemplateOut]:
    return [_template_out(t) for t in service.list_templates(session)]


@router.post("/v1/message-templates", response_model=TemplateOut, status_code=201)
def template_create(
    body: TemplateIn, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> TemplateOut:
    if service.has_template(session, body.code):
        raise HTTPException(409, f"message template {body.code!r} exists; PUT to change it")
    return _template_out(service.save_template(session, _spec(body), runtime.clock.now()))


@router.get("/v1/message-templates/{code}", response_model=TemplateOut)
def template_get(code: TemplateCode, session: ReadSessionDep, _: Reader) -> TemplateOut:
    return _template_out(service.get_template(session, code))


@router.put("/v1/message-templates/{code}", response_model=TemplateOut)
def template_put(
    code: TemplateCode, body: TemplateIn, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> TemplateOut:
    if body.code != code:
        raise HTTPException(422, "the body's code must match the URL")
    service.get_template(session, code)
    return _template_out(service.save_template(session, _spec(body), runtime.clock.now()))


@router.delete("/v1/message-templates/{code}", status_code=204)
def template_delete(code: TemplateCode, session: SessionDep, _: Operator) -> None:
    service.delete_template(session, code)


class PreviewIn(BaseModel):
    variables: dict[str, Any] = Field(default_factory=dict)


@router.post("/v1/message-templates/{code}/preview")
def template_preview(
    code: TemplateCode, body: PreviewIn, session: ReadSessionDep, _: Operator
) -> dict[str, Any]:
    return service.render_message(service.get_template(session, code), body.variables)


# -- provider callbacks -------------------------------------------------------------------------


def _check_token(runtime: RuntimeDep, token: str | None) -> None:
    expected = runtime.settings.sms_callback_token
    if expected is None:
        raise HTTPException(403, "SMS callbacks are off: set LIVELOOP_SMS_CALLBACK_TOKEN")
    if not token or not hmac.compare_digest(token, expected.get_secret_value()):
        raise HTTPException(403, "callback token does not match")


class SmsReceipt(BaseModel):
    """One entry of Tencent Cloud SMS's status callback (a JSON array of these)."""

    sid: str = Field(max_length=128)
    report_status: str = Field(max_length=16)  # SUCCESS | FAIL
    errmsg: str | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=256)
    mobile: str | None = Field(default=None, max_length=32)
    nationcode: str | None = Field(default=None, max_length=8)
    user_receive_time: str | None = Field(default=None, max_length=32)


class SmsReply(BaseModel):
    """Tencent Cloud SMS's reply (上行) callback."""

    mobile: str = Field(max_length=32)
    nationcode: str = Field(default="86", max_length=8)
    text: str = Field(max_length=1000)
    sign: str | None = Field(default=None, max_length=64)
    time: int | None = None
    extend: str | None = Field(default=None, max_length=32)


TENCENT_OK = {"result": 0, "errmsg": "OK"}


@router.post("/v1/channels/sms/receipts", include_in_schema=True)
def sms_receipts(
    receipts: list[SmsReceipt],
    session: SessionDep,
    runtime: RuntimeDep,
    token: Annotated[str | None, Query(max_length=256)] = None,
) -> dict[str, Any]:
    _check_token(runtime, token)
    now = runtime.clock.now()
    for receipt in receipts[:1000]:
        service.record_receipt(
            session,
            "sms",
            receipt.sid,
            receipt.report_status.upper() == "SUCCESS",
            receipt.description or receipt.errmsg,
            now,
        )
    return TENCENT_OK


@router.post("/v1/channels/sms/replies")
def sms_replies(
    reply: SmsReply,
    session: SessionDep,
    runtime: RuntimeDep,
    token: Annotated[str | None, Query(max_length=256)] = None,
) -> dict[str, Any]:
    _check_token(runtime, token)
    try:
        phone = normalise("phone", f"+{reply.nationcode.lstrip('+')}{reply.mobile}")
    except InvalidIdentifier:
        return TENCENT_OK  # nobody we know; the provider only needs the acknowledgement
    customer_id = holder(session, "phone", phone)
    if customer_id is not None:
        service.process_reply(
            session,
            customer_id=customer_id,
            channel="sms",
            text=reply.text,
            now=runtime.clock.now(),
            keywords=runtime.settings.unsubscribe_keywords,
            source="sms-reply",
        )
    return TENCENT_OK


def _wecom_secrets(runtime: RuntimeDep) -> tuple[str, str, str]:
    settings = runtime.settings
    if not (
        settings.wecom_callback_token and settings.wecom_callback_aes_key and settings.wecom_corp_id
    ):
        raise HTTPException(403, "WeCom callbacks are off: set the callback token and AES key")
    return (
        settings.wecom_callback_token.get_secret_value(),
        settings.wecom_callback_aes_key.get_secret_value(),
        settings.wecom_corp_id,
    )


Param = Annotated[str, Query(max_length=512)]


@router.get("/v1/channels/wecom/callback", response_class=PlainTextResponse)
def wecom_verify_url(
    runtime: RuntimeDep, msg_signature: Param, timestamp: Param, nonce: Param, echostr: Param
) -> str:
    """WeCom's URL check: answer the decrypted echostr."""
    token, aes_key, corp_id = _wecom_secrets(runtime)
    wxcrypt.verify(token, timestamp, nonce, echostr, msg_signature)
    return wxcrypt.decrypt(aes_key, echostr, corp_id)


def customer_by_external_userid(session: SessionDep, external_userid: str) -> int | None:
    found = identity.holder_of(session, "external_userid", external_userid)
    if found is not None:
        return found
    return profiles.with_trait(session, "wecom_external_userid", external_userid)


@router.post("/v1/channels/wecom/callback", response_class=PlainTextResponse)
async def wecom_callback(
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    msg_signature: Param,
    timestamp: Param,
    nonce: Param,
) -> str:
    """An inbound message from a customer: a text that unsubscribes withdraws WeCom marketing."""
    token, aes_key, corp_id = _wecom_secrets(runtime)
    raw = await request.body()
    outer = wxcrypt.parse_xml(raw.decode(errors="replace"))
    encrypted = outer.get("Encrypt", "")
    wxcrypt.verify(token, timestamp, nonce, encrypted, msg_signature)
    inner = wxcrypt.parse_xml(wxcrypt.decrypt(aes_key, encrypted, corp_id))
    if inner.get("MsgType") == "text":
        external = inner.get("FromUserName", "")
        customer_id = customer_by_external_userid(session, external) if external else None
        if customer_id is not None:
            service.process_reply(
                session,
                customer_id=customer_id,
                channel="wecom",
                text=inner.get("Content", ""),
                now=runtime.clock.now(),
                keywords=runtime.settings.unsubscribe_keywords,
                source="wecom-callback",
            )
    return "success"
