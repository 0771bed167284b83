"""The console's 会员 and 积分 pages as an operator reads them: tiers counted, a member who owes
points says so in Chinese, the ledger reads as sentences, the ledger reconciles."""

from __future__ import annotations

from tests.console.test_console import _user, login
from tests.loyalty.test_api import member  # noqa: F401 - the fixture


def test_an_operator_reads_a_members_debt_and_ledger_in_chinese(client, runtime, member):  # noqa: F811
    _, _, oneid = member
    _user(runtime)
    assert login(client).status_code == 303

    listing = client.get("/console/members")
    assert listing.status_code == 200, listing.text
    assert "会员列表" in listing.text and oneid in listing.text
    assert "余额 −80(欠 80)" in listing.text

    page = client.get(f"/console/members/{oneid}")
    assert page.status_code == 200, page.text
    assert "欠 80 积分" in page.text
    assert "订单 SO1 退款追回 −120,余额 −80(欠 80)" in page.text
    assert "订单 SO3 下单抵扣 −120,余额 40" in page.text
    assert "订单 SO2 售后期结束解冻 +40(冻结 −40),余额 160" in page.text
    assert client.get("/console/members/PNOBODY").status_code == 404

    points = client.get("/console/points")
    assert points.status_code == 200, points.text
    assert "账平" in points.text and "直播间评论" in points.text
    assert "共欠 80 分" in points.text
    assert "Live Comment Posted" not in points.text
