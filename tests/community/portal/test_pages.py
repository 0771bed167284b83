"""The leader's portal pages, as each of two leaders: today's batches, the queue, the pickup
scan and the arrival confirmation, the customers, the materials and the ranking — and that
leader A's session reaches nothing of leader B's (batch, code, customer, poster)."""

from __future__ import annotations

from liveloop.access.service import create_user
from liveloop.store.engine import transaction
from tests.community.portal.conftest import (
    PASSWORD,
    PHONES,
    TODAY,
    TOMORROW,
    _csrf,
    login_as,
)


def _arrive(client, token: str, batch_id: int):
    return client.post(
        f"/console/leader/batches/{batch_id}/arrive",
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )


def _scan(client, token: str, code: str):
    return client.post("/console/leader/scan", data={"csrf_token": token, "code": code})


def test_a_leader_is_sent_from_the_console_to_their_portal(portal, client):
    login_as(client, "tz_a")
    answer = client.get("/console", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/leader"


def test_today_shows_my_batches_and_tomorrows_and_nothing_of_the_other_leader(portal, client):
    login_as(client, "tz_a")
    page = client.get("/console/leader")
    assert page.status_code == 200
    for text in ("今日到货", "PA 自提点", "2 单", "东北大米 5kg × 2", "明日批次", "花生油 5L × 2"):
        assert text in page.text, text
    assert "确认到货" in page.text  # today's batch has not arrived yet
    assert "PB 自提点" not in page.text
    assert portal.code(portal.today_orders["孙八"]) not in page.text
    assert "(" not in page.text.split("<main", 1)[1].split("</main>", 1)[0].replace("（", "")


def test_confirming_arrival_fills_the_queue_with_masked_buyers(portal, client):
    token = login_as(client, "tz_a")
    batch = portal.batch(TODAY, "A")
    answer = _arrive(client, token, batch.batch_id)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert "已确认到货" in page.text
    queue = page.text.split('data-testid="queue"', 1)[1].split("</ul>", 1)[0]
    for buyer in ("赵六", "钱七"):
        assert portal.code(portal.today_orders[buyer]) in queue
        assert f"{buyer[0]}* 尾号{PHONES[buyer][-4:]}" in queue
        assert buyer not in page.text and PHONES[buyer] not in page.text
    # Tomorrow's batch cannot be confirmed today: it is still taking orders.
    early = _arrive(client, token, portal.batch(TOMORROW, "A").batch_id)
    assert early.status_code == 409 and "还没到送达日" in early.text


def test_the_scan_picks_up_once_and_answers_in_chinese(portal, client):
    token = login_as(client, "tz_a")
    _arrive(client, token, portal.batch(TODAY, "A").batch_id)
    code = portal.code(portal.today_orders["赵六"])
    done = _scan(client, token, code.lower().replace("-", ""))
    assert done.status_code == 200
    assert "取货成功" in done.text and "东北大米 5kg × 1" in done.text
    assert portal.town.order(portal.today_orders["赵六"]).status == "completed"
    queue = done.text.split('data-testid="queue"', 1)[1].split("</ul>", 1)[0]
    assert code not in queue
    again = _scan(client, token, code)
    assert again.status_code == 200 and "取过货" in again.text and "请勿重复交付" in again.text
    wrong = _scan(client, token, "ZZZ-ZZZ")
    assert wrong.status_code == 404 and "不存在,请核对后重试" in wrong.text
    malformed = _scan(client, token, "12")
    assert malformed.status_code == 422 and "取货码格式不对" in malformed.text
    not_yet = _scan(client, token, portal.code(portal.tomorrow_orders["钱七"]))
    assert not_yet.status_code == 409 and "还未到达自提点" in not_yet.text
    for answer in (wrong, malformed, not_yet):
        message = answer.text.split('data-testid="scan-message"', 1)[1].split("</div>", 1)[0]
        assert "(" not in message  # no English reason on the page


def test_leader_a_reaches_nothing_of_leader_bs(portal, client):
    # B's batch has arrived, so only the scope can refuse A's scan of B's code.
    token_b = login_as(client, "tz_b")
    assert _arrive(client, token_b, portal.batch(TODAY, "B").batch_id).status_code == 303
    b_code = portal.code(portal.today_orders["孙八"])
    token = login_as(client, "tz_a")
    b_batch = portal.batch(TODAY, "B").batch_id
    assert client.get(f"/console/leader/batches/{b_batch}").status_code == 404
    assert _arrive(client, token, portal.batch(TOMORROW, "B").batch_id).status_code == 404
    scan = _scan(client, token, b_code)
    assert scan.status_code == 404 and "不存在" in scan.text
    assert portal.town.pickup(portal.today_orders["孙八"]).picked_up_at is None
    assert client.get(f"/console/leader/customers/{portal.oneid('孙八')}").status_code == 404
    customers = client.get("/console/leader/customers")
    assert "孙*" not in customers.text
    # B's poster link is not A's to draw.
    login_as(client, "tz_b")
    b_poster = _first_poster(client)
    login_as(client, "tz_a")
    assert client.get(f"/console/leader/posters/{b_poster}.svg").status_code == 404
    # …and B reads its own.
    login_as(client, "tz_b")
    assert client.get(f"/console/leader/batches/{b_batch}").status_code == 200
    assert client.get(f"/console/leader/posters/{b_poster}.svg").status_code == 200


def _first_poster(client) -> str:
    page = client.get("/console/leader/materials")
    return page.text.split("/console/leader/posters/", 1)[1].split(".svg", 1)[0]


def test_my_customers_are_masked_counted_and_searched_by_what_is_shown(portal, client):
    token = login_as(client, "tz_a")
    _arrive(client, token, portal.batch(TODAY, "A").batch_id)
    page = client.get("/console/leader/customers")
    assert page.status_code == 200 and "2 位" in page.text
    for buyer in ("赵六", "钱七"):
        assert f"{buyer[0]}*" in page.text
        assert f"139****{PHONES[buyer][-4:]}" in page.text
        assert buyer not in page.text and PHONES[buyer] not in page.text
    assert "经我下单 2 次" in page.text and "最近 2026-11-20" in page.text
    assert "1 单未取" in page.text
    tail = client.get("/console/leader/customers", params={"q": PHONES["钱七"][-4:]})
    assert "钱*" in tail.text and "赵*" not in tail.text and "1 位" in tail.text
    # A full number or a full name finds nobody: search sees only what is shown.
    assert "0 位" in client.get("/console/leader/customers", params={"q": PHONES["钱七"]}).text
    assert "0 位" in client.get("/console/leader/customers", params={"q": "钱七"}).text
    assert "钱*" in client.get("/console/leader/customers", params={"q": "钱"}).text
    detail = client.get(f"/console/leader/customers/{portal.oneid('赵六')}")
    assert detail.status_code == 200
    assert portal.code(portal.today_orders["赵六"]) in detail.text and "待取货" in detail.text
    assert "¥69.90" in detail.text


def test_materials_hold_an_upcoming_live_invite_and_posters_with_my_link(portal, client):
    login_as(client, "tz_a")
    page = client.get("/console/leader/materials")
    assert page.status_code == 200
    invites = page.text.split('data-testid="invites"', 1)[1].split("</ul>", 1)[0]
    assert "冬至饺子专场" in invites and "/s/" in invites
    token = _first_poster(client)
    svg = client.get(f"/console/leader/posters/{token}.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text and "禾谷鲜生" in svg.text and "王秀英 团长推荐" in svg.text
    assert "东北大米 5kg" in svg.text or "花生油 5L" in svg.text
    assert "shape-rendering" in svg.text  # the QR code's modules
    # The same links on a second look: made once, kept.
    assert client.get("/console/leader/materials").text.count(f"/s/{token}") >= 1


def test_my_ranking_shows_my_rank_and_masked_names_only(portal, client):
    token = login_as(client, "tz_b")
    _arrive(client, token, portal.batch(TODAY, "B").batch_id)
    _scan(client, token, portal.code(portal.today_orders["孙八"]))
    login_as(client, "tz_a")
    page = client.get("/console/leader/ranking")
    assert page.status_code == 200
    mine = page.text.split('data-testid="my-rank"', 1)[1].split("</section>", 1)[0]
    # A: 2 × 69.90 + 2 × 89.00 this month; B: 69.90 + 89.00.
    assert "第 1 名 / 2 位" in mine and "¥317.80" in mine
    assert "暂无" in mine  # none of A's orders has arrived
    top = page.text.split('data-testid="top-gmv"', 1)[1].split("</ol>", 1)[0]
    assert "李**团长" in top and "¥158.90" in top and "李建华" not in page.text
    pickup = page.text.split('data-testid="top-pickup"', 1)[1].split("</ol>", 1)[0]
    assert "李**团长" in pickup and "100.0%" in pickup
    assert "孙" not in page.text  # no other leader's customer


def test_other_roles_are_refused_and_an_unlinked_leader_sees_nothing(portal, client):
    now = portal.town.clock.now()
    with transaction(portal.runtime.sessions) as session:
        create_user(session, "op", "operator", now, password=PASSWORD)
        create_user(session, "tz_x", "leader", now, password=PASSWORD)
    for username, status, reason in (
        ("op", 403, "只对团长账号开放"),
        ("tz_x", 200, "还没有关联团长"),
    ):
        client.cookies.clear()
        form = client.get("/console/login")
        client.post(
            "/console/login",
            data={"username": username, "password": PASSWORD, "csrf_token": _csrf(form.text)},
        )
        for path in ("/console/leader", "/console/leader/customers", "/console/leader/ranking"):
            answer = client.get(path)
            assert answer.status_code == status and reason in answer.text, (username, path)
            assert "PA 自提点" not in answer.text and "王秀英" not in answer.text


def test_the_landing_pages_show_the_show_and_the_product(portal, client):
    show = client.get(f"/h5/live/{portal.show_id}")
    assert show.status_code == 200 and "冬至饺子专场" in show.text and "禾谷鲜生" in show.text
    product = client.get("/h5/products/RICE-DB-5KG")
    assert product.status_code == 200 and "¥69.90" in product.text
    assert client.get("/h5/products/NOPE").status_code == 404
    assert client.get("/h5/live/999999").status_code == 404


def _withdraw(client, token: str, amount: str):
    return client.post(
        "/console/leader/withdraw",
        data={"csrf_token": token, "amount": amount, "request_id": "a" * 32},
    )


def test_today_shows_my_commission_and_refuses_a_withdrawal_beyond_it(portal, client):
    token = login_as(client, "tz_a")
    today = client.get("/console/leader").text
    assert "我的佣金" in today and "冻结中" in today and "可提现" in today
    over = _withdraw(client, token, "10.00")
    assert over.status_code == 409
    message = over.text.split('data-testid="withdraw-message">')[1].split("<")[0]
    assert "可提现" in message and "(" not in message  # the Chinese reason only
    bad = _withdraw(client, token, "十块")
    assert bad.status_code == 422 and "请填写提现金额" in bad.text
    login_as(client, "tz_b")  # nothing of A's asking reached B
    assert "¥10.00" not in client.get("/console/leader").text
