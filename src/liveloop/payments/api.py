"""Payments over HTTP.

- ``POST /v1/payments/wechatpay/notify`` — WeChat Pay's notification. No API key: its
  signature is the authentication (``payments.notify``). Answers as WeChat documents: 204 when
  received (also for a replay of one processed before, which changes nothing), else 4xx/5xx
  with ``{"code": "FAIL", "message": "…"}`` and WeChat retries.
- ``POST /v1/payments/wechatpay/jsapi`` — a 小程序 order for one of our orders: the parameters
  the 小程序 passes to ``wx.requestPayment``.
- ``GET /v1/payments/refunds`` — refund sends, by state (the failed and abnormal ones retry).
- ``GET /v1/payments/{order_no}`` — its payment and refunds.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from liveloop.access.contracts import Role
from liveloop.access.service import Principal
from liveloop.payments import gateway as gateways
from liveloop.payments import service
from liveloop.payments.contracts import NOTIFY_PATH, RefundState, UnknownPayment
from liveloop.payments.notify import NotificationRefused, VerifiedNotification
from liveloop.runtime import Runtime
from liveloop.store.engine import transaction
from liveloop.web.deps import ReadSessionDep, RuntimeDep, require_roles

log = logging.getLogger(__name__)
router = APIRouter(tags=["payments"])
Payer = Annotated[Principal, Depends(require_roles(Role.INTEGRATOR, Role.OPERATOR))]
Reader = Annotated[
    Principal, Depends(require_roles(Role.INTEGRATOR, Role.OPERATOR, Role.GUIDE, Role.ANALYST))
]
OrderNo = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_*|-]+$")]
MAX_NOTIFICATION = 64 * 1024


def _fail(status: int, message: str) -> JSONResponse:
    return JSONResponse({"code": "FAIL", "message": message}, status_code=status)


@router.post(
    NOTIFY_PATH,
    status_code=204,
    summary="WeChat Pay v3 notification (signed by WeChat; no API key)",
    responses={
        400: {"description": '{"code": "FAIL", "message": …}: not a valid notification'},
        401: {"description": '{"code": "FAIL", "message": …}: signature or timestamp refused'},
        404: {"description": '{"code": "FAIL", "message": …}: no payment for its order'},
        409: {"description": '{"code": "FAIL", "message": …}: the order cannot take it'},
        413: {"description": '{"code": "FAIL", "message": …}: larger than 64 KiB'},
    },
)
async def wechatpay_notify(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_NOTIFICATION:
        return _fail(413, "notification too large")
    runtime: Runtime = request.app.state.runtime
    # Verifying is CPU only (an RSA verify, an AES-GCM open): done here, and a replay of a
    # notification this process saw committed is answered without a thread or the store.
    if gateways.built(runtime):
        gateway = gateways.gateway(runtime)
    else:  # the first call may start the local provider: not on the event loop
        gateway = await run_in_threadpool(gateways.gateway, runtime)
    verified = _verify(runtime, gateway, request.headers, body)
    if isinstance(verified, Response):
        return verified
    return await run_in_threadpool(_apply, runtime, gateway, verified)


def receive_notification(runtime: Runtime, headers: Headers, body: bytes) -> Response:
    """Verify, then apply once (what the endpoint does, in one call)."""
    gateway = gateways.gateway(runtime)
    verified = _verify(runtime, gateway, headers, body)
    if isinstance(verified, Response):
        return verified
    return _apply(runtime, gateway, verified)


def _verify(
    runtime: Runtime, gateway: gateways.Gateway, headers: Headers, body: bytes
) -> VerifiedNotification | Response:
    try:
        verified = gateway.verifier.verify(headers, body, runtime.clock.now())
    except NotificationRefused as refused:
        log.info("WeChat Pay notification refused: %s", refused.reason)
        return _fail(refused.status, refused.reason)
    if verified.id in gateway.processed:
        return Response(status_code=204)
    return verified


def _apply(runtime: Runtime, gateway: gateways.Gateway, verified: VerifiedNotification) -> Response:
    """Apply once. A replay is answered from a read — never by taking the store's writer."""
    with transaction(runtime.read_sessions) as session:
        seen = service.seen_notification(session, verified.id)
    if seen:
        gateway.processed.add(verified.id)
        return Response(status_code=204)
    try:
        with transaction(runtime.sessions) as session:
            service.apply_notification(session, gateway, verified, runtime.clock.now())
        gateway.processed.add(verified.id)
    except NotificationRefused as refused:
        log.warning("WeChat Pay notification %s not applied: %s", verified.id, refused.reason)
        return _fail(refused.status, refused.reason)
    except Exception:
        log.exception("WeChat Pay notification %s failed", verified.id)
        return _fail(500, "处理失败,请稍后重试")
    return Response(status_code=204)


class JsapiIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_no: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_*|-]+$")
    openid: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class PayParamsOut(BaseModel):
    appId: str
    timeStamp: str
    nonceStr: str
    package: str
    signType: str
    paySign: str


class JsapiOut(BaseModel):
    order_no: str
    prepay_id: str
    pay_params: PayParamsOut = Field(description="pass these to wx.requestPayment")


@router.post("/v1/payments/wechatpay/jsapi", response_model=JsapiOut)
def create_jsapi(body: JsapiIn, runtime: RuntimeDep, _: Payer) -> JsapiOut:
    order = service.request_jsapi(
        runtime.sessions,
        runtime.read_sessions,
        gateways.gateway(runtime),
        body.order_no,
        body.openid,
        runtime.clock.now(),
    )
    params = order.pay_params
    return JsapiOut(
        order_no=order.order_no,
        prepay_id=order.prepay_id,
        pay_params=PayParamsOut(
            appId=params.appId,
            timeStamp=params.timeStamp,
            nonceStr=params.nonceStr,
            package=params.package,
            signType=params.signType,
            paySign=params.paySign,
        ),
    )


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    out_refund_no: str
    amount: Decimal
    state: str
    attempts: int
    last_error: str | None
    succeeded_at: datetime | None


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    order_no: str
    amount: Decimal
    state: str
    transaction_id: str | None
    paid_at: datetime | None
    paid_by: str | None = Field(description="notify or query (reconciliation)")
    created_at: datetime
    refunds: list[RefundOut]


class RefundListed(RefundOut):
    order_no: str


@router.get("/v1/payments/refunds", response_model=list[RefundListed])
def list_refunds(
    session: ReadSessionDep,
    _: Reader,
    state: Annotated[list[RefundState] | None, Query(description="e.g. failed, abnormal")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RefundListed]:
    """Refund sends, newest first: ``?state=failed&state=abnormal`` lists those still trying."""
    views = service.refunds(session, states=tuple(state or ()), limit=limit)
    return [RefundListed.model_validate(view) for view in views]


@router.get("/v1/payments/{order_no}", response_model=PaymentOut)
def read_payment(order_no: OrderNo, session: ReadSessionDep, _: Reader) -> PaymentOut:
    view = service.get_payment(session, order_no)
    if view is None:
        raise UnknownPayment(f"订单 {order_no} 没有付款记录")
    return PaymentOut.model_validate(view)
