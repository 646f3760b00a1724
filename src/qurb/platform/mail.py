"""E-mail through an SMTP server, when one is configured (`QURB_SMTP_HOST`, and
`QURB_SMTP_PORT`, `QURB_SMTP_USER`, `QURB_SMTP_PASSWORD`, `QURB_SMTP_FROM`,
`QURB_SMTP_STARTTLS`): the standard library's `smtplib`. The connection is made by a
factory (`smtplib.SMTP` by default) that tests replace with a fake: no network."""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from qurb.kernel.errors import InputError

DEFAULT_PORT = 587
TIMEOUT_S = 30
TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The settings from the environment; None when no host is set (no e-mail)."""
        env = os.environ if env is None else env
        host = env.get("QURB_SMTP_HOST", "").strip()
        if not host:
            return None
        port_text = env.get("QURB_SMTP_PORT", str(DEFAULT_PORT)).strip()
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InputError(
                code="bad_setting", values={"name": "QURB_SMTP_PORT", "value": port_text}
            )
        tls_text = env.get("QURB_SMTP_STARTTLS", "true").strip().lower()
        if tls_text not in TRUE | FALSE:
            raise InputError(
                code="bad_setting", values={"name": "QURB_SMTP_STARTTLS", "value": tls_text}
            )
        sender = env.get("QURB_SMTP_FROM", "").strip()
        if "@" not in sender:
            raise InputError(code="bad_setting", values={"name": "QURB_SMTP_FROM", "value": sender})
        return cls(
            host=host,
            port=int(port_text),
            sender=sender,
            user=env.get("QURB_SMTP_USER") or None,
            password=env.get("QURB_SMTP_PASSWORD") or None,
            starttls=tls_text in TRUE,
        )


SmtpFactory = Callable[..., Any]  # smtplib.SMTP's signature: (host, port, timeout=…)


@dataclass(frozen=True)
class Mailer:
    settings: SmtpSettings
    connect: SmtpFactory = smtplib.SMTP

    def send(self, messages: list[tuple[str, str, str]]) -> int:
        """Send each (to, subject, body) over one connection; the number sent."""
        if not messages:
            return 0
        with self.connect(self.settings.host, self.settings.port, timeout=TIMEOUT_S) as smtp:
            if self.settings.starttls:
                smtp.starttls()
            if self.settings.user:
                smtp.login(self.settings.user, self.settings.password or "")
            for to, subject, body in messages:
                message = EmailMessage()
                message["From"] = self.settings.sender
                message["To"] = to
                message["Subject"] = subject
                message.set_content(body)
                smtp.send_message(message)
        return len(messages)
