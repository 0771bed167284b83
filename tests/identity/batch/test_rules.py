"""The OneID rules, each shown on a few hand-made records recomputed on DuckDB."""

from tests.identity.batch.conftest import Exports


def test_phones_in_any_format_are_one_identifier_in_e164(recompute):
    brand = Exports()
    brand.member(0, "M1", "138 1234 5678")
    brand.order(1, "phone", "13812345678")
    brand.order(2, "phone", "+86 138 1234 5678")
    brand.order(3, "phone", "86-13812345678")
    people = recompute(brand)
    assert ("phone", "+8613812345678") in people.of
    assert [key for key in people.of if key[0] == "phone"] == [("phone", "+8613812345678")]
    assert set(people.observation.values()) == {"member_no:M1"}


def test_a_person_is_named_by_their_most_trusted_identifier(recompute):
    brand = Exports()
    brand.identify(0, anonymous_id="dev-1", external={"douyin_id": "dy1"})
    brand.identify(1, anonymous_id="dev-1", phone="13900000001", external={"unionid": "u1"})
    brand.member(2, "M7", "13900000001")
    people = recompute(brand)
    assert set(people.of.values()) == {"member_no:M7"}


def test_placeholders_and_blocklisted_values_join_nobody(recompute):
    brand = Exports()
    brand.identify(0, user_id="M1", phone="13800000000", anonymous_id="null")
    brand.identify(0, user_id="M2", phone="+86 138 0000 0000", anonymous_id="null")
    brand.identify(0, user_id="M3", phone="13911112222")
    brand.identify(0, user_id="M4", phone="139 1111 2222")
    only_placeholders = brand.order(1, "phone", "undefined")
    people = recompute(brand, blocklist=(("phone", "13911112222"),))
    assert not people.same(("member_no", "M1"), ("member_no", "M2"))
    assert not people.same(("member_no", "M3"), ("member_no", "M4"))
    assert not any(kind == "phone" for kind, _ in people.of)
    assert ("anonymous_id", "null") not in people.of
    assert only_placeholders not in people.observation
    assert people.run.observations.blocked_values == 1


def test_a_store_tablet_seen_with_four_people_is_blocked_and_links_nobody(recompute):
    brand = Exports()
    for n in range(1, 5):
        brand.identify(n, user_id=f"M{n}", anonymous_id="TABLET-1", phone=f"1390000000{n}")
    people = recompute(brand)
    assert people.blocked == {("anonymous_id", "TABLET-1"): 4}
    assert ("anonymous_id", "TABLET-1") not in people.of
    assert len({people.of[("member_no", f"M{n}")] for n in range(1, 5)}) == 4


def test_a_device_shared_by_three_members_is_kept_but_never_merges_them(recompute):
    brand = Exports()
    for n in range(1, 4):
        brand.identify(n, user_id=f"M{n}", anonymous_id="FAMILY-PAD")
    people = recompute(brand)
    assert people.blocked == {}
    assert len({people.of[("member_no", f"M{n}")] for n in range(1, 4)}) == 3
    # The pad stays with whoever used it last.
    assert people.same(("anonymous_id", "FAMILY-PAD"), ("member_no", "M3"))


def test_a_reassigned_phone_keeps_its_two_owners_apart_and_follows_the_new_one(recompute):
    brand = Exports()
    old_owner = [brand.identify(d, user_id="M1", phone="13700001111") for d in (0, 5, 9)]
    brand.identify(12, user_id="M1", phone="13700002222")  # the first owner's new number
    new_owner = [brand.identify(d, user_id="M2", phone="13700001111") for d in (20, 30)]
    people = recompute(brand)
    assert not people.same(("member_no", "M1"), ("member_no", "M2"))
    assert people.same(("phone", "+8613700001111"), ("member_no", "M2"))
    assert people.same(("phone", "+8613700002222"), ("member_no", "M1"))
    assert {people.observation[m] for m in old_owner} == {"member_no:M1"}
    assert {people.observation[m] for m in new_owner} == {"member_no:M2"}


def test_a_mistyped_crm_phone_stays_apart_while_the_member_keeps_their_real_phone(recompute):
    brand = Exports()
    brand.member(0, "M1", "13300005678")  # typo of 13800005678
    for day in (1, 4, 8):
        brand.identify(day, user_id="M1", phone="13800005678", external={"unionid": "u1"})
    people = recompute(brand)
    assert people.same(("member_no", "M1"), ("phone", "+8613800005678"), ("unionid", "u1"))
    assert not people.same(("member_no", "M1"), ("phone", "+8613300005678"))
    assert set(people.observation.values()) == {"member_no:M1"}


def test_weak_identifiers_past_their_limit_drop_the_least_recently_seen(recompute):
    brand = Exports()
    for n in range(22):  # anonymous ids: at most 20 per person
        brand.identify(n, user_id="M1", anonymous_id=f"anon-{n:02d}")
    people = recompute(brand)
    kept = {v for (t, v), p in people.of.items() if t == "anonymous_id" and p == "member_no:M1"}
    assert kept == {f"anon-{n:02d}" for n in range(2, 22)}
    assert people.of[("anonymous_id", "anon-00")] == "anonymous_id:anon-00"
    assert people.run.recomputed.weak_dropped == 2


def test_two_unionids_never_share_a_person_even_through_a_chain_of_weak_links(recompute):
    brand = Exports()
    brand.identify(0, anonymous_id="a", external={"unionid": "u1"})
    brand.identify(1, anonymous_id="a", external={"douyin_id": "dy1"})
    brand.identify(2, anonymous_id="b", external={"douyin_id": "dy1"})
    brand.identify(3, anonymous_id="b", external={"unionid": "u2"})
    people = recompute(brand)
    assert not people.same(("unionid", "u1"), ("unionid", "u2"))
    assert len(people.of) == 5
