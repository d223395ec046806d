"""The SMS providers: the HTTP one against a real local server, and the folder stand-in."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from housing.config import SmsConfig
from housing.notifications.mail import PermanentFailure, TemporaryFailure
from housing.notifications.sms import (
    FolderSmsProvider,
    HttpSmsProvider,
    international_number,
    sms_provider,
)

TO = "+14155550100"
REFERENCE = "3f2a9c0d8e7b6a5f4e3d2c1b0a998877"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Provider:
    """What the local provider answers next, and every request it was sent."""

    url: str
    status: int = 201
    body: bytes = b'{"id": "SM1"}'
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, status: int, body: bytes | str, **headers: str) -> None:
        self.status = status
        self.body = body.encode() if isinstance(body, str) else body
        self.headers = headers


class _Server(ThreadingHTTPServer):
    # Request threads are joined by server_close(), so none outlives its test.
    daemon_threads = False
    block_on_close = True


@pytest.fixture
def provider() -> Iterator[Provider]:
    state: Provider

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.record()

        def do_GET(self) -> None:
            self.record()

        def record(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            state.received.append(
                Received(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
            )
            if state.hang:
                state.release.wait(10)
                return
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(state.body)))
            for name, value in state.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(state.body)

        def log_message(self, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    state = Provider(url=f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        thread.join()
        server.server_close()


def http_provider(url: str, **overrides: object) -> HttpSmsProvider:
    values: dict[str, object] = {
        "url": url,
        "username": "account",
        "password": "s3cret",
        "sender": "+14155550199",
        "timeout": 0.3,
    }
    values.update(overrides)
    return HttpSmsProvider(SmsConfig(**values))  # type: ignore[arg-type]


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_accepted_message_returns_the_providers_id(provider: Provider) -> None:
    provider.answer(201, '{"id": "SM1", "status": "queued"}')

    assert http_provider(provider.url).send(TO, "Your lottery number is 12.", REFERENCE) == "SM1"

    [request] = provider.received
    assert request.path == "/messages"
    assert json.loads(request.body) == {
        "to": TO,
        "from": "+14155550199",
        "body": "Your lottery number is 12.",
        "reference": REFERENCE,
    }
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == REFERENCE
    expected = base64.b64encode(b"account:s3cret").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


def test_text_outside_ascii_arrives_intact(provider: Provider) -> None:
    http_provider(provider.url).send(TO, "Su número de lotería es 12 — 抽签", REFERENCE)

    assert json.loads(provider.received[0].body)["body"] == "Su número de lotería es 12 — 抽签"


def test_an_answer_without_an_id_returns_the_reference(provider: Provider) -> None:
    provider.answer(200, '{"status": "queued"}')

    assert http_provider(provider.url + "/").send(TO, "Hello", REFERENCE) == REFERENCE
    assert provider.received[0].path == "/messages"


def test_a_username_with_no_password_still_authenticates(provider: Provider) -> None:
    http_provider(provider.url, password=None).send(TO, "Hello", REFERENCE)

    expected = base64.b64encode(b"account:").decode()
    assert provider.received[0].headers["Authorization"] == f"Basic {expected}"


def test_no_username_sends_no_authorization(provider: Provider) -> None:
    http_provider(provider.url, username=None, password=None).send(TO, "Hello", REFERENCE)

    assert "Authorization" not in provider.received[0].headers


def test_a_refused_number_fails_for_good_with_the_providers_words(provider: Provider) -> None:
    provider.answer(400, "invalid number")

    with pytest.raises(PermanentFailure) as failure:
        http_provider(provider.url).send(TO, "Hello", REFERENCE)

    assert "400" in str(failure.value)
    assert "invalid number" in str(failure.value)


def test_a_long_error_page_is_cut_short(provider: Provider) -> None:
    provider.answer(422, "x" * 5000)

    with pytest.raises(PermanentFailure) as failure:
        http_provider(provider.url).send(TO, "Hello", REFERENCE)

    assert str(failure.value) == "422 " + "x" * 200


@pytest.mark.parametrize("status", [408, 429, 500, 503])
def test_a_busy_or_broken_provider_fails_for_now(provider: Provider, status: int) -> None:
    provider.answer(status, "try later")

    with pytest.raises(TemporaryFailure) as failure:
        http_provider(provider.url).send(TO, "Hello", REFERENCE)

    assert str(status) in str(failure.value)


def test_a_redirect_is_not_followed(provider: Provider) -> None:
    # Followed, a POST would turn into a GET with no body, and its 200 would look like a send.
    provider.answer(302, '{"id": "SM1"}', Location="/elsewhere")

    with pytest.raises(TemporaryFailure, match="302"):
        http_provider(provider.url).send(TO, "Hello", REFERENCE)

    assert [(r.method, r.path) for r in provider.received] == [("POST", "/messages")]


def test_a_provider_that_does_not_answer_times_out(provider: Provider) -> None:
    provider.hang = True
    started = time.monotonic()

    with pytest.raises(TemporaryFailure):
        http_provider(provider.url, timeout=0.3).send(TO, "Hello", REFERENCE)

    assert time.monotonic() - started < 5
    assert len(provider.received) == 1


def test_a_refused_connection_fails_for_now() -> None:
    with pytest.raises(TemporaryFailure):
        http_provider(f"http://127.0.0.1:{unused_port()}").send(TO, "Hello", REFERENCE)


@pytest.mark.parametrize(
    "to", ["4155550100", "+1415", "+1 415 555 0100", "+14155550100\n", "+०१२३४५६७८९", ""]
)
def test_what_is_not_an_international_number_is_never_sent(provider: Provider, to: str) -> None:
    with pytest.raises(PermanentFailure, match="not a phone number"):
        http_provider(provider.url).send(to, "Hello", REFERENCE)

    assert provider.received == []


def test_a_reference_that_could_break_the_header_is_never_sent(provider: Provider) -> None:
    with pytest.raises(PermanentFailure):
        http_provider(provider.url).send(TO, "Hello", "abc\r\nX-Injected: 1")

    assert provider.received == []


def test_the_folder_keeps_each_message_once(tmp_path: Path) -> None:
    folder = FolderSmsProvider(tmp_path / "sms")

    assert folder.messages() == []
    assert folder.send(TO, "First", "ref-1") == "ref-1"
    assert folder.send("+442071838750", "Segundo — ñ", "ref-2") == "ref-2"
    assert folder.send(TO, "First", "ref-1") == "ref-1"

    messages = folder.messages()
    assert [(m["to"], m["body"], m["reference"]) for m in messages] == [
        (TO, "First", "ref-1"),
        ("+442071838750", "Segundo — ñ", "ref-2"),
    ]
    assert all(m["at"].endswith("+00:00") for m in messages)
    assert len((tmp_path / "sms" / "messages.jsonl").read_text().splitlines()) == 2


def test_the_folder_refuses_what_the_provider_would(tmp_path: Path) -> None:
    folder = FolderSmsProvider(tmp_path)

    with pytest.raises(PermanentFailure, match="not a phone number"):
        folder.send("415-555-0100", "Hello", "ref-1")

    assert folder.messages() == []


def test_the_provider_follows_the_configuration(tmp_path: Path) -> None:
    assert isinstance(sms_provider(SmsConfig(url="https://sms.example")), HttpSmsProvider)
    both = SmsConfig(url="https://sms.example", folder=tmp_path)
    assert isinstance(sms_provider(both), HttpSmsProvider)
    folder = sms_provider(SmsConfig(folder=tmp_path))
    assert isinstance(folder, FolderSmsProvider)
    assert folder.folder == tmp_path
    with pytest.raises(RuntimeError):
        sms_provider(SmsConfig())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "sms.example", "http://host:port"])
def test_only_http_urls_are_accepted(url: str) -> None:
    with pytest.raises(RuntimeError):
        HttpSmsProvider(SmsConfig(url=url))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("(415) 555-0100", "+14155550100"),
        ("+1 415 555 0100", "+14155550100"),
        ("12", None),
        ("", None),
    ],
)
def test_international_number(raw: str, expected: str | None) -> None:
    assert international_number(raw) == expected
