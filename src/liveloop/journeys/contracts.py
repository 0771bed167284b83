"""What journeys publishes to other packages: the states of a journey and of a person's pass
through it, and what a step may answer."""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class JourneyStatus(StrEnum):
    """draft -> active <-> paused; archived is final. Only active journeys let people in;
    paused ones also hold the people inside until resumed."""

    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    ARCHIVED = "archived"


class StateStatus(StrEnum):
    """A person's pass through a journey."""

    ACTIVE = "active"  # a step is due at ``due_at``
    WAITING = "waiting"  # for an event, until ``due_at``
    DONE = "done"
    EXITED = "exited"  # an exit condition, an exit step, an archived journey or a merge
    FAILED = "failed"  # a step kept failing


# The passes still under way.
OPEN: Final = (StateStatus.ACTIVE, StateStatus.WAITING)


class StepOutcome(StrEnum):
    """What a step run answers (its ``outcome``); an A/B split answers ``variant:<name>``."""

    DONE = "done"
    WAITING = "waiting"  # a wait for an event began
    EVENT = "event"  # the awaited event came
    TIMEOUT = "timeout"  # it did not, in time
    THEN = "then"  # a condition held
    ELSE = "else"  # it did not
    EXIT = "exit"
    QUEUED = "queued"  # a message was queued
    ISSUED = "issued"  # a coupon was issued
    CREATED = "created"  # a guide task was created
    FOUND = "found"  # content matching what the person asked was found
    SKIPPED = "skipped"  # nothing to do for this person (no phone, no product …)
    FAILED = "failed"


VARIANT: Final = "variant:"
