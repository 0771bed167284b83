"""Live: rooms, sessions, the real-time stream processor and the host console."""
