"""Rule documents: what validates, and how a bad one is explained (reason + JSON path)."""

from __future__ import annotations

import pytest

from liveloop.segments.rules import RuleError, parse_rule

BAD = [
    ({"type": "bogus"}, "", "a node is"),
    ({"and": []}, "and", "at least 1 item"),
    (
        {"and": [{"type": "tag", "tag": "x"}, {"type": "trait", "field": "password"}]},
        "and[1].field",
        "unknown trait 'password'",
    ),
    (
        {"or": [{"not": {"type": "counter", "field": "orders", "op": "gt"}}]},
        "or[0].not",
        "op gt needs a single value",
    ),
    ({"type": "score", "field": "rfm_group", "op": "gt", "value": 3}, "", "holds text"),
    ({"type": "event", "name": "X", "within": {"days": 0}}, "within.days", "greater than"),
    ({"type": "event", "name": "X", "within": {"days": 1, "hours": 2}}, "within", "exactly one"),
    (
        {"type": "event", "name": "X", "where": [{"property": "a'b", "value": 1}]},
        "where[0].property",
        "pattern",
    ),
    ({"type": "trait", "field": "traits.a.b", "value": 1}, "field", "trait key"),
    ({"type": "live", "last": 2, "at_least": 3}, "", "at_least cannot exceed last"),
    ({"type": "consent", "channel": "fax"}, "channel", "Input should be"),
    (
        {"type": "trait", "field": "created_at", "op": "gt", "value": "2026-01-01T00:00:00"},
        "",
        "needs a timezone",
    ),
    ({"type": "order", "extra": 1}, "extra", "Extra inputs"),
    ({"type": "counter", "field": "orders", "op": "gte", "value": True}, "", "holds numbers"),
]


@pytest.mark.parametrize(("doc", "path", "reason"), BAD)
def test_a_bad_rule_names_the_path_and_the_reason(doc, path, reason):
    with pytest.raises(RuleError) as caught:
        parse_rule(doc)
    assert caught.value.path == path
    assert reason in caught.value.reason


def test_deep_or_huge_rules_are_refused():
    deep: dict = {"type": "tag", "tag": "x"}
    for _ in range(10):
        deep = {"not": deep}
    with pytest.raises(RuleError, match="levels deep"):
        parse_rule(deep)
    wide = {"or": [{"and": [{"type": "tag", "tag": str(i)}] * 10} for i in range(6)]}
    with pytest.raises(RuleError, match="at most 50 conditions"):
        parse_rule(wide)


def test_a_rule_keeps_the_document_it_was_given():
    doc = {"type": "tag", "tag": ["烘焙爱好者", "咖啡爱好者"]}
    assert parse_rule(doc).document == doc
