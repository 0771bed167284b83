"""Events guides emits (docs/events.md lists each with its properties)."""

from __future__ import annotations

from typing import Final

# ``task_id``, ``kind``, ``title``, ``assignee``, ``due_at``, ``origin``.
GUIDE_TASK_CREATED: Final = "Guide Task Created"
# ``task_id``, ``kind``, ``by``, ``outcome``, ``origin``.
GUIDE_TASK_COMPLETED: Final = "Guide Task Completed"
