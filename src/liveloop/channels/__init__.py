"""Channels: message templates; delivery through WeCom, SMS, webhooks, mail, the console outbox."""
