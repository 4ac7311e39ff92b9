"""Local receivers for notification tests, on 127.0.0.1: a webhook endpoint that records each
POST, and an SMTP server (aiosmtpd) that offers STARTTLS with a certificate made for the test,
requires it before AUTH, accepts one user and records each message.

`notify_environment` gives the variables that point massaudit at them; SSL_CERT_FILE makes the
test certificate the one trusted, as an operator's own CA file would be."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from local_server import QuietHandler, serve_handler

SMTP_USER = "massaudit-test"
SMTP_PASSWORD = "not-a-real-password-4d1f"
WEBHOOK_ENV = "MASSAUDIT_TEST_WEBHOOK_URL"


@dataclass
class Received:
    webhooks: list[dict] = field(default_factory=list)
    emails: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files in `folder`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def webhook_receiver(received: Received, status: int = 200) -> Iterator[str]:
    """The URL of an endpoint that records each JSON body POSTed to it and answers `status`."""

    class Handler(QuietHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.webhooks.append(json.loads(self.rfile.read(length)))
            self.answer(status, b"ok", "text/plain")

    with serve_handler(Handler) as base:
        yield f"{base}/hooks/massaudit"


@contextmanager
def smtp_server(received: Received, folder: Path, *, starttls: bool = True) -> Iterator[int]:
    """The port of an SMTP server on 127.0.0.1 (STARTTLS required before AUTH, unless
    `starttls` is False: then it offers no TLS at all)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.emails.append(message_from_bytes(envelope.original_content))
            received.recipients.append(list(envelope.rcpt_tos))
            return "250 Message accepted"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        return AuthResult(success=ok, handled=False)  # False: the server answers 535

    options = {}
    if starttls:
        cert, key = make_certificate(folder)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        options = {"tls_context": context, "require_starttls": True}
    port = free_port()
    controller = Controller(
        Handler(),
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_require_tls=starttls,
        **options,
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def notify_environment(folder: Path, webhook_url: str, smtp_port: int) -> dict[str, str]:
    """The environment that sends massaudit's notifications to the receivers above."""
    return {
        WEBHOOK_ENV: webhook_url,
        "MASSAUDIT_SMTP_HOST": "127.0.0.1",
        "MASSAUDIT_SMTP_PORT": str(smtp_port),
        "MASSAUDIT_SMTP_USER": SMTP_USER,
        "MASSAUDIT_SMTP_PASSWORD": SMTP_PASSWORD,
        "SSL_CERT_FILE": str(folder / "smtp-cert.pem"),
    }
