"""Real servers on loopback for the alerts' tests: an SMTP server (aiosmtpd) that keeps
what it receives, or refuses it, optionally behind STARTTLS, TLS and a login; an HTTP
server that keeps the webhooks' payloads, or answers 500. Certificates are made with
the ``openssl`` command (a test that needs one is skipped without it)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "pulso", "s3cret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Mailbox:
    """What an SMTP server received (parsed), and whether it refuses the next ones."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    refuse: str | None = None  # e.g. "550 5.1.1 mailbox unavailable"
    tries: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.tries += 1
        if self.refuse:
            return self.refuse
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A plain SMTP server (no TLS, no login) on 127.0.0.1, while in the block."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate for 127.0.0.1 (cert.pem and key.pem in one folder)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )  # fmt: skip
    return folder


@pytest.fixture
def tls_mailbox(
    certificate: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], Mailbox]]:
    """``start("starttls" | "tls")``: an SMTP server with that security and a login
    (USER, PASSWORD); the client trusts its certificate through SSL_CERT_FILE."""
    import ssl

    monkeypatch.setenv("SSL_CERT_FILE", str(certificate / "cert.pem"))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate / "cert.pem", certificate / "key.pem")
    started: list[Controller] = []

    def start(security: str) -> Mailbox:
        box = Mailbox(port=free_port())
        options: dict[str, Any] = dict(
            hostname="127.0.0.1", port=box.port, authenticator=_login, auth_required=True
        )
        if security == "tls":  # TLS from the first byte, which aiosmtpd does not see
            options |= dict(ssl_context=context, auth_require_tls=False)
        else:
            options |= dict(tls_context=context, require_starttls=True)
        controller = Controller(box, **options)
        controller.start()
        started.append(controller)
        return box

    yield start
    for controller in started:
        controller.stop()


@dataclass
class Hooks:
    """What an HTTP server received: (path, JSON body) per POST; ``status`` answered."""

    url: str = ""
    received: list[tuple[str, Any]] = field(default_factory=list)
    status: int = 200
    tries: int = 0


@contextmanager
def hook_server() -> Iterator[Hooks]:
    """An HTTP server on 127.0.0.1 keeping the webhooks' payloads, while in the block."""
    state = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.tries += 1
            if state.status < 300:
                state.received.append((self.path, json.loads(body)))
            self.send_response(state.status)
            self.end_headers()
            self.wfile.write(b"ok" if state.status < 300 else b"server on fire")

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    with hook_server() as state:
        yield state


# -- small stores with known answers ----------------------------------------------------------

import datetime as dt  # noqa: E402

from analytics.store import Store  # noqa: E402
from tests.conftest import call, insert, survey  # noqa: E402

WEEK_BEFORE = dt.datetime(2025, 3, 10, 9)  # Monday of ISO week 11
LAST_WEEK = dt.datetime(2025, 3, 17, 9)  # Monday of ISO week 12
NOW = dt.datetime(2025, 3, 24, 7)  # the Monday after: week 12 is the last complete one


def answers(
    store: Store, start: dt.datetime, scores: list[int], region: str = "North", first: int = 0
) -> None:
    """One call and one NPS answer per score, spread over the week from ``start``."""
    calls, surveys = [], []
    for k, nps in enumerate(scores):
        i = first + k
        at = start + dt.timedelta(hours=(k * 150) // max(len(scores), 1))  # within the week
        calls.append(call(i, at, region=region))
        surveys.append(survey(i, at + dt.timedelta(minutes=30), call_id=f"C{i}", nps=nps))
    insert(store, "calls", calls)
    insert(store, "surveys", surveys)


def mix(promoters: int, passives: int, detractors: int) -> list[int]:
    """Scores in a fixed interleaved order (10 promoter, 8 passive, 3 detractor)."""
    pool = [10] * promoters + [8] * passives + [3] * detractors
    return pool[::2] + pool[1::2]
