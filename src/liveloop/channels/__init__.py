"""Channels: message templates, delivery through WeCom, SMS, webhooks, mail and the console outbox."""
