"""The OneID rules, shared by online resolution and the batch recompute.

| type         | priority | strong | at most per person |
|--------------|----------|--------|--------------------|
| member_no    | 1        | yes    | 1                  |
| unionid      | 2        | yes    | 1                  |
| phone        | 3        | yes    | 1                  |
| openid       | 4        | yes    | 2  (mini-program, official account) |
| douyin_id    | 5        | yes    | 1                  |
| email        | 6        | yes    | 3  (work, personal, an old one)     |
| device_id    | 7        | no     | 5  (least recently seen dropped)    |
| anonymous_id | 8        | no     | 20 (least recently seen dropped)    |

- Placeholder values ("null", "0", …) are refused by ``service.normalise``; more can be blocked
  in the store (``identifier_blocks``) without code.
- Two people whose strong identifiers of one type would together exceed that type's limit are
  never merged (two phones, two member numbers, …).
- A weak identifier (device, anonymous id) seen with more than ``SHARED_THRESHOLD`` distinct
  people's strong identifiers is a shared device (a store tablet): it is blocked and stops
  linking anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from liveloop.identity.contracts import IdentityType


@dataclass(frozen=True)
class TypeRule:
    type: IdentityType
    priority: int  # 1 = most trusted
    strong: bool
    limit: int


RULES: dict[IdentityType, TypeRule] = {
    rule.type: rule
    for rule in (
        TypeRule(IdentityType.MEMBER_NO, 1, True, 1),
        TypeRule(IdentityType.UNIONID, 2, True, 1),
        TypeRule(IdentityType.PHONE, 3, True, 1),
        TypeRule(IdentityType.OPENID, 4, True, 2),
        TypeRule(IdentityType.DOUYIN_ID, 5, True, 1),
        TypeRule(IdentityType.EMAIL, 6, True, 3),
        TypeRule(IdentityType.DEVICE_ID, 7, False, 5),
        TypeRule(IdentityType.ANONYMOUS_ID, 8, False, 20),
    )
}

SHARED_THRESHOLD = 3


def priority(kind: IdentityType | str) -> int:
    return RULES[IdentityType(kind)].priority


def is_strong(kind: IdentityType | str) -> bool:
    return RULES[IdentityType(kind)].strong


def limit(kind: IdentityType | str) -> int:
    return RULES[IdentityType(kind)].limit
