"""Mail backends: real SMTP (aiosmtpd on loopback), a folder of .eml files, the console."""

from __future__ import annotations

import email
import email.policy
import io
from pathlib import Path
from typing import Any

import pytest

from dsr.service.mail import (
    ConsoleMailer,
    FileMailer,
    MailError,
    SMTPMailer,
    download_notice_message,
    send_now,
    verification_message,
)
from tests.portal.portal_setup import free_port


def test_smtp_delivers_a_german_verification_mail(smtp: Any) -> None:
    mailer = SMTPMailer("datenschutz@gym.example", smtp.host, smtp.port)
    message = verification_message(
        "de",
        "lena@example.org",
        "DSR-2026-ABCDEF",
        "K7M2P9QX",
        "https://portal.example/de/verify/3#code=K7M2P9QX",
        "Gymnasium Musterstadt",
    )
    send_now(mailer, message)
    received = smtp.wait_for("lena@example.org")
    assert received["From"] == "datenschutz@gym.example" and "DSR-2026-ABCDEF" in received["Subject"]
    body = received.get_body(("plain",)).get_content()
    assert "K7M2P9QX" in body and "Bestätigen" in body and received["Auto-Submitted"] == "auto-generated"


def test_an_unreachable_smtp_server_raises_an_error_without_the_address() -> None:
    mailer = SMTPMailer("dsr@example.org", "127.0.0.1", free_port(), timeout=2)
    with pytest.raises(MailError) as caught:
        send_now(mailer, verification_message("en", "secret.person@example.org", "DSR-2026-ABCDEF", "X", "l", "c"))
    assert "secret.person" not in str(caught.value) and "127.0.0.1" in str(caught.value)


def test_the_file_backend_writes_one_eml_per_message(tmp_path: Path) -> None:
    mailer = FileMailer("dsr@example.org", tmp_path / "mail")
    send_now(
        mailer,
        download_notice_message(
            "en",
            "a@example.org",
            "DSR-2026-ABCDEF",
            "https://portal.example/en/download/4",
            "31.03.2026",
            "James Software GmbH",
        ),
    )
    [file] = (tmp_path / "mail").glob("*.eml")
    message = email.message_from_bytes(file.read_bytes(), policy=email.policy.default)
    assert message["To"] == "a@example.org" and message["Subject"] == "Your answer is ready – request DSR-2026-ABCDEF"
    assert "31.03.2026" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_the_console_backend_prints_for_the_demo() -> None:
    stream = io.StringIO()
    send_now(
        ConsoleMailer("dsr@example.org", stream),
        verification_message("de", "b@example.org", "DSR-2026-ABCDEF", "CODE2345", "link", "Schule"),
    )
    assert "b@example.org" in stream.getvalue() and "DSR-2026-ABCDEF" in stream.getvalue()
