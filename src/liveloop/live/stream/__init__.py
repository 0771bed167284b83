"""The room stream: the stream processor's state per room (``processor``), and its transport —
the feed that tails the event log into it (``feed``), the bus its frames travel on (``bus``,
``redis_bus``) and the host console's SSE (``api``). docs/live.md, decision 0023."""
