"""SmtpMailer against real local servers that misbehave: refusals, silence, hang-ups, TLS, login."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from housing.config import MailConfig
from housing.notifications.mail import (
    FolderMailer,
    PermanentFailure,
    SmtpMailer,
    TemporaryFailure,
)

USERNAME = "portal"
PASSWORD = "correct horse"


def email(to: str, subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "Housing Portal <no-reply@housing.invalid>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="housing.invalid")
    message.set_content(f"Body of {subject}")
    return message


class Recorder:
    """An aiosmtpd handler that keeps each message with the connection it came over."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.peers: list[tuple[str, int]] = []
        self.encrypted: list[bool] = []
        self.authenticated: list[bool] = []
        self.quits = 0
        self.rcpt_answers: dict[str, str] = {}
        self.data_answers: dict[str, str] = {}
        self.data_delays: dict[str, float] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.rcpt_answers:
            return self.rcpt_answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        for address in envelope.rcpt_tos:
            if address in self.data_delays:
                await asyncio.sleep(self.data_delays[address])
                return "451 4.3.0 Too slow"
            if address in self.data_answers:
                return self.data_answers[address]
        self.messages.append(BytesParser(policy=policy.default).parsebytes(envelope.content))  # type: ignore[arg-type]
        self.peers.append(session.peer)
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        self.authenticated.append(bool(session.authenticated))
        return "250 Message accepted"

    async def handle_QUIT(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.quits += 1
        return "221 Bye"

    @property
    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for message in self.messages]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(handler: Recorder, **options: object) -> Iterator[int]:
    port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, server_hostname="mail.test", **options
    )
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def port(recorder: Recorder) -> Iterator[int]:
    with smtp_server(recorder) as port:
        yield port


def test_a_batch_goes_over_one_connection_that_is_closed_with_quit(recorder, port):
    with SmtpMailer(MailConfig(port=port, timeout=5)) as mailer:
        for n in range(3):
            mailer.send(email(f"person{n}@example.org", f"Message {n}"))

    assert recorder.subjects == ["Message 0", "Message 1", "Message 2"]
    assert len(set(recorder.peers)) == 1
    assert recorder.quits == 1
    mailer.close()  # a second close does nothing
    assert recorder.quits == 1


@pytest.mark.parametrize(
    ("stage", "answer", "failure"),
    [
        ("RCPT", "451 4.3.0 Try again later", TemporaryFailure),
        ("RCPT", "550 5.1.1 No such mailbox", PermanentFailure),
        ("DATA", "451 4.3.0 Try again later", TemporaryFailure),
        ("DATA", "550 5.7.1 Message refused", PermanentFailure),
    ],
)
def test_a_refusal_is_classified_and_the_connection_carries_the_next_message(
    recorder, port, stage, answer, failure
):
    answers = recorder.rcpt_answers if stage == "RCPT" else recorder.data_answers
    answers["refused@example.org"] = answer

    with SmtpMailer(MailConfig(port=port, timeout=5)) as mailer:
        mailer.send(email("first@example.org", "Before"))
        with pytest.raises(failure, match=answer[:3]):
            mailer.send(email("refused@example.org", "Refused"))
        mailer.send(email("after@example.org", "After"))

    assert recorder.subjects == ["Before", "After"]
    assert len(set(recorder.peers)) == 1, "a refusal should not cost the connection"


def test_a_server_that_never_greets_is_a_temporary_failure_within_the_timeout():
    # A listening socket nobody accepts from: the kernel completes the handshake, and
    # then nothing is ever said.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        config = MailConfig(port=silent.getsockname()[1], timeout=0.5)
        started = time.monotonic()
        with SmtpMailer(config) as mailer, pytest.raises(TemporaryFailure):
            mailer.send(email("someone@example.org", "Hello?"))
        assert time.monotonic() - started < 10


def test_a_server_that_stalls_mid_message_is_dropped_and_the_next_send_reconnects(recorder, port):
    recorder.data_delays["slow@example.org"] = 30

    with SmtpMailer(MailConfig(port=port, timeout=0.5)) as mailer:
        mailer.send(email("first@example.org", "Before"))
        started = time.monotonic()
        with pytest.raises(TemporaryFailure):
            mailer.send(email("slow@example.org", "Stalled"))
        assert time.monotonic() - started < 10
        mailer.send(email("after@example.org", "After"))

    assert recorder.subjects == ["Before", "After"]
    assert len(set(recorder.peers)) == 2


