"""The operational store: engine and sessions, shared column types, the event log, the outbox."""
