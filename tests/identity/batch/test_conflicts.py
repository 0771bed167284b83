from datetime import UTC, datetime

import pyarrow as pa

from liveloop.identity.batch.conflicts import settle


def _links(*rows: tuple[int, str, int, str, int, int]) -> pa.Table:
    """(a, a_type, b, b_type, weight, day) rows of one component."""
    return pa.table(
        {
            "component": [1] * len(rows),
            "a": [r[0] for r in rows],
            "a_type": [r[1] for r in rows],
            "b": [r[2] for r in rows],
            "b_type": [r[3] for r in rows],
            "weight": [r[4] for r in rows],
            "last_seen": pa.array(
                [datetime(2026, 1, r[5], tzinfo=UTC) for r in rows], pa.timestamp("us", "UTC")
            ),
        }
    )


def _people(links: pa.Table) -> dict[int, int]:
    settled = settle(links)
    nodes, people = settled.column("node").to_pylist(), settled.column("person").to_pylist()
    return dict(zip(nodes, people, strict=True))


def test_a_link_that_would_give_one_person_two_member_numbers_is_refused():
    people = _people(
        _links(
            (1, "member_no", 10, "phone", 3, 1),
            (2, "member_no", 10, "phone", 2, 5),
        )
    )
    assert people[1] != people[2]
    assert people[10] == people[2]  # the most recent link wins the phone


def test_openids_may_be_two_per_person_but_not_three():
    people = _people(
        _links(
            (1, "unionid", 4, "openid", 5, 9),
            (1, "unionid", 5, "openid", 5, 8),
            (1, "unionid", 6, "openid", 1, 2),
        )
    )
    assert people[4] == people[5] == people[1] == 1
    assert people[6] == 6


def test_weak_identifiers_never_block_a_merge():
    people = _people(
        _links(
            (1, "member_no", 20, "device_id", 1, 1),
            (1, "member_no", 21, "device_id", 1, 1),
            (1, "member_no", 30, "anonymous_id", 1, 1),
            (1, "member_no", 31, "anonymous_id", 1, 1),
        )
    )
    assert set(people.values()) == {1}
