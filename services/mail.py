"""Outgoing mail with the standard library's `smtplib`: invitations, reminders, escalations.

`SMTP_URL` says where: `smtp://host:25`, `smtp+starttls://user:password@host:587` or
`smtps://user:password@host:465`. Without it nothing is sent and `mail_configured` is False, so
that callers offer another way (a one-time code shown on screen)."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str  # plain text; the recipient's language
    language: str = "en"


def mail_configured(smtp_url: str | None) -> bool:
    return bool(smtp_url)


def message(mail: Mail, sender: str) -> EmailMessage:
    built = EmailMessage()
    built["From"] = formataddr(("Digital Transformation Programme tracker", sender))
    built["To"] = mail.to
    built["Subject"] = mail.subject
    built["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    built.set_content(mail.body)
    built["Content-Language"] = mail.language  # after set_content, which drops Content-* headers
    return built


def send(smtp_url: str | None, sender: str, mails: list[Mail], timeout: float = 30) -> int:
    """Send `mails` over one connection; the number sent. Raises `MailError` when no server is
    configured or it refuses: the caller decides what is retried (nothing is marked sent)."""
    if not mails:
        return 0
    if not smtp_url:
        raise MailError("no mail server configured (SMTP_URL)")
    url = urlsplit(smtp_url)
    scheme = url.scheme.lower()
    if scheme not in ("smtp", "smtps", "smtp+starttls"):
        raise MailError(
            f"SMTP_URL must start with smtp://, smtps:// or smtp+starttls://, not {scheme}://"
        )
    port = url.port or {"smtp": 25, "smtps": 465, "smtp+starttls": 587}[scheme]
    client_class = smtplib.SMTP_SSL if scheme == "smtps" else smtplib.SMTP
    try:
        with client_class(url.hostname or "127.0.0.1", port, timeout=timeout) as client:
            if scheme == "smtp+starttls":
                client.starttls()
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            for mail in mails:
                client.send_message(message(mail, sender))
    except (OSError, smtplib.SMTPException) as failed:
        raise MailError(f"the mail server refused or could not be reached: {failed}") from failed
    return len(mails)