class HangUpInData(socketserver.StreamRequestHandler):
    """A hand-written SMTP peer that hangs up during DATA on the first connection only."""

    timeout = 5
    server: ScriptedServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.server.connections += 1
        hang_up = self.server.connections == 1
        self.reply("220 raw.test ESMTP")
        for line in self.rfile:
            verb = line[:4].upper()
            if verb in {b"EHLO", b"HELO"}:
                self.reply("250 raw.test")
            elif verb in {b"MAIL", b"RCPT", b"RSET", b"NOOP"}:
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                if hang_up:
                    self.rfile.readline()
                    return
                content = b"".join(iter(self.rfile.readline, b".\r\n"))
                self.server.delivered.append(content)
                self.reply("250 OK")
            elif verb == b"QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Not implemented")


class ScriptedServer(socketserver.TCPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), HangUpInData)
        self.connections = 0
        self.delivered: list[bytes] = []


@pytest.fixture
def hang_up_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def test_a_hang_up_during_data_is_temporary_and_the_next_send_reconnects(hang_up_server):
    config = MailConfig(port=hang_up_server.server_address[1], timeout=5)

    with SmtpMailer(config) as mailer:
        with pytest.raises(TemporaryFailure):
            mailer.send(email("first@example.org", "Cut off"))
        mailer.send(email("second@example.org", "Second try"))

    assert hang_up_server.connections == 2
    assert len(hang_up_server.delivered) == 1
    assert b"Subject: Second try" in hang_up_server.delivered[0]


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def client_tls(certificate_authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    certificate_authority.configure_trust(context)
    return context


def test_starttls_is_used_when_configured(recorder, server_tls, client_tls):
    with (
        smtp_server(recorder, tls_context=server_tls, require_starttls=True) as port,
        SmtpMailer(MailConfig(port=port, use_tls=True, timeout=5), client_tls) as mailer,
    ):
        mailer.send(email("secure@example.org", "Over STARTTLS"))
        mailer.send(email("secure2@example.org", "Still over STARTTLS"))

    assert recorder.subjects == ["Over STARTTLS", "Still over STARTTLS"]
    assert recorder.encrypted == [True, True]
    assert len(set(recorder.peers)) == 1


def test_implicit_tls_is_used_when_configured(recorder, server_tls, client_tls):
    with (
        smtp_server(recorder, ssl_context=server_tls) as port,
        SmtpMailer(MailConfig(port=port, use_ssl=True, timeout=5), client_tls) as mailer,
    ):
        mailer.send(email("secure@example.org", "Over TLS"))

    assert recorder.subjects == ["Over TLS"]
    assert recorder.encrypted == [True]


def test_a_certificate_we_do_not_trust_is_a_temporary_failure(recorder, server_tls):
    # No ssl_context: the system's trust store, which has never heard of the test CA.
    with (
        smtp_server(recorder, tls_context=server_tls, require_starttls=True) as port,
        SmtpMailer(MailConfig(port=port, use_tls=True, timeout=5)) as mailer,
        pytest.raises(TemporaryFailure, match="certificate"),
    ):
        mailer.send(email("secure@example.org", "Not sent"))

    assert recorder.messages == []


def accept_one_user(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    accepted = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USERNAME.encode()
        and auth_data.password == PASSWORD.encode()
    )
    # handled=False: aiosmtpd answers 535 itself when the check fails.
    return AuthResult(success=accepted, handled=False)


@pytest.fixture
def auth_port(recorder: Recorder) -> Iterator[int]:
    with smtp_server(recorder, authenticator=accept_one_user, auth_require_tls=False) as port:
        yield port


def test_the_right_password_logs_in_and_delivers(recorder, auth_port):
    config = MailConfig(port=auth_port, username=USERNAME, password=PASSWORD, timeout=5)
    with SmtpMailer(config) as mailer:
        mailer.send(email("someone@example.org", "Signed in"))

    assert recorder.subjects == ["Signed in"]
    assert recorder.authenticated == [True]


def test_a_refused_login_is_temporary_so_the_message_waits_for_fixed_settings(recorder, auth_port):
    config = MailConfig(port=auth_port, username=USERNAME, password="wrong", timeout=5)
    with (
        SmtpMailer(config) as mailer,
        pytest.raises(TemporaryFailure, match="mail server refused our login"),
    ):
        mailer.send(email("someone@example.org", "Not sent"))

    assert recorder.messages == []


def test_the_folder_mailer_writes_one_file_per_message(tmp_path: Path):
    messages = [email(f"person{n}@example.org", f"Message {n}") for n in range(3)]
    with FolderMailer(tmp_path / "mail") as mailer:
        for message in messages:
            mailer.send(message)

    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 3
    parsed = [BytesParser(policy=policy.default).parsebytes(path.read_bytes()) for path in files]
    assert sorted(str(m["Subject"]) for m in parsed) == ["Message 0", "Message 1", "Message 2"]
