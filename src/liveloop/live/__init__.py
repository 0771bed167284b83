"""Live: rooms, sessions, attendance, the platform webhook, the real-time stream processor and
the host console."""
