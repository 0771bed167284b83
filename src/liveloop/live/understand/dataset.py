"""The labelled set of live comments the repo ships (``data/comments.tsv``, written for a food
brand's live room across its products; labelling guide in ``data/README.md``): each row a
comment as a viewer typed it, its intent, aspect and sentiment, and its split (``train`` for the
classifier, ``test`` held out to measure it). Loading checks every label, so a typo in the file
fails here rather than training a class that does not exist."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from liveloop.live.contracts import Aspect, Intent, Sentiment

COMMENTS = "comments.tsv"
COLUMNS = ("text", "intent", "aspect", "sentiment", "split")
SPLITS = ("train", "test")


@dataclass(frozen=True, slots=True)
class Labelled:
    """One comment of the set, as typed, with its labels."""

    text: str
    intent: Intent
    aspect: Aspect
    sentiment: Sentiment
    split: str


@cache
def comments() -> tuple[Labelled, ...]:
    """Every row of the set, in file order."""
    source = resources.files(__package__).joinpath("data", COMMENTS)
    lines = source.read_text(encoding="utf-8").splitlines()
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = tuple(next(reader))
    if header != COLUMNS:
        raise ValueError(f"{COMMENTS}: header {header}, expected {COLUMNS}")
    labelled = []
    for number, row in enumerate(reader, start=2):
        if len(row) != len(COLUMNS) or row[4] not in SPLITS:
            raise ValueError(f"{COMMENTS} line {number}: {row!r}")
        text, intent, aspect, sentiment, split = row
        labelled.append(Labelled(text, Intent(intent), Aspect(aspect), Sentiment(sentiment), split))
    return tuple(labelled)


def split(name: str) -> list[Labelled]:
    """The rows of one split (``train`` or ``test``)."""
    if name not in SPLITS:
        raise ValueError(f"no split {name!r}: {SPLITS}")
    return [row for row in comments() if row.split == name]
