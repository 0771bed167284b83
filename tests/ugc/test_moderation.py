"""Recipes and reviews wait for a moderator: the pre-check flags banned words, phone numbers
and links (written any way a customer might), nothing is public before approval, a decision is
taken once, a rejection carries its reason, a review is of one's own order line, once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from liveloop.store.eventlog import Event
from liveloop.ugc import events
from liveloop.ugc import service as ugc
from liveloop.ugc.contracts import Flag, UgcConflict, UgcKind, UgcRefused, UgcStatus


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("米饭蒸好闷十分钟，第一次做就成功，最好吃的一锅。", ()),
        ("想要同款锅的加我微信", (Flag.BANNED_WORD,)),
        ("坚持喝三个月，降血糖效果明显", (Flag.BANNED_WORD,)),
        ("有问题打 138 0013 8000", (Flag.PHONE,)),
        ("全角号码１３８－００１３－８０００也算", (Flag.PHONE,)),
        ("门店电话 010-62345678", (Flag.PHONE,)),
        ("完整教程见 https://example.com/a", (Flag.LINK,)),
        ("去 shop-rice.cn 买更便宜", (Flag.LINK,)),
        ("vx：kitchen_lin88 拉你进群", (Flag.LINK,)),
    ],
)
def test_the_precheck_flags_banned_words_phones_and_links_however_written(text, flags):
    assert ugc.precheck(text).flags == flags


def test_a_recipe_is_public_only_once_approved_and_the_decision_is_taken_once(circle):
    item = circle.recipe("林姐")
    assert (item.status, item.created, item.flags) == (UgcStatus.SUBMITTED, True, ())
    with circle.runtime.read_sessions() as session:
        public = ugc.list_items(session, kind=UgcKind.RECIPE, status=UgcStatus.APPROVED)
        queued = ugc.moderation_queue(session)
    assert public == [] and [q.id for q in queued] == [item.id]

    approved = circle.approve(item.id)
    assert (approved.status, approved.decided_by) == (UgcStatus.APPROVED, "运营小王")
    assert circle.approve(item.id).decided_at == approved.decided_at  # the same decision again
    with pytest.raises(UgcConflict, match="已由 运营小王 审核过"):
        circle.call(ugc.reject, item.id, by="运营小李", reason="与商品无关", at=circle.clock.now())
    with circle.runtime.read_sessions() as session:
        public = ugc.list_items(session, kind=UgcKind.RECIPE, status=UgcStatus.APPROVED)
        logged = session.scalars(
            select(Event.name).where(Event.name.in_([events.RECIPE_SUBMITTED, events.UGC_APPROVED]))
        ).all()
    assert [p.id for p in public] == [item.id]
    assert sorted(logged) == [events.RECIPE_SUBMITTED, events.UGC_APPROVED]


def test_a_flagged_recipe_waits_first_in_the_queue_and_a_rejection_needs_its_reason(circle):
    clean = circle.recipe("王阿姨")
    flagged = circle.recipe(
        "张三", title="红烧肉", body="同款砂锅加我微信或打 139 1234 5678，团购价更低。"
    )
    assert set(flagged.flags) == {Flag.BANNED_WORD, Flag.PHONE}
    assert "139****5678" in flagged.hits and "加我微信" in flagged.hits
    with circle.runtime.read_sessions() as session:
        assert [q.id for q in ugc.moderation_queue(session)] == [flagged.id, clean.id]
    with pytest.raises(UgcRefused, match="驳回需要填写原因"):
        circle.call(ugc.reject, flagged.id, by="运营小王", reason=" ", at=circle.clock.now())
    rejected = circle.call(
        ugc.reject, flagged.id, by="运营小王", reason="含广告或联系方式", at=circle.clock.now()
    )
    assert (rejected.status, rejected.reason) == (UgcStatus.REJECTED, "含广告或联系方式")
    with circle.runtime.read_sessions() as session:
        assert ugc.list_items(session, status=UgcStatus.APPROVED) == []
        (event,) = session.scalars(select(Event).where(Event.name == events.UGC_REJECTED)).all()
    assert event.customer_id == circle.person("张三")
    assert event.properties["reason"] == "含广告或联系方式"


def test_a_retried_submission_is_the_same_recipe_and_other_content_under_its_ref_is_refused(circle):
    first = circle.recipe("林姐", client_ref="mp-draft-1")
    again = circle.recipe("林姐", client_ref="mp-draft-1")
    assert (again.id, again.created) == (first.id, False)
    with pytest.raises(UgcConflict):
        circle.recipe("林姐", title="另一篇", client_ref="mp-draft-1")
    with pytest.raises(UgcRefused, match="没有商品"):
        circle.recipe("林姐", skus=("NO-SUCH-SKU",))


def test_a_review_is_of_ones_own_paid_order_line_once(circle):
    order_no = circle.order("李姐", "RICE-WC-5KG", "VINEGAR-SX-500")

    def review(
        name, sku="RICE-WC-5KG", body="米香浓，蒸出来一粒一粒的，家里人都说好吃。", rating=5
    ):
        return circle.call(
            ugc.submit_review,
            customer_id=circle.person(name),
            order_no=order_no,
            sku=sku,
            rating=rating,
            body=body,
            at=circle.clock.now(),
            source="test",
        )

    with pytest.raises(UgcConflict, match="只能评价自己的订单"):
        review("路人")
    with pytest.raises(UgcRefused, match="订单里没有商品"):
        review("李姐", sku="MILK-A2-1L")
    with pytest.raises(UgcRefused, match="评分"):
        review("李姐", rating=6)
    first = review("李姐")
    assert first.created and (first.order_no, first.sku, first.rating) == (
        order_no,
        "RICE-WC-5KG",
        5,
    )
    assert review("李姐").id == first.id  # the mini-program retried
    with pytest.raises(UgcConflict, match="已评价过"):
        review("李姐", body="改主意了，一般般。", rating=3)
    assert review("李姐", sku="VINEGAR-SX-500", body="醋香醇厚，拌凉菜正好。").created
