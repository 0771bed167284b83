"""OneID against the simulator's planted truth, and the pairwise scoring itself."""

import itertools
import random

import pyarrow as pa

from liveloop.analytics.service import open_engine
from liveloop.identity.batch.accuracy import pairwise_accuracy


def test_pairwise_scores_equal_counting_every_pair():
    rng = random.Random(8)
    rows = [(i, rng.randrange(40), f"p{rng.randrange(50)}") for i in range(400)]
    with open_engine("duckdb") as engine:
        engine.load_arrow("truth_orders", pa.table({"order_no": ["x"], "person_id": [0]}))
        engine.load_arrow(
            "truth_identifiers",
            pa.table({"type": ["phone"], "value": ["x"], "person_id": [0]}),
        )
        engine.load_arrow(
            "observations",
            pa.table(
                {
                    "obs": list(range(len(rows) + 1)),
                    "source": ["event"] * (len(rows) + 1),
                    "ref": [f"sim1-{t}-{i}" for i, (_, t, _) in enumerate(rows)] + ["sim1-0-999"],
                }
            ),
        )
        engine.load_arrow(
            "observation_people",
            pa.table(
                {
                    "source": ["event"] * len(rows),
                    "ref": [f"sim1-{t}-{i}" for i, (_, t, _) in enumerate(rows)],
                    "person": [p for _, _, p in rows],
                }
            ),
        )
        scored = pairwise_accuracy(engine)
    pairs = list(itertools.combinations(rows, 2))
    same_truth = {i for i, (x, y) in enumerate(pairs) if x[1] == y[1]}
    same_guess = {i for i, (x, y) in enumerate(pairs) if x[2] == y[2]}
    assert scored.true_pairs == len(same_truth)
    assert scored.predicted_pairs == len(same_guess)
    assert scored.correct_pairs == len(same_truth & same_guess)
    assert scored.excluded == 1


def test_oneid_on_ten_thousand_people_is_precise_and_recalls_what_the_data_links(
    recomputed_10k,
):
    result, _ = recomputed_10k
    accuracy, linkable = result.accuracy, result.linkable
    assert accuracy is not None and linkable is not None
    print(
        f"\nOneID on 10k people: precision {accuracy.precision:.4f}, recall "
        f"{accuracy.recall:.4f}; linking everything ever seen together: precision "
        f"{linkable.precision:.4f}, recall {linkable.recall:.4f}; "
        f"{accuracy.scored} observations scored, {accuracy.excluded} excluded"
    )
    assert accuracy.precision >= 0.99
    assert accuracy.recall >= 0.97
    # and it keeps nearly all of what the data links at all
    assert accuracy.recall >= linkable.recall - 0.005
    assert accuracy.precision > linkable.precision  # the limits and blocks earn their keep
    assert accuracy.excluded < accuracy.scored / 1_000


def test_every_planted_trap_is_handled(recomputed_10k):
    result, _ = recomputed_10k
    traps = result.traps
    assert traps is not None
    assert traps.placeholders > 0 and traps.placeholders_placed == 0
    assert traps.shared_devices == traps.shared_devices_blocked == 3
    assert traps.reassigned_kept_apart >= 0.8 * traps.reassigned_phones
    assert traps.typo_rows_with_member >= 0.9 * traps.typo_rows
    assert result.recomputed.shared_blocked <= traps.shared_devices + 2


def test_identifiers_are_stored_normalised(recomputed_10k):
    _, engine = recomputed_10k
    phones = engine.rows("SELECT value FROM identity_people WHERE type = 'phone'")
    assert phones and all(v.startswith("+86") and len(v) == 14 for (v,) in phones)
    assert engine.scalar("SELECT COUNT(*) FROM identity_people WHERE value <> TRIM(value)") == 0
