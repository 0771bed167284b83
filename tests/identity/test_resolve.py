"""OneID online rules, one behaviour at a time, on SQLite and PostgreSQL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from liveloop.commerce.models import Order
from liveloop.commerce.service import OrderLine, ProductSpec, record_order, upsert_product
from liveloop.identity.models import IdentifierBlock, Identity, IdentityMerge
from liveloop.identity.service import AlreadySplit, MergeNotFound, resolve, split
from liveloop.profiles.models import Customer
from liveloop.store.engine import transaction
from liveloop.store.eventlog import Event, NewEvent, append

U1, U2 = ("unionid", "oUnion-zhang"), ("unionid", "oUnion-li")
P1, P2 = ("phone", "13800138001"), ("phone", "13900139002")
DEV = ("device_id", "dev-zhang-iphone")
TABLET = ("device_id", "TABLET-GZ-STORE-01")
ANON = ("anonymous_id", "anon-h5-1")


def see(rt, *ids, minutes=0):
    with transaction(rt.sessions) as session:
        return resolve(session, ids, rt.clock.now() + timedelta(minutes=minutes), source="test")


def holdings(rt, customer_id):
    with transaction(rt.read_sessions) as session:
        rows = session.execute(
            select(Identity.type, Identity.value).where(Identity.customer_id == customer_id)
        )
        return {(t, v) for t, v in rows}


def test_a_first_sighting_creates_a_person_holding_every_identifier(store_runtime):
    found = see(store_runtime, U1, P1, DEV)
    assert found.created
    assert holdings(store_runtime, found.customer_id) == {U1, ("phone", "+8613800138001"), DEV}
    again = see(store_runtime, ("phone", "+86 138 0013 8001"))
    assert again.customer_id == found.customer_id and not again.created


def test_placeholders_and_nothing_usable_stay_anonymous(store_runtime):
    assert see(store_runtime, ("phone", "null"), ("device_id", "unknown")).customer_id is None
    assert see(store_runtime).customer_id is None


def test_anonymous_browsing_merges_into_the_member_who_logs_in(store_runtime):
    rt = store_runtime
    browsing = see(rt, ANON).customer_id
    member = see(rt, U1, P1).customer_id
    login = see(rt, U1, ANON)
    assert login.customer_id == member and login.merged == [browsing]
    with transaction(rt.read_sessions) as session:
        merged = session.get(Customer, browsing)
        assert merged.merged_into_id == member
        audit = session.scalars(select(IdentityMerge)).one()
        assert (audit.survivor_id, audit.merged_id) == (member, browsing)
        assert audit.moved_identities == [list(ANON)]
        assert (
            session.scalar(
                select(func.count()).select_from(Event).where(Event.name == "Identities Merged")
            )
            == 1
        )


def test_two_people_with_different_phones_are_never_merged(store_runtime):
    rt = store_runtime
    zhang = see(rt, U1, P1).customer_id
    li = see(rt, U2, P2).customer_id
    both = see(rt, P1, P2)
    assert both.customer_id in (zhang, li) and both.merged == []
    assert holdings(rt, zhang) & holdings(rt, li) == set()


def test_a_store_tablet_seen_with_many_phones_is_blocked_and_joins_nobody(store_runtime):
    rt = store_runtime
    first = see(rt, TABLET, ("phone", "13700000001")).customer_id
    owners = {
        see(rt, TABLET, ("phone", f"1370000000{n}"), minutes=n).customer_id for n in range(2, 6)
    }
    assert first not in owners and len(owners) == 4  # each shopper is their own person
    with transaction(rt.read_sessions) as session:
        block = session.scalars(select(IdentifierBlock)).one()
        assert (block.type, block.value, block.reason) == (*TABLET, "shared")
        assert session.scalar(select(Identity.id).where(Identity.value == TABLET[1])) is None
    assert see(rt, TABLET).customer_id is None


def test_a_member_who_changes_phone_keeps_one_and_the_old_number_can_go_to_someone_else(
    store_runtime,
):
    rt = store_runtime
    zhang = see(rt, U1, P1).customer_id
    new_phone = ("phone", "13600136006")
    assert see(rt, U1, new_phone, minutes=10).customer_id == zhang  # seen with her unionid
    assert holdings(rt, zhang) == {U1, ("phone", "+8613600136006")}
    newcomer = see(rt, P1, U2, minutes=20)  # the operator gave her old number to Li
    assert newcomer.created and newcomer.customer_id != zhang


def test_a_new_strong_identifier_seen_through_a_weak_one_names_someone_else(store_runtime):
    rt = store_runtime
    zhang = see(rt, DEV, P1).customer_id
    other = see(rt, DEV, P2, minutes=5)
    assert other.created and other.customer_id != zhang
    assert ("phone", "+8613800138001") in holdings(rt, zhang)
    with transaction(rt.read_sessions) as session:
        device = session.scalars(select(Identity).where(Identity.value == DEV[1])).one()
        assert device.customer_id == zhang and device.conflicts == 1


def _order_for(rt, customer_id, order_no):
    with transaction(rt.sessions) as session:
        upsert_product(
            session,
            ProductSpec("SOY-500", "零添加酱油", "调味品", Decimal("19.90"), 540),
            rt.clock.now(),
        )
        record_order(
            session,
            order_no=order_no,
            customer_id=customer_id,
            lines=[OrderLine("SOY-500", 1)],
            placed_at=rt.clock.now(),
            channel="douyin",
            source="test",
            buyer=[("douyin_id", "dy-777")],
        )
        append(
            session,
            [
                NewEvent(
                    name="Live Joined",
                    timestamp=rt.clock.now(),
                    source="test",
                    type="track",
                    customer_id=customer_id,
                    message_id=f"joined-{order_no}",
                    context={"externalIds": [{"type": "douyin_id", "id": "dy-777"}]},
                )
            ],
            received_at=rt.clock.now(),
        )


def test_a_merge_moves_orders_and_events_and_a_split_gives_them_back(store_runtime):
    rt = store_runtime
    douyin = see(rt, ("douyin_id", "dy-777")).customer_id
    _order_for(rt, douyin, "DY-1")
    member = see(rt, U1, P1).customer_id
    merged = see(rt, U1, ("douyin_id", "dy-777"))
    assert merged.customer_id == member and merged.merged == [douyin]
    with transaction(rt.read_sessions) as session:
        assert session.scalar(select(Order.customer_id).where(Order.order_no == "DY-1")) == member
        merge_id = session.scalar(select(IdentityMerge.id))
    with transaction(rt.sessions) as session:
        restored = split(session, merge_id, rt.clock.now(), rt.settings.tz)
    assert restored == douyin
    assert holdings(rt, douyin) == {("douyin_id", "dy-777")}
    with transaction(rt.read_sessions) as session:
        assert session.get(Customer, douyin).merged_into_id is None
        assert (
            session.scalar(select(Event.customer_id).where(Event.message_id == "joined-DY-1"))
            == douyin
        )
        assert session.scalar(select(Order.customer_id).where(Order.order_no == "DY-1")) == douyin
    with pytest.raises(AlreadySplit), transaction(rt.sessions) as session:
        split(session, merge_id, rt.clock.now(), rt.settings.tz)
    with pytest.raises(MergeNotFound), transaction(rt.sessions) as session:
        split(session, 999, rt.clock.now(), rt.settings.tz)


def test_weak_identifiers_beyond_the_limit_drop_the_least_recently_seen(store_runtime):
    rt = store_runtime
    zhang = see(rt, U1).customer_id
    for n in range(7):
        see(rt, U1, ("device_id", f"dev-{n}"), minutes=n)
    devices = {v for t, v in holdings(rt, zhang) if t == "device_id"}
    assert devices == {f"dev-{n}" for n in range(2, 7)}


def test_a_wife_signing_in_on_her_husbands_ipad_keeps_her_member_number(store_runtime):
    rt = store_runtime
    ipad = ("device_id", "ipad-family")
    husband = see(rt, P1, ipad).customer_id
    wife = see(rt, ("member_no", "M2"), P2, ipad, minutes=5)
    assert wife.created and wife.customer_id != husband
    assert holdings(rt, wife.customer_id) == {("member_no", "M2"), ("phone", "+8613900139002")}
    assert see(rt, ("member_no", "M2"), minutes=6).customer_id == wife.customer_id
    assert ("member_no", "M2") not in holdings(rt, husband)


def test_a_merge_whose_survivor_was_merged_again_cannot_be_split_out_of_order(store_runtime):
    rt = store_runtime
    see(rt, ANON)
    see(rt, DEV)
    see(rt, DEV, ANON, minutes=1)  # merge 1
    see(rt, U1, minutes=2)
    see(rt, U1, DEV, minutes=3)  # merge 2: the survivor of merge 1 joins the member
    with transaction(rt.read_sessions) as session:
        first, second = session.scalars(select(IdentityMerge.id).order_by(IdentityMerge.id)).all()
    with (
        pytest.raises(AlreadySplit, match="split that later merge first"),
        transaction(rt.sessions) as session,
    ):
        split(session, first, rt.clock.now(), rt.settings.tz)
    with transaction(rt.sessions) as session:
        split(session, second, rt.clock.now(), rt.settings.tz)
        split(session, first, rt.clock.now(), rt.settings.tz)


def test_after_a_merge_the_latest_consent_stands(store_runtime):
    from liveloop.profiles.counters import set_consent
    from liveloop.profiles.models import Consent

    rt = store_runtime
    member = see(rt, U1).customer_id
    phone = see(rt, P1).customer_id
    with transaction(rt.sessions) as session:
        set_consent(session, member, "sms", True, "crm", rt.clock.now())
        set_consent(session, phone, "sms", False, "回复TD", rt.clock.now() + timedelta(days=9))
    see(rt, U1, P1, minutes=5)
    with transaction(rt.read_sessions) as session:
        rows = session.execute(select(Consent.customer_id, Consent.granted)).all()
    assert rows == [(member, False)]
