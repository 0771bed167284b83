"""Access: console users, roles, sessions and API keys."""
