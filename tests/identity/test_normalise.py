import pytest

from liveloop.identity.service import InvalidIdentifier, normalise


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "+8613812345678", "+86 138 1234 5678", "86-13812345678", " 138 1234 5678 "],
)
def test_phones_in_any_common_format_become_e164(raw):
    assert normalise("phone", raw) == "+8613812345678"


@pytest.mark.parametrize(
    "raw",
    [
        "null",
        "0",
        "undefined",
        "13800000000",
        "+86 138 0000 0000",
        "8613800000000",
        "00000000000",
        "anonymous",
        " NULL ",
    ],
)
def test_placeholder_phones_are_refused_in_every_format(raw):
    with pytest.raises(InvalidIdentifier):
        normalise("phone", raw)


def test_garbage_is_not_a_phone():
    with pytest.raises(InvalidIdentifier, match="not a phone number"):
        normalise("phone", "电话号码")


def test_other_identifiers_are_trimmed_and_placeholders_refused():
    assert normalise("unionid", "  oAbc123 ") == "oAbc123"
    with pytest.raises(InvalidIdentifier):
        normalise("device_id", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(ValueError):
        normalise("fax", "123")


def test_the_mobile_fast_path_agrees_with_phonenumbers():
    import random

    import phonenumbers

    from liveloop.identity import identifiers

    rng = random.Random(5)
    formats = ["{n}", "+86{n}", "+86 {a} {b} {c}", "86-{n}", "{a}-{b}-{c}", "86{n}", "+86-{n}"]
    for _ in range(2_000):
        n = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
        raw = rng.choice(formats).format(n=n, a=n[:3], b=n[3:7], c=n[7:])
        assert identifiers._CN_MOBILE.match(raw), raw
        parsed = phonenumbers.parse(raw, "CN")
        slow = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert normalise("phone", raw) == slow, raw
