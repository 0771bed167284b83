"""The console's 内容社区 page as an operator and an analyst read it: the queue with what the
pre-check found, in Chinese, approve and reject from the page, polls, honours and KOC scores;
an analyst reads but cannot moderate."""

from __future__ import annotations

import re
from datetime import timedelta

from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import Honour, UgcStatus
from tests.console.test_console import _csrf, _user, login

ENGLISH_REASON = re.compile(r"\((?:the|a|an|no|only|already) [a-z ]+\)")


def _world(circle):
    tz = circle.runtime.settings.tz
    clean = circle.recipe("林姐", title="砂锅煲仔饭")
    flagged = circle.recipe(
        "张三", title="红烧肉", body="想要同款砂锅的加我微信，或打 139 1234 5678。"
    )
    done = circle.approve(circle.recipe("王阿姨", title="小米南瓜粥").id)
    now = circle.clock.now()
    circle.call(
        ugc.create_poll,
        ugc.PollSpec(
            "CONGEE",
            "下一款杂粮粥口味",
            (("a", "红豆薏米"), ("b", "紫薯燕麦")),
            now - timedelta(hours=1),
            now + timedelta(days=3),
        ),
        at=now,
        by="运营小王",
    )
    circle.call(
        ugc.vote, "CONGEE", customer_id=circle.person("林姐"), option="a", at=now, source="t"
    )
    circle.call(
        ugc.award_honour,
        Honour.STAR_OF_MONTH,
        month=ugc.month_of(now, tz),
        customer_id=circle.person("王阿姨"),
        at=now,
        by="运营小王",
        tz=tz,
    )
    return clean, flagged, done


def test_an_operator_moderates_from_the_page_in_chinese(client, runtime, circle):
    clean, flagged, _ = _world(circle)
    _user(runtime)
    login(client)
    page = client.get("/console/ugc")
    assert page.status_code == 200
    html = page.text
    for words in (
        "内容社区",
        "审核队列",
        "含违禁词",
        "含手机号",
        "新品投票",
        "红豆薏米",
        "月度之星",
        "KOC 排行",
    ):
        assert words in html, words
    assert html.index("红烧肉") < html.index("砂锅煲仔饭")  # flagged first
    assert "含广告或联系方式" in html and not ENGLISH_REASON.search(html)

    token = _csrf(html)
    approved = client.post(
        f"/console/ugc/items/{clean.id}/approve",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert approved.status_code == 303 and "done=approved" in approved.headers["location"]
    rejected = client.post(
        f"/console/ugc/items/{flagged.id}/reject",
        data={"csrf_token": token, "reason": "含广告或联系方式", "other": ""},
    )
    assert rejected.status_code == 200 and "已驳回" in rejected.text
    again = client.post(f"/console/ugc/items/{flagged.id}/approve", data={"csrf_token": token})
    assert "已由 wang 审核过" in again.text and "already decided" not in again.text
    with circle.runtime.read_sessions() as session:
        assert ugc.get_item(session, clean.id).status == UgcStatus.APPROVED
        found = ugc.get_item(session, flagged.id)
    assert (found.status, found.reason, found.decided_by) == (
        UgcStatus.REJECTED,
        "含广告或联系方式",
        "wang",
    )


def test_an_analyst_reads_the_page_but_cannot_moderate(client, runtime, circle):
    clean, _, _ = _world(circle)
    _user(runtime, role="analyst")
    login(client)
    page = client.get("/console/ugc")
    assert page.status_code == 200 and "审核队列" in page.text
    assert "驳回</button>" not in page.text
    refused = client.post(
        f"/console/ugc/items/{clean.id}/approve", data={"csrf_token": _csrf(page.text)}
    )
    assert refused.status_code == 403
