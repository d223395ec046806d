"""Delivery at the pace of a broadcast: each email written straight to bytes says what the
``email`` package would have made of it, a batch claims its messages a group at a time and still
marks each one sent once, and the statements a batch costs do not grow per message."""

from __future__ import annotations

import math
from collections import Counter
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from sqlalchemy import event, func, select

from housing.db_types import utcnow
from housing.extensions import db
from housing.i18n import LOCALE_CODES
from housing.notifications import services, tasks
from housing.notifications.mail import compose
from housing.notifications.models import (
    Channel,
    MessageEvent,
    MessageState,
    OutboundMessage,
)

HEADERS = (
    "From",
    "To",
    "Subject",
    "Message-ID",
    "Content-Language",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
)
EMAIL_TEMPLATES = sorted(
    template
    for template, channels in services.TEMPLATE_CHANNELS.items()
    if Channel.EMAIL in channels
)


def _parsed(data: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(data)  # type: ignore[return-value]


def _shown(value: object) -> str | None:
    return None if value is None else " ".join(str(value).split())


def _content(message: EmailMessage, kind: str) -> list[str] | None:
    """The lines of a part's text (whatever ends them: quoted-printable keeps the wire's CRLF,
    base64 the text's own line feeds)."""
    part = message.get_body(preferencelist=(kind,))
    return None if part is None else str(part.get_content()).splitlines()  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", LOCALE_CODES)
def test_a_composed_email_reads_as_the_email_package_would_write_it(app, db_session, language):
    with app.test_request_context():
        context = services.sample_context(utcnow())
        for number, template in enumerate(EMAIL_TEMPLATES):
            content = services.render(db_session, Channel.EMAIL, template, language, context, None)
            message = OutboundMessage(
                idempotency_key=f"composed-{language}-{number}",
                channel=Channel.EMAIL,
                recipient=f"reader{number}@example.org",
                language=language,
                template=template,
                context={"unsubscribe": context["unsubscribe"]} if number % 2 else {},
            )
            # As smtplib puts it on the wire.
            reference = _parsed(services.as_email(message, content).as_bytes(policy=policy.SMTP))
            composed = tasks._composed(message, content)
            assert composed is not None
            made = _parsed(composed.data)
            for header in HEADERS:
                # Read as a mail program shows it: the email package folds a long subject
                # right after its name, which unfolds to a leading space.
                assert _shown(made[header]) == _shown(reference[header]), (template, header)
            assert made.get_content_type() == reference.get_content_type()
            for kind in ("plain", "html"):
                assert _content(made, kind) == _content(reference, kind), (template, kind)
            assert composed.message_id == reference["Message-ID"]
            assert composed.recipient == message.recipient
            assert b"\r\n" in composed.data and b"\n" not in composed.data.replace(b"\r\n", b"")


def test_a_long_subject_is_folded_and_an_address_beyond_ascii_is_left_to_the_email_package():
    subject = "Résultats de la loterie pour une très longue résidence au nom sans fin " * 3
    composed = compose(
        sender="Housing <housing@example.org>",
        recipient="someone@example.org",
        subject=subject,
        message_id="<m@example.org>",
        language="fr",
        text="Bonjour\n",
    )
    assert composed is not None
    assert composed.sender == "housing@example.org"
    head = composed.data.split(b"\r\n\r\n", 1)[0]
    assert all(len(line) <= 78 for line in head.split(b"\r\n"))
    made = _parsed(composed.data)
    assert made["Subject"] == subject
    assert _content(made, "plain") == ["Bonjour"]
    assert (
        compose(
            sender="housing@example.org",
            recipient="josé@example.org",
            subject="Hello",
            message_id="<m@example.org>",
            language="en",
            text="Hello\n",
        )
        is None
    )


def _confirmations(db_session, count: int, prefix: str) -> list[int]:  # type: ignore[no-untyped-def]
    ids = [
        services.queue_email(
            db_session,
            to=f"{prefix}-{number}@example.org",
            template="confirm_email",
            language=LOCALE_CODES[number % len(LOCALE_CODES)],
            context={"name": f"G{number}", "link": f"https://example.org/confirm/{number}"},
        ).id
        for number in range(count)
    ]
    db_session.info.pop(services.OUTBOX_KEY, None)
    return ids


class Statements:
    """Counts the statements an engine runs, by their first word."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        self.kinds[statement.split(None, 1)[0].upper()] += 1


def test_a_batch_claims_a_group_at_a_time_and_marks_each_message_sent_once(
    app, db_session, mailbox
):
    count, group = 120, 50
    with app.test_request_context():
        ids = _confirmations(db_session, count, "grouped")
        statements = Statements()
        engine = db.engine
        event.listen(engine, "before_cursor_execute", statements)
        try:
            tasks.deliver_batch(ids, claim_group=group)
            tasks.deliver_batch(ids, claim_group=group)  # the same batch again sends nothing
        finally:
            event.remove(engine, "before_cursor_execute", statements)

    assert Counter(str(message["To"]) for message in mailbox.messages) == Counter(
        f"grouped-{number}@example.org" for number in range(count)
    )
    db_session.expire_all()
    rows = db_session.execute(
        select(OutboundMessage.state, OutboundMessage.attempts, func.count())
        .where(OutboundMessage.id.in_(ids))
        .group_by(OutboundMessage.state, OutboundMessage.attempts)
    ).all()
    assert [tuple(row) for row in rows] == [(MessageState.SENT, 1, count)]
    logged = db_session.execute(
        select(MessageEvent.event, func.count())
        .where(MessageEvent.message_id.in_(ids))
        .group_by(MessageEvent.event)
    ).all()
    assert [tuple(row) for row in logged] == [("sent", count)]
    # Per message: its outcome and its line in the log (one statement on PostgreSQL). Per
    # group: one claim and one count of the addresses. The second run claims nothing.
    groups = math.ceil(count / group)
    writes = statements.kinds["UPDATE"] + statements.kinds["INSERT"] + statements.kinds["WITH"]
    per_message = 1 if db_session.get_bind().dialect.name == "postgresql" else 2
    assert writes == per_message * count + 2 * groups


def test_the_daily_cap_holds_within_one_claimed_group(app, db_session, mailbox):
    limit = app.config["HOUSING"].messages_per_address_per_day
    with app.test_request_context():
        ids = [
            services.queue_email(
                db_session,
                to="one.address@example.org",
                template="confirm_email",
                language="en",
                context={"name": "C", "link": f"https://example.org/confirm/{number}"},
            ).id
            for number in range(limit + 2)
        ]
        db_session.info.pop(services.OUTBOX_KEY, None)
        tasks.deliver_batch(ids, claim_group=len(ids))
    assert len(mailbox.messages) == limit
    db_session.expire_all()
    states = [db_session.get(OutboundMessage, message_id).state for message_id in ids]
    assert states == [MessageState.SENT] * limit + [MessageState.SUPPRESSED] * 2


def test_a_batch_gives_way_to_a_waiting_drain_and_hands_on_what_it_has_not_claimed(
    app, db_session, mailbox, monkeypatch
):
    count, group = 120, 50
    handed: list[list[int]] = []
    checks = iter([False, True])  # a drain starts waiting while the first two groups go out
    monkeypatch.setattr(tasks, "drain_waiting", lambda: next(checks))
    monkeypatch.setattr(tasks, "send", lambda ids: handed.append(list(ids)) or True)
    with app.test_request_context():
        ids = sorted(_confirmations(db_session, count, "gives-way"))
        tasks.deliver_batch(ids, claim_group=group)

    assert handed == [ids[2 * group :]]
    assert sorted(str(message["To"]) for message in mailbox.messages) == sorted(
        f"gives-way-{number}@example.org" for number in range(2 * group)
    )
    db_session.expire_all()
    states = {message_id: db_session.get(OutboundMessage, message_id).state for message_id in ids}
    assert {states[i] for i in ids[: 2 * group]} == {MessageState.SENT}
    # Not claimed: the job they were handed to (or else the sweep) sends them.
    assert {states[i] for i in ids[2 * group :]} == {MessageState.PENDING}


def test_a_batch_that_cannot_hand_on_its_rest_sends_it_and_the_drain_never_gives_way(
    app, db_session, mailbox, monkeypatch
):
    monkeypatch.setattr(tasks, "drain_waiting", lambda: True)
    monkeypatch.setattr(tasks, "send", lambda ids: False)  # Redis did not take the job
    with app.test_request_context():
        ids = _confirmations(db_session, 12, "no-handing")
        tasks.deliver_batch(ids[:6], claim_group=2)
        tasks.deliver_batch(ids[6:], claim_group=1, gives_way=False)
    assert len(mailbox.messages) == 12
    db_session.expire_all()
    assert {db_session.get(OutboundMessage, i).state for i in ids} == {MessageState.SENT}
