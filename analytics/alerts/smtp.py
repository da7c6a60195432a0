"""E-mail over SMTP with the standard library: one multipart/alternative message
(plain text first, then HTML: clients show the last part they can) per recipient.

``starttls`` upgrades a plain connection (port 587), ``tls`` is TLS from the first
byte (port 465), ``none`` sends in the clear (a relay on the local network). The
server's certificate is verified against the system's authorities
(``SSL_CERT_FILE`` adds an internal one). A login is attempted only with a password
(:func:`analytics.alerts.channels.credentials`).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from analytics.alerts.channels import Credentials, Smtp
from analytics.alerts.messages import Message


class SendError(Exception):
    """A message was not sent; the text says what the server or network answered."""


def build(smtp: Smtp, to: str, message: Message) -> EmailMessage:
    """The e-mail for ``to``: text and HTML parts, and headers that mark it automatic
    (no out-of-office replies to a robot: RFC 3834)."""
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = smtp.sender
    mail["To"] = to
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    if message.attachment is not None:  # multipart/mixed: the alternatives, then the file
        name, data = message.attachment
        mail.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return mail


def send(smtp: Smtp, login: Credentials, to: str, message: Message) -> None:
    """Send ``message`` to ``to`` (SendError with the reason when it was not)."""
    mail = build(smtp, to, message)
    try:
        with _connect(smtp) as server:
            if login.password is not None:
                server.login(login.user or smtp.user, login.password)
            refused = server.send_message(mail)
    except smtplib.SMTPResponseException as exc:
        raise SendError(f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise SendError(_refused(exc.recipients)) from exc
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, TLS, timeout
        raise SendError(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise SendError(_refused(refused))


def _connect(smtp: Smtp) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if smtp.security == "tls":
        return smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            server.ehlo()
            server.starttls(context=context)
            server.ehlo()
    except BaseException:
        server.close()
        raise
    return server


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{to}: {code} {_text(why)}" for to, (code, why) in recipients.items())
