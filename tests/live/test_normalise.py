"""Live comments are made plain before they are understood: the same comment typed in
traditional characters, full-width forms, with emoji or with a held-down key reads the same."""

from __future__ import annotations

import pytest

from liveloop.live.understand.normalise import MAX_CHARS, normalise


@pytest.mark.parametrize(
    ("said", "plain"),
    [
        ("這個米好吃嗎？？？", "这个米好吃吗??"),  # traditional, full-width, a held key
        ("發貨快不快，冷鏈嗎", "发货快不快,冷链吗"),
        ("好好好好好吃", "好好吃"),
        ("哈哈哈哈哈主播好可爱", "哈哈主播好可爱"),
        ("ＶＩＰ　价格多少", "VIP 价格多少"),
        ("  多少钱   一袋  ", "多少钱 一袋"),
        ("太好吃了👍👍👍😋", "太好吃了[拇指向上][拇指向上][好吃]"),
        ("❤️❤️❤️❤️爱了", "[红心][红心]爱了"),
        ("糖尿病人能吃吗", "糖尿病人能吃吗"),  # plain already: unchanged
        ("五常大米5kg多少钱", "五常大米5kg多少钱"),
    ],
)
def test_a_comment_is_made_plain(said, plain):
    assert normalise(said) == plain


def test_traditional_and_simplified_read_alike():
    assert normalise("適合燉湯嗎") == normalise("适合炖汤吗") == "适合炖汤吗"


def test_a_comment_longer_than_the_webhook_takes_is_cut():
    assert len(normalise("好吃" * MAX_CHARS)) <= MAX_CHARS
