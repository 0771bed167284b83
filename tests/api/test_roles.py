"""Who may call what: a row per operation of the API and per console route, checked by calling
each as every role (403 exactly for the roles the row leaves out), and a scan of what each role
reads on the simulated brand for personal data it must not see whole. A new operation or
console route without a row fails."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from liveloop.access.contracts import PiiField, Role
from liveloop.access.service import create_api_key, create_user, sees
from liveloop.app import create_app
from liveloop.clock import ManualClock
from liveloop.identity.models import Identity
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import NewEvent, append
from tests.conftest import BRAND_NOW, open_copy

A, O, H, L, G, N, I = (  # noqa: E741 - one letter per role keeps the table readable
    Role.ADMIN,
    Role.OPERATOR,
    Role.HOST,
    Role.LEADER,
    Role.GUIDE,
    Role.ANALYST,
    Role.INTEGRATOR,
)
ANY_KEY = frozenset(Role)
ADDRESS = "广东省深圳市南山区科技园科苑路15号"
# Not by role: anyone (health), a source's write key (tracking, the live webhook) or the
# provider's own signature (SMS receipts and replies, WeCom callbacks).
PUBLIC, WRITE_KEY, PROVIDER = "public", "write key", "provider signature"

ROLES: dict[str, frozenset[Role] | str] = {
    "GET /healthz": PUBLIC,
    "GET /readyz": PUBLIC,
    "GET /v1/me": ANY_KEY,
    "GET /v1/memberships": frozenset({A, O, G, N, I}),
    "GET /v1/memberships/plans": frozenset({A, O, G, N, I}),
    "GET /v1/memberships/{membership_id}": frozenset({A, O, G, N, I}),
    "GET /v1/payments/refunds": frozenset({A, O, G, N, I}),
    "GET /v1/payments/{order_no}": frozenset({A, O, G, N, I}),
    "GET /v1/subscriptions": frozenset({A, O, G, N, I}),
    "GET /v1/subscriptions/plans": frozenset({A, O, G, N, I}),
    "GET /v1/subscriptions/{subscription_id}": frozenset({A, O, G, N, I}),
    "POST /v1/memberships/{membership_id}/deliveries": frozenset({A, O, I}),
    "POST /v1/memberships/{membership_id}/refund": frozenset({A, O, I}),
    "POST /v1/payments/wechatpay/jsapi": frozenset({A, O, I}),
    "POST /v1/payments/wechatpay/notify": PROVIDER,
    "POST /v1/subscriptions": frozenset({A, O, I}),
    "POST /v1/subscriptions/{subscription_id}/cancel": frozenset({A, O, I}),
    "POST /v1/subscriptions/{subscription_id}/pause": frozenset({A, O, I}),
    "POST /v1/subscriptions/{subscription_id}/resume": frozenset({A, O, I}),
    "POST /v1/subscriptions/{subscription_id}/skip": frozenset({A, O, I}),
    "PUT /v1/memberships/plans/{code}": frozenset({A, O}),
    "PUT /v1/subscriptions/plans/{code}": frozenset({A, O}),
    "PUT /v1/subscriptions/{subscription_id}/address": frozenset({A, O, I}),
    "GET /v1/overview": frozenset({A, O, N}),
    "GET /v1/api-keys": frozenset({A}),
    "POST /v1/api-keys": frozenset({A}),
    "DELETE /v1/api-keys/{key_id}": frozenset({A}),
    "GET /v1/profiles/{oneid}": frozenset({A, O, H, G, N, I}),
    "GET /v1/profiles": frozenset({A, O, H, G, N, I}),
    "GET /v1/tag-rules": frozenset({A, O}),
    "POST /v1/tag-rules": frozenset({A, O}),
    "PATCH /v1/tag-rules/{rule_id}": frozenset({A, O}),
    "GET /v1/identity/merges": frozenset({A, O}),
    "POST /v1/identity/merges/{merge_id}/split": frozenset({A, O}),
    "POST /v1/identity/blocks": frozenset({A, O}),
    "GET /v1/analytics/jobs": frozenset({A, O, N}),
    "GET /v1/analytics/runs": frozenset({A, O, N}),
    "GET /v1/analytics/reports/{report}": frozenset({A, O, N}),
    "GET /v1/analytics/scores": frozenset({A, O, N}),
    "GET /v1/analytics/repurchase": frozenset({A, O, N}),
    "GET /v1/analytics/rfm-groups": frozenset({A, O, N}),
    "PUT /v1/analytics/rfm-groups": frozenset({A, O}),
    "GET /v1/live-sessions": frozenset({A, O, H, N}),
    "PUT /v1/live-sessions/{live_id}/costs": frozenset({A, O}),
    "POST /v1/live-sessions/{live_id}/actions": frozenset({A, O, H}),
    "GET /v1/live-sessions/{live_id}/actions": frozenset({A, O, H, N}),
    "POST /v1/live-sessions": frozenset({A, O}),
    "GET /v1/live-sessions/{live_id}": frozenset({A, O, H, N}),
    "PATCH /v1/live-sessions/{live_id}": frozenset({A, O}),
    "POST /v1/live-sessions/{live_id}/start": frozenset({A, O, H}),
    "POST /v1/live-sessions/{live_id}/end": frozenset({A, O, H}),
    "POST /v1/live-sessions/{live_id}/cancel": frozenset({A, O}),
    "PUT /v1/live-sessions/{live_id}/shelf": frozenset({A, O}),
    "PUT /v1/live-sessions/{live_id}/offers": frozenset({A, O}),
    "GET /v1/live-rooms": frozenset({A, O, H, N}),
    "POST /v1/live-rooms": frozenset({A, O}),
    "GET /v1/live-rooms/{room}/alert-rules": frozenset({A, O, H, N}),
    "PUT /v1/live-rooms/{room}/alert-rules": frozenset({A, O}),
    "GET /v1/live-scripts": frozenset({A, O, H, N}),
    "PUT /v1/live-scripts": frozenset({A, O}),
    "DELETE /v1/live-scripts/{script_id}": frozenset({A, O}),
    "GET /v1/content": frozenset({A, O, H, N}),
    "POST /v1/content": frozenset({A, O}),
    "GET /v1/content/search": frozenset({A, O, H, N}),
    "GET /v1/content/{item_id}": frozenset({A, O, H, N}),
    "PATCH /v1/content/{item_id}": frozenset({A, O}),
    # Hosts only their rooms (live.stream.api.rooms_of); the console page's cookie also serves.
    "GET /v1/live/rooms/{room}/stream": frozenset({A, O, H}),
    "POST /v1/segments/preview": frozenset({A, O, N}),
    "GET /v1/segments": frozenset({A, O, N}),
    "POST /v1/segments": frozenset({A, O}),
    "GET /v1/segments/{segment_id}": frozenset({A, O, N}),
    "PUT /v1/segments/{segment_id}": frozenset({A, O}),
    "DELETE /v1/segments/{segment_id}": frozenset({A, O}),
    "POST /v1/segments/{segment_id}/refresh": frozenset({A, O}),
    "GET /v1/segments/{segment_id}/members": frozenset({A, O, N}),
    "GET /v1/messages": frozenset({A, O, H, G, N}),
    "GET /v1/messages/counts": frozenset({A, O, H, G, N}),
    "GET /v1/messages/dead-letters": frozenset({A, O}),
    "GET /v1/messages/{message_id}": frozenset({A, O, H, G, N}),
    "POST /v1/messages/{message_id}/retry": frozenset({A, O}),
    "GET /v1/message-templates": frozenset({A, O, H, G, N}),
    "POST /v1/message-templates": frozenset({A, O}),
    "GET /v1/message-templates/{code}": frozenset({A, O, H, G, N}),
    "PUT /v1/message-templates/{code}": frozenset({A, O}),
    "DELETE /v1/message-templates/{code}": frozenset({A, O}),
    "POST /v1/message-templates/{code}/preview": frozenset({A, O}),
    "POST /v1/channels/sms/receipts": PROVIDER,
    "POST /v1/channels/sms/replies": PROVIDER,
    "GET /v1/channels/wecom/callback": PROVIDER,
    "POST /v1/channels/wecom/callback": PROVIDER,
    "GET /v1/products": frozenset({A, O, H, G, N, I}),
    "POST /v1/products": frozenset({A, O, I}),
    "GET /v1/products/{sku}": frozenset({A, O, H, G, N, I}),
    "PATCH /v1/products/{sku}": frozenset({A, O, I}),
    "POST /v1/products/{sku}/deactivate": frozenset({A, O, I}),
    "POST /v1/products/{sku}/activate": frozenset({A, O, I}),
    "GET /v1/product-pools": frozenset({A, O, H, G, N, I}),
    "PUT /v1/product-pools/{name}": frozenset({A, O, I}),
    "GET /v1/sources": frozenset({A, O}),
    "PUT /v1/sources/{name}/order-ledger": frozenset({A, O}),
    "GET /v1/sources/{name}/ledger-refusals": frozenset({A, O}),
    "GET /v1/coupon-templates": frozenset({A, O, H, G}),
    "POST /v1/coupon-templates": frozenset({A, O}),
    "GET /v1/coupon-templates/{code}": frozenset({A, O, H, G}),
    "PUT /v1/coupon-templates/{code}": frozenset({A, O}),
    "DELETE /v1/coupon-templates/{code}": frozenset({A, O}),
    "POST /v1/coupons": frozenset({A, O}),
    "GET /v1/coupons": frozenset({A, O, H, G}),
    "GET /v1/coupons/{code}": frozenset({A, O, H, G}),
    "POST /v1/coupons/{code}/void": frozenset({A, O}),
    "GET /v1/group-buys/campaigns": frozenset({A, O, N, I}),
    "GET /v1/inventory/warehouses": frozenset({A, O, N, I}),
    "PUT /v1/inventory/warehouses/{code}": frozenset({A, O}),
    "GET /v1/inventory/lots": frozenset({A, O, N, I}),
    "POST /v1/inventory/receipts": frozenset({A, O, I}),
    "POST /v1/inventory/adjustments": frozenset({A, O}),
    "POST /v1/inventory/returns": frozenset({A, O}),
    "GET /v1/inventory/stock/{sku}": frozenset({A, O, N, I}),
    "GET /v1/inventory/moves": frozenset({A, O, N, I}),
    "POST /v1/inventory/route-preview": frozenset({A, O, N, I}),
    "GET /v1/ugc/recipes": frozenset({A, O, N, I}),
    "POST /v1/ugc/recipes": frozenset({A, O, I}),
    "GET /v1/ugc/recipes/{item_id}": frozenset({A, O, N, I}),
    "POST /v1/ugc/recipes/{item_id}/likes": frozenset({A, O, I}),
    "GET /v1/ugc/reviews": frozenset({A, O, N, I}),
    "POST /v1/ugc/reviews": frozenset({A, O, I}),
    "GET /v1/ugc/moderation": frozenset({A, O}),
    "POST /v1/ugc/items/{item_id}/approve": frozenset({A, O}),
    "POST /v1/ugc/items/{item_id}/reject": frozenset({A, O}),
    "GET /v1/ugc/polls": frozenset({A, O, N, I}),
    "POST /v1/ugc/polls": frozenset({A, O}),
    "GET /v1/ugc/polls/{code}": frozenset({A, O, N, I}),
    "POST /v1/ugc/polls/{code}/votes": frozenset({A, O, I}),
    "GET /v1/ugc/honours": frozenset({A, O, N, I}),
    "POST /v1/ugc/honours": frozenset({A, O}),
    "POST /v1/ugc/honours/best-recipe": frozenset({A, O}),
    "GET /v1/ugc/koc-scores": frozenset({A, O, N}),
    "GET /v1/ugc/koc-scores/{oneid}": frozenset({A, O, G, N, I}),
    "POST /v1/group-buys/campaigns": frozenset({A, O}),
    "GET /v1/group-buys/campaigns/{code}": frozenset({A, O, N, I}),
    "POST /v1/group-buys/campaigns/{code}/groups": frozenset({A, O, I}),
    "POST /v1/group-buys/campaigns/{code}/orders": frozenset({A, O, I}),
    "GET /v1/group-buys/groups": frozenset({A, O, N, I}),
    "GET /v1/group-buys/groups/{group}": frozenset({A, O, N, I}),
    "POST /v1/group-buys/groups/{group}/members": frozenset({A, O, I}),
    "GET /v1/group-buys/groups/{group}/reconciliation": frozenset({A, O, N, I}),
    "GET /v1/community/settings": frozenset({A, O, N}),
    "PUT /v1/community/settings": frozenset({A, O}),
    # Leaders only their own rows (community.scope): another leader's are 404, not 403.
    "GET /v1/community/leaders": frozenset({A, O, L, N}),
    "POST /v1/community/leaders": frozenset({A, O, I}),
    "GET /v1/community/leaders/{code}": frozenset({A, O, L, N}),
    "POST /v1/community/leaders/{code}/approve": frozenset({A, O}),
    "POST /v1/community/leaders/{code}/reject": frozenset({A, O}),
    "POST /v1/community/leaders/{code}/disable": frozenset({A, O}),
    "GET /v1/community/pickup-points": frozenset({A, O, L, N}),
    "POST /v1/community/pickup-points": frozenset({A, O}),
    "GET /v1/community/pickup-points/{code}": frozenset({A, O, L, N}),
    "PATCH /v1/community/pickup-points/{code}": frozenset({A, O}),
    "GET /v1/community/bindings": frozenset({A, O, L, N}),
    "POST /v1/community/bindings": frozenset({A, O, I}),
    "GET /v1/community/bindings/{oneid}": frozenset({A, O, L, N}),
    "PUT /v1/community/orders/{order_no}/pickup": frozenset({A, O, I}),
    "GET /v1/community/orders/{order_no}/pickup": frozenset({A, O, L, I}),
    "POST /v1/community/batches/build": frozenset({A, O}),
    "GET /v1/community/batches": frozenset({A, O, L, N}),
    "GET /v1/community/batches/{batch_id}": frozenset({A, O, L, N}),
    "POST /v1/community/scans/arrival": frozenset({A, O, L}),
    "POST /v1/community/scans/pickup": frozenset({A, O, L}),
    # Leaders only their own commission (commission.service): another leader's is 404.
    "GET /v1/commission/rates": frozenset({A, O, N}),
    "POST /v1/commission/rates": frozenset({A, O}),
    "GET /v1/commission/leaders/{code}/entries": frozenset({A, O, L, N}),
    "GET /v1/commission/leaders/{code}/balance": frozenset({A, O, L, N}),
    "GET /v1/commission/leaders/{code}/statements/{month}": frozenset({A, O, L, N}),
    "GET /v1/commission/withdrawals": frozenset({A, O, L, N}),
    "POST /v1/commission/withdrawals": frozenset({A, O, L}),
    "GET /v1/commission/withdrawals/{withdrawal_no}": frozenset({A, O, L, N}),
    "POST /v1/commission/withdrawals/{withdrawal_no}/approve": frozenset({A, O}),
    "POST /v1/commission/withdrawals/{withdrawal_no}/pay": frozenset({A, O}),
    "POST /v1/commission/withdrawals/{withdrawal_no}/reject": frozenset({A, O}),
    "POST /v1/commission/reconcile": frozenset({A, O, N}),
    "GET /v1/presales": frozenset({A, O, N, I}),
    "POST /v1/presales": frozenset({A, O}),
    "GET /v1/presales/{code}": frozenset({A, O, N, I}),
    "POST /v1/presales/{code}/deposits": frozenset({A, O, I}),
    "POST /v1/presales/{code}/orders": frozenset({A, O, I}),
    "POST /v1/presales/{code}/orders/{deposit_order_no}/balance": frozenset({A, O, I}),
    "POST /v1/presales/{code}/cancel": frozenset({A, O}),
    "GET /v1/presales/{code}/refunds": frozenset({A, O, N, I}),
    "POST /v1/orders": frozenset({A, O, I}),
    "GET /v1/orders": frozenset({A, O, G, N, I}),
    "GET /v1/orders/{order_no}": frozenset({A, O, G, N, I}),
    "POST /v1/orders/{order_no}/pay": frozenset({A, O, I}),
    "POST /v1/orders/{order_no}/cancel": frozenset({A, O, I}),
    "POST /v1/orders/{order_no}/refund": frozenset({A, O, I}),
    "POST /v1/orders/{order_no}/ship": frozenset({A, O, I}),
    "POST /v1/orders/{order_no}/deliver": frozenset({A, O, I}),
    "POST /v1/orders/{order_no}/confirm": frozenset({A, O, I}),
    "GET /v1/members/{oneid}": frozenset({A, O, H, G, N}),
    "GET /v1/members/{oneid}/points": frozenset({A, O, H, G, N}),
    "POST /v1/members/{oneid}/points/adjust": frozenset({A}),
    "GET /v1/loyalty/tiers": frozenset({A, O, H, G, N}),
    "PUT /v1/loyalty/tiers": frozenset({A, O}),
    "GET /v1/loyalty/points-rules": frozenset({A, O, H, G, N}),
    "PUT /v1/loyalty/points-rules": frozenset({A, O}),
    "GET /v1/guide-tasks": frozenset({A, O, G}),
    "POST /v1/guide-tasks": frozenset({A, O}),
    "GET /v1/guide-tasks/{task_id}": frozenset({A, O, G}),
    "POST /v1/guide-tasks/{task_id}/complete": frozenset({A, O, G}),
    "POST /v1/guide-tasks/{task_id}/cancel": frozenset({A, O}),
    "GET /v1/calendar": frozenset({A, O, H, L, G, N}),
    "GET /v1/calendar/next": frozenset({A, O, H, L, G, N}),
    "GET /v1/calendar/brand-dates": frozenset({A, O, H, L, G, N}),
    "POST /v1/calendar/brand-dates": frozenset({A, O}),
    "PATCH /v1/calendar/brand-dates/{brand_date_id}": frozenset({A, O}),
    "DELETE /v1/calendar/brand-dates/{brand_date_id}": frozenset({A, O}),
    "GET /v1/campaigns/templates": frozenset({A, O, H, N}),
    "GET /v1/campaigns": frozenset({A, O, H, N}),
    "POST /v1/campaigns": frozenset({A, O}),
    "GET /v1/journeys": frozenset({A, O, N}),
    "POST /v1/journeys": frozenset({A, O}),
    "GET /v1/journeys/builtins": frozenset({A, O, N}),
    "POST /v1/journeys/builtins/{key}": frozenset({A, O}),
    "GET /v1/journeys/{key}": frozenset({A, O, N}),
    "GET /v1/journeys/{key}/versions/{version}": frozenset({A, O, N}),
    "POST /v1/journeys/{key}/{action}": frozenset({A, O}),
    "GET /v1/journeys/{key}/people": frozenset({A, O, N}),
    "GET /v1/journeys/{key}/metrics": frozenset({A, O, N}),
    "POST /v1/batch": WRITE_KEY,
    "POST /v1/track": WRITE_KEY,
    "POST /v1/identify": WRITE_KEY,
    "POST /v1/page": WRITE_KEY,
    "POST /v1/screen": WRITE_KEY,
    "POST /v1/group": WRITE_KEY,
    "POST /v1/alias": WRITE_KEY,
    "POST /v1/live/{room}/events": WRITE_KEY,
    "GET /v1/live/{room}/actions": WRITE_KEY,
}


@pytest.fixture(scope="module")
def brand(analysed_store, tmp_path_factory) -> Iterator[tuple[TestClient, dict[Role, str], set]]:
    runtime = open_copy(analysed_store, tmp_path_factory.mktemp("roles"), ManualClock(BRAND_NOW))
    with transaction(runtime.sessions) as session:
        keys = {r: create_api_key(session, f"k-{r.value}", r, runtime.clock.now())[1] for r in Role}
        phones = set(session.scalars(select(Identity.value).where(Identity.type == "phone")))
        names = {n for n in session.scalars(select(Customer.name)) if n and len(n) >= 2}
        # An address the person shared, planted where a lookup by their phone shows it.
        holder = session.scalar(select(Identity.customer_id).where(Identity.value == min(phones)))
        append(
            session,
            [
                NewEvent(
                    name="Order Shipped",
                    timestamp=runtime.clock.now(),
                    source="test",
                    type="track",
                    customer_id=holder,
                    properties={"order_id": "PII-1", "shipping_address": ADDRESS},
                )
            ],
            received_at=runtime.clock.now(),
        )
    try:
        with TestClient(create_app(runtime=runtime), raise_server_exceptions=False) as http:
            yield http, keys, (phones, names)
    finally:
        runtime.close()


def _operations(http: TestClient) -> list[str]:
    paths = http.get("/openapi.json").json()["paths"]
    return [f"{method.upper()} {path}" for path, ops in paths.items() for method in ops]


def test_every_operation_has_a_row_and_every_row_an_operation(brand):
    http, _, _ = brand
    assert sorted(set(_operations(http)) ^ set(ROLES)) == []


def test_each_role_is_refused_exactly_where_its_row_leaves_it_out(brand):
    http, keys, _ = brand
    wrong = []
    for operation, allowed in ROLES.items():
        method, path = operation.split(" ", 1)
        url = re.sub(r"\{[^}]+\}", "1", path)
        for role, key in keys.items():
            answer = http.request(method, url, headers={"Authorization": f"Bearer {key}"})
            refused = answer.status_code == 403
            expected = isinstance(allowed, frozenset) and role not in allowed
            if refused != expected:
                wrong.append(f"{operation} as {role.value}: {answer.status_code}")
    assert wrong == []


# What each role reads on the brand, scanned as the probe did: every GET that needs no path
# parameter, the profile lookups, and each list's CSV export.
READS = [
    "/v1/me",
    "/v1/overview",
    "/v1/analytics/runs",
    "/v1/analytics/reports/leaders",
    "/v1/analytics/reports/regions",
    "/v1/analytics/reports/live_roi",
    "/v1/analytics/scores",
    "/v1/analytics/scores?format=csv",
    "/v1/analytics/repurchase",
    "/v1/live-sessions",
    "/v1/live-rooms",
    "/v1/live-scripts",
    "/v1/content",
    "/v1/segments",
    "/v1/messages",
    "/v1/messages/dead-letters",
    "/v1/message-templates",
    "/v1/coupons",
    "/v1/group-buys/groups",
    "/v1/inventory/lots",
    "/v1/inventory/moves",
    "/v1/community/leaders",
    "/v1/community/bindings",
    "/v1/community/batches",
    "/v1/commission/rates",
    "/v1/commission/withdrawals",
    "/v1/ugc/recipes",
    "/v1/ugc/reviews",
    "/v1/ugc/moderation",
    "/v1/ugc/honours",
    "/v1/ugc/koc-scores",
    "/v1/presales",
    "/v1/orders",
    "/v1/products",
    "/v1/sources",
    "/v1/guide-tasks",
    "/v1/journeys",
    "/v1/identity/merges",
]


def _full_phones(text: str, phones: set[str]) -> set[str]:
    national = {p.removeprefix("+86") for p in phones}
    return {p for p in national if p in text}


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_no_role_reads_personal_data_it_must_not_see_whole(brand, role):
    http, keys, (phones, names) = brand
    headers = {"Authorization": f"Bearer {keys[role]}"}
    some_phone = min(phones).removeprefix("+86")
    urls = [*READS, f"/v1/profiles?type=phone&value={some_phone}"]
    leaks = []
    for url in urls:
        answer = http.get(url, headers=headers)
        if answer.status_code != 200:
            continue
        if not sees(role, PiiField.PHONE) and (found := _full_phones(answer.text, phones)):
            leaks.append(f"{url}: phone {sorted(found)[:2]}")
        if not sees(role, PiiField.NAME) and (found := {n for n in names if n in answer.text}):
            leaks.append(f"{url}: name {sorted(found)[:2]}")
        if not sees(role, PiiField.ADDRESS) and ADDRESS in answer.text:
            leaks.append(f"{url}: address")
    assert leaks == []


def test_the_scan_finds_what_a_role_may_see(brand):
    """The scan above can fail: an operator's profile lookup shows the full phone, the name and
    the address."""
    http, keys, (phones, names) = brand
    phone = min(phones).removeprefix("+86")
    answer = http.get(
        f"/v1/profiles?type=phone&value={phone}",
        headers={"Authorization": f"Bearer {keys[Role.OPERATOR]}"},
    )
    assert answer.status_code == 200
    assert _full_phones(answer.text, phones) and len(names) > 50 and ADDRESS in answer.text
    assert any(n in answer.text for n in names) or answer.json()["name"] is None


# The console, by a logged-in user of each role (POSTs carry the page's CSRF token, so a 403 is
# the role's). Every user may log in, see the overview and log out.
ANY_USER = frozenset(Role)
CONSOLE: dict[str, frozenset[Role] | str] = {
    "GET /console/subscriptions": frozenset({A, O, G, N}),
    "GET /": PUBLIC,  # a redirect to the console
    "GET /console/login": PUBLIC,
    "POST /console/login": PUBLIC,
    "GET /console": ANY_USER,
    "GET /console/partials/overview": ANY_USER - {L},  # a leader's console is their portal
    "GET /console/analytics": frozenset({A, O, H, N}),
    "GET /console/tasks": frozenset({A, O, G}),
    "GET /console/groupbuy": frozenset({A, O, N}),
    "GET /console/inventory": frozenset({A, O, N}),
    "GET /console/community": frozenset({A, O, N}),
    "POST /console/community/leaders/{code}/{decision}": frozenset({A, O}),
    # The leader's portal: leaders only (an unlinked leader login sees a notice and nothing).
    "GET /console/leader": frozenset({L}),
    "POST /console/leader/scan": frozenset({L}),
    "POST /console/leader/withdraw": frozenset({L}),
    "GET /console/leader/batches/{batch_id}": frozenset({L}),
    "POST /console/leader/batches/{batch_id}/arrive": frozenset({L}),
    "GET /console/leader/customers": frozenset({L}),
    "GET /console/leader/customers/{oneid}": frozenset({L}),
    "GET /console/leader/materials": frozenset({L}),
    "GET /console/leader/posters/{token}.svg": frozenset({L}),
    "GET /console/leader/ranking": frozenset({L}),
    "GET /s/{token}": PUBLIC,  # a leader's tracked link, opened by whoever it was shared with
    "GET /h5/live/{live_id}": PUBLIC,  # where the links land
    "GET /h5/products/{sku}": PUBLIC,
    "GET /console/commission": frozenset({A, O, N}),
    "POST /console/commission/withdrawals/{withdrawal_no}/{decision}": frozenset({A, O}),
    "POST /console/commission/rates": frozenset({A, O}),
    "GET /console/ugc": frozenset({A, O, N}),
    "POST /console/ugc/items/{item_id}/{decision}": frozenset({A, O}),
    "POST /console/tasks/{task_id}/complete": frozenset({A, O, G}),
    "GET /console/orders": frozenset({A, O, G, N}),
    "GET /console/orders/{order_no}": frozenset({A, O, G, N}),
    "GET /console/journeys": frozenset({A, O, N}),
    "GET /console/journeys/{key}": frozenset({A, O, N}),
    "POST /console/journeys/builtins/{key}": frozenset({A, O}),
    "POST /console/journeys/{key}/{action}": frozenset({A, O}),
    "GET /console/calendar": frozenset({A, O, H, N}),
    "POST /console/calendar/schedule": frozenset({A, O}),
    "GET /console/live": frozenset({A, O, H, N}),
    "POST /console/live": frozenset({A, O}),
    "POST /console/live/rooms": frozenset({A, O}),
    "POST /console/live/scripts": frozenset({A, O}),
    "POST /console/live/alert-rules": frozenset({A, O}),
    "GET /console/live/{live_id}": frozenset({A, O, H, N}),
    "POST /console/live/{live_id}/shelf": frozenset({A, O}),
    "POST /console/live/{live_id}/offers": frozenset({A, O}),
    "POST /console/live/{live_id}/start": frozenset({A, O, H}),
    "POST /console/live/{live_id}/end": frozenset({A, O, H}),
    "GET /console/live/{live_id}/host": frozenset({A, O, H}),
    "POST /console/live/{live_id}/actions": frozenset({A, O, H}),
    "POST /console/live/{live_id}/handoff": frozenset({A, O, H}),
    "GET /console/live/{live_id}/report": frozenset({A, O, H, N}),
    "POST /console/live/{live_id}/report": frozenset({A, O}),
    "GET /console/members": frozenset({A, O, G, N}),
    "GET /console/members/{oneid}": frozenset({A, O, G, N}),
    "GET /console/points": frozenset({A, O, G, N}),
    "GET /console/messages": frozenset({A, O}),
    "POST /console/messages/{message_id}/retry": frozenset({A, O}),
    "GET /console/segments": frozenset({A, O, N}),
    "POST /console/segments/preview": frozenset({A, O, N}),
    "POST /console/segments": frozenset({A, O}),
    "GET /console/segments/{segment_id}/members.{format}": frozenset({A, O, N}),
    "POST /console/segments/{segment_id}/refresh": frozenset({A, O}),
    "GET /console/sources": frozenset({A, O}),
    "POST /console/sources": frozenset({A, O}),
    "POST /console/sources/ledger": frozenset({A, O}),
    "GET /console/products": frozenset({A, O, H, G, N}),
    "GET /console/products/{sku}": frozenset({A, O, H, G, N}),
    "POST /console/products/{sku}/{switch}": frozenset({A, O}),
    "POST /console/products/import": frozenset({A, O}),
    "POST /console/logout": ANY_USER,
}
FILL = {
    "{key}": "new-customer-welcome",
    "{format}": "csv",
    "{action}": "pause",
    "{switch}": "deactivate",
    "{decision}": "approve",
}


# Mounted but neither an API operation nor a console page: the document, its viewer, the
# metrics scrape, the console's static files, and the tracking calls' CORS preflights.
TRACKING_CALLS = ("batch", "track", "identify", "page", "screen", "group", "alias")
OTHER = {
    "GET /openapi.json",
    "HEAD /openapi.json",
    "GET /docs",
    "GET /metrics",
    "MOUNT /static",
    *(f"OPTIONS /v1/{call}" for call in TRACKING_CALLS),
}


def _mounted(routes) -> Iterator[str]:
    """Every route of an app, included routers walked into (FastAPI keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _mounted(nested.routes)
        elif hasattr(route, "methods"):
            yield from (f"{method} {route.path}" for method in route.methods)
        else:
            yield f"MOUNT {route.path}"


def _url(path: str) -> str:
    for placeholder, value in FILL.items():
        path = path.replace(placeholder, value)
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_the_app_mounts_has_a_row(brand):
    http, _, _ = brand
    mounted = set(_mounted(http.app.routes))
    assert sorted(mounted ^ (set(ROLES) | set(CONSOLE) | OTHER)) == []


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_console_refuses_each_role_exactly_where_its_row_leaves_it_out(brand, role):
    http, _, _ = brand
    with transaction(http.app.state.runtime.sessions) as session:
        create_user(session, f"u-{role.value}", role, BRAND_NOW, password="s3cret-密码-ok")
    page = http.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    login = {"username": f"u-{role.value}", "password": "s3cret-密码-ok", "csrf_token": csrf}
    assert http.post("/console/login", data=login, follow_redirects=False).status_code == 303
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', http.get("/console").text).group(1)
    wrong = []
    # Logging out last, so every other route is asked as the logged-in user.
    for route in sorted(CONSOLE, key=lambda r: r.endswith("logout")):
        allowed = CONSOLE[route]
        if not isinstance(allowed, frozenset):
            continue
        method, path = route.split(" ", 1)
        answer = http.request(
            method, _url(path), headers={"X-CSRF-Token": token}, follow_redirects=False
        )
        if (answer.status_code == 403) != (role not in allowed):
            wrong.append(f"{route}: {answer.status_code}")
    http.cookies.clear()
    assert wrong == []
