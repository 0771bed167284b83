"""SMTP mail with ``smtplib``: a text message, its ``Message-ID`` derived from the message's
idempotency key (so a mail resent after a crash carries the same id for the receiving side to
drop), STARTTLS and login when configured.

SMTP 4xx replies and dropped connections are retried; 5xx replies and refused recipients are
permanent.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from email.message import EmailMessage

from liveloop.channels.adapters.base import Outgoing, Rejected, SendResult, Unavailable


def message_id(idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<{digest}@liveloop>"


class SmtpAdapter:
    name = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls = user, password, starttls
        self.timeout = timeout

    def send(self, message: Outgoing) -> SendResult:
        if not message.recipient:
            raise Rejected("no email address for this customer")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject or ""
        mail["Message-ID"] = message_id(message.idempotency_key)
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user and self.password:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= code < 500 for code in codes):
                raise Unavailable(f"SMTP: recipient deferred ({codes})") from None
            raise Rejected(f"SMTP: recipient refused ({codes})") from None
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP {exc.smtp_code}"
            if 400 <= exc.smtp_code < 500:
                raise Unavailable(reason) from None
            raise Rejected(reason) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise Unavailable(f"SMTP: {type(exc).__name__}") from None
        return SendResult(provider_message_id=mail["Message-ID"])
